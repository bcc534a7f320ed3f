from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from lxml import etree

from avails.exporters import EXPORT_TEMPLATE_VERSIONS, EXPORT_XML_VERSIONS, avails_xml_for
from avails.parsers import avails_parse
from avails.selectors import avails_windows_for_licensee
from avails.services import avails_import
from catalog.models import Drama, Episode
from partners.models import Organization
from rights.models import RightsWindow
from rights.services import rights_window_snapshot, rights_window_update
from rights.tests.factories import at, drama_with_rights_in, grant_out

pytestmark = pytest.mark.django_db


@pytest.fixture
def windows(partner, other_partner):
    """Windows out of every shape: whole drama, one episode, an episode range, with and without terms."""
    drama = drama_with_rights_in()
    Episode.objects.bulk_create(Episode(drama=drama, number=n) for n in range(1, 31))
    return [
        grant_out(
            drama,
            partner,
            territories=["TH", "SG"],
            licence_type="SVOD",
            exclusive=True,
            start=at(0),
            end=at(100),
            audio_languages=["zh-Hans"],
            subtitle_languages=["en", "th"],
            holdback_languages=["ar"],
            unlock_price=Decimal("0.99"),
            currency="USD",
            free_episode_count=5,
            contract_id="C-1",
        ),
        grant_out(
            drama,
            partner,
            territories=["VN"],
            licence_type="AVOD",
            episode_start=3,
            episode_end=3,
            transaction_id="TX-2",
        ),
        grant_out(
            drama,
            partner,
            territories=["SEA"],
            territory_exclusions=["MM"],
            licence_type="TVOD",
            episode_start=1,
            episode_end=20,
            start=at(10),
            end=at(50),
            status="pending",
            alid="md:alid:org:migu:special",
        ),
        grant_out(drama, partner, territories=["PH"], licence_type="AVOD", episode_start=5),
        grant_out(drama, other_partner, territories=["JP"], licence_type="AVOD"),
    ]


def _snapshots(licensee) -> dict[int, dict]:
    return {w.pk: rights_window_snapshot(w) for w in RightsWindow.objects.filter(licensee=licensee)}


def _export(licensee, fmt: str, path, version: str = "") -> bytes:
    out = StringIO()
    options = ["--avails-version", version] if version else []
    call_command("export_avails", "--licensee", licensee.slug, "--format", fmt, "-o", str(path), *options, stdout=out)
    assert f"Wrote 4 window(s) of {licensee.slug}" in out.getvalue()
    return path.read_bytes()


EVERY_VERSION = [("xml", v) for v in EXPORT_XML_VERSIONS] + [("xlsx", v) for v in EXPORT_TEMPLATE_VERSIONS]


@pytest.mark.parametrize(("fmt", "version"), EVERY_VERSION)
def test_exported_file_imports_onto_the_same_windows_without_changes(windows, partner, fmt, version, tmp_path):
    # given a licensee's windows exported in a version of the format
    before = _snapshots(partner)
    counts_before = (RightsWindow.objects.count(), Drama.objects.count(), Organization.objects.count())
    data = _export(partner, fmt, tmp_path / f"avails.{fmt}", version)
    assert avails_parse(data, source=f"avails.{fmt}").version == version
    # when the file is imported
    report = avails_import(data=data, source=f"avails.{fmt}")
    # then it lands on the same windows and changes nothing
    assert report.errors == [], [str(p) for p in report.errors]
    assert report.counts == {"created": 0, "updated": 0, "unchanged": 4, "revoked": 0, "errors": 0}
    assert sorted(o.window_id for o in report.outcomes) == sorted(before)
    assert _snapshots(partner) == before
    assert (RightsWindow.objects.count(), Drama.objects.count(), Organization.objects.count()) == counts_before


@pytest.mark.parametrize(("fmt", "version"), EVERY_VERSION)
def test_exported_file_restores_changed_windows_then_is_stable(windows, partner, fmt, version, tmp_path):
    # given an export, after which two windows were changed
    before = _snapshots(partner)
    data = _export(partner, fmt, tmp_path / f"avails.{fmt}", version)
    rights_window_update(window=windows[0], end=at(200), subtitle_languages=["en"], exclusive=False)
    rights_window_update(window=windows[2], episode_end=10, territory_exclusions=[])
    rights_window_update(window=windows[3], episode_end=9)
    # when the export is imported
    report = avails_import(data=data, source=f"avails.{fmt}")
    # then those windows are back to the exported terms
    assert report.counts == {"created": 0, "updated": 3, "unchanged": 1, "revoked": 0, "errors": 0}
    assert _snapshots(partner) == before
    # and importing again changes nothing
    again = avails_import(data=data, source=f"avails.{fmt}")
    assert again.counts["unchanged"] == 4 and again.counts["updated"] == 0


def test_xml_export_is_avails_v24_and_reads_back_cleanly(windows, partner):
    data = avails_xml_for(avails_windows_for_licensee(licensee=partner))
    root = etree.fromstring(data)
    assert root.tag == "{http://www.movielabs.com/schema/avails/v2.4/avails}AvailList"
    result = avails_parse(data, source="export.xml")
    assert result.problems == []
    by_id = {r.transaction_id: r for r in result.records}
    whole = by_id[f"migu:window:{windows[0].pk}"]
    assert (whole.work_type, whole.license_type, whole.exclusive, whole.licensee) == (
        "Series",
        "SVOD",
        True,
        "Partner A",
    )
    assert (whole.audio_languages, whole.subtitle_languages, whole.holdback_languages) == (
        ["zh-Hans"],
        ["en", "th"],
        ["ar"],
    )
    assert (whole.price_type, whole.price_value, whole.price_currency, whole.free_episode_count) == (
        "SRP",
        "0.99",
        "USD",
        5,
    )
    episode = by_id["TX-2"]
    assert (episode.work_type, episode.episode_number) == ("Episode", 3)
    ranged = by_id[f"migu:window:{windows[2].pk}"]
    assert (ranged.work_type, ranged.episode_range, ranged.license_type, ranged.title_status) == (
        "Season",
        (1, 20),
        "VOD",
        "Pending",
    )
    assert ranged.territory_exclusions == ["MM"]
    assert by_id[f"migu:window:{windows[3].pk}"].episode_range == (5, None)


def test_export_reads_in_a_fixed_number_of_queries(windows, partner, django_assert_num_queries):
    with django_assert_num_queries(1):
        avails_xml_for(avails_windows_for_licensee(licensee=partner))


def test_export_of_another_licensee_leaves_these_windows_out(windows, other_partner):
    records = avails_parse(avails_xml_for(avails_windows_for_licensee(licensee=other_partner)), source="x").records
    assert [r.territories for r in records] == [["JP"]]


def test_export_of_a_plain_queryset_joins_what_it_reads(windows, partner, django_assert_num_queries):
    with django_assert_num_queries(1):
        avails_xml_for(RightsWindow.objects.filter(licensee=partner))


def test_export_refuses_a_version_it_cannot_write(partner, tmp_path):
    with pytest.raises(CommandError, match=r"No xml Avails version 2\.9"):
        _export(partner, "xml", tmp_path / "avails.xml", "2.9")
