import pytest
from django.conf import settings

from conftest import wait_for
from migu_platform.celery import app
from rights.models import RightsEvent
from rights.tasks import rights_windows_advance_task
from rights.tests.factories import at, drama_with_rights_in, grant_out


def test_beat_schedule_runs_the_registered_state_task():
    entry = settings.CELERY_BEAT_SCHEDULE["rights-windows-advance"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    assert entry["task"] == rights_windows_advance_task.name
    assert entry["schedule"] <= 60


def test_state_task_records_events(db):
    drama = drama_with_rights_in(licence_types=("AVOD",))
    window = grant_out(drama)  # started on 2026-01-01, before now
    result = rights_windows_advance_task.apply().get()
    assert result["started"] >= 1
    assert RightsEvent.objects.filter(window=window, kind="started").count() == 1
    assert rights_windows_advance_task.apply().get()["started"] == 0


@pytest.mark.worker
def test_state_task_runs_in_a_real_worker(celery_worker_process):
    # given a window that started before now, and a real worker on the default queue
    drama = drama_with_rights_in(licence_types=("AVOD",))
    window = grant_out(drama, start=at(0), end=None)
    celery_worker_process(queues="default")

    # when the beat entry's task is sent to the broker
    app.send_task(settings.CELERY_BEAT_SCHEDULE["rights-windows-advance"]["task"])

    # then the worker records the start as a change event
    wait_for(
        lambda: RightsEvent.objects.filter(window=window, kind="started").exists(),
        timeout=60,
        message="the started event",
    )
