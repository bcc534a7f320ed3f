"""Dub uploads checked against their episode with real ffmpeg and PostgreSQL: findings, the live switch,
and bad input that leaves the live version live."""

from __future__ import annotations

import io

import pytest

from catalog.tests.factories import EpisodeFactory
from jobs.models import Job, JobKind
from localization.dubs.services import dub_first_error, dub_ingest
from localization.errors import DubErrorCode, DubTooLargeError
from localization.models import DubStatus, DubTrack, DubVersion
from localization.tests.dub_samples import audio_make, truncated
from migu_platform.errors import DomainError

pytestmark = [pytest.mark.django_db]


@pytest.fixture(scope="module")
def dub_files(tmp_path_factory):
    """Generated once: dubs of a 25 s episode and bad ones."""
    folder = tmp_path_factory.mktemp("dubs")
    files = {
        "good.wav": audio_make(folder / "good.wav", seconds=25),
        "good.m4a": audio_make(folder / "good.m4a", seconds=25.3),
        "good.aac": audio_make(folder / "good.aac", seconds=24.6),
        "mono_22k.wav": audio_make(folder / "mono_22k.wav", seconds=25, channels=1, sample_rate=22050),
        "short.wav": audio_make(folder / "short.wav", seconds=5),
        "silent.wav": audio_make(folder / "silent.wav", seconds=25, source="silence"),
        "clipped.wav": audio_make(folder / "clipped.wav", seconds=25, volume=20),
    }
    files["truncated.m4a"] = truncated(files["good.m4a"], folder / "truncated.m4a")
    files["truncated.wav"] = truncated(files["good.wav"], folder / "truncated.wav")
    (folder / "notes.wav").write_text("not audio at all\n")
    files["notes.wav"] = folder / "notes.wav"
    (folder / "empty.wav").write_bytes(b"")
    files["empty.wav"] = folder / "empty.wav"
    return files


def upload(episode, path, language="th"):
    with path.open("rb") as handle:
        return dub_ingest(episode=episode, language=language, filename=path.name, file=handle)


@pytest.mark.parametrize(
    ("name", "status", "codes"),
    [
        ("good.wav", DubStatus.LIVE, []),
        ("good.m4a", DubStatus.LIVE, []),
        ("good.aac", DubStatus.LIVE, []),
        ("clipped.wav", DubStatus.LIVE, [DubErrorCode.CLIPPING]),
        ("mono_22k.wav", DubStatus.LIVE, [DubErrorCode.LOW_SAMPLE_RATE]),
        ("short.wav", DubStatus.REJECTED, [DubErrorCode.DURATION_MISMATCH]),
        ("silent.wav", DubStatus.REJECTED, [DubErrorCode.SILENT]),
        ("truncated.m4a", DubStatus.REJECTED, [DubErrorCode.TRUNCATED]),
        ("truncated.wav", DubStatus.REJECTED, [DubErrorCode.TRUNCATED]),
        ("notes.wav", DubStatus.REJECTED, [DubErrorCode.NOT_AUDIO]),
        ("empty.wav", DubStatus.REJECTED, [DubErrorCode.EMPTY_FILE]),
    ],
)
def test_each_upload_is_checked_against_the_episode(dub_files, name, status, codes):
    # given a 25 s episode (no ladder yet: its recorded duration is the reference)
    episode = EpisodeFactory(duration_seconds=25)

    # when a dub is uploaded
    version = upload(episode, dub_files[name])

    # then it is live or refused with the named findings, and kept either way
    assert version.status == status, version.findings
    assert [f["code"] for f in version.findings] == [str(code) for code in codes]
    assert version.reference_seconds == 25
    assert version.source.name.startswith(f"dubs/e{episode.pk}/th/")
    assert version.size_bytes == dub_files[name].stat().st_size


def test_the_facts_of_a_good_dub_are_reported(dub_files):
    # given a 25 s episode
    episode = EpisodeFactory(duration_seconds=25)

    # when a stereo 48 kHz tone of 25 s is uploaded
    version = upload(episode, dub_files["good.wav"])

    # then its channels, sample rate, decoded duration and levels are on the version
    assert (version.channels, version.sample_rate, version.format_name) == (2, 48000, "wav")
    assert version.duration_seconds == pytest.approx(25, abs=0.01)
    assert -30 < version.peak_db < -10 and version.rms_db < version.peak_db


def test_a_dub_20_s_short_names_the_gap_and_the_live_version_stays_live(dub_files):
    # given a live Cantonese dub
    episode = EpisodeFactory(duration_seconds=25)
    live = upload(episode, dub_files["good.wav"], language="yue")

    # when a dub 20 s shorter than the episode, then an all-silent stereo file, are uploaded
    short = upload(episode, dub_files["short.wav"], language="yue")
    silent = upload(episode, dub_files["silent.wav"], language="yue")

    # then both are refused by name, with a sentence, and the first version is still the live one
    error = dub_first_error(short)
    assert error["code"] == "dub_duration_mismatch"
    assert error["message"].startswith("The dub is 20.0 s shorter than its episode (5.0 s against 25.0 s")
    assert dub_first_error(silent)["code"] == "dub_silent"
    live.refresh_from_db()
    assert live.status == DubStatus.LIVE
    assert [v.number for v in DubVersion.objects.filter(track__language="yue").order_by("number")] == [1, 2, 3]
    assert DubTrack.objects.get().language == "yue"


def test_a_new_good_version_supersedes_the_live_one(dub_files):
    # given a live dub
    episode = EpisodeFactory(duration_seconds=25)
    first = upload(episode, dub_files["good.wav"])

    # when a better one comes in
    second = upload(episode, dub_files["good.m4a"])

    # then it is live and the first superseded; no packaging is queued without a ladder
    first.refresh_from_db()
    assert (first.status, second.status) == (DubStatus.SUPERSEDED, DubStatus.LIVE)
    assert not Job.objects.filter(kind=JobKind.DUB).exists()


def test_a_language_that_is_not_a_tag_is_refused_by_name(dub_files):
    episode = EpisodeFactory(duration_seconds=25)
    with pytest.raises(DomainError) as refused:
        upload(episode, dub_files["good.wav"], language="Cantonese please")
    assert refused.value.code == "invalid_language"
    assert not DubVersion.objects.exists()


def test_a_file_over_the_size_limit_is_refused_while_streamed(settings):
    # given a limit of 1 MiB
    settings.DUB_MAX_BYTES = 1024 * 1024
    episode = EpisodeFactory(duration_seconds=25)

    # when 3 MiB arrive
    with pytest.raises(DubTooLargeError) as refused:
        dub_ingest(episode=episode, language="th", filename="big.wav", file=io.BytesIO(b"\0" * (3 * 1024 * 1024)))

    # then nothing is kept
    assert refused.value.code == "dub_file_too_large"
    assert not DubVersion.objects.exists()
