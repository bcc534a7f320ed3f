"""Dub packaging on a real Celery worker process (the `transcode` queue)."""

from __future__ import annotations

import pytest

from conftest import wait_for
from jobs.models import Job, JobKind, JobStatus
from localization.dubs.services import dub_ingest
from localization.models import DubRendition, DubRenditionStatus
from localization.tests.dub_samples import audio_make
from media.models import Ladder
from media.tests.conftest import transcode_worker  # noqa: F401  (a fixture)
from media.tests.factories import episode_make
from media.tests.test_delivery import build_ladder

pytestmark = [pytest.mark.slow]


@pytest.mark.worker
def test_a_worker_packages_a_dub_going_live_on_an_episode_with_a_ladder(transcode_worker, media_sources, tmp_path):  # noqa: F811
    # given an episode with a published ladder and a worker on the transcode queue, started once the ladder
    # is built here (a worker already running would take the same transcode job and race this one over its
    # work folder; started after, it finds the job finished and leaves it)
    episode = episode_make()
    ladder = build_ladder(episode, media_sources["vertical"])
    prefix = ladder.storage_prefix
    transcode_worker()

    # when a Cantonese dub goes live (the packaging task is sent once the upload is committed)
    dub = audio_make(tmp_path / "yue.m4a", seconds=2)
    with dub.open("rb") as handle:
        version = dub_ingest(episode=episode, language="yue", filename="ep1.yue.m4a", file=handle)

    # then the worker packages it: the job ends SUCCEEDED, the rendition is READY, the ladder unchanged
    def finished():
        row = Job.objects.filter(kind=JobKind.DUB, params__version_id=version.pk).first()
        return row is not None and row.status in (JobStatus.SUCCEEDED, JobStatus.FAILED) and row

    job = wait_for(finished, timeout=90, interval=0.2, message="the dub packaging job to finish")
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.attempts == 1 and job.worker.startswith("test-")
    rendition = DubRendition.objects.get(ladder=ladder, version=version)
    assert rendition.status == DubRenditionStatus.READY and rendition.segment_count >= 1
    assert Ladder.objects.get(pk=ladder.pk).storage_prefix == prefix
