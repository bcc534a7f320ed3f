"""subtitle_ingest on the real PostgreSQL and storage: versions kept, only valid uploads go live."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from catalog.tests.factories import EpisodeFactory
from localization.errors import SubtitleErrorCode, SubtitleTooLargeError, subtitle_invalid_error
from localization.models import SubtitleStatus, SubtitleTrack, SubtitleVersion
from localization.selectors import subtitle_versions_live
from localization.services import subtitle_ingest
from localization.tests.subtitle_samples import srt, thai_tis620_200_bytes
from media.storage import media_storage
from migu_platform.errors import DomainError
from partners.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GOOD = srt(("00:00:01,000", "00:00:03,000", "Why did you come back?"), ("00:00:04,000", "00:00:06,000", "Go."))
GOOD_V2 = srt(("00:00:01,000", "00:00:03,000", "Why are you back?"))
BAD = srt(("00:00:01,000", "00:00:03,000", "fine"), ("00:00:04,000", "banana", "broken"))


def read(key: str) -> bytes:
    with media_storage().open(key, "rb") as handle:
        return handle.read()


def test_a_valid_upload_goes_live_with_its_webvtt_and_the_file_as_uploaded():
    # given an episode of a vertical drama
    episode = EpisodeFactory(duration_seconds=90)
    user = UserFactory()

    # when an SRT is ingested
    version = subtitle_ingest(
        episode=episode, language="en", kind="full", filename="C:\\subs\\ep001.en.srt", data=GOOD.encode(), actor=user
    )

    # then it is version 1, live, with its cues counted and both files stored
    assert version.status == SubtitleStatus.LIVE
    assert version.number == 1
    assert version.cue_count == 2
    assert version.format == "srt"
    assert version.encoding == "utf-8"
    assert version.original_filename == "ep001.en.srt"
    assert version.qc_profile == "vertical"
    assert version.uploaded_by == user
    assert read(version.source.name) == GOOD.encode()
    assert read(version.webvtt.name).startswith(b"WEBVTT\nLanguage: en\n\n1\n00:00:01.000 --> 00:00:03.000\nWhy did")
    assert version.track.episode == episode
    assert (version.track.language, version.track.kind) == ("en", "full")


def test_a_rejected_upload_is_kept_and_the_live_version_stays():
    # given a live version
    episode = EpisodeFactory()
    first = subtitle_ingest(episode=episode, language="en", kind="full", filename="a.srt", data=GOOD.encode())

    # when a broken file is uploaded to the same track
    second = subtitle_ingest(episode=episode, language="en", kind="full", filename="b.srt", data=BAD.encode())

    # then it is kept as version 2, rejected, with the error naming the line; version 1 is still live
    assert second.status == SubtitleStatus.REJECTED
    assert second.number == 2
    assert second.error_count == 1
    assert second.webvtt.name in ("", None)
    assert read(second.source.name) == BAD.encode()
    first.refresh_from_db()
    assert first.status == SubtitleStatus.LIVE
    error = subtitle_invalid_error(second.findings)
    assert error.code == SubtitleErrorCode.BAD_TIMESTAMP
    assert error.line == 6
    assert error.message.startswith("line 6: ")


def test_a_new_valid_upload_supersedes_the_live_one():
    episode = EpisodeFactory()
    first = subtitle_ingest(episode=episode, language="en", kind="full", filename="a.srt", data=GOOD.encode())

    second = subtitle_ingest(episode=episode, language="en", kind="full", filename="b.srt", data=GOOD_V2.encode())

    first.refresh_from_db()
    assert (first.status, second.status) == (SubtitleStatus.SUPERSEDED, SubtitleStatus.LIVE)
    assert SubtitleVersion.objects.filter(track=second.track).count() == 2


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"1\n00:00:01,000 --> 00:00:02,000\nHel\x00lo\n", "nul_bytes"),
        (b"<?xml version='1.0'?><!DOCTYPE tt [<!ENTITY a 'a'>]><tt xmlns='http://www.w3.org/ns/ttml'/>", "xml_entities_refused"),
        (srt(("00:00:01,000", "00:00:02,000", "<script>alert(1)</script>")).encode(), "markup_not_allowed"),
        (srt(("00:01:00,000", "00:01:35,000", "after the end")).encode(), "beyond_episode"),
        (srt(("00:00:01,000", "00:00:03,000", "a"), ("00:00:02,000", "00:00:04,000", "b")).encode(), "overlap"),
    ],
)  # fmt: skip
def test_refused_and_invalid_files_are_kept_rejected_with_their_finding(data, code):
    episode = EpisodeFactory(duration_seconds=90)

    version = subtitle_ingest(episode=episode, language="en", kind="full", filename="x.srt", data=data)

    assert version.status == SubtitleStatus.REJECTED
    assert code in [finding["code"] for finding in version.findings if finding["severity"] == "error"]
    assert read(version.source.name) == data


def test_legacy_encodings_are_recorded_and_the_webvtt_is_utf8():
    episode = EpisodeFactory()

    version = subtitle_ingest(
        episode=episode, language="th", kind="forced", filename="ep.th.srt", data=thai_tis620_200_bytes()
    )

    assert version.status == SubtitleStatus.LIVE
    assert version.encoding == "tis-620"
    assert "not_utf8" in [finding["code"] for finding in version.findings]
    assert "สวัสดีครับ" in read(version.webvtt.name).decode("utf-8")


def test_tracks_are_per_language_and_kind():
    episode = EpisodeFactory()

    for language, kind in [("en", "full"), ("en", "sdh"), ("en", "forced"), ("th", "full"), ("zh-hans", "full")]:
        subtitle_ingest(episode=episode, language=language, kind=kind, filename="x.srt", data=GOOD.encode())

    tracks = SubtitleTrack.objects.filter(episode=episode)
    assert sorted((t.language, t.kind) for t in tracks) == [
        ("en", "forced"), ("en", "full"), ("en", "sdh"), ("th", "full"), ("zh-Hans", "full")
    ]  # fmt: skip


@pytest.mark.parametrize(("language", "kind", "field"), [("english", "full", "language"), ("en", "karaoke", "kind")])
def test_bad_language_or_kind_is_refused_and_nothing_kept(language, kind, field):
    episode = EpisodeFactory()

    with pytest.raises(DomainError) as refused:
        subtitle_ingest(episode=episode, language=language, kind=kind, filename="x.srt", data=GOOD.encode())

    assert field in refused.value.fields
    assert not SubtitleVersion.objects.exists()


def test_a_file_over_the_limit_is_refused_and_nothing_kept(tmp_path):
    episode = EpisodeFactory()
    path = tmp_path / "huge.srt"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)

    with path.open("rb") as handle, pytest.raises(SubtitleTooLargeError):
        subtitle_ingest(episode=episode, language="en", kind="full", filename="huge.srt", data=handle)

    assert not SubtitleVersion.objects.exists()


def test_the_database_holds_one_live_version_per_track_and_no_live_version_with_errors():
    episode = EpisodeFactory()
    version = subtitle_ingest(episode=episode, language="en", kind="full", filename="a.srt", data=GOOD.encode())

    with pytest.raises(IntegrityError), transaction.atomic():
        SubtitleVersion.objects.create(track=version.track, number=2, status="live", checksum_sha256="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        SubtitleVersion.objects.filter(pk=version.pk).update(error_count=1)


@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_to_one_track_number_versions_and_leave_one_live():
    # given an episode, and two uploads to the same track at the same moment
    episode = EpisodeFactory()
    results: list[SubtitleVersion] = []
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def upload(text: str) -> None:
        try:
            start.wait()
            results.append(
                subtitle_ingest(episode=episode, language="en", kind="full", filename="a.srt", data=text.encode())
            )
        except BaseException as error:  # reported by the test, not lost in the thread
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(text,)) for text in (GOOD, GOOD_V2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then both are kept, numbered 1 and 2, and exactly one is live
    assert failures == []
    versions = SubtitleVersion.objects.filter(track__episode=episode)
    assert sorted(v.number for v in versions) == [1, 2]
    assert [v.status for v in versions.order_by("number")] == [SubtitleStatus.SUPERSEDED, SubtitleStatus.LIVE]


def test_live_versions_of_many_episodes_in_one_query(django_assert_num_queries):
    episodes = [EpisodeFactory() for _ in range(3)]
    for episode in episodes:
        subtitle_ingest(episode=episode, language="th", kind="full", filename="a.srt", data=GOOD.encode())
    subtitle_ingest(episode=episodes[0], language="th", kind="full", filename="b.srt", data=BAD.encode())

    with django_assert_num_queries(1):
        live = subtitle_versions_live(episode_ids=[e.pk for e in episodes])

    assert sorted(live) == sorted((e.pk, "th", "full") for e in episodes)
    assert all(version.number == 1 for version in live.values())
