"""The transcode queue on real Celery worker processes: progress, a killed worker, the attempt limit."""

from __future__ import annotations

import os
import re
import signal
import time

import psutil
import pytest
from django.core.files.storage import storages

from conftest import wait_for
from jobs.models import Job, JobStatus
from jobs.runners import job_enqueue
from jobs.services import job_retry
from media.models import Ladder, LadderStatus, Rendition
from media.storage import storage_walk
from media.tests.factories import episode_make, master_upload

pytestmark = [pytest.mark.worker, pytest.mark.slow]


def job_row(job_id: int) -> Job:
    return Job.objects.get(pk=job_id)


def pool_children(worker) -> list[psutil.Process]:
    return psutil.Process(worker.process.pid).children()


def ffmpeg_under(process: psutil.Process) -> list[psutil.Process]:
    return [p for p in process.children(recursive=True) if "ffmpeg" in p.name()]


def test_a_worker_transcodes_an_uploaded_master_reporting_progress(transcode_worker, media_sources):
    # given a worker on the transcode queue
    transcode_worker(MEDIA_X264_PRESET="medium")
    episode = episode_make()

    # when a master is ingested (its task is sent on commit)
    _master, job = master_upload(episode, media_sources["long"])

    # then the job row shows progress while running, and ends SUCCEEDED with a live ladder
    seen: set[float] = set()

    def finished():
        row = job_row(job.pk)
        if row.status == JobStatus.RUNNING:
            seen.add(row.progress)
        return row.status in (JobStatus.SUCCEEDED, JobStatus.FAILED) and row

    row = wait_for(finished, timeout=120, interval=0.1, message="the transcode to finish")
    assert row.status == JobStatus.SUCCEEDED, row.error
    assert row.attempts == 1 and row.progress == 100.0 and row.worker.startswith("test-")
    assert any(0 < p < 85 for p in seen), seen
    assert Ladder.objects.get(episode=episode).status == LadderStatus.READY

    # and the admin's re-run (through the registered job runner) rebuilds it in place
    job_enqueue(job_retry(job=row))
    row = wait_for(
        lambda: (r := job_row(job.pk)).status in (JobStatus.SUCCEEDED, JobStatus.FAILED) and r,
        timeout=120,
        message="the re-run to finish",
    )
    assert row.status == JobStatus.SUCCEEDED and row.attempts == 1
    assert Ladder.objects.filter(episode=episode, status=LadderStatus.READY).count() == 1
    assert Rendition.objects.filter(ladder__episode=episode).count() == 1


def test_a_killed_worker_process_reruns_the_job_which_completes_exactly_once(transcode_worker, media_sources):
    # given a worker transcoding a master (slowed down so it can be caught mid-way)
    worker = transcode_worker(MEDIA_X264_PRESET="slow")
    episode = episode_make()
    _master, job = master_upload(episode, media_sources["long"])
    wait_for(lambda: job_row(job.pk).progress > 0, timeout=60, interval=0.1, message="encoding to start")
    [child] = pool_children(worker)
    encoders = ffmpeg_under(child)
    assert encoders, "ffmpeg should be running under the pool process"

    # when the pool process running it is SIGKILLed mid-transcode
    os.kill(child.pid, signal.SIGKILL)

    # then its ffmpeg dies with it, the task is redelivered, and the job completes once, on a second attempt
    psutil.wait_procs(encoders, timeout=10)
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in encoders)
    row = wait_for(
        lambda: (r := job_row(job.pk)).status in (JobStatus.SUCCEEDED, JobStatus.FAILED) and r,
        timeout=180,
        message="the redelivered transcode to finish",
    )
    assert row.status == JobStatus.SUCCEEDED, row.error
    assert row.attempts == 2
    time.sleep(2)  # a duplicate delivery, were there one, would show up here
    assert job_row(job.pk).attempts == 2
    ladder = Ladder.objects.get(episode=episode)
    assert ladder.status == LadderStatus.READY
    assert Rendition.objects.filter(ladder=ladder).count() == 1
    # (the rung's v0/ and the audio rendition's v1/ are folders of the build)
    prefixes = {name.rsplit("/", 2)[0] if re.search(r"/v\d+/[^/]+$", name) else name.rsplit("/", 1)[0]
                for name in storage_walk(storages["default"], "hls")}  # fmt: skip
    assert prefixes == {ladder.storage_prefix}


def test_a_job_whose_worker_keeps_dying_ends_failed_not_pending(transcode_worker, media_sources):
    # given a transcode job that may run only once, queued before the worker starts
    episode = episode_make()
    _master, job = master_upload(episode, media_sources["long"])
    Job.objects.filter(pk=job.pk).update(max_attempts=1)
    worker = transcode_worker(MEDIA_X264_PRESET="slow")
    wait_for(lambda: job_row(job.pk).progress > 0, timeout=60, interval=0.1, message="encoding to start")

    # when its worker process is killed
    [child] = pool_children(worker)
    os.kill(child.pid, signal.SIGKILL)

    # then the redelivery finds the attempts used up: FAILED with the reason, nothing published
    row = wait_for(
        lambda: (r := job_row(job.pk)).status == JobStatus.FAILED and r, timeout=60, message="the job to fail"
    )
    assert row.error_code == "attempts_exhausted" and row.attempts == 1
    assert not Ladder.objects.filter(episode=episode, status=LadderStatus.READY).exists()
    assert list(storage_walk(storages["default"], "hls")) == []


def test_a_whole_worker_killed_and_restarted_completes_the_job_exactly_once(transcode_worker, media_sources):
    # given a worker transcoding a master
    worker = transcode_worker(MEDIA_X264_PRESET="slow")
    episode = episode_make()
    _master, job = master_upload(episode, media_sources["long"])
    wait_for(lambda: job_row(job.pk).progress > 0, timeout=60, interval=0.1, message="encoding to start")

    # when the whole worker (main process, pool and ffmpeg) is SIGKILLed, as a lost machine would be,
    # and a worker is started again; its short visibility timeout lets it restore the unacked message
    worker.kill(signal.SIGKILL)
    assert job_row(job.pk).status == JobStatus.RUNNING
    time.sleep(3)
    started = time.monotonic()
    transcode_worker(MEDIA_X264_PRESET="veryfast", CELERY_VISIBILITY_TIMEOUT="2")

    # then the job is delivered again and completes, once
    row = wait_for(
        lambda: (r := job_row(job.pk)).status in (JobStatus.SUCCEEDED, JobStatus.FAILED) and r,
        timeout=240,
        message="the restored transcode to finish",
    )
    print(f"restored and finished {time.monotonic() - started:.1f} s after the restart")
    assert row.status == JobStatus.SUCCEEDED, row.error
    assert row.attempts == 2
    assert Ladder.objects.filter(episode=episode).count() == 1
    assert Rendition.objects.filter(ladder__episode=episode).count() == 1


def test_the_purge_of_superseded_ladders_runs_on_a_default_queue_worker(celery_worker_process, media_sources, settings):
    from django.test import TestCase

    from media.tasks import superseded_ladders_purge, transcode_master

    # given a superseded ladder whose keep period is over (the worker is told it is 0 s)
    episode = episode_make()
    for source in ("vertical", "silent"):
        _master, job = master_upload(episode, media_sources[source])
        with TestCase.captureOnCommitCallbacks(execute=True):
            transcode_master.apply(args=[job.pk])
    old = Ladder.objects.get(episode=episode, status=LadderStatus.SUPERSEDED)
    prefix = old.storage_prefix
    assert list(storage_walk(storages["default"], prefix))
    celery_worker_process(queues="default", MEDIA_ROOT=str(settings.MEDIA_ROOT), MEDIA_SUPERSEDED_KEEP_SECONDS="0")

    # when beat's task is sent (it is routed to the default queue, not behind transcodes)
    superseded_ladders_purge.delay()

    # then the worker deletes its files and keeps the row
    wait_for(lambda: not list(storage_walk(storages["default"], prefix)), timeout=60, message="the purge")
    old.refresh_from_db()
    assert old.storage_prefix == "" and old.status == LadderStatus.SUPERSEDED
    assert Ladder.objects.get(episode=episode, status=LadderStatus.READY).storage_prefix
