from django.conf import settings

from migu_platform.celery import app
from rights.models import RightsEvent
from rights.tasks import rights_windows_advance_task
from rights.tests.factories import drama_with_rights_in, grant_out


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
