import pytest

from conftest import wait_for


@pytest.mark.django_db
def test_healthz_is_503_without_workers(client, settings):
    response = client.get("/healthz")

    body = response.json()
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True
    # No worker listens on the test broker unless a test starts one.
    if not body["checks"]["workers"]["ok"]:
        assert response.status_code == 503


@pytest.mark.worker
def test_healthz_is_200_with_a_real_worker(client, celery_worker_process):
    celery_worker_process()

    response = wait_for(lambda: (r := client.get("/healthz")).status_code == 200 and r, message="healthz 200")

    assert response.json()["checks"]["workers"]["count"] >= 1


@pytest.mark.django_db
def test_healthz_reports_a_broker_outage_as_503(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False
