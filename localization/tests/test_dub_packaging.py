"""Dub packaging on a real ladder (ffmpeg), PostgreSQL and storage: triggers, loudness, atomic publication,
the video left alone, and the audio renditions served to playback token holders within their window."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import threading
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection, transaction
from django.test import TestCase

from jobs.models import Job, JobKind, JobStatus
from localization.dubs.services import dub_ingest
from localization.models import DubRendition, DubRenditionStatus
from localization.tasks import package_dub
from localization.tests.dub_samples import audio_make
from media import ffmpeg, protection
from media.models import EpisodeKey
from media.services import playback_session_create
from media.storage import storage_walk
from media.tests.factories import episode_make, licensed_to
from media.tests.test_delivery import build_ladder
from partners.tests.factories import OrganizationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(scope="module")
def dub_audio(tmp_path_factory):
    """2 s dubs for the 2 s test ladders: quiet and loud tones (to be normalised), and silence."""
    folder = tmp_path_factory.mktemp("dub-audio")
    return {
        "quiet": audio_make(folder / "quiet.wav", seconds=2, volume=0.05),
        "loud": audio_make(folder / "loud.m4a", seconds=2, frequency=660, volume=0.9),
        "silent": audio_make(folder / "silent.wav", seconds=2, source="silence"),
    }


def ingest(episode, path, language: str):
    with path.open("rb") as handle:
        return dub_ingest(episode=episode, language=language, filename=path.name, file=handle)


def dub_jobs(episode) -> list[Job]:
    return list(Job.objects.filter(kind=JobKind.DUB, params__episode_id=episode.pk).order_by("pk"))


def run(job: Job) -> Job:
    """Run the packaging task in this process, as a worker would (on-commit work included)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        package_dub.apply(args=[job.pk])
    job.refresh_from_db()
    return job


def stored(prefix: str) -> dict[str, str]:
    storage = storages["default"]
    files = {}
    for name in storage_walk(storage, prefix):
        with storage.open(name, "rb") as handle:
            files[name] = hashlib.sha256(handle.read()).hexdigest()
    return files


def decrypted_audio(rendition, tmp_path) -> bytes:
    """The rendition's init section and decrypted segments joined: one playable fMP4."""
    storage = storages["default"]
    playlist = storage.open(rendition.key("index.m3u8")).read().decode()
    key = bytes(EpisodeKey.objects.get(episode_id=rendition.ladder.episode_id).key)
    iv = protection.variant_key_iv(playlist)
    data = storage.open(rendition.key("init.mp4")).read()
    for name in (line for line in playlist.splitlines() if line and not line.startswith("#")):
        data += protection.segment_decrypt(storage.open(rendition.key(name)).read(), key=key, iv=iv)
    return data


def integrated_loudness(path) -> float:
    result = subprocess.run(
        [ffmpeg.ffmpeg_binary(), "-nostdin", "-hide_banner", "-nostats", "-i", str(path), "-af",
         "loudnorm=print_format=json", "-f", "null", "-"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return float(json.loads(result.stderr[result.stderr.rfind("{") :])["input_i"])


def test_a_live_dub_is_packaged_normalised_and_the_video_is_left_alone(media_sources, dub_audio, tmp_path):
    # given an episode with a published ladder, its files noted
    episode = episode_make()
    ladder = build_ladder(episode, media_sources["vertical"])
    video_before = stored(ladder.storage_prefix)

    # when a quiet Thai dub goes live and its packaging job runs
    version = ingest(episode, dub_audio["quiet"], "th")
    [job] = dub_jobs(episode)
    assert job.params == {"version_id": version.pk, "ladder_id": ladder.pk, "episode_id": episode.pk}
    job = run(job)

    # then the rendition is READY with its segments (as many as the video's), their playlist and init section
    assert job.status == JobStatus.SUCCEEDED, job.error
    rendition = DubRendition.objects.get(ladder=ladder, version=version)
    assert rendition.status == DubRenditionStatus.READY and rendition.job_id == job.pk
    names = sorted(name.rsplit("/", 1)[1] for name in stored(rendition.storage_prefix))
    video_segments = ladder.renditions.get(index=0).segment_count
    assert rendition.segment_count == video_segments
    assert names == sorted(["index.m3u8", "init.mp4", *(f"seg_{i:05d}.m4s" for i in range(video_segments))])
    playlist = storages["default"].open(rendition.key("index.m3u8")).read().decode()
    assert f'#EXT-X-KEY:METHOD=AES-128,URI="{protection.KEY_URI_PLACEHOLDER}"' in playlist

    # and the ladder's files are exactly as they were (nothing re-encoded, nothing rewritten)
    ladder.refresh_from_db()
    assert stored(ladder.storage_prefix) == video_before

    # and the audio is AAC stereo 48 kHz at the platform's loudness, from a tone 26 dB quieter
    audio = tmp_path / "dub.mp4"
    audio.write_bytes(decrypted_audio(rendition, tmp_path))
    probe = ffmpeg.audio_probe(audio)
    assert (probe.codec, probe.channels, probe.sample_rate) == ("aac", 2, 48000)
    assert probe.duration == pytest.approx(ladder.duration_seconds, abs=0.1)
    assert float(rendition.loudness["input_i"]) < -35
    assert integrated_loudness(audio) == pytest.approx(-23, abs=1.0)


def test_a_dub_live_before_the_ladder_is_packaged_once_the_ladder_is_published(media_sources, dub_audio):
    # given a live dub on an episode without a ladder (checked against the episode's recorded duration)
    episode = episode_make()
    episode.duration_seconds = 2
    episode.save()
    ingest(episode, dub_audio["loud"], "yue")
    assert dub_jobs(episode) == []

    # when its ladder is published
    ladder = build_ladder(episode, media_sources["vertical"])

    # then one packaging job is queued against it, and it publishes the rendition
    [job] = dub_jobs(episode)
    assert run(job).status == JobStatus.SUCCEEDED
    assert DubRendition.objects.get(ladder=ladder).status == DubRenditionStatus.READY


def test_a_failed_packaging_publishes_nothing_and_the_previous_version_stays_served(media_sources, dub_audio):
    # given version 1 packaged and served
    episode = episode_make()
    ladder = build_ladder(episode, media_sources["vertical"])
    v1 = ingest(episode, dub_audio["quiet"], "th")
    run(dub_jobs(episode)[0])
    served = DubRendition.objects.get(version=v1)
    files_before = stored(served.storage_prefix)

    # when version 2 goes live but its packaging cannot write (a file where its folder goes)
    v2 = ingest(episode, dub_audio["loud"], "th")
    job = dub_jobs(episode)[1]
    Job.objects.filter(pk=job.pk).update(max_attempts=1)
    storages["default"].save(f"hls/e{episode.pk}/dubs/l{ladder.pk}-v{v2.pk}", ContentFile(b"in the way"))
    job = run(job)

    # then the job fails by name, nothing of version 2 is published, version 1 is still served with its files
    assert job.status == JobStatus.FAILED and job.error_code == "storage_failed", job.error
    assert DubRendition.objects.get(version=v2).status == DubRenditionStatus.FAILED
    served.refresh_from_db()
    assert served.status == DubRenditionStatus.READY and stored(served.storage_prefix) == files_before
    assert set(storage_walk(storages["default"], f"hls/e{episode.pk}/dubs")) == {
        *files_before,
        f"hls/e{episode.pk}/dubs/l{ladder.pk}-v{v2.pk}",
    }


def test_a_ladder_with_its_audio_muxed_into_the_video_gets_no_dub(media_sources, dub_audio):
    # given a ladder built before audio had its own rendition (its master has no audio group)
    episode = episode_make()
    ladder = build_ladder(episode, media_sources["vertical"])
    storage = storages["default"]
    master = storage.open(ladder.key("master.m3u8")).read().decode()
    storage.delete(ladder.key("master.m3u8"))
    muxed = "".join(line for line in master.splitlines(keepends=True) if not line.startswith("#EXT-X-MEDIA"))
    storage.save(ladder.key("master.m3u8"), ContentFile(re.sub(r',AUDIO="[^"]*"', "", muxed).encode()))

    # when a dub goes live and its job runs
    ingest(episode, dub_audio["quiet"], "th")
    job = run(dub_jobs(episode)[0])

    # then the job says why by name, and nothing is published
    assert job.status == JobStatus.FAILED and job.error_code == "ladder_audio_muxed", job.error
    assert not DubRendition.objects.filter(status="ready").exists()
    assert list(storage_walk(storage, f"hls/e{episode.pk}/dubs")) == []


def test_a_silent_upload_queues_nothing_and_the_served_dub_stays(media_sources, dub_audio):
    # given a packaged Thai dub
    episode = episode_make()
    build_ladder(episode, media_sources["vertical"])
    v1 = ingest(episode, dub_audio["quiet"], "th")
    run(dub_jobs(episode)[0])

    # when an all-silent stereo file is uploaded for Thai
    refused = ingest(episode, dub_audio["silent"], "th")

    # then it is refused by name, no job is queued, and version 1's rendition is still the one served
    assert refused.status == "rejected" and refused.findings[0]["code"] == "dub_silent"
    assert len(dub_jobs(episode)) == 1
    assert list(DubRendition.objects.filter(status="ready").values_list("version", flat=True)) == [v1.pk]


def test_rerunning_the_packaging_replaces_its_files_and_never_duplicates(media_sources, dub_audio):
    # given a packaged dub
    episode = episode_make()
    ladder = build_ladder(episode, media_sources["vertical"])
    ingest(episode, dub_audio["quiet"], "th")
    [job] = dub_jobs(episode)
    run(job)
    first_prefix = DubRendition.objects.get().storage_prefix

    # when the job is run again (the admin's re-run)
    from jobs.services import job_retry

    job = run(job_retry(job=job))

    # then the one rendition row points at the new build and the old build's files are gone
    assert job.status == JobStatus.SUCCEEDED
    rendition = DubRendition.objects.get(ladder=ladder)
    assert rendition.storage_prefix != first_prefix
    assert list(storage_walk(storages["default"], first_prefix)) == []


def test_a_title_s_first_dub_in_a_language_is_announced_in_the_changes_feed_and_to_webhooks(
    client_for, media_sources, dub_audio, settings
):
    from catalog.models import Drama
    from jobs.services import job_retry
    from partners.models import Webhook, WebhookDelivery

    settings.MIGU_CHANGES_SETTLE_SECONDS = 0
    # given a published Mandarin title with a ladder, one partner allowed Thai audio and one holding Thai back,
    # both with a webhook, and the first one's changes feed drained
    episode = episode_make()
    drama = episode.drama
    Drama.objects.filter(pk=drama.pk).update(status="published")
    build_ladder(episode, media_sources["vertical"])
    allowed = OrganizationFactory(kind="partner", slug="allowed")
    held = OrganizationFactory(kind="partner", slug="held")
    licensed_to(allowed, episode, audio_languages=["zh-Hans", "th"])
    licensed_to(held, episode, territories=("MY",), holdback_languages=["th"])
    for organization in (allowed, held):
        Webhook.objects.create(
            organization=organization, url="https://p.example/h", events=["title.updated"], secret="s"
        )
    client = client_for(allowed)
    cursor = client.get("/api/v1/changes/").json()["next_cursor"]
    assert client.get(f"/api/v1/changes/?cursor={cursor}").json()["results"] == []
    before = Drama.objects.get(pk=drama.pk).updated_at

    # when its first Thai dub is packaged
    ingest(episode, dub_audio["quiet"], "th")
    [job] = dub_jobs(episode)
    assert run(job).status == JobStatus.SUCCEEDED

    # then the title changed: the changes feed since the cursor lists it as updated, still shown where it was
    assert Drama.objects.get(pk=drama.pk).updated_at > before
    results = client.get(f"/api/v1/changes/?cursor={cursor}").json()["results"]
    assert [(r["title_id"], r["change"], r["territories"]) for r in results] == [(drama.pk, "updated", ["TH"])]

    # and only the partner allowed Thai audio was told, naming the audio language (no subtitle language)
    [delivery] = WebhookDelivery.objects.filter(event_type="title.updated")
    assert delivery.webhook.organization_id == allowed.pk
    assert delivery.payload["type"] == "title.updated"
    assert delivery.payload["data"]["title_id"] == drama.pk
    assert delivery.payload["data"]["audio_languages_added"] == ["th"]
    assert "subtitle_languages_added" not in delivery.payload["data"]

    # and a second Thai version, the admin's re-run of its job, and a dub in the original language (heard
    # already) announce nothing more
    ingest(episode, dub_audio["loud"], "th")
    second = run(dub_jobs(episode)[1])
    assert second.status == JobStatus.SUCCEEDED
    assert run(job_retry(job=second)).status == JobStatus.SUCCEEDED
    ingest(episode, dub_audio["loud"], "zh-Hans")
    assert run(dub_jobs(episode)[-1]).status == JobStatus.SUCCEEDED
    assert DubRendition.objects.filter(status="ready").count() == 2
    assert WebhookDelivery.objects.filter(event_type="title.updated").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_episodes_dubbed_in_one_language_at_once_announce_it_once():
    from catalog.models import Drama
    from catalog.tests.factories import EpisodeFactory
    from jobs.services import job_create
    from localization.dubs.services import dub_rendition_publish
    from localization.models import DubTrack, DubVersion
    from media.models import Ladder
    from partners.models import Webhook, WebhookDelivery

    # given a published title whose two episodes each have a live ladder and a Thai dub built, not published yet,
    # and a partner with a webhook whose window allows any audio
    first = episode_make()
    drama = first.drama
    Drama.objects.filter(pk=drama.pk).update(status="published")
    second = EpisodeFactory(drama=drama, number=2)
    partner = OrganizationFactory(kind="partner")
    licensed_to(partner, first)
    Webhook.objects.create(organization=partner, url="https://p.example/h", events=["title.updated"], secret="s")
    renditions = []
    for episode in (first, second):
        ladder = Ladder.objects.create(episode=episode, profile="vertical", source_checksum="c" * 64, status="ready",
                                       storage_prefix=f"hls/e{episode.pk}")  # fmt: skip
        track = DubTrack.objects.create(episode=episode, language="th")
        version = DubVersion.objects.create(track=track, number=1, status="live", source="s", checksum_sha256="0")
        renditions.append(DubRendition.objects.create(ladder=ladder, track=track, version=version))
    job = job_create(kind=JobKind.DUB)
    first_published, second_started = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def publish(index: int) -> None:
        try:
            dub_rendition_publish(rendition=renditions[index], prefix=f"p{index}", segment_count=1, bandwidth=1,
                                  loudness={}, job=job)  # fmt: skip
        except BaseException as error:  # reported by the test below
            errors.append(error)

    def publish_first_and_hold() -> None:
        try:
            with transaction.atomic():
                publish(0)
                first_published.set()
                second_started.wait(10)
                time.sleep(1)  # the second publication reaches the title meanwhile; this one is not committed yet
        finally:
            connection.close()

    def publish_second() -> None:
        try:
            first_published.wait(10)
            second_started.set()
            publish(1)
        finally:
            connection.close()

    # when both are published at once, the first one's transaction still open as the second one starts
    threads = [threading.Thread(target=publish_first_and_hold), threading.Thread(target=publish_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    # then both are served and the partner is told of Thai once
    assert errors == []
    assert DubRendition.objects.filter(status="ready").count() == 2
    [delivery] = WebhookDelivery.objects.filter(event_type="title.updated")
    assert delivery.payload["data"]["audio_languages_added"] == ["th"]


# --- Serving -----------------------------------------------------------------------------------------


def dubbed_episode(media_sources, dub_audio):
    """An episode (original zh-Hans) with a ladder and packaged Thai and Cantonese dubs."""
    episode = episode_make()
    build_ladder(episode, media_sources["vertical"])
    ingest(episode, dub_audio["quiet"], "th")
    ingest(episode, dub_audio["loud"], "yue")
    for job in dub_jobs(episode):
        assert run(job).status == JobStatus.SUCCEEDED
    return episode


def audio_tags(master: str) -> list[str]:
    return [line for line in master.splitlines() if line.startswith("#EXT-X-MEDIA:TYPE=AUDIO")]


@pytest.mark.parametrize(
    ("window", "languages"),
    [
        ({}, ["zh-Hans", "th", "yue"]),
        ({"audio_languages": ["zh-Hans", "yue"]}, ["zh-Hans", "yue"]),
        ({"holdback_languages": ["yue"]}, ["zh-Hans", "th"]),
        ({"audio_languages": ["zh-Hans"]}, ["zh-Hans"]),
        ({"audio_languages": ["yue"]}, ["yue"]),
    ],
)
def test_the_master_lists_the_dubs_the_window_allows(client, media_sources, dub_audio, window, languages):
    # given packaged Thai and Cantonese dubs and a partner with the window
    episode = dubbed_episode(media_sources, dub_audio)
    partner = OrganizationFactory(kind="partner")
    licensed_to(partner, episode, **window)
    session = playback_session_create(organization=partner, episode=episode, territory="TH")

    # when its player fetches the master playlist
    master = client.get(session.url).content.decode()

    # then the audio group lists the allowed languages, each with its own playlist (the original's is the
    # ladder's audio rendition, after its one rung), the first DEFAULT; every variant names the group
    tags = audio_tags(master)
    uris = {"zh-Hans": "v1/index.m3u8", "th": "audio/th/index.m3u8", "yue": "audio/yue/index.m3u8"}
    names = {"zh-Hans": "Chinese (Simplified) (original)", "th": "Thai", "yue": "Cantonese"}
    assert tags == [
        f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="{names[lang]}",LANGUAGE="{lang}",'
        f'DEFAULT={"YES" if i == 0 else "NO"},AUTOSELECT=YES,CHANNELS="2",URI="{uris[lang]}"'
        for i, lang in enumerate(languages)
    ]
    variants = [line for line in master.splitlines() if line.startswith("#EXT-X-STREAM-INF:")]
    assert variants and all(line.count(',AUDIO="aud"') == 1 and line.count("AUDIO=") == 1 for line in variants)

    # and the dubs' files answer only for the languages listed (the rest is the same 404 as missing)
    base = session.url.rsplit("/", 1)[0]
    for language in ("th", "yue"):
        playlist = client.get(f"{base}/audio/{language}/index.m3u8")
        assert playlist.status_code == (200 if language in languages else 404)
        if language in languages:
            text = playlist.content.decode()
            assert f"{base}/key" in text and protection.KEY_URI_PLACEHOLDER not in text
            assert client.get(f"{base}/audio/{language}/seg_00000.m4s").status_code == 200
    assert client.get(f"{base}/audio/ko/index.m3u8").status_code == 404


def test_a_foreign_token_and_a_bad_path_get_nothing(client, media_sources, dub_audio):
    # given a dubbed episode and a partner holding no window on it
    episode = dubbed_episode(media_sources, dub_audio)
    stranger = OrganizationFactory(kind="partner")
    from media.tests.test_delivery import hls_url, token_for

    token = token_for(stranger, episode)

    # when it asks for a dub's playlist, or anyone asks for a path outside the dub's files
    refused = client.get(hls_url(episode.pk, token, "audio/th/index.m3u8"))
    odd = client.get(hls_url(episode.pk, token, "audio/th/../../v0/index.m3u8"))

    # then it is refused (no window) and the odd path is not found
    assert refused.status_code in (403, 404)
    assert odd.status_code in (403, 404)


def test_ffprobe_reading_the_served_master_lists_the_audio_renditions(live_server, transactional_db,
                                                                        media_sources, dub_audio):  # fmt: skip
    # given packaged Thai and Cantonese dubs and a partner whose window allows Cantonese only
    episode = dubbed_episode(media_sources, dub_audio)
    partner = OrganizationFactory(kind="partner", slug="prober")
    licensed_to(partner, episode, audio_languages=["zh-Hans", "yue"])
    session = playback_session_create(organization=partner, episode=episode, territory="TH")

    # when ffprobe reads the master playlist over HTTP, as a player would
    url = (live_server.url + session.url).replace("//localhost:", "//127.0.0.1:")
    result = subprocess.run(
        [ffmpeg.ffprobe_binary(), "-v", "error", "-protocol_whitelist", "http,tcp,crypto,https,tls",
         "-show_entries", "stream=codec_type,codec_name,channels,sample_rate:stream_tags=language", "-of", "json",
         url],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip

    # then it finds the variant's video, the original audio rendition and the Cantonese one, and no Thai
    assert result.returncode == 0, result.stderr
    streams = json.loads(result.stdout)["streams"]
    audio = [(s["codec_name"], s.get("tags", {}).get("language"), s["channels"]) for s in streams
             if s["codec_type"] == "audio"]  # fmt: skip
    assert ("aac", "yue", 2) in audio and ("aac", "zh-Hans", 2) in audio
    assert not any(language == "th" for _codec, language, _channels in audio)
    assert {s["codec_type"] for s in streams} == {"video", "audio"}
