import time

import pytest
from django.contrib.auth.models import User

from conftest import wait_for


@pytest.fixture
def staff_client(client, db):
    client.force_login(User.objects.create_user("ops", password="x", is_staff=True))
    return client


@pytest.mark.django_db
def test_healthz_is_fast_and_minimal_for_anonymous_callers(client):
    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert elapsed < 0.5


def test_healthz_gives_staff_the_checks_and_is_503_without_workers(staff_client):
    response = staff_client.get("/healthz")

    body = response.json()
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True
    # No worker listens on the test broker unless a test starts one.
    if not body["checks"]["workers"]["ok"]:
        assert response.status_code == 503


@pytest.mark.worker
def test_healthz_is_200_with_a_real_worker(client, celery_worker_process):
    celery_worker_process()
    client.force_login(User.objects.create_user("ops", password="x", is_staff=True))

    response = wait_for(lambda: (r := client.get("/healthz")).status_code == 200 and r, message="healthz 200")

    assert response.json()["checks"]["workers"]["count"] >= 1


@pytest.mark.django_db
def test_healthz_reports_a_broker_outage_as_503(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
