"""``/healthz``: database, cache and Celery status as JSON, 503 when the database is down."""

from typing import Any

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001  (any failure means "down")
        return "error"
    return "ok"


def _check_cache() -> str:
    try:
        cache.set("healthz", "1", 10)
        return "ok" if cache.get("healthz") == "1" else "error"
    except Exception:  # noqa: BLE001
        return "error"


def _check_celery() -> dict[str, Any]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"status": "in-process", "workers": 0}
    # The project's Celery app (``bilan.celery``) is the current app once the project package
    # is imported; reaching it through Celery keeps this module from importing the project.
    app = current_app
    try:
        with app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
        replies = app.control.ping(timeout=0.5) or []
    except Exception:  # noqa: BLE001
        return {"status": "broker-unreachable", "workers": 0}
    return {"status": "ok" if replies else "no-worker", "workers": len(replies)}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    database = _check_database()
    payload = {"database": database, "cache": _check_cache(), "celery": _check_celery()}
    payload["status"] = "ok" if database == "ok" else "error"
    return JsonResponse(payload, status=200 if database == "ok" else 503)
