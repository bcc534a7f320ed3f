"""/healthz: 200 when the database and the broker answer, 503 otherwise.

Anonymous callers (load balancers, uptime probes) get the status alone, at the cost of one query and one
PING; staff signed in to the admin also get each check's latency and the workers by name (which waits
up to a second for their replies, and names hosts nobody outside needs to know)."""

from __future__ import annotations

import time

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _check_database() -> dict:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"; the reason is reported
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "latency_ms": round((time.monotonic() - started) * 1000, 2)}


def _check_broker() -> dict:
    started = time.monotonic()
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
        client.ping()
        client.close()
    except redis.RedisError as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "latency_ms": round((time.monotonic() - started) * 1000, 2)}


def _check_workers() -> dict:
    from migu_platform.celery import app

    try:
        replies = app.control.ping(timeout=1.0) or []
    except Exception as exc:  # broker down or unreachable
        return {"ok": False, "count": 0, "error": exc.__class__.__name__}
    names = sorted(name for reply in replies for name in reply)
    return {"ok": bool(names), "count": len(names), "workers": names}


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _check_database(), "broker": _check_broker()}
    staff = bool(getattr(request, "user", None) and request.user.is_active and request.user.is_staff)
    if staff:
        checks["workers"] = (
            _check_workers() if checks["broker"]["ok"] else {"ok": False, "count": 0, "error": "broker down"}
        )
    healthy = all(check["ok"] for check in checks.values())
    body: dict = {"status": "ok" if healthy else "unavailable"}
    if staff:
        body["checks"] = checks
    return JsonResponse(body, status=200 if healthy else 503)
