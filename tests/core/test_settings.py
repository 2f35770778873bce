import os
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
