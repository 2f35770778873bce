"""Settings of the real worker and beat that the fault test (``tests/relances/panne.py``) starts
as other processes: the test database as the application role, a private Redis, a mail server
made of files, a shortened lease and beat tick (``PANNE_*`` variables, set by the harness)."""

import os

from bilan.settings.test import *  # noqa: F403
from bilan.settings.test import DATABASE_APP_ROLE, DATABASES, TEST_APP_DATABASE_PASSWORD

DATABASES["default"]["NAME"] = os.environ["PANNE_BASE"]
DATABASES["default"]["USER"] = DATABASE_APP_ROLE
DATABASES["default"]["PASSWORD"] = TEST_APP_DATABASE_PASSWORD
MAILERS = {
    "default": {
        "BACKEND": "tests.relances.courriers.BoiteFichiers",
        "OPTIONS": {
            "file_path": os.environ["PANNE_BOITE"],
            "lent_secondes": float(os.environ.get("PANNE_LENT", "120")),
        },
    }
}
RELANCES_BAIL_SECONDES = int(os.environ["PANNE_BAIL"])
_TICK = float(os.environ["PANNE_TICK"])
CELERY_BEAT_SCHEDULE = {
    "relances-dispatcher": {
        "task": "relances.tasks.dispatcher_relances",
        "schedule": _TICK,
        "options": {"expires": max(_TICK - 0.5, 0.5)},
    },
}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
