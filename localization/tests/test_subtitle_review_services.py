"""The services and selectors behind the admin's subtitle pages: waivers, bulk uploads (names, duplicates,
zip safety), each finding on its cue, and the coverage matrix in a bounded number of queries."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.db import IntegrityError

from catalog.models import Episode
from catalog.tests.factories import DramaLocalizationFactory, drama_with_episodes
from localization.errors import SubtitleArchiveError, SubtitleBulkErrorCode, SubtitleWaiverErrorCode
from localization.models import SubtitleFindingWaiver, SubtitleStatus
from localization.selectors import CoverageState, subtitle_coverage, subtitle_version_review
from localization.services import subtitle_bulk_ingest, subtitle_finding_waive, subtitle_ingest
from localization.subtitles.bundle import bulk_files_from_uploads, bulk_files_from_zip, bulk_zip_open
from localization.subtitles.cues import MIB
from localization.tests.subtitle_samples import srt
from migu_platform.errors import DomainError
from partners.tests.factories import UserFactory
from rights.tests.factories import drama_with_rights_in, grant_out

pytestmark = pytest.mark.django_db

GOOD = srt(("00:00:01,000", "00:00:03,000", "Why did you come back?")).encode()
# A warning on the file (CRLF) and two on cue 2 (shorter than 833 ms, 10 ms after cue 1).
WARNED = srt(
    ("00:00:01,000", "00:00:03,000", "Why did you come back?"),
    ("00:00:03,010", "00:00:03,200", "Go."),
    crlf=True,
).encode()
BAD = srt(("00:00:01,000", "00:00:03,000", "fine"), ("00:00:04,000", "banana", "broken")).encode()
ARABIC = srt(("00:00:01,000", "00:00:03,000", "لماذا عدت؟")).encode()


def zip_of(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


def uploads(members: dict[str, bytes]) -> list[io.BytesIO]:
    files = []
    for name, data in members.items():
        file = io.BytesIO(data)
        file.name, file.size = name, len(data)  # type: ignore[attr-defined]  # as Django's UploadedFile
        files.append(file)
    return files


# --- waivers ------------------------------------------------------------------------------------


def index_of(version, code: str) -> int:
    return next(i for i, finding in enumerate(version.findings) if finding["code"] == code)


def test_a_warning_is_waived_with_the_reason_who_and_when():
    # given a live version with warnings, and a localisation manager
    drama = drama_with_episodes(1)
    version = subtitle_ingest(episode=drama.episodes.get(), language="en", kind="full", filename="a.srt", data=WARNED)
    user = UserFactory()
    assert version.status == SubtitleStatus.LIVE

    # when the short-gap warning is waived
    waiver = subtitle_finding_waive(
        version=version, finding_index=index_of(version, "gap_too_short"), reason="  intended   jump cut ", actor=user
    )

    # then it is recorded with its reason (spaces tidied), author and time, and the finding is untouched
    assert (waiver.code, waiver.reason, waiver.waived_by) == ("gap_too_short", "intended jump cut", user)
    assert waiver.created_at is not None
    version.refresh_from_db()
    assert version.findings[waiver.finding_index]["severity"] == "warning"


@pytest.mark.parametrize(
    ("data", "code", "reason", "expected"),
    [
        (BAD, "bad_timestamp", "looks fine to me", SubtitleWaiverErrorCode.ERROR_NOT_WAIVABLE),
        (WARNED, "crlf", "   ", SubtitleWaiverErrorCode.REASON_REQUIRED),
        (WARNED, "crlf", "x" * 501, SubtitleWaiverErrorCode.REASON_REQUIRED),
        (WARNED, None, "no such finding", SubtitleWaiverErrorCode.FINDING_NOT_FOUND),
    ],
)
def test_errors_are_never_waived_and_bad_waivers_are_refused_with_a_code(data, code, reason, expected):
    # given a version (a rejected one for the error)
    drama = drama_with_episodes(1)
    version = subtitle_ingest(episode=drama.episodes.get(), language="en", kind="full", filename="a.srt", data=data)
    index = index_of(version, code) if code else len(version.findings)

    # when the finding is waived, then it is refused with the code, and nothing is recorded
    with pytest.raises(DomainError) as refused:
        subtitle_finding_waive(version=version, finding_index=index, reason=reason, actor=None)
    assert refused.value.code == expected
    assert not SubtitleFindingWaiver.objects.exists()


def test_a_warning_is_waived_once_and_the_first_reason_kept():
    drama = drama_with_episodes(1)
    version = subtitle_ingest(episode=drama.episodes.get(), language="en", kind="full", filename="a.srt", data=WARNED)
    index = index_of(version, "crlf")
    subtitle_finding_waive(version=version, finding_index=index, reason="Windows tool", actor=None)

    with pytest.raises(DomainError) as refused:
        subtitle_finding_waive(version=version, finding_index=index, reason="again", actor=None)

    assert refused.value.code == SubtitleWaiverErrorCode.ALREADY_WAIVED
    assert list(SubtitleFindingWaiver.objects.values_list("reason", flat=True)) == ["Windows tool"]
    # and the database holds it too, whatever a caller does
    with pytest.raises(IntegrityError):
        SubtitleFindingWaiver.objects.create(version=version, finding_index=index, code="crlf", reason="x")


# --- each finding on its cue --------------------------------------------------------------------


def test_the_review_puts_each_finding_on_its_cue_file_findings_first_errors_before_warnings():
    # given a rejected upload: a file warning (CRLF), cue 2 overlapping cue 1 (an error), cue 3 too short
    drama = drama_with_episodes(1)
    data = srt(
        ("00:00:01,000", "00:00:03,000", "Why did you come back?"),
        ("00:00:02,000", "00:00:04,000", "Go."),
        ("00:00:05,000", "00:00:05,300", "Now."),
        crlf=True,
    ).encode()
    version = subtitle_ingest(episode=drama.episodes.get(), language="en", kind="full", filename="a.srt", data=data)
    assert version.status == SubtitleStatus.REJECTED

    # when it is reviewed
    reviews = subtitle_version_review(version=version)

    # then the file's findings come first, then the cue with an error, then the cue with warnings only
    assert reviews[0].number is None
    assert [f.code for f in reviews[0].findings] == ["crlf"]
    assert [(review.number, review.has_error) for review in reviews[1:]] == [(2, True), (3, False)]
    overlapping = reviews[1]
    assert (overlapping.start_ms, overlapping.end_ms, overlapping.lines) == (2000, 4000, ["Go."])
    assert overlapping.findings[0].severity == "error"
    assert overlapping.findings[0].code == "overlap"
    assert "duration_too_short" in [f.code for f in reviews[2].findings]


def test_a_legacy_encoded_file_with_a_byte_order_mark_has_its_cues_read_back_alike():
    # given a GB18030 Simplified Chinese file, and a UTF-8 one with a BOM, each with a short cue 2
    drama = drama_with_episodes(1)
    cues = (("00:00:01,000", "00:00:03,000", "你为什么回来？"), ("00:00:03,500", "00:00:03,700", "走吧。"))
    gbk = srt(*cues).encode("gb18030")
    bom = b"\xef\xbb\xbf" + srt(*cues).encode()

    for kind, data in (("full", gbk), ("sdh", bom)):
        version = subtitle_ingest(episode=drama.episodes.get(), language="zh-Hans", kind=kind, filename="a.srt",
                                  data=data)  # fmt: skip

        reviews = {review.number: review for review in subtitle_version_review(version=version)}

        assert reviews[2].lines == ["走吧。"]
        assert "duration_too_short" in [finding.code for finding in reviews[2].findings]


def test_a_cue_left_out_for_an_error_is_named_by_its_line():
    drama = drama_with_episodes(1)
    data = srt(("00:00:01,000", "00:00:03,000", "fine"), ("00:00:05,000", "00:00:04,000", "backwards")).encode()
    version = subtitle_ingest(episode=drama.episodes.get(), language="en", kind="full", filename="a.srt", data=data)

    reviews = subtitle_version_review(version=version)

    assert [(review.number, [(f.code, f.line) for f in review.findings]) for review in reviews] == [
        (None, [("end_before_start", 6)])
    ]


# --- bulk uploads -------------------------------------------------------------------------------


def test_a_bulk_upload_matches_names_and_reports_each_file_while_the_others_go_on():
    # given a drama of 3 episodes and an upload of good, broken, stray and clashing files
    drama = drama_with_episodes(3)
    files = bulk_files_from_uploads(
        uploads({
            "ep001.th.srt": GOOD, "ep002.zh-Hans.sdh.vtt": b"WEBVTT\n\n00:01.000 --> 00:02.000\n\xe4\xbd\xa0\xe5\xa5\xbd\n",
            "ep003.ar.forced.srt": ARABIC, "ep001.en.srt": BAD, "ep009.en.srt": GOOD, "notes.txt": b"hi",
            "ep002.ko.srt": GOOD, "EP002.KO.srt": GOOD, "ep001.klingon.srt": GOOD, "more.zip": b"PK",
        })
    )  # fmt: skip

    # when it is ingested
    rows = {row.name: row for row in subtitle_bulk_ingest(drama=drama, files=files, actor=None)}

    # then each file has its outcome
    assert (rows["ep001.th.srt"].outcome, rows["ep001.th.srt"].episode.number) == ("live", 1)
    assert (rows["ep002.zh-Hans.sdh.vtt"].language, rows["ep002.zh-Hans.sdh.vtt"].kind) == ("zh-Hans", "sdh")
    assert rows["ep002.zh-Hans.sdh.vtt"].outcome == "live"
    assert (rows["ep003.ar.forced.srt"].outcome, rows["ep003.ar.forced.srt"].kind) == ("live", "forced")
    assert rows["ep001.en.srt"].outcome == "rejected"
    assert rows["ep001.en.srt"].version.error_count == 1
    refused = {name: row.code for name, row in rows.items() if row.outcome == "refused"}
    assert refused == {
        "ep009.en.srt": SubtitleBulkErrorCode.NO_SUCH_EPISODE,
        "notes.txt": SubtitleBulkErrorCode.NAME_NOT_UNDERSTOOD,
        "ep002.ko.srt": SubtitleBulkErrorCode.DUPLICATE_IN_UPLOAD,
        "EP002.KO.srt": SubtitleBulkErrorCode.DUPLICATE_IN_UPLOAD,
        "ep001.klingon.srt": SubtitleBulkErrorCode.NAME_NOT_UNDERSTOOD,
        "more.zip": SubtitleBulkErrorCode.NESTED_ARCHIVE,
    }
    assert "episode 2 ko full" in rows["ep002.ko.srt"].message
    # and nothing was ingested for the refused ones
    assert not drama.episodes.get(number=2).subtitle_tracks.filter(language="ko").exists()


def test_a_zip_is_read_member_by_member_and_unsafe_members_refused_one_by_one():
    # given a zip with a good file, a path climbing out, an absolute path, a nested zip, and clutter
    drama = drama_with_episodes(2)
    inner = zip_of({"ep002.en.srt": GOOD}).getvalue()
    archive = bulk_zip_open(
        zip_of({
            "subs/ep001.en.srt": GOOD, "../ep002.th.srt": GOOD, "/etc/ep002.ar.srt": GOOD, "ep002.en.zip": inner,
            "ep002.ko.srt": inner, "__MACOSX/._ep001.en.srt": b"x", ".DS_Store": b"x", "subs/": b"",
        })
    )  # fmt: skip

    # when it is ingested
    rows = {row.name: row for row in subtitle_bulk_ingest(drama=drama, files=bulk_files_from_zip(archive))}

    # then the good member is live (its folder dropped), each unsafe one refused with its code
    assert rows["ep001.en.srt"].outcome == "live"
    assert rows["ep002.th.srt"].code == SubtitleBulkErrorCode.UNSAFE_PATH
    assert rows["ep002.ar.srt"].code == SubtitleBulkErrorCode.UNSAFE_PATH
    assert rows["ep002.en.zip"].code == SubtitleBulkErrorCode.NESTED_ARCHIVE
    # a zip disguised under a subtitle name is found by its first bytes
    assert rows["ep002.ko.srt"].code == SubtitleBulkErrorCode.NESTED_ARCHIVE
    assert set(rows) == {"ep001.en.srt", "ep002.th.srt", "ep002.ar.srt", "ep002.en.zip", "ep002.ko.srt"}
    assert not drama.episodes.get(number=2).subtitle_tracks.exists()


def test_a_zip_bomb_member_is_refused_by_its_declared_size_before_it_is_inflated():
    # given a zip whose one member inflates from about 100 KB to 100 MiB
    drama = drama_with_episodes(1)
    bomb = zip_of({"ep001.en.srt": b"0" * (100 * MIB), "ep001.th.srt": GOOD})
    assert len(bomb.getvalue()) < 200_000

    rows = {row.name: row for row in subtitle_bulk_ingest(drama=drama, files=bulk_files_from_zip(bulk_zip_open(bomb)))}

    assert rows["ep001.en.srt"].code == SubtitleBulkErrorCode.FILE_TOO_LARGE
    assert rows["ep001.th.srt"].outcome == "live"


def test_a_zip_listing_too_many_members_is_refused_before_its_directory_is_read():
    # given a zip of 2,000 empty members (about 200 KB): as many objects as members once zipfile reads it
    members = {f"ep{n:04d}.en.srt": b"" for n in range(1, 2001)}

    with pytest.raises(SubtitleArchiveError) as refused:
        bulk_zip_open(zip_of(members, zipfile.ZIP_STORED))

    assert refused.value.code == SubtitleBulkErrorCode.TOO_MANY_FILES
    assert "lists 2000 files; at most 1000" in refused.value.message


@pytest.mark.parametrize(
    ("members", "limits", "code"),
    [
        ({f"ep{n:03d}.en.srt": GOOD for n in range(1, 6)}, {"max_files": 4}, SubtitleBulkErrorCode.TOO_MANY_FILES),
        ({f"ep{n:03d}.en.srt": b"0" * MIB for n in range(1, 6)}, {"max_total_bytes": 4 * MIB},
         SubtitleBulkErrorCode.ARCHIVE_EXPANDS_TOO_MUCH),
    ],
)  # fmt: skip
def test_an_archive_over_its_bounds_is_refused_as_a_whole_before_anything_is_read(members, limits, code):
    archive = bulk_zip_open(zip_of(members))

    with pytest.raises(SubtitleArchiveError) as refused:
        bulk_files_from_zip(archive, **limits)

    assert refused.value.code == code


def test_a_member_whose_header_lies_about_its_size_is_never_read_past_it():
    # given a member declared as 100 bytes (central directory and local header) that inflates to 5 MiB
    drama = drama_with_episodes(1)
    buffer = zip_of({"ep001.en.srt": b"0" * (5 * MIB)})
    data = bytearray(buffer.getvalue())
    real = (5 * MIB).to_bytes(4, "little")
    for offset in [i for i in range(len(data) - 3) if data[i : i + 4] == real]:
        data[offset : offset + 4] = (100).to_bytes(4, "little")

    archive = bulk_zip_open(io.BytesIO(bytes(data)))
    [file] = bulk_files_from_zip(archive)
    assert file.size == 100 and file.refused is None

    # when it is ingested
    [row] = subtitle_bulk_ingest(drama=drama, files=[file])

    # then zipfile stops at the declared 100 bytes, whose checksum fails: refused, nothing kept
    assert (row.outcome, row.code) == ("refused", SubtitleBulkErrorCode.UNREADABLE)
    assert "Bad CRC-32" in row.message
    assert not drama.episodes.get().subtitle_tracks.exists()


@pytest.mark.parametrize(
    ("data", "limit", "code"),
    [(b"not a zip at all", None, SubtitleBulkErrorCode.NOT_A_ZIP), (b"PK\x03\x04" + b"0" * 2048, 1024,
      SubtitleBulkErrorCode.ARCHIVE_TOO_LARGE)],
)  # fmt: skip
def test_an_upload_that_is_no_zip_or_too_large_is_refused_with_its_code(data, limit, code):
    kwargs = {"max_archive_bytes": limit} if limit else {}
    with pytest.raises(SubtitleArchiveError) as refused:
        bulk_zip_open(io.BytesIO(data), **kwargs)
    assert refused.value.code == code


# --- coverage -----------------------------------------------------------------------------------


def add_episodes(drama, count: int) -> None:
    Episode.objects.bulk_create(Episode(drama=drama, number=n, duration_seconds=90) for n in range(1, count + 1))


def test_coverage_names_each_cell_and_totals_per_language(django_assert_num_queries):
    # given a drama with a Thai localisation, Arabic named by a rights window, and tracks in English
    drama = drama_with_rights_in(territories=("TH",))
    add_episodes(drama, 3)
    grant_out(drama, territories=["TH"], subtitle_languages=["ar"])
    DramaLocalizationFactory(drama=drama, language="th")
    ep1, ep2, ep3 = drama.episodes.order_by("number")
    subtitle_ingest(episode=ep1, language="en", kind="full", filename="a.srt", data=GOOD)
    warned = subtitle_ingest(episode=ep2, language="en", kind="full", filename="a.srt", data=WARNED)
    subtitle_ingest(episode=ep3, language="en", kind="full", filename="a.srt", data=BAD)
    subtitle_ingest(episode=ep1, language="th", kind="forced", filename="a.srt", data=WARNED)

    # when the coverage is read: in two queries
    with django_assert_num_queries(2):
        coverage = subtitle_coverage(drama=drama)

    # then the languages are the localisations', the rights windows' and the tracks'
    assert coverage.languages == ["ar", "en", "th"]
    states = {(number, cell.language): cell.state for _, number, cells in coverage.rows for cell in cells}
    assert states[(1, "en")] == CoverageState.LIVE
    assert states[(2, "en")] == CoverageState.WARNINGS
    assert states[(3, "en")] == CoverageState.REJECTED
    assert states[(1, "th")] == CoverageState.WARNINGS
    assert states[(2, "th")] == CoverageState.MISSING
    assert coverage.totals["en"] == {"live": 1, "warnings": 1, "rejected": 1, "missing": 0}

    # and once every warning of episode 2's English is waived, it is live
    for index in range(len(warned.findings)):
        subtitle_finding_waive(version=warned, finding_index=index, reason="accepted", actor=None)
    states = {(n, c.language): c.state for _, n, cells in subtitle_coverage(drama=drama).rows for c in cells}
    assert states[(2, "en")] == CoverageState.LIVE


def test_coverage_takes_the_same_queries_for_a_large_drama(django_assert_num_queries):
    drama = drama_with_rights_in()
    add_episodes(drama, 40)
    grant_out(drama, subtitle_languages=["ar", "th", "ko", "ja"])
    for episode in drama.episodes.all()[:20]:
        subtitle_ingest(episode=episode, language="en", kind="full", filename="a.srt", data=GOOD)

    with django_assert_num_queries(2):
        coverage = subtitle_coverage(drama=drama)

    assert coverage.languages == ["ar", "en", "ja", "ko", "th"]
    assert len(coverage.rows) == 40
    assert coverage.totals["en"]["live"] == 20
