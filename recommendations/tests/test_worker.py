import pytest

from conftest import wait_for
from jobs.models import Job, JobStatus
from recommendations.models import MatchingModelVersion
from recommendations.tasks import matching_job_start
from recommendations.tests.factories import matching_world


@pytest.fixture
def matching_worker(celery_worker_process, settings):
    from migu_platform.celery import app

    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge("matching")
    return lambda: celery_worker_process(queues="matching", concurrency=1, MEDIA_ROOT=str(settings.MEDIA_ROOT))


def test_a_worker_on_the_matching_queue_runs_the_job_and_switches_the_live_model(matching_worker):
    # given events, and a worker on the matching queue
    matching_world(users=12)
    matching_worker()

    # when a run is started (as beat and the admin do)
    job = matching_job_start()

    # then the job row ends SUCCEEDED naming the version it made live
    finished = wait_for(
        lambda: Job.objects.filter(pk=job.pk, status__in=[JobStatus.SUCCEEDED, JobStatus.FAILED]).first(),
        timeout=120,
        message="the matching job to finish",
    )
    assert finished.status == JobStatus.SUCCEEDED, finished.error
    assert MatchingModelVersion.objects.get(is_live=True).pk == finished.result["version_id"]
    assert finished.attempts == 1
