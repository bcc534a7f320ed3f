"""Machine translation of a drama as a job, on a real Celery worker talking to a LibreTranslate server on
loopback: progress per item in the job row, the output marked machine, a transient failure retried."""

from __future__ import annotations

import pytest

from catalog.models import Episode
from catalog.tests.factories import DramaFactory
from conftest import wait_for
from jobs.models import Job, JobStatus
from localization.models import DramaLocalization, EpisodeLocalization, SubtitleVersion, TranslationStatus
from localization.services import subtitle_ingest
from localization.tests.subtitle_samples import srt
from localization.tests.translation_servers import Canned, LibreTranslateServer
from localization.translation.services import translation_job_create

pytestmark = [pytest.mark.slow]


@pytest.fixture
def libre():
    with LibreTranslateServer() as server:
        yield server


@pytest.fixture
def translation_worker(celery_worker_process, settings, libre):
    """A real worker on the `default` queue with the loopback LibreTranslate server configured."""
    from migu_platform.celery import app

    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge("default")
    return celery_worker_process(
        queues="default",
        concurrency=1,
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        TRANSLATION_PROVIDER="libretranslate",
        TRANSLATION_PROVIDER_URL=libre.url,
        TRANSLATION_PROVIDER_API_KEY=libre.api_key,
        TRANSLATION_RETRY_BASE_SECONDS="0.05",
    )


@pytest.mark.worker
def test_a_worker_translates_a_drama_into_a_language_with_progress_per_item(translation_worker, libre):
    # given a Chinese drama with two episodes, one with live Chinese subtitles
    drama = DramaFactory(original_title="重生之林晚", original_language="zh-Hans")
    first = Episode.objects.create(drama=drama, number=1, duration_seconds=90, original_title="回来")
    Episode.objects.create(drama=drama, number=2, duration_seconds=90, original_title="复仇")
    subtitle_ingest(episode=first, language="zh-Hans", kind="full", filename="e1.srt",
                    data=srt(("00:00:01,000", "00:00:02,000", "你好")).encode())  # fmt: skip
    # and a server that answers the first request (the languages) with a 503, retried within the job
    libre.script = [Canned(503, b"busy")]

    # when a translation job into English is created (sent once committed)
    job = translation_job_create(drama=drama, language="en")

    # then the worker runs it to the end, logging each item
    def finished():
        row = Job.objects.get(pk=job.pk)
        return row.status in (JobStatus.SUCCEEDED, JobStatus.FAILED) and row

    row = wait_for(finished, timeout=60, interval=0.1, message="the translation job to finish")
    assert row.status == JobStatus.SUCCEEDED, row.error
    assert row.progress == 100.0 and row.worker.startswith("test-")
    assert row.log_tail.splitlines() == ["1/3 title and synopses", "2/3 episode titles", "3/3 E1 subtitles"]
    assert row.result["episode_titles"] == 2 and row.result["subtitles"] == 1
    # and what it wrote waits for review as machine output
    assert DramaLocalization.objects.get(drama=drama, language="en").status == TranslationStatus.MACHINE
    assert set(EpisodeLocalization.objects.filter(language="en").values_list("status", flat=True)) == {"machine"}
    version = SubtitleVersion.objects.get(track__episode=first, track__language="en")
    assert version.status == "live" and version.translation_status == TranslationStatus.MACHINE
    assert [s.path for s in libre.seen[:2]] == ["/languages", "/languages"]  # the 503, then its retry
    assert len(libre.translations()) == 3  # titles and synopsis, episode titles, one subtitle batch


@pytest.mark.worker
def test_a_provider_refusing_the_key_fails_the_job_with_its_code(translation_worker, libre):
    libre.api_key = "another-key"  # the worker's key is now refused (403): final, not retried
    drama = DramaFactory(original_title="重生", original_language="zh-Hans")

    job = translation_job_create(drama=drama, language="en")

    row = wait_for(
        lambda: (r := Job.objects.get(pk=job.pk)).status in (JobStatus.SUCCEEDED, JobStatus.FAILED) and r,
        timeout=60,
        interval=0.1,
        message="the translation job to finish",
    )
    assert row.status == JobStatus.FAILED
    assert row.error_code == "translation_provider_refused" and "refused the API key" in row.error
    assert len(libre.translations()) == 1
