from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from avails.errors import AvailsErrorCode
from avails.services import avails_import, avails_import_with_choices
from avails.tests.samples import (
    SAMPLE_REFUSED_FOR_STRUCTURE,
    SAMPLE_WITH_ERRORS,
    VALID_SAMPLES,
    sample_bytes,
    sample_path,
)
from avails.tests.workbooks import GOOD_MOVIE_ROW, avails_workbook
from catalog.models import Drama, Episode, ExternalId
from partners.models import Organization
from partners.tests.factories import LicensorFactory, OrganizationFactory
from rights.models import RightsAudit, RightsStatus, RightsWindow
from rights.tests.factories import at, drama_with_rights_in

pytestmark = pytest.mark.django_db


def _run(*args) -> tuple[str, CommandError | None]:
    from io import StringIO

    out = StringIO()
    try:
        call_command("import_avails", *args, stdout=out)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


def _state() -> tuple[int, int, int, int, int]:
    return (
        RightsWindow.objects.count(),
        Drama.objects.count(),
        Episode.objects.count(),
        Organization.objects.count(),
        RightsAudit.objects.count(),
    )


@pytest.mark.parametrize(
    ("name", "windows"),
    [
        ("Avails_noErrors_v2.4.xml", 24),
        ("Movies_v1.9.xlsx", 26),
        ("TV_v1.9.xlsx", 38),
    ],
)
def test_valid_sample_imports_as_rights_in_and_reimports_without_changes(name, windows):
    assert name in VALID_SAMPLES
    # when a MovieLabs sample is imported as rights acquired from its licensor, creating what it names
    out, error = _run(str(sample_path(name)), "--direction", "in", "--create-new")
    # then every transaction became a window, upserted by its TransactionID
    assert error is None, out
    assert RightsWindow.objects.filter(direction="in").count() == windows
    assert f"created {windows}, updated 0, unchanged 0" in out
    assert not RightsWindow.objects.filter(transaction_id="").exists()
    before = _state()
    # when the same file is imported again (it names nothing new: no choice is needed)
    out, error = _run(str(sample_path(name)), "--direction", "in")
    # then nothing changes
    assert error is None
    assert f"created 0, updated 0, unchanged {windows}" in out
    assert _state() == before


def test_tv_sample_creates_one_drama_with_its_episodes_and_episode_windows():
    _run(str(sample_path("TV_v1.9.xlsx")), "--direction", "in", "--create-new")
    drama = Drama.objects.get()
    assert drama.original_title == "The Detectives"
    assert drama.owner.name == "Rockstar Films" and drama.owner.kind == "licensor"
    assert sorted(drama.episodes.values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6, 7, 8, 101]
    assert ExternalId.objects.filter(drama=drama, value="md:cid:eidr-s:AAAA-AAAA-AAAA-AAAA-AAAA-A").exists()
    episode_two = RightsWindow.objects.get(transaction_id="34530345-ABD-WE-7")
    assert (episode_two.episode_start, episode_two.episode_end, episode_two.licence_type) == (2, 2, "EST")
    season = RightsWindow.objects.get(transaction_id="34530345-ABD-WE-1")
    assert (season.episode_start, season.exclusive, season.status, season.end) == (None, True, "pending", None)


def test_sample_with_errors_exits_nonzero_listing_every_error_and_writes_nothing():
    before = _state()
    # when the sample with deliberate errors is imported
    out, error = _run(str(sample_path(SAMPLE_WITH_ERRORS)), "--direction", "in")
    # then the command fails, listing each error with its element and line, and writes nothing
    assert error is not None and error.returncode == 1
    assert "7 error(s)" in str(error)
    error_lines = [line for line in out.splitlines() if line.strip().startswith("ERROR:")]
    assert len(error_lines) == 7
    for line_number in (42, 52, 60, 89, 91, 147, 187):
        assert any(f"(line {line_number})" in line for line in error_lines), line_number
    assert all(SAMPLE_WITH_ERRORS in line for line in error_lines)
    assert _state() == before


def test_sample_refused_for_its_structure_exits_nonzero_naming_the_element_and_writes_nothing():
    before = _state()
    # when the v2.3 sample whose second Asset has no metadata is imported
    out, error = _run(str(sample_path(SAMPLE_REFUSED_FOR_STRUCTURE)), "--direction", "in")
    # then the command fails on that one structure fault, named by element path and line, and writes nothing
    assert error is not None and error.returncode == 1
    error_lines = [line for line in out.splitlines() if line.strip().startswith("ERROR:")]
    assert len(error_lines) == 1
    assert "/avails:AvailList/avails:Avail[2]/avails:Asset (line 73)" in error_lines[0]
    assert _state() == before


def test_dry_run_reports_what_would_change_and_writes_nothing():
    before = _state()
    out, error = _run(str(sample_path("Movies_v1.9.xlsx")), "--direction", "in", "--dry-run", "--create-new")
    assert error is None
    assert "dry run, nothing written" in out and "created 26" in out
    assert "new dramas: The View from a Mountain, The First Dance" in out
    assert _state() == before


@pytest.fixture
def licensed_drama(db):
    """A drama with worldwide rights in, known to the import by its content id."""
    drama = drama_with_rights_in(licensor=LicensorFactory(name="Migu", slug="migu"))
    ExternalId.objects.create(drama=drama, scheme="partner", value="md:cid:org:migu:1", organization=drama.owner)
    return drama


def _import_rows(rows, **kwargs):
    return avails_import(data=avails_workbook(rows), source="rows.xlsx", **kwargs)


def test_rights_out_to_a_named_licensee_creates_the_partner_and_the_window(licensed_drama):
    # when a row grants the drama to a licensee the platform does not know
    report = _import_rows(
        [
            GOOD_MOVIE_ROW
            | {
                "Licensee": "Sky Shorts TH",
                "PriceType": "SRP",
                "PriceValue": "0.99",
                "PriceCurrency": "USD",
                "OtherTerms": "FreeEpisodes=5",
            }
        ]
    )
    # then a partner is created and the window granted with the avail's terms
    assert report.applied and report.counts["created"] == 1
    licensee = Organization.objects.get(name="Sky Shorts TH")
    assert (licensee.kind, licensee.slug) == ("partner", "sky-shorts-th")
    window = RightsWindow.objects.get(transaction_id="T-1")
    assert (window.drama, window.licensee, window.direction) == (licensed_drama, licensee, "out")
    assert (window.territories, window.licence_type, window.start, window.end) == (["TH"], "SVOD", at(0), None)
    assert (window.unlock_price, window.currency, window.free_episode_count) == (Decimal("0.99"), "USD", 5)


def test_exclusive_overlap_is_a_row_error_and_the_whole_file_is_rolled_back(licensed_drama, partner):
    rows = [
        GOOD_MOVIE_ROW | {"AvailID": "T-1", "Licensee": "Partner A", "Exclusive": "Yes"},
        GOOD_MOVIE_ROW | {"AvailID": "T-2", "Licensee": "Partner B"},
        GOOD_MOVIE_ROW | {"AvailID": "T-3", "Licensee": "Partner A", "Territory": "SG"},
    ]
    before = _state()
    report = _import_rows(rows)
    assert not report.applied
    assert [(p.location, p.code) for p in report.errors] == [("sheet 'Template-Movies_v1.9' row 5", "rights_overlap")]
    assert "overlaps an exclusive window" in report.errors[0].reason
    assert [o.action for o in report.outcomes] == ["created", "error", "created"]
    assert _state() == before


def test_window_beyond_rights_in_is_a_row_error(partner):
    # given rights in for AVOD only
    drama = drama_with_rights_in(licensor=LicensorFactory(name="Migu", slug="migu"), licence_types=("AVOD",))
    ExternalId.objects.create(drama=drama, scheme="partner", value="md:cid:org:migu:1", organization=drama.owner)
    # when an SVOD window out is imported
    report = _import_rows([GOOD_MOVIE_ROW | {"Licensee": "Partner A"}])
    assert [(p.field, p.code) for p in report.errors] == [("Transaction", "no_rights_in")]
    assert not RightsWindow.objects.filter(direction="out").exists()


def test_row_without_licensee_needs_a_default(licensed_drama, partner):
    report = _import_rows([GOOD_MOVIE_ROW | {"Licensee": None}])
    assert [(p.field, p.code) for p in report.errors] == [("Licensee", "no_licensee")]
    report = _import_rows([GOOD_MOVIE_ROW | {"Licensee": None}], default_licensee=partner)
    assert report.applied and RightsWindow.objects.get(transaction_id="T-1").licensee == partner


def test_reimport_with_changed_terms_updates_the_window_and_audits_it(licensed_drama, partner):
    _import_rows([GOOD_MOVIE_ROW | {"Licensee": "Partner A"}])
    window = RightsWindow.objects.get(transaction_id="T-1")
    # when the licensor sends the avail again with an end date and more territories
    report = _import_rows([GOOD_MOVIE_ROW | {"Licensee": "Partner A", "End": "2026-07-01", "Territory": "TH, SG"}])
    # then the same window is updated, and the change is audited
    assert report.counts == {"created": 0, "updated": 1, "unchanged": 0, "revoked": 0, "errors": 0}
    assert report.outcomes[0].changes == ["end", "territories"]
    window.refresh_from_db()
    assert (window.end, sorted(window.territories)) == (at(181), ["SG", "TH"])
    assert RightsAudit.objects.filter(window=window, action="updated").count() == 1


def test_revoked_title_status_revokes_the_window(licensed_drama, partner):
    _import_rows([GOOD_MOVIE_ROW | {"Licensee": "Partner A"}])
    report = _import_rows([GOOD_MOVIE_ROW | {"Licensee": "Partner A", "TitleStatus": "Revoked"}])
    assert report.counts["revoked"] == 1
    assert RightsWindow.objects.get(transaction_id="T-1").status == RightsStatus.REVOKED


def test_transaction_id_of_another_licensee_is_not_moved(licensed_drama, partner, other_partner):
    _import_rows([GOOD_MOVIE_ROW | {"Licensee": "Partner A"}])
    report = _import_rows([GOOD_MOVIE_ROW | {"Licensee": "Partner B"}])
    assert [p.code for p in report.errors] == ["transaction_elsewhere"]
    assert RightsWindow.objects.get(transaction_id="T-1").licensee == partner


def test_licensor_name_that_is_a_partner_is_refused(licensed_drama):
    OrganizationFactory(name="Not A Licensor", kind="partner")
    report = _import_rows([GOOD_MOVIE_ROW | {"DisplayName": "Not A Licensor", "Licensee": "P"}])
    assert [(p.field, p.code) for p in report.errors] == [("Licensor", "wrong_organization_kind")]


def test_unknown_licensee_option_and_missing_file_fail_cleanly(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_avails", str(tmp_path / "missing.xml"))
    with pytest.raises(CommandError, match="No organization with slug 'nobody'"):
        call_command("import_avails", str(sample_path("TV_v1.9.xlsx")), "--licensee", "nobody")


def test_import_from_bytes_matches_the_file(tmp_path):
    report = avails_import(data=sample_bytes("TV_v1.9.xlsx"), source="TV_v1.9.xlsx", direction="in", dry_run=True)
    assert report.counts["created"] == 38 and not report.applied and RightsWindow.objects.count() == 0


def test_command_process_exits_1_on_the_errors_sample():
    import subprocess
    import sys

    from conftest import BASE_DIR, subprocess_env

    # when the command runs as its own process on the sample with errors
    process = subprocess.run(
        [sys.executable, "manage.py", "import_avails", str(sample_path(SAMPLE_WITH_ERRORS)), "--direction", "in"],
        cwd=BASE_DIR,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    # then it exits non-zero and lists every error
    assert process.returncode == 1
    assert process.stdout.count("ERROR: ") == 7
    assert "7 error(s) in Avails_withErrors.xml; nothing was written." in process.stderr


def test_platform_content_id_of_another_licensors_drama_is_not_taken_over(licensed_drama, partner):
    # given a file from another licensor that happens to use this platform's content id for our drama
    row = GOOD_MOVIE_ROW | {"DisplayName": "Someone Else", "Licensee": "Partner A"}
    row["ContentID"] = f"md:cid:org:migu:drama:{licensed_drama.pk}"
    # when imported as rights in from that licensor
    report = _import_rows([row], direction="in")
    # then a drama of its own is created for it
    assert report.applied and report.created_dramas == ["Rebirth"]
    window = RightsWindow.objects.get(transaction_id="T-1")
    assert window.drama != licensed_drama and window.drama.owner.name == "Someone Else"


@pytest.mark.parametrize(
    ("text", "expected"), [("EpisodeRange=3-7", (3, 7)), ("EpisodeRange=5-", (5, None)), ("EpisodeRange=-4", (None, 4))]
)
def test_episode_range_term_becomes_the_window_range(licensed_drama, partner, text, expected):
    report = _import_rows([GOOD_MOVIE_ROW | {"Licensee": "Partner A", "OtherTerms": text}])
    assert report.applied, [str(p) for p in report.problems]
    window = RightsWindow.objects.get(transaction_id="T-1")
    assert (window.episode_start, window.episode_end) == expected
    if expected[1]:
        assert set(range(expected[0] or 1, expected[1] + 1)) <= set(
            licensed_drama.episodes.values_list("number", flat=True)
        )


# Rights acquired from "Migu Internatonal" (misspelt), for a drama the platform does not hold.
MISSPELT_LICENSOR_ROW = GOOD_MOVIE_ROW | {
    "DisplayName": "Migu Internatonal",
    "Licensee": "",
    "TitleInternalAlias": "Rebirth of the Heiress",
    "End": "2027-01-01",
}


def test_import_with_choices_maps_a_misspelt_licensor_onto_the_existing_one():
    # given a licensor "Migu International" and a file acquired from "Migu Internatonal"
    migu = LicensorFactory(name="Migu International", slug="migu-international")
    organizations = Organization.objects.count()
    # when it is imported with that name mapped and new dramas created
    outcome = avails_import_with_choices(
        data=avails_workbook([MISSPELT_LICENSOR_ROW]),
        source="acquired.xlsx",
        direction="in",
        organization_maps={"migu internatonal": migu},
        drama_maps={},
        create_unmapped_dramas=True,
    )
    # then the rights in are the existing licensor's, the drama is created, and no organization is
    assert outcome.refusal is None and outcome.report.applied, outcome.report.problems
    window = RightsWindow.objects.get(direction="in")
    assert window.licensee == migu
    assert window.drama.original_title == "Rebirth of the Heiress"
    assert Organization.objects.count() == organizations
    assert outcome.unused_organization_names == [] and outcome.unused_drama_titles == []
    assert [entry["choice"] for entry in outcome.listing["unknown_dramas"]] == ["create"]


def test_import_with_choices_without_a_choice_writes_nothing_and_offers_the_closest_names():
    # given a licensor "Migu International" and a file acquired from "Migu Internatonal"
    LicensorFactory(name="Migu International", slug="migu-international")
    before = _state()
    # when it is imported with no choice for the new names, and a mapping for a name it does not give
    outcome = avails_import_with_choices(
        data=avails_workbook([MISSPELT_LICENSOR_ROW]),
        source="acquired.xlsx",
        direction="in",
        organization_maps={"huace media": LicensorFactory(name="Huace Media")},
        drama_maps={},
    )
    # then the choices are refused for want of one each, nothing is written,
    assert outcome.refusal is not None and outcome.refusal.code == AvailsErrorCode.RESOLUTION_REQUIRED
    assert not outcome.report.applied and outcome.report.created_organizations == []
    assert _state()[:3] == before[:3] and RightsAudit.objects.count() == before[4]
    # the licensor is listed with the existing one closest to it, and the unused mapping is said
    (licensor,) = outcome.listing["unknown_organizations"]
    assert (licensor["name"], licensor["choice"]) == ("Migu Internatonal", "")
    assert [s["slug"] for s in licensor["suggestions"]][:1] == ["migu-international"]
    assert outcome.unused_organization_names == ["huace media"]
