"""Settings of the load test (``bench/bench_charge.py``): the production settings module's
choices (``bilan.settings.base``: DEBUG off, persistent connections, real cache and sessions)
on the benchmark's database (``BENCH_BASE``, the volume of ``bench_generer``) as the
application role, with the floor view mounted (``bench.urls``)."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://bilan_owner:bilan_owner@127.0.0.1:5432/bilan")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")  # as bilan.settings.test
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("SECURE_TLS", "false")

from bilan.settings.base import *  # noqa: E402, F403
from bilan.settings.base import DATABASES  # noqa: E402

DATABASES["default"]["NAME"] = os.environ.get("BENCH_BASE", "test_bilan_p")
DATABASES["default"]["USER"] = os.environ.get("DATABASE_APP_ROLE", "bilan_app")
DATABASES["default"]["PASSWORD"] = os.environ.get("TEST_APP_DATABASE_PASSWORD", "bilan_app")
ROOT_URLCONF = "bench.urls"
LOGGING_CONFIG = None  # no access log on the console during the run
# No collectstatic in the bench: the manifest storage would fail on every page with assets
# (whitenoise still serves them from the finders).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
