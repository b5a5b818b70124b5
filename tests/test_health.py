"""/healthz reports the database and the broker, for load balancers."""

from kibernadzor import health


def test_healthz_is_ok_with_database_and_inline_tasks(db, client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["broker"] == "inline"


def test_healthz_reaches_the_configured_broker(db, client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = client.get("/healthz")
    assert response.json()["broker"] == "ok", response.json()
    assert response.status_code == 200


def test_healthz_is_503_when_the_broker_is_unreachable(db, client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    # Port 9 on loopback: nothing listens there, the connection is refused at once.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")
    assert health.check_database() == "ok"
