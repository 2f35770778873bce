"""Test settings: PostgreSQL and Redis are required (see the README's test command)."""

import os
import tempfile

# pytest-django creates test_bilan and migrates it as the owner; the tests then reconnect as the
# application role (tests/conftest.py, fixture django_db_setup). See the README.
os.environ.setdefault("DATABASE_URL", "postgres://bilan_owner:bilan_owner@127.0.0.1:5432/bilan")
os.environ.setdefault("DATABASE_APP_ROLE", "bilan_app")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("SECURE_TLS", "false")
os.environ.setdefault("PRIVATE_ROOT", tempfile.mkdtemp(prefix="bilan-private-"))

from .base import *  # noqa: E402, F403
from .base import DATABASES, PRIVATE_ROOT, USES_POSTGRES  # noqa: E402

if not USES_POSTGRES:
    raise RuntimeError("La suite de tests tourne sur PostgreSQL : définissez DATABASE_URL.")

DATABASES["default"]["CONN_MAX_AGE"] = 0
TEST_APP_DATABASE_PASSWORD = os.environ.get("TEST_APP_DATABASE_PASSWORD", "bilan_app")
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME", "test_bilan")}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Tests check the real wiring: tasks go through the broker unless a test runs them itself.
CELERY_TASK_ALWAYS_EAGER = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_ROOT)},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
CACHES = {
    "default": {
        "BACKEND": "bilan.core.cache.RedisCacheSecours",
        "LOCATION": os.environ["REDIS_URL"],
        "KEY_PREFIX": "bilan-tests",
    }
}
# Worker tests wait for results; production ignores them.
CELERY_RESULT_BACKEND = os.environ["REDIS_URL"]
CELERY_TASK_IGNORE_RESULT = False
