"""Subtitle packaging on a real Celery worker process, and a real player (ffprobe) reading the result."""

from __future__ import annotations

import json
import subprocess

import pytest
from django.test import TestCase

from conftest import wait_for
from jobs.models import Job, JobKind, JobStatus
from jobs.runners import job_enqueue
from jobs.services import job_retry
from localization.models import SubtitleRendition, SubtitleRenditionStatus
from localization.services import subtitle_ingest
from localization.tasks import package_subtitles
from localization.tests.subtitle_samples import srt
from media import ffmpeg
from media.services import playback_session_create
from media.tests.factories import episode_make, licensed_to
from media.tests.test_delivery import build_ladder
from partners.tests.factories import OrganizationFactory

pytestmark = [pytest.mark.slow]

EN = srt(("00:00:00,200", "00:00:01,000", "Hello."), ("00:00:01,200", "00:00:01,900", "Stay."))
TH = srt(("00:00:00,500", "00:00:01,500", "สวัสดี"))


@pytest.fixture
def default_worker(celery_worker_process, settings):
    """start() -> a real worker on the `default` queue, seeing this test's storage (the queue emptied first)."""
    from migu_platform.celery import app

    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge("default")
    return lambda: celery_worker_process(queues="default", concurrency=1, MEDIA_ROOT=str(settings.MEDIA_ROOT))


@pytest.mark.worker
def test_a_worker_packages_a_version_going_live_on_an_episode_with_a_ladder(default_worker, media_sources):
    # given a worker on the default queue and an episode with a published ladder
    default_worker()
    episode = episode_make()
    ladder = build_ladder(episode, media_sources["vertical"])

    # when subtitles go live (the packaging task is sent once the upload is committed)
    version = subtitle_ingest(episode=episode, language="en", kind="full", filename="ep.en.srt", data=EN.encode())

    # then the worker packages them: the job ends SUCCEEDED and the rendition is READY
    def finished():
        row = Job.objects.filter(kind=JobKind.SUBTITLES, params__version_id=version.pk).first()
        return row is not None and row.status in (JobStatus.SUCCEEDED, JobStatus.FAILED) and row

    job = wait_for(finished, timeout=60, interval=0.1, message="the packaging job to finish")
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.attempts == 1 and job.worker.startswith("test-")
    rendition = SubtitleRendition.objects.get(ladder=ladder, version=version)
    assert rendition.status == SubtitleRenditionStatus.READY and rendition.mpegts and rendition.mpegts > 0

    # and the admin's re-run (through the registered job runner) packages it again in place, twice; the
    # job's wall time against the packaging work it wraps is printed (the goal is 1.1×: see docs/subtitles.md)
    walls, work = [(job.finished_at - job.started_at).total_seconds()], [job.result["packaging_seconds"]]
    for _run in range(2):
        job_enqueue(job_retry(job=job))
        job = wait_for(finished, timeout=60, interval=0.1, message="the re-run to finish")
        assert job.status == JobStatus.SUCCEEDED and job.attempts == 1, job.error
        walls.append((job.finished_at - job.started_at).total_seconds())
        work.append(job.result["packaging_seconds"])
    print(f"job wall {[round(w * 1000) for w in walls]} ms, packaging {[round(w * 1000) for w in work]} ms, "
          f"ratio {sum(walls) / sum(work):.2f}")  # fmt: skip
    assert 0 < sum(work) <= sum(walls)
    assert SubtitleRendition.objects.filter(ladder=ladder).count() == 1
    assert SubtitleRendition.objects.get(ladder=ladder).storage_prefix != rendition.storage_prefix


def test_ffprobe_reading_the_served_master_lists_the_subtitle_renditions(live_server, transactional_db, media_sources):
    # given packaged English and Thai subtitles, and a partner whose window allows Thai only
    partner = OrganizationFactory(kind="partner", slug="prober", languages=["th"])
    episode = episode_make()
    build_ladder(episode, media_sources["vertical"])
    licensed_to(partner, episode, subtitle_languages=["th"])
    for language, text in (("en", EN), ("th", TH)):
        subtitle_ingest(episode=episode, language=language, kind="full", filename="ep.srt", data=text.encode())
    for job in Job.objects.filter(kind=JobKind.SUBTITLES).order_by("pk"):
        with TestCase.captureOnCommitCallbacks(execute=True):
            package_subtitles.apply(args=[job.pk])
    session = playback_session_create(organization=partner, episode=episode, territory="TH")

    # when ffprobe reads the master playlist over HTTP, as a player would
    url = (live_server.url + session.url).replace("//localhost:", "//127.0.0.1:")
    result = subprocess.run(
        # ffmpeg reads HLS subtitle renditions only with -strict experimental (each segment is a file of its own)
        [ffmpeg.ffprobe_binary(), "-v", "error", "-strict", "experimental", "-protocol_whitelist", "http,tcp,crypto,https,tls",
         "-show_entries", "stream=codec_type,codec_name:stream_tags=language,variant_bitrate", "-of", "json", url],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip

    # then it finds the video and audio of the variant and the Thai WebVTT rendition, and nothing in English
    assert result.returncode == 0, result.stderr
    streams = json.loads(result.stdout)["streams"]
    subtitles = [s for s in streams if s["codec_type"] == "subtitle"]
    assert [(s["codec_name"], s.get("tags", {}).get("language")) for s in subtitles] == [("webvtt", "th")]
    assert {s["codec_type"] for s in streams} == {"video", "audio", "subtitle"}
