"""``/healthz``: database, cache and Celery status as JSON.

- ``"status": "ok"``, HTTP 200: everything answers (a broker without a worker is still ``ok``:
  the outbox keeps the due rows until a worker takes them).
- ``"status": "degraded"``, HTTP 200, ``"degraded": [...]``: the app serves requests, but a
  part is down: ``cache`` (Redis unreachable, the process serves from its local fallback, see
  ``bilan.core.cache``) and/or ``celery`` (broker unreachable: notifications wait in the
  database outbox and go out once it is back).
- ``"status": "error"``, HTTP 503: the database does not answer; nothing can be served.
"""

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
    """``ok``, ``local-fallback`` (Redis unreachable, the fallback serves) or ``error``."""
    # The fallback backend pings Redis itself (its set/get would succeed on the fallback).
    redis_joignable = getattr(cache, "redis_joignable", None)
    if redis_joignable is not None and not redis_joignable():
        return "local-fallback"
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
            replies = app.control.ping(timeout=0.5, connection=conn) or []
    except Exception:  # noqa: BLE001
        return {"status": "broker-unreachable", "workers": 0}
    return {"status": "ok" if replies else "no-worker", "workers": len(replies)}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    database = _check_database()
    payload: dict[str, Any] = {
        "database": database,
        "cache": _check_cache(),
        "celery": _check_celery(),
    }
    degraded = [
        part
        for part, failing in (
            ("cache", payload["cache"] != "ok"),
            ("celery", payload["celery"]["status"] == "broker-unreachable"),
        )
        if failing
    ]
    if database != "ok":
        payload["status"] = "error"
    elif degraded:
        payload["status"] = "degraded"
    if degraded:
        payload["degraded"] = degraded
    payload.setdefault("status", "ok")
    return JsonResponse(payload, status=200 if database == "ok" else 503)
