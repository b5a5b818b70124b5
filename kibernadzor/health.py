"""/healthz: is this process able to serve? For load balancers and monitoring."""

import time

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "inline"  # no broker configured: tasks run in the web process
    from kombu import Connection

    with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1)
    return "ok"


def check_cache() -> str:
    """Reported, never failing the probe: the site serves without its cache (it fails open,
    kibernadzor/cache.py), so a load balancer must not take a web host out for it."""
    backend = caches["default"]
    if not hasattr(backend, "available"):
        return "local"  # the file cache of one machine
    return "ok" if backend.available() else "unavailable: serving without it"


@never_cache
@require_GET
def healthz(request):
    """200 with {"status": "ok", ...} when the database and the broker answer, else 503; the
    cache's state is reported too."""
    started = time.monotonic()
    report = {}
    healthy = True
    for name, probe in (("database", check_database), ("broker", check_broker)):
        try:
            report[name] = probe()
        except Exception as exc:  # any failure of a dependency is a failed probe
            healthy = False
            report[name] = f"error: {type(exc).__name__}"
    report["cache"] = check_cache()
    report["status"] = "ok" if healthy else "error"
    report["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
    return JsonResponse(report, status=200 if healthy else 503)
