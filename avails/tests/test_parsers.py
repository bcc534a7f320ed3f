from datetime import UTC, datetime

import pytest

from avails.parsers import avails_parse
from avails.tests.samples import (
    SAMPLE_REFUSED_FOR_STRUCTURE,
    SAMPLE_WITH_ERRORS,
    SAMPLES_DIR,
    VALID_SAMPLES,
    sample_bytes,
)
from avails.tests.workbooks import GOOD_MOVIE_ROW
from avails.tests.workbooks import avails_workbook as _workbook


def test_every_movielabs_sample_is_covered_by_these_tests():
    # given the folder of MovieLabs samples
    names = {p.name for p in SAMPLES_DIR.iterdir() if p.suffix in {".xml", ".xlsx"}}
    # then each file is a valid sample, the one with errors, or the one refused for its structure
    assert names == {*VALID_SAMPLES, SAMPLE_WITH_ERRORS, SAMPLE_REFUSED_FOR_STRUCTURE}


@pytest.mark.parametrize(
    ("name", "fmt", "version", "records"),
    [
        ("Avails_noErrors_v2.4.xml", "xml", "2.4", 24),
        ("Movies_v1.9.xlsx", "xlsx", "1.9", 26),
        ("TV_v1.9.xlsx", "xlsx", "1.9", 38),
    ],
)
def test_valid_samples_parse_without_errors(name, fmt, version, records):
    # when a valid MovieLabs sample is parsed
    result = avails_parse(sample_bytes(name), source=name)
    # then it has no errors and every transaction became a record
    assert result.errors == []
    assert (result.format, result.version, len(result.records)) == (fmt, version, records)
    assert all(r.transaction_id and r.alid and r.territories and r.license_type for r in result.records)


def test_errors_sample_reports_each_error_with_its_element_line_and_field():
    # when the sample with deliberate errors is parsed
    result = avails_parse(sample_bytes(SAMPLE_WITH_ERRORS), source=SAMPLE_WITH_ERRORS)
    # then each marked error is reported on its own line, naming the field
    found = {(int(p.location.rsplit("line ", 1)[1].rstrip(")")), p.field) for p in result.errors}
    assert found == {
        (42, "Ratings/Rating/Value"),
        (52, "Territory/country"),
        (60, "AllowedLanguage"),
        (89, "AllowedLanguage"),
        (91, "AssetLanguage"),
        (147, "Ratings/Rating/Reason"),
        (187, "LicenseRightsDescription"),
    }
    assert all(p.file == SAMPLE_WITH_ERRORS and "/avails:AvailList/avails:Avail[" in p.location for p in result.errors)
    # and the rating system used outside its region is a warning, not an error
    assert [(p.field, p.severity) for p in result.warnings] == [("Ratings/Rating/Region", "warning")]


def test_xml_record_carries_the_transaction_terms():
    # when the v2.4 sample is parsed
    records = {r.transaction_id: r for r in avails_parse(sample_bytes(VALID_SAMPLES[0]), source="x.xml").records}
    # then a movie transaction carries its terms
    movie = records["1431081"]
    assert movie.alid == "md:pseudoalid:wprid.fox.com:001143"
    assert movie.licensor == "20th Century Fox"
    assert movie.work_type == "Movie"
    assert movie.title == "THE BRAVADOS"
    assert movie.eidr == "10.5240/8FF3-1C20-84F5-F247-8BCD-E"
    assert movie.territories == ["US"]
    assert movie.license_type == "EST"
    assert movie.start == datetime(1917, 9, 24, 23, 59, 59, tzinfo=UTC)
    assert (movie.end, movie.end_condition) == (None, "Open")
    assert movie.allowed_languages[:2] == ["ar", "cmn"]
    assert movie.asset_language == "en"
    assert (movie.price_type, movie.price_value, movie.price_currency) == ("SRP", "1000.00", "XTS")
    # and an episode transaction its series, season and episode
    episode = records["6c1169aa-6038-11e8-9c2d-fa7ae01bbebc"]
    assert (episode.work_type, episode.season_number, episode.episode_number) == ("Episode", 1, 1)
    assert episode.series_content_id == "md:cid:disney.com:jake"
    assert episode.title == "Jake and the Neverland Pirates"
    assert episode.work_key == "md:cid:disney.com:jake"


def test_sample_whose_asset_has_no_metadata_is_refused_naming_the_asset():
    # when the v2.3 structure-rules sample is parsed
    result = avails_parse(sample_bytes(SAMPLE_REFUSED_FOR_STRUCTURE), source="s.xml")
    # then its second Avail's Asset is refused as its XSD refuses it, by element path and line
    assert [(p.location, p.field, p.code) for p in result.errors] == [
        ("/avails:AvailList/avails:Avail[2]/avails:Asset (line 73)", "Asset", "invalid_structure")
    ]
    assert "Metadata or SeasonMetadata or SeriesMetadata is required" in result.errors[0].reason


def _structure_sample_with_asset_metadata() -> bytes:
    # The v2.3 sample with the metadata its second Asset lacks (see SAMPLE_REFUSED_FOR_STRUCTURE).
    return sample_bytes(SAMPLE_REFUSED_FOR_STRUCTURE).replace(
        b"<avails:WorkType>Supplemental</avails:WorkType>\n\t\t</avails:Asset>",
        b"<avails:WorkType>Supplemental</avails:WorkType><avails:Metadata>"
        b"<avails:TitleInternalAlias>Radar</avails:TitleInternalAlias></avails:Metadata></avails:Asset>",
    )


def test_repeated_transaction_with_same_terms_is_dropped_with_a_warning():
    # given the v2.3 sample, which repeats a transaction in a second Avail
    result = avails_parse(_structure_sample_with_asset_metadata(), source="s.xml")
    # then the repeat is ignored with a warning
    assert [r.transaction_id for r in result.records] == [
        "922247d2-ba07-45ed-8f47-69803fcd80b4",
        "ab1e2e14-7cb6-408d-9ee0-307b68f3d3e3",
    ]
    assert [p.code for p in result.warnings] == ["duplicate_transaction"]


def test_tv_spreadsheet_rows_at_season_and_episode_level():
    # when the TV template is parsed
    records = avails_parse(sample_bytes("TV_v1.9.xlsx"), source="TV_v1.9.xlsx").records
    season, bonus, first = records[0], records[2], records[4]
    # then season rows cover the season, episode rows one episode
    assert (season.work_type, season.season_number, season.episode_number, season.episode_count) == (
        "Season",
        1,
        None,
        8,
    )
    assert season.location == "sheet 'Template-TV_v1.9' row 4"
    assert season.exclusive is True  # =TRUE() in the sheet
    assert (season.price_type, season.price_value) == ("WSP", "7.99")
    assert (bonus.episode_number, first.episode_number) == (101, 1)
    assert first.transaction_id == "34530345-ABD-WE-5"
    assert first.title == "The Detectives"
    assert first.work_key == season.work_key == "md:cid:eidr-s:AAAA-AAAA-AAAA-AAAA-AAAA-A"
    assert first.start == datetime(2013, 5, 14, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "field", "reason_part"),
    [
        ({"Territory": "XX"}, "Territory", "'XX' is not an ISO 3166-1"),
        ({"Territory": None}, "Territory", "required"),
        ({"LicenseType": "RENT"}, "LicenseType", "not a LicenseType"),
        ({"Start": "14/05/2013"}, "Start", "not a date"),
        ({"End": "2025-01-01"}, "End", "not after Start"),
        ({"AllowedLanguages": "en, klingon"}, "AllowedLanguages", "not a BCP 47"),
        ({"HoldbackLanguage": "eng"}, "HoldbackLanguage", "two-letter code 'en'"),
        ({"Exclusive": "perhaps"}, "Exclusive", "yes/no"),
        ({"PriceCurrency": "ABC"}, "PriceCurrency", "ISO 4217"),
        ({"ALID": None}, "ALID", "required"),
        ({"WorkType": "Film"}, "WorkType", "not a WorkType"),
    ],
)
def test_bad_spreadsheet_cell_is_reported_with_row_and_field(change, field, reason_part):
    # given a movie row with one bad cell between two good rows
    rows = [GOOD_MOVIE_ROW | {"AvailID": "T-0"}, GOOD_MOVIE_ROW | change, GOOD_MOVIE_ROW | {"AvailID": "T-2"}]
    # when parsed
    result = avails_parse(_workbook(rows), source="bad.xlsx")
    # then the error names the file, the row and the field
    assert [(p.file, p.location, p.field) for p in result.errors] == [
        ("bad.xlsx", "sheet 'Template-Movies_v1.9' row 5", field)
    ]
    assert reason_part in result.errors[0].reason


def test_every_bad_row_is_listed_not_only_the_first():
    rows = [
        GOOD_MOVIE_ROW | {"Territory": "QQ"},
        GOOD_MOVIE_ROW | {"AvailID": "T-2"},
        GOOD_MOVIE_ROW | {"AvailID": "T-3", "LicenseType": "X"},
    ]
    result = avails_parse(_workbook(rows), source="bad.xlsx")
    assert [(p.location.rsplit(" ", 1)[1], p.field) for p in result.errors] == [
        ("4", "Territory"),
        ("6", "LicenseType"),
    ]


def test_region_groups_and_exclusions_expand_to_countries():
    rows = [GOOD_MOVIE_ROW | {"Territory": "SEA", "TerritoryExclusion": "MM, LA"}]
    record = avails_parse(_workbook(rows), source="r.xlsx").records[0]
    assert "TH" in record.territories and "VN" in record.territories and len(record.territories) == 11
    assert record.territory_exclusions == ["MM", "LA"]


def test_transaction_id_repeated_with_other_terms_is_an_error():
    rows = [GOOD_MOVIE_ROW, GOOD_MOVIE_ROW | {"Territory": "SG", "LicenseType": "AVOD"}]
    result = avails_parse(_workbook(rows), source="d.xlsx")
    assert [(p.location, p.code) for p in result.errors] == [
        ("sheet 'Template-Movies_v1.9' row 5", "duplicate_transaction")
    ]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "unknown_format"),
        (b"hello", "unknown_format"),
        (b"<AvailList><Avail>", "malformed_xml"),
        (b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'/>", "not_avails"),
        (b"<a:AvailList xmlns:a='http://www.movielabs.com/schema/avails/v2.9/avails'/>", "unsupported_version"),
        (b"PK\x03\x04garbage", "malformed_xlsx"),
    ],
)
def test_unreadable_input_is_reported_not_raised(data, code):
    result = avails_parse(data, source="f")
    assert [p.code for p in result.errors] == [code]


def test_xml_entities_are_not_expanded():
    data = (
        b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<a:AvailList xmlns:a="http://www.movielabs.com/schema/avails/v2.4/avails"><a:Avail><a:ALID>&x;</a:ALID>'
        b"</a:Avail></a:AvailList>"
    )
    result = avails_parse(data, source="e.xml")
    assert "root:" not in repr(result)


def test_transaction_licensee_wins_over_the_service_provider():
    data = b"""<?xml version="1.0"?>
<avails:AvailList xmlns:avails="http://www.movielabs.com/schema/avails/v2.4/avails" xmlns:md="http://www.movielabs.com/schema/md/v2.7/md">
 <avails:Avail><avails:ALID>md:alid:org:x:1</avails:ALID>
  <avails:Disposition><avails:EntryType>Full Extract</avails:EntryType></avails:Disposition>
  <avails:Licensor><md:DisplayName>Migu</md:DisplayName></avails:Licensor>
  <avails:ServiceProvider><md:DisplayName>Everyone</md:DisplayName></avails:ServiceProvider>
  <avails:AvailType>single</avails:AvailType><avails:ShortDescription>x</avails:ShortDescription>
  <avails:Asset contentID="md:cid:org:x:1"><avails:WorkType>Movie</avails:WorkType>
   <avails:Metadata><avails:TitleInternalAlias>X</avails:TitleInternalAlias></avails:Metadata></avails:Asset>
  <avails:Transaction TransactionID="a"><avails:Licensee><md:DisplayName>Partner A</md:DisplayName></avails:Licensee>
   <avails:LicenseType>AVOD</avails:LicenseType><avails:Territory><md:country>TH</md:country></avails:Territory>
   <avails:Start>2026-01-01T00:00:00Z</avails:Start><avails:EndCondition>Open</avails:EndCondition>
   <avails:AllowedLanguage asset="subtitle">th</avails:AllowedLanguage><avails:AllowedLanguage>en</avails:AllowedLanguage>
   <avails:FormatProfile>HD</avails:FormatProfile></avails:Transaction>
  <avails:Transaction TransactionID="b"><avails:LicenseType>AVOD</avails:LicenseType>
   <avails:Territory><md:country>SG</md:country></avails:Territory>
   <avails:Start>2026-01-01T08:00:00+08:00</avails:Start><avails:End>2026-02-01</avails:End>
   <avails:FormatProfile>HD</avails:FormatProfile></avails:Transaction>
 </avails:Avail>
</avails:AvailList>"""
    result = avails_parse(data, source="l.xml")
    assert result.problems == []
    first, second = result.records
    assert (first.licensee, second.licensee) == ("Partner A", "Everyone")
    assert (first.audio_languages, first.subtitle_languages) == (["en"], ["th", "en"])
    assert second.start == datetime(2026, 1, 1, tzinfo=UTC) and second.end == datetime(2026, 2, 1, tzinfo=UTC)


def test_missing_transaction_id_gets_a_stable_key_from_the_alid_and_terms():
    rows = [GOOD_MOVIE_ROW | {"AvailID": None}, GOOD_MOVIE_ROW | {"AvailID": None, "Territory": "SG"}]
    first = avails_parse(_workbook(rows), source="k.xlsx")
    again = avails_parse(_workbook(rows), source="k.xlsx")
    keys = [r.transaction_id for r in first.records]
    assert first.errors == [] and keys == [r.transaction_id for r in again.records]
    assert keys == ["md:alid:org:migu:1:TH:SVOD:HD:20260101T000000", "md:alid:org:migu:1:SG:SVOD:HD:20260101T000000"]


@pytest.mark.parametrize("version", ["2.2", "2.2.2", "2.3", "2.4", "2.5", "2.6"])
def test_every_supported_xml_version_reads(version):
    # given the v2.4 sample re-labelled with another version's namespace
    data = sample_bytes("Avails_noErrors_v2.4.xml").replace(
        b"/avails/v2.4/avails", f"/avails/v{version}/avails".encode()
    )
    result = avails_parse(data, source="v.xml")
    assert (result.version, len(result.records), result.errors) == (version, 24, [])


def test_episode_directly_under_its_series_reads_the_series():
    data = sample_bytes("Avails_noErrors_v2.4.xml")
    start = data.index(b"<avails:SeasonMetadata>", data.index(b"jake-s01e01"))
    season_end = data.index(b"<avails:SeriesMetadata>", start)
    series_end = data.index(b"</avails:SeriesMetadata>", start) + len(b"</avails:SeriesMetadata>")
    closing = data.index(b"</avails:SeasonMetadata>", series_end) + len(b"</avails:SeasonMetadata>")
    flattened = data[:start] + data[season_end:series_end] + data[closing:]
    records = avails_parse(flattened, source="f.xml").records
    episode = next(r for r in records if r.alid == "md:alid:disney.com:jake-s01e01")
    assert (episode.series_content_id, episode.title, episode.season_number) == (
        "md:cid:disney.com:jake",
        "Jake and the Neverland Pirates",
        None,
    )


@pytest.mark.parametrize("corner", [1.7, "1.8", "v1.9"])
def test_template_version_is_read_from_row_3(corner):
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(_workbook([GOOD_MOVIE_ROW])))
    book.active["A3"] = corner
    buffer = io.BytesIO()
    book.save(buffer)
    result = avails_parse(buffer.getvalue(), source="t.xlsx")
    assert result.version == str(corner).lstrip("v") and result.errors == []


def test_template_older_than_1_6_is_refused():
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(_workbook([GOOD_MOVIE_ROW])))
    book.active["A3"] = 1.5
    buffer = io.BytesIO()
    book.save(buffer)
    assert [p.code for p in avails_parse(buffer.getvalue(), source="t.xlsx").errors] == ["unsupported_version"]


def test_licensee_is_read_from_the_service_provider_column_when_licensee_is_empty():
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(_workbook([GOOD_MOVIE_ROW | {"Licensee": None}])))
    sheet = book.active
    column = sheet.max_column + 1
    sheet.cell(row=2, column=column, value="ServiceProvider")
    sheet.cell(row=4, column=column, value="Partner C")
    buffer = io.BytesIO()
    book.save(buffer)
    assert avails_parse(buffer.getvalue(), source="s.xlsx").records[0].licensee == "Partner C"
