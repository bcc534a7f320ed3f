"""Whatever a job's task raises, its Job row ends; a job whose worker is gone ends after a bound."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from conftest import wait_for
from jobs.models import Job, JobKind, JobStatus
from jobs.services import job_create, jobs_stalled_fail
from media.models import Ladder, LadderStatus, Master
from media.services import quality_job_create
from media.tests.factories import episode_make


@pytest.mark.worker
def test_a_job_whose_task_raises_something_unexpected_ends_failed_with_a_named_error(celery_worker_process, tmp_path):
    # given a published ladder whose master's file is not in this worker's storage
    celery_worker_process(queues="transcode", MEDIA_ROOT=str(tmp_path / "empty-storage"))
    episode = episode_make()
    master = Master.objects.create(episode=episode, file="masters/gone.mp4", checksum_sha256="0" * 64)
    ladder = Ladder.objects.create(
        episode=episode, master=master, profile="vertical", source_checksum="0" * 64,
        status=LadderStatus.READY, storage_prefix="ladders/gone",
    )  # fmt: skip

    # when its quality is measured by a real worker
    with transaction.atomic():
        job = quality_job_create(ladder=ladder)

    # then the job ends FAILED with a named code, the exception and the traceback's end in its log
    wait_for(lambda: Job.objects.get(pk=job.pk).status == JobStatus.FAILED, timeout=60, message="job to fail")
    job.refresh_from_db()
    assert job.error_code == "file_missing", (job.error_code, job.error)
    assert "FileNotFoundError" in job.error
    assert "Traceback" in job.log_tail


def test_running_jobs_without_a_heartbeat_end_failed_and_live_ones_stay(db):
    stalled = job_create(kind=JobKind.MAINTENANCE)
    alive = job_create(kind=JobKind.MAINTENANCE)
    Job.objects.filter(pk=stalled.pk).update(status=JobStatus.RUNNING, heartbeat_at=timezone.now() - timedelta(hours=1))
    Job.objects.filter(pk=alive.pk).update(status=JobStatus.RUNNING, heartbeat_at=timezone.now())

    failed = jobs_stalled_fail(older_than=timedelta(minutes=30))

    assert failed == [stalled.pk]
    assert Job.objects.get(pk=stalled.pk).error_code == "worker_lost"
    assert Job.objects.get(pk=alive.pk).status == JobStatus.RUNNING
