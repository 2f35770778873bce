"""The README's run command works on the embedded default: SQLite, no Redis, tasks in-process."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_migrate_seed_and_serve_on_sqlite(tmp_path):
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_", "SECURE_"))
    }
    environment.update(
        {"DJANGO_SETTINGS_MODULE": "bilan.settings.base", "BILAN_DATA_DIR": str(tmp_path)}
    )

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )

    manage("migrate", "--noinput")
    manage("collectstatic", "--noinput", "-v0")  # as `make run` does: served by WhiteNoise
    first = manage("seed_demo").stdout
    assert "consultant@atelier-parcours.example" in first
    manage("seed_demo")  # twice: nothing duplicated
    counts = manage(
        "shell",
        "--no-imports",
        "-c",
        "from bilan.core.models import User, Organisation; "
        "print(User.objects.count(), Organisation.objects.count())",
    ).stdout.split()
    assert (tmp_path / "db.sqlite3").exists()
    assert counts[1] == "2"
    users_after_two_runs = int(counts[0])
    assert users_after_two_runs == 6 + 3  # 6 staff + 3 beneficiaries with a portal

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        body = None
        for _ in range(60):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/") as r:
                    body = r.read().decode()
                    break
            except urllib.error.HTTPError as error:
                pytest.fail(f"le serveur de démonstration a répondu {error.code}")
            except OSError:
                time.sleep(0.25)
        assert body is not None, "le serveur de démonstration n'a pas répondu"
        assert '<html lang="fr">' in body
        assert "Connexion" in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as r:
            assert b'"in-process"' in r.read()
    finally:
        server.terminate()
        server.wait(timeout=10)
