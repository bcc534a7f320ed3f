"""Subtitle packaging on a real ladder (ffmpeg), PostgreSQL and storage: triggers, atomic publication,
and the subtitle renditions served to playback token holders within their window's languages."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.test import TestCase

from jobs.models import Job, JobKind, JobStatus
from localization.models import SubtitleRendition, SubtitleRenditionStatus
from localization.services import hls_map_uri, subtitle_ingest
from localization.tasks import package_subtitles
from localization.tests.subtitle_samples import srt
from media import ffmpeg, protection
from media.models import EpisodeKey, Ladder, LadderStatus
from media.services import playback_session_create
from media.storage import storage_walk
from media.tests.factories import episode_make, licensed_to
from media.tests.test_delivery import build_ladder, hls_url, token_for
from partners.tests.factories import OrganizationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# Cues over a 2 s episode of 2 s segments; the second straddles nothing, the last runs past the end.
EN = srt(("00:00:00,200", "00:00:01,000", "Hello."), ("00:00:01,200", "00:00:02,400", "Stay."))
TH = srt(("00:00:00,500", "00:00:01,500", "สวัสดี"))
AR = srt(("00:00:00,500", "00:00:01,500", "مرحبا بك"))


def ingest(episode, language: str, text: str, kind: str = "full"):
    return subtitle_ingest(episode=episode, language=language, kind=kind, filename=f"ep.{language}.srt",
                           data=text.encode())  # fmt: skip


def packaging_jobs(episode) -> list[Job]:
    return list(Job.objects.filter(kind=JobKind.SUBTITLES, params__episode_id=episode.pk).order_by("pk"))


def run(job: Job) -> Job:
    """Run the packaging task in this process, as a worker would (on-commit work included)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        package_subtitles.apply(args=[job.pk])
    job.refresh_from_db()
    return job


def read(key: str) -> str:
    with storages["default"].open(key, "rb") as handle:
        return handle.read().decode()


def first_video_start(ladder) -> int:
    """The top rung's first video timestamp in 90 kHz ticks, read here by ffprobe's stream start time."""
    storage = storages["default"]
    playlist = read(ladder.key("v0/index.m3u8"))
    segment_name = next(line for line in playlist.splitlines() if line and not line.startswith("#"))
    with (
        storage.open(ladder.key(f"v0/{hls_map_uri(playlist)}"), "rb") as init,
        storage.open(ladder.key(f"v0/{segment_name}"), "rb") as seg,
    ):
        key = bytes(EpisodeKey.objects.get(episode_id=ladder.episode_id).key)
        data = init.read() + protection.segment_decrypt(seg.read(), key=key, iv=protection.variant_key_iv(playlist))
    result = subprocess.run(
        [ffmpeg.ffprobe_binary(), "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=start_time",
         "-of", "json", "-i", "pipe:0"],
        input=data, capture_output=True, check=True, timeout=30,
    )  # fmt: skip
    return round(float(json.loads(result.stdout)["streams"][0]["start_time"]) * 90_000)


def test_a_version_going_live_before_the_ladder_is_packaged_once_the_ladder_is_published(media_sources):
    # given live subtitles on an episode without a ladder: nothing to package against yet
    episode = episode_make()
    ingest(episode, "en", EN)
    assert packaging_jobs(episode) == []

    # when its ladder is published
    ladder = build_ladder(episode, media_sources["vertical"])

    # then one packaging job is queued, and running it publishes the rendition with every file
    [job] = packaging_jobs(episode)
    job = run(job)
    assert job.status == JobStatus.SUCCEEDED, job.error
    rendition = SubtitleRendition.objects.get(ladder=ladder)
    assert rendition.status == SubtitleRenditionStatus.READY and rendition.job_id == job.pk
    video_segments = ladder.renditions.get(index=0).segment_count
    assert rendition.segment_count == video_segments
    names = sorted(name.rsplit("/", 1)[1] for name in storage_walk(storages["default"], rendition.storage_prefix))
    assert names == sorted(
        ["index.m3u8", "subtitles.ttml", "subtitles.vtt", *(f"seg_{i:05d}.vtt" for i in range(video_segments))]
    )

    # and every segment maps its cues onto the ladder's real first video timestamp (not zero: AAC priming)
    expected = first_video_start(ladder)
    assert expected > 0 and rendition.mpegts == expected
    for i in range(video_segments):
        assert read(rendition.key(f"seg_{i:05d}.vtt")).startswith(
            f"WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:{expected},LOCAL:00:00:00.000\n\n"
        )
    # and the playlist has the video's segment durations; the sidecars hold the whole file
    playlist = read(rendition.key("index.m3u8"))
    assert re.findall(r"#EXTINF:([\d.]+)", playlist) == re.findall(
        r"#EXTINF:([\d.]+)", read(ladder.key("v0/index.m3u8"))
    )
    assert read(rendition.key("subtitles.vtt")).startswith("WEBVTT\nLanguage: en\n\n1\n00:00:00.200 --> ")
    assert 'xml:lang="en"' in read(rendition.key("subtitles.ttml"))


def test_a_version_going_live_with_a_ready_ladder_queues_its_packaging_and_a_rejected_one_does_not(media_sources):
    # given an episode with a ladder
    episode = episode_make()
    ladder = build_ladder(episode, media_sources["vertical"])

    # when a valid and then a broken upload come in
    version = ingest(episode, "th", TH)
    ingest(episode, "th", srt(("00:00:01,000", "banana", "broken")))

    # then only the valid one is queued, against the ladder
    [job] = packaging_jobs(episode)
    assert job.params == {"version_id": version.pk, "ladder_id": ladder.pk, "episode_id": episode.pk}
    assert job.status == JobStatus.PENDING and job.organization_id == episode.drama.owner_id


def test_rerunning_the_packaging_replaces_its_files_and_never_duplicates(media_sources):
    # given a packaged version
    episode = episode_make()
    ladder = build_ladder(episode, media_sources["vertical"])
    ingest(episode, "en", EN)
    [job] = packaging_jobs(episode)
    run(job)
    first_prefix = SubtitleRendition.objects.get().storage_prefix

    # when the job is run again (the admin's re-run)
    from jobs.services import job_retry

    job = run(job_retry(job=job))

    # then the one rendition row points at the new build and the old build's files are gone
    assert job.status == JobStatus.SUCCEEDED
    rendition = SubtitleRendition.objects.get(ladder=ladder)
    assert rendition.storage_prefix != first_prefix and rendition.status == SubtitleRenditionStatus.READY
    assert list(storage_walk(storages["default"], first_prefix)) == []
    builds = {name.rsplit("/", 1)[0] for name in storage_walk(storages["default"], f"hls/e{episode.pk}/subtitles")}
    assert builds == {rendition.storage_prefix}


def test_a_failed_packaging_publishes_nothing_and_the_previous_version_stays_served(media_sources):
    # given version 1 packaged and served
    episode = episode_make()
    ladder = build_ladder(episode, media_sources["vertical"])
    v1 = ingest(episode, "en", EN)
    run(packaging_jobs(episode)[0])
    served = SubtitleRendition.objects.get(version=v1)
    files_before = sorted(storage_walk(storages["default"], served.storage_prefix))

    # when version 2 goes live but its packaging cannot write (storage refuses: a file where its folder goes)
    v2 = ingest(episode, "en", EN.replace("Stay.", "Stay here."))
    job = packaging_jobs(episode)[1]
    Job.objects.filter(pk=job.pk).update(max_attempts=1)
    storages["default"].save(f"hls/e{episode.pk}/subtitles/l{ladder.pk}-v{v2.pk}", ContentFile(b"in the way"))
    job = run(job)

    # then the job ends FAILED with a named code, nothing of version 2 is published or left in storage,
    # and version 1's rendition is still the one served, with its files
    assert job.status == JobStatus.FAILED and job.error_code == "storage_failed", job.error
    assert SubtitleRendition.objects.get(version=v2).status == SubtitleRenditionStatus.FAILED
    served.refresh_from_db()
    assert served.status == SubtitleRenditionStatus.READY
    assert sorted(storage_walk(storages["default"], served.storage_prefix)) == files_before
    stored = set(storage_walk(storages["default"], f"hls/e{episode.pk}/subtitles"))
    assert stored == {*files_before, f"hls/e{episode.pk}/subtitles/l{ladder.pk}-v{v2.pk}"}


def test_a_ladder_whose_files_are_unreadable_fails_the_job_by_name(media_sources):
    # given a packaging job and a ladder whose top rung lost its init section
    episode = episode_make()
    ladder = build_ladder(episode, media_sources["vertical"])
    ingest(episode, "en", EN)
    storages["default"].delete(ladder.key(f"v0/{hls_map_uri(read(ladder.key('v0/index.m3u8')))}"))

    # when it runs
    job = run(packaging_jobs(episode)[0])

    # then it fails as ladder_unreadable and nothing is published
    assert job.status == JobStatus.FAILED and job.error_code == "ladder_unreadable", job.error
    assert not SubtitleRendition.objects.filter(status=SubtitleRenditionStatus.READY).exists()
    assert list(storage_walk(storages["default"], f"hls/e{episode.pk}/subtitles")) == []


def test_a_superseded_version_s_job_publishes_nothing(media_sources):
    # given two uploads in a row, both queued
    episode = episode_make()
    build_ladder(episode, media_sources["vertical"])
    ingest(episode, "en", EN)
    v2 = ingest(episode, "en", EN.replace("Stay.", "Stay here."))
    old_job, new_job = packaging_jobs(episode)

    # when the jobs run (the older last)
    run(new_job)
    old_job = run(old_job)

    # then the older one is skipped and only version 2 is served
    assert old_job.status == JobStatus.SUCCEEDED and "skipped" in old_job.result
    assert list(SubtitleRendition.objects.filter(status="ready").values_list("version", flat=True)) == [v2.pk]


@pytest.mark.parametrize("gone", ["ladder", "version"])
def test_a_job_whose_ladder_or_version_is_gone_fails_by_name(media_sources, gone):
    # given a live version's job, then its ladder or its version deleted
    episode = episode_make()
    ladder = build_ladder(episode, media_sources["vertical"])
    version = ingest(episode, "en", EN)
    (job,) = packaging_jobs(episode)
    (ladder if gone == "ladder" else version).delete()

    # when it runs
    job = run(job)

    # then it ends FAILED with a named code, and nothing is built
    assert (job.status, job.error_code) == (JobStatus.FAILED, "subtitle_version_missing")
    assert "no longer exists" in job.error
    assert not SubtitleRendition.objects.filter(track__episode=episode).exists()


def test_a_job_on_a_ladder_not_ready_is_skipped_and_nothing_is_published(media_sources):
    # given a live version's job, its ladder then no longer READY
    episode = episode_make()
    ladder = build_ladder(episode, media_sources["vertical"])
    ingest(episode, "en", EN)
    (job,) = packaging_jobs(episode)
    Ladder.objects.filter(pk=ladder.pk).update(status=LadderStatus.FAILED)

    # when it runs
    job = run(job)

    # then it ends SUCCEEDED as skipped, with nothing built
    assert job.status == JobStatus.SUCCEEDED and "skipped" in job.result and job.attempts == 1
    assert not SubtitleRendition.objects.filter(ladder=ladder).exists()


def test_a_delivery_past_the_attempts_fails_the_job_and_its_building_rendition(media_sources):
    # given a job whose worker was lost on each of its attempts, in the middle of its build
    episode = episode_make()
    ladder = build_ladder(episode, media_sources["vertical"])
    version = ingest(episode, "en", EN)
    (job,) = packaging_jobs(episode)
    Job.objects.filter(pk=job.pk).update(attempts=job.max_attempts, status=JobStatus.RUNNING)
    SubtitleRendition.objects.create(ladder=ladder, version=version, track=version.track, job=job)

    # when the broker delivers it once more
    job = run(job)

    # then the job ends FAILED (attempts exhausted) and so does the rendition it was building
    assert (job.status, job.error_code, job.attempts) == (JobStatus.FAILED, "attempts_exhausted", job.max_attempts)
    assert SubtitleRendition.objects.get(version=version).status == SubtitleRenditionStatus.FAILED


# --- Serving -----------------------------------------------------------------------------------------


def packaged_episode(media_sources):
    """An episode with a ladder and packaged subtitles: English full and forced, Thai, Arabic."""
    episode = episode_make()
    build_ladder(episode, media_sources["vertical"])
    ingest(episode, "en", EN)
    ingest(episode, "en", srt(("00:00:00,500", "00:00:01,500", "SIGN")), kind="forced")
    ingest(episode, "th", TH)
    ingest(episode, "ar", AR)
    for job in packaging_jobs(episode):
        assert run(job).status == JobStatus.SUCCEEDED
    return episode


def media_tags(master: str) -> list[str]:
    return [line for line in master.splitlines() if line.startswith("#EXT-X-MEDIA:TYPE=SUBTITLES")]


def test_the_master_lists_the_subtitles_the_window_allows_less_holdbacks(client, media_sources):
    # given packaged subtitles and a partner whose window allows English and Thai, holding Thai back
    episode = packaged_episode(media_sources)
    partner = OrganizationFactory(kind="partner", slug="viewer", languages=["en"])
    licensed_to(partner, episode, subtitle_languages=["en", "th"], holdback_languages=["th"])
    session = playback_session_create(organization=partner, episode=episode, territory="TH")

    # when its player fetches the master playlist
    master = client.get(session.url).content.decode()

    # then only English is listed (full with DEFAULT, forced with FORCED), and the variants name the group
    tags = media_tags(master)
    assert tags == [
        '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,'
        'URI="subs/en.full/index.m3u8"',
        '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English (forced)",LANGUAGE="en",DEFAULT=NO,'
        'AUTOSELECT=YES,FORCED=YES,URI="subs/en.forced/index.m3u8"',
    ]
    assert all(line.endswith(',SUBTITLES="subs"') for line in master.splitlines() if "STREAM-INF" in line)

    # and its subtitle files open, those of a held-back or unlicensed language do not
    base = session.url.rsplit("/", 1)[0]
    playlist = client.get(f"{base}/subs/en.full/index.m3u8")
    assert playlist.status_code == 200 and "seg_00000.vtt" in playlist.content.decode()
    segment = b"".join(client.get(f"{base}/subs/en.full/seg_00000.vtt").streaming_content)
    assert segment.startswith(b"WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:")
    ttml = client.get(f"{base}/subs/en.full/subtitles.ttml")
    assert ttml.status_code == 200 and ttml["Content-Type"] == "application/ttml+xml"
    for path in ("subs/th.full/index.m3u8", "subs/ar.full/subtitles.vtt", "subs/ko.full/index.m3u8"):
        assert client.get(f"{base}/{path}").status_code == 404, path


def test_an_empty_subtitle_list_in_the_window_means_every_packaged_language(client, media_sources):
    # given a window without a subtitle list, for a partner with no preferred language among them
    episode = packaged_episode(media_sources)
    partner = OrganizationFactory(kind="partner", slug="any", languages=["ko"])
    licensed_to(partner, episode)
    session = playback_session_create(organization=partner, episode=episode, territory="TH")

    # when the master is fetched
    tags = media_tags(client.get(session.url).content.decode())

    # then every packaged track is listed, none DEFAULT, with unique names
    assert [re.search(r'LANGUAGE="([^"]+)"', t).group(1) for t in tags] == ["ar", "en", "en", "th"]
    assert not any("DEFAULT=YES" in t for t in tags)
    names = [re.search(r'NAME="([^"]+)"', t).group(1) for t in tags]
    assert len(set(names)) == 4

    # and the Arabic files keep the text in logical order, the IMSC sidecar setting the direction
    base = session.url.rsplit("/", 1)[0]
    ttml = b"".join(client.get(f"{base}/subs/ar.full/subtitles.ttml").streaming_content).decode()
    assert 'tts:direction="rtl" tts:unicodeBidi="embed">مرحبا بك</p>' in ttml
    segment = b"".join(client.get(f"{base}/subs/ar.full/seg_00000.vtt").streaming_content).decode()
    assert "\nمرحبا بك\n" in segment


def test_a_foreign_token_sees_no_subtitles(client, media_sources):
    # given packaged subtitles and a partner holding no window for the drama
    episode = packaged_episode(media_sources)
    stranger = OrganizationFactory(kind="partner", slug="stranger")
    token = token_for(stranger, episode)

    # when it asks for the master or a subtitle file, then it is refused
    for path in ("master.m3u8", "subs/en.full/index.m3u8", "subs/en.full/subtitles.vtt"):
        response = client.get(hls_url(episode.pk, token, path))
        assert response.status_code == 403 and response.json()["code"] == "territory_not_licensed", path


def test_a_title_s_first_subtitles_in_a_language_announce_it_and_a_new_version_replaces_the_old_files(media_sources):
    from catalog.models import Drama
    from partners.models import Webhook, WebhookDelivery

    # given a published title with a ladder, one partner allowed Thai and one holding Thai back
    episode = episode_make()
    drama = episode.drama
    Drama.objects.filter(pk=drama.pk).update(status="published")
    drama.refresh_from_db()
    build_ladder(episode, media_sources["vertical"])
    allowed = OrganizationFactory(kind="partner", slug="allowed")
    held = OrganizationFactory(kind="partner", slug="held")
    licensed_to(allowed, episode, subtitle_languages=["th"])
    licensed_to(held, episode, territories=("MY",), holdback_languages=["th"])
    for organization in (allowed, held):
        Webhook.objects.create(
            organization=organization, url="https://p.example/h", events=["title.updated"], secret="s"
        )
    before = Drama.objects.get(pk=drama.pk).updated_at

    # when its first Thai subtitles are packaged
    ingest(episode, "th", TH)
    [job] = packaging_jobs(episode)
    assert run(job).status == JobStatus.SUCCEEDED

    # then the title changed, and only the partner allowed Thai was told, naming the language
    assert Drama.objects.get(pk=drama.pk).updated_at > before
    [delivery] = WebhookDelivery.objects.filter(event_type="title.updated")
    assert delivery.webhook.organization_id == allowed.pk
    assert delivery.payload["data"]["title_id"] == drama.pk
    assert delivery.payload["data"]["subtitle_languages_added"] == ["th"]

    # and a second Thai version (the language is not new) announces nothing more
    first = SubtitleRendition.objects.get(status="ready")
    assert storage_walk(storages["default"], first.storage_prefix)
    ingest(episode, "th", srt(("00:00:00,400", "00:00:01,400", "สวัสดีครับ")))
    [job] = packaging_jobs(episode)[1:]
    assert run(job).status == JobStatus.SUCCEEDED
    assert WebhookDelivery.objects.filter(event_type="title.updated").count() == 1

    # and the files of the rendition it superseded are deleted, the new one's kept
    first.refresh_from_db()
    assert first.status == "superseded"
    assert list(storage_walk(storages["default"], first.storage_prefix)) == []
    assert list(storage_walk(storages["default"], SubtitleRendition.objects.get(status="ready").storage_prefix))
