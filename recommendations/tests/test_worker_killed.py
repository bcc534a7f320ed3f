"""A matching run whose worker is killed mid-way: the previous version keeps serving, and the job ends."""

from __future__ import annotations

import os
import signal

import psutil
import pytest
from django.db import connections

from conftest import wait_for
from jobs.models import Job, JobStatus
from recommendations.matching import matching_run
from recommendations.models import ChannelLineup, MatchingModelStatus, MatchingModelVersion
from recommendations.selectors import channel_lineup
from recommendations.tasks import matching_job_start
from recommendations.tests.factories import matching_world

pytestmark = [pytest.mark.worker, pytest.mark.slow]
LINEUPS = ChannelLineup._meta.db_table


def waiting_on_lineups() -> bool:
    """Whether some session is queued for a lock on the line-ups table (the run, about to store them)."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE relation = %s::regclass AND NOT granted", [LINEUPS])
        return cursor.fetchone()[0] > 0


@pytest.mark.parametrize(("max_attempts", "ends"), [(2, JobStatus.SUCCEEDED), (1, JobStatus.FAILED)])
def test_a_run_whose_worker_is_killed_leaves_the_previous_version_live_and_the_job_ends(
    celery_worker_process, settings, max_attempts, ends
):
    # given a live version, and a worker on the matching queue
    from migu_platform.celery import app

    _operator, channel, _titles = matching_world(users=12)
    previous = matching_run(params={"iterations": 3, "factors": 8})
    served_before = channel_lineup(channel=channel, limit=50).as_dict()
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge("matching")
    worker = celery_worker_process(queues="matching", concurrency=1, MEDIA_ROOT=str(settings.MEDIA_ROOT))
    # A second session holds the line-ups table so the run stops right before it stores them.
    locker = connections["default"].copy()
    locker.connect()
    locker.set_autocommit(False)
    try:
        with locker.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {LINEUPS} IN SHARE MODE")
        job = matching_job_start()
        Job.objects.filter(pk=job.pk).update(max_attempts=max_attempts)
        wait_for(waiting_on_lineups, timeout=120, message="the run to reach the line-ups")
        assert Job.objects.get(pk=job.pk).progress >= 60  # trained, artifact stored

        # when the pool process running it is SIGKILLed
        [child] = psutil.Process(worker.process.pid).children()
        os.kill(child.pid, signal.SIGKILL)
        psutil.wait_procs([child], timeout=10)

        # then, while the job is unfinished, the previous version is the live one and serves the same line-up
        assert MatchingModelVersion.objects.get(is_live=True).pk == previous.pk
        assert channel_lineup(channel=channel, limit=50).as_dict() == served_before
    finally:
        locker.rollback()
        locker.close()

    # and the job ends, never stuck RUNNING: re-run once to a new live version, or FAILED naming why
    row = wait_for(
        lambda: (r := Job.objects.get(pk=job.pk)).status in (JobStatus.SUCCEEDED, JobStatus.FAILED) and r,
        timeout=120,
        message="the job to end",
    )
    assert row.status == ends, row.error
    made = MatchingModelVersion.objects.filter(job=row).order_by("pk")
    live = MatchingModelVersion.objects.get(is_live=True)
    if ends == JobStatus.SUCCEEDED:
        assert row.attempts == 2
        killed, rerun = made
        assert killed.status == MatchingModelStatus.FAILED and "worker" in killed.error
        assert live.pk == rerun.pk == row.result["version_id"]
    else:
        assert row.error_code == "attempts_exhausted" and row.attempts == 1
        [killed] = made
        assert killed.status == MatchingModelStatus.FAILED and "no attempts were left" in killed.error
        assert live.pk == previous.pk
        assert channel_lineup(channel=channel, limit=50).as_dict() == served_before
    # the killed attempt stored no line-up of its own
    assert not ChannelLineup.objects.filter(version__status=MatchingModelStatus.FAILED).exists()
