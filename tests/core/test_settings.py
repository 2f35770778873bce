import ast
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from bilan.core.logfilters import scrub
from bilan.settings import env

ROOT = Path(__file__).resolve().parents[2]


def test_env_helpers_parse_and_fail_loudly(monkeypatch):
    monkeypatch.setenv("X_BOOL", "oui")
    assert env.env_bool("X_BOOL") is True
    monkeypatch.setenv("X_BOOL", "peut-être")
    with pytest.raises(ImproperlyConfigured, match="booléen"):
        env.env_bool("X_BOOL")
    monkeypatch.setenv("X_INT", "douze")
    with pytest.raises(ImproperlyConfigured, match="entier"):
        env.env_int("X_INT", 1)
    monkeypatch.setenv("X_LIST", "a.fr, b.fr,,")
    assert env.env_list("X_LIST") == ["a.fr", "b.fr"]
    monkeypatch.setenv("X_DB", "mysql://u:p@h/db")
    with pytest.raises(ImproperlyConfigured):
        env.env_database("X_DB", "sqlite:///x")
    monkeypatch.setenv("X_DB", "postgres://u:p@127.0.0.1:5432/bilan")
    assert env.env_database("X_DB", "sqlite:///x")["NAME"] == "bilan"
    monkeypatch.setenv("X_REDIS", "http://127.0.0.1")
    with pytest.raises(ImproperlyConfigured, match="schéma"):
        env.env_url("X_REDIS", {"redis"})
    monkeypatch.delenv("X_REQUIRED", raising=False)
    with pytest.raises(ImproperlyConfigured, match="obligatoire"):
        env.env_str("X_REQUIRED")


def _manage(*args, extra_env: dict, cwd=ROOT, timeout=60):
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_", "SECURE_"))
    }
    environment.update({"DJANGO_SETTINGS_MODULE": "bilan.settings.base", **extra_env})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.slow
def test_check_deploy_passes_with_production_variables(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        extra_env={
            "SECRET_KEY": "x" * 30 + "-Prod-Secret-Key-With-Enough-Entropy-8c1f",
            "ALLOWED_HOSTS": "bilan.exemple.fr",
            "DATABASE_URL": "postgres://bilan:bilan@127.0.0.1:5432/bilan",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "EMAIL_HOST": "smtp.exemple.fr",
            "BILAN_DATA_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_check_deploy_refuses_the_demo_secret(tmp_path):
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", extra_env={"BILAN_DATA_DIR": str(tmp_path)}
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr + result.stdout


def test_a_bad_variable_stops_the_start(tmp_path):
    result = _manage("check", extra_env={"DEBUG": "parfois", "BILAN_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "DEBUG='parfois' n'est pas un booléen" in result.stderr


def test_logs_carry_no_personal_data():
    line = "Connexion de camille.durand@exemple.fr, tél. 06 12 34 56 78"
    assert scrub(line) == "Connexion de [courriel], tél. [téléphone]"


# --- E-mail: backend and TLS defaults (settings read as the process starts) -----------------

EMAIL_VARIABLES = (
    "EMAIL_BACKEND",
    "EMAIL_FILE_PATH",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
)


def _mailer(monkeypatch, tmp_path, **variables):
    """``MAILERS["default"]`` as ``bilan/settings/base.py`` computes it from ``variables``."""
    for name in EMAIL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BILAN_DATA_DIR", str(tmp_path))
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    namespace = runpy.run_path(str(ROOT / "bilan" / "settings" / "base.py"))
    assert "EMAIL_BACKEND" not in namespace  # MAILERS only (Django 6.1)
    return namespace["MAILERS"]["default"]


def _smtp(mailer):
    options = mailer["OPTIONS"]
    assert mailer["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    return options["port"], options["use_tls"], options["use_ssl"]


def test_without_email_host_emails_go_to_the_console(monkeypatch, tmp_path):
    mailer = _mailer(monkeypatch, tmp_path)
    assert mailer["BACKEND"] == "django.core.mail.backends.console.EmailBackend"


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "::1"])
def test_a_local_relay_gets_port_25_without_starttls(monkeypatch, tmp_path, host):
    assert _smtp(_mailer(monkeypatch, tmp_path, EMAIL_HOST=host)) == (25, False, False)


def test_a_remote_server_gets_starttls_on_587_or_implicit_tls_on_465(monkeypatch, tmp_path):
    assert _smtp(_mailer(monkeypatch, tmp_path, EMAIL_HOST="smtp.exemple.fr")) == (
        587,
        True,
        False,
    )
    mailer = _mailer(monkeypatch, tmp_path, EMAIL_HOST="smtp.exemple.fr", EMAIL_USE_SSL="true")
    assert _smtp(mailer) == (465, False, True)


def test_explicit_values_win_over_the_defaults(monkeypatch, tmp_path):
    mailer = _mailer(
        monkeypatch, tmp_path, EMAIL_HOST="localhost", EMAIL_USE_TLS="true", EMAIL_PORT="2525"
    )
    assert _smtp(mailer) == (2525, True, False)
    mailer = _mailer(monkeypatch, tmp_path, EMAIL_HOST="smtp.exemple.fr", EMAIL_USE_TLS="false")
    assert _smtp(mailer) == (587, False, False)


def test_email_settings_that_cannot_work_stop_the_start(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="s'excluent"):
        _mailer(
            monkeypatch,
            tmp_path,
            EMAIL_HOST="smtp.exemple.fr",
            EMAIL_USE_TLS="true",
            EMAIL_USE_SSL="true",
        )
    with pytest.raises(ImproperlyConfigured, match="EMAIL_BACKEND='pigeon'"):
        _mailer(monkeypatch, tmp_path, EMAIL_BACKEND="pigeon")
    with pytest.raises(ImproperlyConfigured, match="demande EMAIL_HOST"):
        _mailer(monkeypatch, tmp_path, EMAIL_BACKEND="smtp")


def test_the_file_backend_writes_in_the_folder(monkeypatch, tmp_path):
    mailer = _mailer(
        monkeypatch, tmp_path, EMAIL_BACKEND="file", EMAIL_FILE_PATH=str(tmp_path / "boite")
    )
    assert mailer == {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": str(tmp_path / "boite")},
    }
    mailer = _mailer(monkeypatch, tmp_path, EMAIL_BACKEND="FILE", EMAIL_HOST="smtp.exemple.fr")
    assert mailer["OPTIONS"] == {"file_path": str(tmp_path / "courriels")}


@pytest.mark.slow
def test_emails_land_in_the_folder_with_email_backend_file(tmp_path):
    """The real start: ``EMAIL_BACKEND=file`` makes Django write each message to the folder,
    and nothing leaves by SMTP even with EMAIL_HOST set."""
    boite = tmp_path / "boite"
    result = _manage(
        "sendtestemail",
        "destinataire@exemple.fr",
        extra_env={
            "EMAIL_BACKEND": "file",
            "EMAIL_FILE_PATH": str(boite),
            "EMAIL_HOST": "smtp.injoignable.invalid",
            "BILAN_DATA_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    [fichier] = list(boite.iterdir())
    contenu = fichier.read_text()
    assert "To: destinataire@exemple.fr" in contenu
    assert "Test email from" in contenu


# --- Every variable the settings read is documented -----------------------------------------

LECTEURS = {"env_str", "env_bool", "env_int", "env_list", "env_database", "env_url", "env_choice"}


def _variables_lues(source: str, fichier: str) -> set[str]:
    """Names of the environment variables a settings module reads: the ``env_*`` helpers,
    ``os.environ.get/setdefault``, ``os.environ[...]`` and ``os.getenv``. A name that is not a
    literal fails (it could not be documented)."""
    noms = set()

    def nom(noeud: ast.expr, ligne: int) -> None:
        litteral = isinstance(noeud, ast.Constant) and isinstance(noeud.value, str)
        assert litteral, f"{fichier}:{ligne} : nom de variable non littéral"
        noms.add(noeud.value)

    for noeud in ast.walk(ast.parse(source)):
        if isinstance(noeud, ast.Call) and noeud.args:
            fonction = ast.unparse(noeud.func)
            if fonction in LECTEURS | {
                "os.environ.get",
                "os.environ.setdefault",
                "os.getenv",
            }:
                nom(noeud.args[0], noeud.lineno)
        elif isinstance(noeud, ast.Subscript) and ast.unparse(noeud.value) == "os.environ":
            nom(noeud.slice, noeud.lineno)
    return noms


def _variables_documentees() -> set[str]:
    """The names in the first column of the README's configuration table."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    noms = set()
    for ligne in section.splitlines():
        if ligne.startswith("| `"):
            premiere_colonne = ligne.split("|")[1]
            noms |= set(re.findall(r"`([A-Z][A-Z0-9_]*)", premiere_colonne))
    return noms


def test_every_variable_read_by_the_settings_is_in_the_readme_table():
    dossier = ROOT / "bilan" / "settings"
    lues = set()
    for fichier in sorted(dossier.glob("*.py")):
        if fichier.name == "env.py":  # the helpers themselves (a name is their argument)
            continue
        lues |= _variables_lues(fichier.read_text(encoding="utf-8"), fichier.name)
    assert {"DATABASE_URL", "EMAIL_TIMEOUT", "TEST_DATABASE_NAME"} <= lues  # the parser sees
    manquantes = sorted(lues - _variables_documentees())
    assert manquantes == [], f"Ajoutez au tableau « Configuration » du README : {manquantes}"
