"""What MovieLabs' reference validator accepts is accepted, and what it refuses is refused, version by version.

Spreadsheets: templates v1.6 to v1.9 and their conventions (v1.6's column names, T/F, comma-separated
language lists, an optional Movies ContentID, one TransactionID over several rows). XML: v2.1 to v2.7,
each checked against its XSD's structure before it is read, with empty optional elements accepted.
"""

from datetime import UTC, datetime

import pytest

from avails.exporters import avails_xml_from_records
from avails.parsers import avails_parse
from avails.parsers.structure import XML_VERSIONS
from avails.records import AvailRecord
from avails.services import avails_import
from avails.templates import TEMPLATE_VERSIONS
from avails.tests.workbooks import GOOD_EPISODE_ROW, GOOD_MOVIE_ROW, avails_workbook
from catalog.models import Drama, ExternalId
from partners.tests.factories import LicensorFactory
from rights.models import RightsWindow
from rights.tests.factories import drama_with_rights_in

EIDR = "10.5240/8FF3-1C20-84F5-F247-8BCD-E"

# --- spreadsheets: the older templates' conventions ----------------------------------------------


def test_v1_6_movies_template_reads_its_own_column_names():
    # given a v1.6 Movies row: the ALID (also the content id) in AltID, the title's EIDR in ContentID,
    # StoreLanguage, HoldbackExclusionLanguage and T for yes
    row = GOOD_MOVIE_ROW | {
        "ContentID": "md:alid:org:migu:1",
        "TitleID": EIDR,
        "AssetLanguage": "zh, en",
        "AllowedLanguages": "en, th",
        "Exclusive": "T",
    }
    data = avails_workbook([row], version="1.6")
    # when it is parsed
    result = avails_parse(data, source="v16.xlsx")
    # then each field is read from the v1.6 column that holds it
    assert (result.version, result.problems) == ("1.6", [])
    record = result.records[0]
    assert (record.alid, record.content_id, record.eidr) == ("md:alid:org:migu:1", "md:alid:org:migu:1", EIDR)
    assert (record.asset_language, record.allowed_languages, record.exclusive) == ("zh", ["en", "th"], True)


def test_v1_6_tv_template_takes_the_alid_from_the_episode_and_season_alt_ids():
    # given v1.6 TV rows, which have no ALID column
    episode = GOOD_EPISODE_ROW | {"EpisodeAltID": "md:alid:org:migu:e3"}
    season = GOOD_EPISODE_ROW | {
        "WorkType": "Season",
        "EpisodeNumber": None,
        "AvailID": "S-1",
        "SeasonAltID": "md:alid:org:migu:s1",
    }
    # when they are parsed
    result = avails_parse(avails_workbook([episode, season], tv=True, version="1.6"), source="tv16.xlsx")
    # then the episode's ALID is its EpisodeAltID and the season's its SeasonAltID
    assert result.problems == []
    assert [r.alid for r in result.records] == ["md:alid:org:migu:e3", "md:alid:org:migu:s1"]


def test_v1_6_tv_row_without_its_alt_id_names_the_column():
    result = avails_parse(avails_workbook([GOOD_EPISODE_ROW], tv=True, version="1.6"), source="tv16.xlsx")
    assert [(p.location, p.field, p.code) for p in result.errors] == [
        ("sheet 'Template-TV_v1.6' row 4", "EpisodeAltID", "required")
    ]


@pytest.mark.parametrize(("cell", "exclusive"), [("T", True), ("F", False), ("t", True), ("f", False)])
@pytest.mark.parametrize("version", TEMPLATE_VERSIONS)
def test_t_and_f_are_yes_and_no_in_every_template(version, cell, exclusive):
    result = avails_parse(avails_workbook([GOOD_MOVIE_ROW | {"Exclusive": cell}], version=version), source="b.xlsx")
    assert result.errors == []
    assert result.records[0].exclusive is exclusive


@pytest.mark.parametrize("version", TEMPLATE_VERSIONS)
def test_comma_separated_language_lists_in_every_template(version):
    # given language cells as older templates write them: comma-separated, spaced or not
    row = GOOD_MOVIE_ROW | {
        "AllowedLanguages": "en,th , zh-Hans",
        "AssetLanguage": "th, en",
        "HoldbackLanguage": "ko,ja",
    }
    # when parsed
    result = avails_parse(avails_workbook([row], version=version), source="l.xlsx")
    # then each list is read whole, and the first asset language is the original's
    assert result.errors == []
    record = result.records[0]
    assert record.allowed_languages == record.audio_languages == ["en", "th", "zh-Hans"]
    assert (record.asset_language, record.holdback_languages) == ("th", ["ko", "ja"])


def test_a_bad_language_in_a_comma_separated_list_names_the_row_and_column():
    row = GOOD_MOVIE_ROW | {"AssetLanguage": "th, xx"}
    result = avails_parse(avails_workbook([GOOD_MOVIE_ROW | {"AvailID": "T-0"}, row]), source="l.xlsx")
    assert [(p.location, p.field, p.code) for p in result.errors] == [
        ("sheet 'Template-Movies_v1.9' row 5", "AssetLanguage", "invalid_language")
    ]


@pytest.mark.parametrize(("title_id", "key"), [(EIDR, EIDR), (None, "md:alid:org:migu:1")])
def test_movies_content_id_is_optional_the_title_is_then_known_by_its_eidr_or_alid(title_id, key):
    row = GOOD_MOVIE_ROW | {"ContentID": None, "TitleID": title_id}
    result = avails_parse(avails_workbook([row], version="1.7"), source="m.xlsx")
    assert result.errors == []
    assert (result.records[0].content_id, result.records[0].work_key) == ("", key)


def test_rows_sharing_a_transaction_id_are_one_transaction_across_territories():
    # given one transaction spread over three rows, one territory each (as older templates give it)
    rows = [GOOD_MOVIE_ROW | {"Territory": code} for code in ("TH", "SG", "MY")]
    # when parsed
    result = avails_parse(avails_workbook(rows, version="1.7"), source="t.xlsx")
    # then it is one transaction over the three territories, found at its first row
    assert result.problems == []
    assert [(r.transaction_id, r.territories, r.location) for r in result.records] == [
        ("T-1", ["TH", "SG", "MY"], "sheet 'Template-Movies_v1.7' row 4")
    ]


def test_workbook_without_an_avails_sheet_names_the_sheets_it_has():
    from avails.tests.hostile_files import no_avails_sheet

    result = avails_parse(no_avails_sheet(), source="s.xlsx")
    assert [p.code for p in result.errors] == ["not_avails"]
    assert "the workbook's sheets: 'Instructions'" in result.errors[0].reason and result.records == []


def test_an_avails_sheet_is_found_by_its_header_whatever_its_name():
    result = avails_parse(avails_workbook([GOOD_MOVIE_ROW], sheet_title="Avails 2026"), source="s.xlsx")
    assert result.errors == [] and len(result.records) == 1


# --- XML: structure first, version by version ----------------------------------------------------

MOVIE_XML = """<?xml version="1.0"?>
<avails:AvailList xmlns:avails="http://www.movielabs.com/schema/avails/v{version}/avails"
  xmlns:md="http://www.movielabs.com/schema/md/v2.7/md">
 <avails:Avail>
  <avails:ALID>md:alid:org:migu:1</avails:ALID>
  <avails:Disposition><avails:EntryType>Full Extract</avails:EntryType></avails:Disposition>
  <avails:Licensor><md:DisplayName>Migu</md:DisplayName></avails:Licensor>
  <avails:ServiceProvider><md:DisplayName>Partner A</md:DisplayName></avails:ServiceProvider>
  <avails:AvailType>single</avails:AvailType>
  <avails:ShortDescription>Rebirth</avails:ShortDescription>
  <avails:Asset contentID="md:cid:org:migu:1"><avails:WorkType>Movie</avails:WorkType>
   <avails:Metadata><avails:TitleInternalAlias>Rebirth</avails:TitleInternalAlias></avails:Metadata>
  </avails:Asset>
  <avails:Transaction TransactionID="T-1">
   <avails:LicenseType>SVOD</avails:LicenseType>
   <avails:Territory><md:country>TH</md:country></avails:Territory>
   <avails:Start>2026-01-01T00:00:00Z</avails:Start>
   <avails:EndCondition>Open</avails:EndCondition>
   <avails:FormatProfile>HD</avails:FormatProfile>
   <avails:Term termName="Exclusive"><avails:Text>false</avails:Text></avails:Term>
  </avails:Transaction>
 </avails:Avail>
</avails:AvailList>
"""
TRANSACTION = "/avails:AvailList/avails:Avail/avails:Transaction"


def _movie_xml(version: str = "2.4", **replacements: str) -> bytes:
    text = MOVIE_XML.format(version=version)
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return text.encode()


@pytest.mark.parametrize("version", ["2.2", "2.2.2", "2.3", "2.4", "2.5", "2.6", "2.6.1", "2.7"])
def test_a_movie_avail_reads_in_every_version_whose_structure_it_fits(version):
    result = avails_parse(_movie_xml(version), source="m.xml")
    assert (result.version, result.problems, [r.transaction_id for r in result.records]) == (version, [], ["T-1"])


SEARCH_ALL = "<avails:ServiceProvider>"


@pytest.mark.parametrize(
    ("version", "replacements", "location", "field", "reason"),
    [
        (
            "2.4",
            {"<avails:Disposition><avails:EntryType>Full Extract</avails:EntryType></avails:Disposition>": ""},
            "/avails:AvailList/avails:Avail/avails:Licensor (line 7)",
            "Licensor",
            "Disposition is required before Licensor.",
        ),
        (
            "2.4",
            {' contentID="md:cid:org:migu:1"': ""},
            "/avails:AvailList/avails:Avail/avails:Asset (line 11)",
            "Asset/@contentID",
            "The contentID attribute is required.",
        ),
        (
            "2.4",
            {"<avails:FormatProfile>HD</avails:FormatProfile>": "<avails:Price>1</avails:Price>"},
            f"{TRANSACTION}/avails:Price (line 19)",
            "Price",
            "Price is not allowed here (out of order, repeated, or not in this version).",
        ),
        (
            "2.4",
            {"<avails:Text>false</avails:Text>": "<avails:Text>false</avails:Text><avails:Text>true</avails:Text>"},
            f"{TRANSACTION}/avails:Term (line 20)",
            "Term",
            "A Term holds exactly one value element; this one holds 2.",
        ),
        (
            "2.4",
            {SEARCH_ALL: "<avails:Compatibility/>" + SEARCH_ALL},
            "/avails:AvailList/avails:Avail/avails:Compatibility (line 8)",
            "Compatibility",
            "Compatibility is not allowed here (out of order, repeated, or not in this version).",
        ),
        (
            "2.3",
            {'<avails:Term termName="Exclusive"><avails:Text>false</avails:Text></avails:Term>': ""},
            f"{TRANSACTION} (line 14)",
            "Transaction",
            "Term is required.",
        ),
        (
            "2.2",
            {"<avails:Text>false</avails:Text>": "<avails:Boolean>false</avails:Boolean>"},
            f"{TRANSACTION}/avails:Term/avails:Boolean (line 20)",
            "Term/Boolean",
            "A Term in v2.2 holds one of Duration, Event, ID, Language, Money, Region, Text, Time, URI, YearDateTime.",
        ),
        (
            "2.1",
            {"<avails:Metadata>": "<avails:Metadata><avails:TitleDisplayUnlimited>R</avails:TitleDisplayUnlimited>"},
            f"{TRANSACTION}/avails:Territory (line 16)",
            "Territory",
            "Description is required before Territory.",
        ),
        (
            "2.1",
            {},
            "/avails:AvailList/avails:Avail/avails:Asset/avails:Metadata/avails:TitleInternalAlias (line 12)",
            "TitleInternalAlias",
            "TitleDisplayUnlimited is required before TitleInternalAlias.",
        ),
        (
            "2.4",
            {
                "<avails:WorkType>Movie</avails:WorkType>": "<avails:WorkType>Series</avails:WorkType>",
                "<avails:Metadata><avails:TitleInternalAlias>Rebirth</avails:TitleInternalAlias></avails:Metadata>": "<avails:SeriesMetadata><avails:SeriesTitleInternalAlias>R</avails:SeriesTitleInternalAlias>"
                "</avails:SeriesMetadata>",
            },
            "/avails:AvailList/avails:Avail/avails:Asset/avails:SeriesMetadata/avails:SeriesTitleInternalAlias (line 12)",
            "SeriesTitleInternalAlias",
            "SeriesContentID is required before SeriesTitleInternalAlias.",
        ),
    ],
    ids=[
        "missing",
        "attribute",
        "unknown",
        "term-values",
        "newer-element",
        "term-required",
        "term-kind",
        "v2.1-description",
        "v2.1-display-title",
        "series-content-id",
    ],
)
def test_structure_its_xsd_refuses_is_refused_naming_the_element(version, replacements, location, field, reason):
    # when a document whose structure its version's XSD refuses is parsed
    result = avails_parse(_movie_xml(version, **replacements), source="s.xml")
    # then the first fault names the element, its line and the reason, and the Avail yields no record
    assert (result.errors[0].location, result.errors[0].field, result.errors[0].reason) == (location, field, reason)
    assert {p.code for p in result.errors} == {"invalid_structure"}
    assert result.records == []


@pytest.mark.parametrize("version", ["2.1", "2.2", "2.3"])
def test_the_v2_4_sample_relabelled_to_an_older_version_is_refused_where_it_no_longer_fits(version):
    from avails.tests.samples import sample_bytes

    data = sample_bytes("Avails_noErrors_v2.4.xml").replace(
        b"/avails/v2.4/avails", f"/avails/v{version}/avails".encode()
    )
    result = avails_parse(data, source="v.xml")
    if version == "2.1":
        # v2.1 knows no AllowedLanguage (its Transactions list StoreLanguage) and requires Description
        assert {p.code for p in result.errors} == {"invalid_structure"}
        assert any(p.field == "AllowedLanguage" for p in result.errors)
    else:
        assert result.errors == []


def test_empty_optional_elements_are_accepted():
    # given optional elements left empty, as some tools write them
    data = _movie_xml(
        **{
            "<avails:ShortDescription>Rebirth</avails:ShortDescription>": "<avails:ShortDescription/>",
            "<avails:Metadata>": "<avails:Metadata><avails:TitleDisplayUnlimited/>",
            "</avails:TitleInternalAlias>": "</avails:TitleInternalAlias><avails:EditEIDR-URN/><avails:TitleEIDR-URN/>",
            "<avails:LicenseType>SVOD</avails:LicenseType>": "<avails:LicenseType>SVOD</avails:LicenseType>"
            "<avails:Description/>",
            "<avails:FormatProfile>HD</avails:FormatProfile>": "<avails:LicenseRightsDescription/>"
            "<avails:FormatProfile>HD</avails:FormatProfile><avails:ContractID/><avails:ReportingID/>"
            '<avails:Term termName="TitleStatus"><avails:Text/></avails:Term>',
            "</avails:Term>\n  </avails:Transaction>": "</avails:Term><avails:ExperienceCondition/>"
            "<avails:OtherInstructions></avails:OtherInstructions>\n  </avails:Transaction>",
        }
    )
    # when parsed
    result = avails_parse(data, source="e.xml")
    # then nothing is reported and the empty values are simply absent
    assert result.problems == []
    record = result.records[0]
    assert (record.title, record.eidr, record.contract_id, record.title_status) == ("Rebirth", "", "", "")


def _series_record() -> AvailRecord:
    return AvailRecord(
        source="",
        location="",
        alid="md:alid:org:migu:drama:1",
        transaction_id="T-9",
        licensor="Migu",
        licensee="Partner A",
        avail_type="series",
        work_type="Series",
        title="Rebirth",
        content_id="md:cid:org:migu:drama:1",
        series_content_id="md:cid:org:migu:drama:1",
        eidr=EIDR,
        season_number=1,
        license_type="AVOD",
        format_profile="HD",
        territories=["TH", "SG"],
        start=datetime(2026, 1, 1, tzinfo=UTC),
        end_condition="Open",
        allowed_languages=["th", "en"],
        audio_languages=["th"],
        subtitle_languages=["th", "en"],
        holdback_languages=["ko"],
        asset_language="zh",
        exclusive=True,
        price_type="SRP",
        price_value="0.99",
        price_currency="USD",
        title_status="Approved",
        free_episode_count=5,
    )


@pytest.mark.parametrize("version", XML_VERSIONS)
def test_every_xml_version_written_reads_back_with_the_same_terms(version):
    # given a record written in a version's shape
    data = avails_xml_from_records([_series_record()], version=version)
    # when it is read
    result = avails_parse(data, source="w.xml")
    # then it fits the version's structure and carries every term the platform keeps
    assert (result.version, result.problems) == (version, [])
    (record,) = result.records
    expected = _series_record()
    for name in (
        "alid", "transaction_id", "licensee", "territories", "start", "end_condition", "audio_languages",
        "subtitle_languages", "holdback_languages", "asset_language", "exclusive", "price_type", "price_value",
        "price_currency", "title_status", "free_episode_count", "series_content_id", "eidr",
    ):  # fmt: skip
        assert getattr(record, name) == getattr(expected, name), name


# --- importing: what is refused writes nothing; merged rows are one window -----------------------


@pytest.fixture
def licensed_drama(db):
    drama = drama_with_rights_in(licensor=LicensorFactory(name="Migu", slug="migu"))
    ExternalId.objects.create(drama=drama, scheme="partner", value="md:cid:org:migu:1", organization=drama.owner)
    return drama


@pytest.mark.django_db
def test_a_structure_refusal_writes_nothing(licensed_drama):
    before = (RightsWindow.objects.count(), Drama.objects.count())
    report = avails_import(data=_movie_xml(**{' contentID="md:cid:org:migu:1"': ""}), source="s.xml")
    assert [p.code for p in report.errors] == ["invalid_structure"]
    assert not report.applied and (RightsWindow.objects.count(), Drama.objects.count()) == before


@pytest.mark.django_db
def test_one_transaction_over_several_rows_imports_as_one_window(licensed_drama):
    rows = [GOOD_MOVIE_ROW | {"Licensee": "Partner A", "Territory": code} for code in ("TH", "SG")]
    report = avails_import(data=avails_workbook(rows, version="1.7"), source="t.xlsx")
    assert report.errors == [] and report.counts["created"] == 1
    window = RightsWindow.objects.get(transaction_id="T-1")
    assert (window.drama, sorted(window.territories)) == (licensed_drama, ["SG", "TH"])


@pytest.mark.django_db
def test_movie_without_content_id_imports_by_its_eidr_and_reimports_without_changes():
    # given a v1.7 Movies row (rights bought from its licensor) that leaves ContentID empty and names the EIDR
    rows = [GOOD_MOVIE_ROW | {"ContentID": None, "TitleID": EIDR, "Licensee": "Partner A"}]
    data = avails_workbook(rows, version="1.7")
    # when it is imported twice
    first = avails_import(data=data, source="m.xlsx", direction="in")
    again = avails_import(data=data, source="m.xlsx", direction="in")
    # then the drama is known by its EIDR, and the second import changes nothing
    assert first.errors == [] and first.counts["created"] == 1
    assert Drama.objects.get(eidr=EIDR).original_title == "Rebirth"
    assert (again.counts["unchanged"], Drama.objects.filter(eidr=EIDR).count()) == (1, 1)


@pytest.mark.django_db
def test_v1_6_tv_rows_import_and_reimport_without_changes():
    episode = GOOD_EPISODE_ROW | {"EpisodeAltID": "md:alid:org:migu:e3", "Exclusive": "F", "AllowedLanguages": "th,en"}
    data = avails_workbook([episode], tv=True, version="1.6")
    first = avails_import(data=data, source="tv16.xlsx", direction="in")
    again = avails_import(data=data, source="tv16.xlsx", direction="in")
    assert first.errors == [] and first.counts["created"] == 1 and again.counts["unchanged"] == 1
    window = RightsWindow.objects.get(transaction_id="E-3")
    assert (window.episode_start, window.episode_end, window.audio_languages) == (3, 3, ["th", "en"])
