"""Test settings: PostgreSQL and Redis are required (see the README's test command)."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://bilan:bilan@127.0.0.1:5432/bilan")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("SECURE_TLS", "false")

from .base import *  # noqa: E402, F403
from .base import DATABASES, USES_POSTGRES  # noqa: E402

if not USES_POSTGRES:
    raise RuntimeError("La suite de tests tourne sur PostgreSQL : définissez DATABASE_URL.")

DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME", "test_bilan")}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Tests check the real wiring: tasks go through the broker unless a test runs them itself.
CELERY_TASK_ALWAYS_EAGER = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
        "KEY_PREFIX": "bilan-tests",
    }
}
# Worker tests wait for results; production ignores them.
CELERY_RESULT_BACKEND = os.environ["REDIS_URL"]
CELERY_TASK_IGNORE_RESULT = False
