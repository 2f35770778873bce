"""Settings of the real worker that ``bench/bench_outbox.py`` starts as another process: the
bench's test database as the application role, persistent connections as in production, the
bench's private queue, and a mail server made of files (``tests.relances.courriers.Journal``)."""

import os

from bilan.settings.test import *  # noqa: F403
from bilan.settings.test import DATABASE_APP_ROLE, DATABASES, TEST_APP_DATABASE_PASSWORD

DATABASES["default"]["NAME"] = os.environ["BANC_BASE"]
DATABASES["default"]["USER"] = DATABASE_APP_ROLE
DATABASES["default"]["PASSWORD"] = TEST_APP_DATABASE_PASSWORD
# Production's persistent connections (bilan.settings.base), not the tests' one per task.
DATABASES["default"]["CONN_MAX_AGE"] = 60
MAILERS = {
    "default": {
        "BACKEND": "tests.relances.courriers.Journal",
        "OPTIONS": {"file_path": os.environ["BANC_BOITE"]},
    }
}
CELERY_TASK_ROUTES = {"relances.tasks.*": {"queue": os.environ["BANC_FILE"]}}
CELERY_BEAT_SCHEDULE: dict[str, object] = {}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Experiment only (BANC_DB_REUSE=1): Celery's Django fix-up closes the database connection around
# every task unless CELERY_DB_REUSE_MAX is set; this measures what that reconnect costs.
if os.environ.get("BANC_DB_REUSE") == "1":
    CELERY_DB_REUSE_MAX = 1000
