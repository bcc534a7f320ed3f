"""manage.py ingest_subtitles: a folder or zip of ep001.th.srt-style files onto a drama's episodes."""

from __future__ import annotations

import zipfile
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from catalog.tests.factories import drama_with_episodes
from localization.models import SubtitleStatus, SubtitleVersion
from localization.subtitles.names import SubtitleFileName, subtitle_file_name_parse
from localization.tests.subtitle_samples import srt, thai_tis620_200_bytes

GOOD = srt(("00:00:01,000", "00:00:03,000", "Why did you come back?")).encode()
ARABIC = srt(("00:00:01,000", "00:00:03,000", "لماذا عدت؟")).encode()
BAD = srt(("00:00:01,000", "banana", "broken")).encode()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ep001.th.srt", SubtitleFileName(1, "th", "full")),
        ("ep001.th.forced.vtt", SubtitleFileName(1, "th", "forced")),
        ("EP_12.zh-hans.SDH.ttml", SubtitleFileName(12, "zh-Hans", "sdh")),
        ("episode-3.yue.xml", SubtitleFileName(3, "yue", "full")),
        ("042.ar.dfxp", SubtitleFileName(42, "ar", "full")),
        ("ep001.srt", "not named like ep001.th.srt or ep001.th.forced.vtt"),
        ("trailer.en.srt", "not named like ep001.th.srt or ep001.th.forced.vtt"),
        ("ep001.klingon.srt", "'klingon' is not a language tag"),
        ("ep001.th.karaoke.srt", "'karaoke' is not a subtitle kind (full, sdh, forced)"),
        ("ep001.th.mp4", "not a subtitle file (.dfxp, .imsc, .srt, .ttml, .vtt, .webvtt, .xml)"),
    ],
)
def test_file_names_map_to_episode_language_and_kind(name, expected):
    assert subtitle_file_name_parse(name) == expected


@pytest.mark.django_db
def test_a_folder_is_ingested_and_each_failure_reported_while_the_others_go_on(tmp_path):
    # given a drama with 3 episodes and a folder of subtitles: good ones, a broken one, strays
    drama = drama_with_episodes(3)
    (tmp_path / "ep001.en.srt").write_bytes(GOOD)
    (tmp_path / "ep001.th.forced.srt").write_bytes(thai_tis620_200_bytes())
    (tmp_path / "ep002.ar.srt").write_bytes(ARABIC)
    (tmp_path / "ep003.en.srt").write_bytes(BAD)
    (tmp_path / "ep009.en.srt").write_bytes(GOOD)
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / ".DS_Store").write_bytes(b"\0")
    out, err = StringIO(), StringIO()

    # when the folder is ingested
    with pytest.raises(CommandError, match="ingested 3 file\\(s\\); 3 failed"):
        call_command("ingest_subtitles", str(drama.pk), str(tmp_path), stdout=out, stderr=err)

    # then the good files are live versions, and every failure is named with its reason
    live = SubtitleVersion.objects.filter(track__episode__drama=drama, status=SubtitleStatus.LIVE)
    assert sorted((v.track.episode.number, v.track.language, v.track.kind) for v in live) == [
        (1, "en", "full"), (1, "th", "forced"), (2, "ar", "full")
    ]  # fmt: skip
    errors = err.getvalue()
    assert "ep003.en.srt: rejected, bad_timestamp: line 2: Not a timing line" in errors
    assert "ep009.en.srt: The drama has no episode 9." in errors
    assert "notes.txt: The name is not a subtitle file" in errors
    assert ".DS_Store" not in errors
    assert "ep001.th.forced.srt → episode 1 th forced: version 1 live, 3 cues, tis-620, 1 warning(s)" in out.getvalue()
    # the rejected upload is kept too
    assert SubtitleVersion.objects.get(track__episode__number=3).status == SubtitleStatus.REJECTED


@pytest.mark.django_db
def test_a_zip_is_ingested_and_two_files_for_one_track_are_both_refused(tmp_path):
    drama = drama_with_episodes(2)
    archive = tmp_path / "subs.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Drama/ep001.en.srt", GOOD)
        zf.writestr("Drama/ep002.en.srt", GOOD)
        zf.writestr("Drama/ep002.en.vtt", b"WEBVTT\n\n00:01.000 --> 00:02.000\nHi\n")
        zf.writestr("__MACOSX/Drama/._ep001.en.srt", b"\0\0")
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError, match="ingested 1 file\\(s\\); 2 failed"):
        call_command("ingest_subtitles", str(drama.pk), str(archive), stdout=out, stderr=err)

    assert "ep002.en.srt: ep002.en.srt and ep002.en.vtt are all for episode 2 en full; none was taken." in (
        err.getvalue()
    )
    assert SubtitleVersion.objects.filter(track__episode__drama=drama).count() == 1


@pytest.mark.django_db
def test_a_zip_member_over_the_limit_is_refused_without_being_read(tmp_path):
    drama = drama_with_episodes(1)
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ep001.en.srt", b"0" * (50 * 1024 * 1024))  # 50 MB of zeros, about 50 KB compressed
    err = StringIO()

    with pytest.raises(CommandError, match="1 failed"):
        call_command("ingest_subtitles", str(drama.pk), str(archive), stdout=StringIO(), stderr=err)

    assert "ep001.en.srt: The file expands to 50 MiB; a subtitle file is at most 8 MiB." in err.getvalue()
    assert not SubtitleVersion.objects.exists()


@pytest.mark.django_db
def test_a_clean_run_succeeds_and_a_dry_run_writes_nothing(tmp_path):
    drama = drama_with_episodes(2)
    (tmp_path / "ep001.en.srt").write_bytes(GOOD)
    (tmp_path / "ep002.en.sdh.srt").write_bytes(GOOD)

    dry = StringIO()
    call_command("ingest_subtitles", str(drama.pk), str(tmp_path), "--dry-run", stdout=dry)
    assert "would ingest ep002.en.sdh.srt as episode 2 en sdh" in dry.getvalue()
    assert not SubtitleVersion.objects.exists()

    out = StringIO()
    call_command("ingest_subtitles", str(drama.pk), str(tmp_path), stdout=out)
    assert "ingested 2 file(s); 0 failed" in out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("drama_id", ["999999", "abc"])
def test_an_unknown_drama_is_refused(tmp_path, drama_id):
    with pytest.raises(CommandError, match="No drama"):
        call_command("ingest_subtitles", drama_id, str(tmp_path))
