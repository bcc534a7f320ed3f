"""CSV and XLIFF 2.0 files for outside translators: out and back in changes only what changed, and a file
for another drama or language, with tampered ids, too long texts, or hostile XML, changes nothing."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from lxml import etree

from catalog.models import Episode
from catalog.tests.factories import DramaFactory
from localization.errors import TranslationError, TranslationErrorCode
from localization.models import DramaLocalization, EpisodeLocalization, TranslationStatus
from localization.translation.exchange import XLIFF_NS, exchange_csv_export, exchange_import, exchange_xliff_export
from tests.admin_helpers import messages_of, staff_user

pytestmark = pytest.mark.django_db

NS = {"x": XLIFF_NS}


@pytest.fixture
def drama():
    drama = DramaFactory(original_title="重生之林晚", original_language="zh-Hans")
    for n in (1, 2):
        Episode.objects.create(drama=drama, number=n, duration_seconds=90, original_title=f"第{n}集")
    DramaLocalization.objects.create(drama=drama, language="en", title="Rebirth", status="approved")
    return drama


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def csv_text(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def snapshot(drama) -> list:
    return [
        list(DramaLocalization.objects.filter(drama=drama).values_list("language", "title", "status")),
        list(EpisodeLocalization.objects.filter(episode__drama=drama).values_list("episode_id", "title", "status")),
    ]


def test_csv_round_trip_writes_only_what_changed_in_review(drama):
    # given the English export, with one episode title filled in and everything else as exported
    rows = csv_rows(exchange_csv_export(drama=drama, language="en"))
    assert rows[0] == ["drama_id", "language", "key", "source", "target"]
    assert rows[1] == [str(drama.pk), "en", "drama.title", "重生之林晚", "Rebirth"]
    first = Episode.objects.get(drama=drama, number=1)
    row = next(r for r in rows if r[2] == f"episode.{first.pk}.title")
    assert row[3] == "第1集"
    row[4] = "The Return"

    # when it is imported back
    result = exchange_import(drama=drama, language="en", filename="drama.en.csv", data=csv_text(rows))

    # then only the episode title was written, in review; the approved title is untouched
    assert result.changed == [f"episode.{first.pk}.title"] and result.unchanged == 1
    assert EpisodeLocalization.objects.get(episode=first, language="en").status == TranslationStatus.IN_REVIEW
    assert DramaLocalization.objects.get(drama=drama, language="en").status == TranslationStatus.APPROVED


def test_xliff_round_trip_writes_what_changed(drama):
    root = etree.fromstring(exchange_xliff_export(drama=drama, language="en"))
    assert root.get("srcLang") == "zh-Hans" and root.get("trgLang") == "en" and root.get("version") == "2.0"
    unit = root.find("x:file/x:unit[@id='drama.title']", NS)
    unit.find("x:segment/x:target", NS).text = "Rebirth of Lin Wan"
    short = root.find("x:file/x:unit[@id='drama.title_short']/x:segment", NS)
    etree.SubElement(short, f"{{{XLIFF_NS}}}target").text = "Lin Wan"

    result = exchange_import(drama=drama, language="en", filename="d.xlf", data=etree.tostring(root))

    loc = DramaLocalization.objects.get(drama=drama, language="en")
    assert sorted(result.changed) == ["drama.title", "drama.title_short"]
    assert (loc.title, loc.title_short, loc.status) == ("Rebirth of Lin Wan", "Lin Wan", TranslationStatus.IN_REVIEW)


def test_a_cell_a_spreadsheet_would_evaluate_is_quoted_and_comes_back_as_it_was(drama):
    DramaLocalization.objects.filter(drama=drama, language="en").update(synopsis_short="=HYPERLINK(evil)")

    rows = csv_rows(exchange_csv_export(drama=drama, language="en"))
    exported = next(r for r in rows if r[2] == "drama.synopsis_short")
    result = exchange_import(drama=drama, language="en", filename="d.csv", data=csv_text(rows))

    assert exported[4] == "'=HYPERLINK(evil)"
    assert result.changed == []


def other_episode_key() -> str:
    return f"episode.{Episode.objects.create(drama=DramaFactory(), number=1).pk}.title"


@pytest.mark.parametrize(
    ("edit", "code"),
    [
        (lambda rows, d: rows[1].__setitem__(0, str(d.pk + 1000)), TranslationErrorCode.FILE_WRONG_DRAMA),
        (lambda rows, d: rows[1].__setitem__(1, "ko"), TranslationErrorCode.FILE_WRONG_LANGUAGE),
        (lambda rows, d: rows[2].__setitem__(2, other_episode_key()), TranslationErrorCode.FILE_UNKNOWN_ID),
        (lambda rows, d: rows[2].__setitem__(2, "drama.status"), TranslationErrorCode.FILE_UNKNOWN_ID),
        (lambda rows, d: rows[3].__setitem__(4, "x" * 20), TranslationErrorCode.FILE_TOO_LONG),  # title_short
        (lambda rows, d: rows[0].__setitem__(2, "id"), TranslationErrorCode.FILE_UNREADABLE),
        (lambda rows, d: rows[4].append("extra"), TranslationErrorCode.FILE_UNREADABLE),
    ],
    ids=["other-drama", "other-language", "foreign-episode-id", "unknown-field", "too-long", "header", "columns"],
)
def test_a_csv_for_something_else_or_tampered_changes_nothing(drama, edit, code):
    rows = csv_rows(exchange_csv_export(drama=drama, language="en"))
    rows[1][4] = "A new title"  # a change that must not be written either
    edit(rows, drama)
    before = snapshot(drama)

    with pytest.raises(TranslationError) as caught:
        exchange_import(drama=drama, language="en", filename="d.csv", data=csv_text(rows))

    assert caught.value.code == code and caught.value.message
    assert snapshot(drama) == before


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE xliff [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="zh-Hans" trgLang="en">
<file id="drama-%d"><unit id="drama.title"><segment><source>x</source><target>&b;</target></segment></unit></file></xliff>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE xliff [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="zh-Hans" trgLang="en">
<file id="drama-%d"><unit id="drama.title"><segment><source>x</source><target>&secret;</target></segment></unit></file></xliff>"""
UTF16_DOCTYPE = EXTERNAL_ENTITY.decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"')


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (BILLION_LAUGHS, TranslationErrorCode.XML_ENTITIES_REFUSED),
        (EXTERNAL_ENTITY, TranslationErrorCode.XML_ENTITIES_REFUSED),
        ("utf16", TranslationErrorCode.XML_ENTITIES_REFUSED),
        (b"<?xml version='1.0'?><xliff", TranslationErrorCode.FILE_UNREADABLE),
        (b"<?xml version='1.0'?><tt xmlns='http://www.w3.org/ns/ttml'/>", TranslationErrorCode.FILE_UNREADABLE),
    ],
    ids=["billion-laughs", "external-entity", "utf16-doctype", "malformed", "not-xliff"],
)
def test_hostile_or_broken_xliff_is_refused_typed(drama, data, code):
    if data == "utf16":
        data = (UTF16_DOCTYPE % drama.pk).encode("utf-16")
    elif b"%d" in data:
        data = data % drama.pk
    before = snapshot(drama)

    with pytest.raises(TranslationError) as caught:
        exchange_import(drama=drama, language="en", filename="d.xlf", data=data)

    assert caught.value.code == code
    assert snapshot(drama) == before


def test_an_xliff_for_another_drama_or_language_is_refused(drama):
    exported = exchange_xliff_export(drama=drama, language="en")

    with pytest.raises(TranslationError) as wrong_language:
        exchange_import(drama=drama, language="ko", filename="d.xlf", data=exported)
    with pytest.raises(TranslationError) as wrong_drama:
        exchange_import(drama=DramaFactory(), language="en", filename="d.xlf", data=exported)

    assert wrong_language.value.code == TranslationErrorCode.FILE_WRONG_LANGUAGE
    assert wrong_drama.value.code == TranslationErrorCode.FILE_WRONG_DRAMA


@pytest.mark.parametrize(
    ("data", "code"),
    [(b"\xff\xfe\x00bad", TranslationErrorCode.FILE_UNREADABLE), (b"a" * 2048, TranslationErrorCode.FILE_TOO_LARGE)],
    ids=["not-utf8", "too-large"],
)
def test_unreadable_or_oversized_files_are_refused_before_anything_is_written(drama, settings, data, code):
    settings.TRANSLATION_EXCHANGE_MAX_BYTES = 1024

    with pytest.raises(TranslationError) as caught:
        exchange_import(drama=drama, language="en", filename="d.csv", data=io.BytesIO(data))

    assert caught.value.code == code


def test_translators_export_and_import_from_the_matrix_page(client, drama):
    client.force_login(staff_user("translator"))
    export = reverse("admin:localization_translation_export", args=[drama.pk])
    matrix = reverse("admin:localization_translation_matrix", args=[drama.pk])

    download = client.get(export, {"language": "en", "format": "csv"})
    assert download.status_code == 200 and download["Content-Disposition"].endswith(f'drama-{drama.pk}.en.csv"')
    rows = csv_rows(download.content.decode())
    rows[1][4] = "Rebirth of Lin Wan"
    upload = SimpleUploadedFile("drama.en.csv", csv_text(rows), content_type="text/csv")
    response = client.post(matrix, {"action": "import", "language": "en", "file": upload}, follow=True)

    assert messages_of(response) == ["Imported 1 changed text(s), in review; 0 unchanged."]
    loc = DramaLocalization.objects.get(drama=drama, language="en")
    assert (loc.title, loc.status) == ("Rebirth of Lin Wan", TranslationStatus.IN_REVIEW)
    # a tampered file through the page: a typed refusal, nothing written
    rows[2][2] = other_episode_key()
    upload = SimpleUploadedFile("drama.en.csv", csv_text(rows), content_type="text/csv")
    response = client.post(matrix, {"action": "import", "language": "en", "file": upload}, follow=True)
    assert response.status_code == 200
    assert messages_of(response)[0].startswith("Nothing was imported (translation_file_unknown_id)")
    xliff = client.get(export, {"language": "en", "format": "xliff"})
    assert xliff["Content-Type"] == "application/xliff+xml" and b"Rebirth of Lin Wan" in xliff.content
