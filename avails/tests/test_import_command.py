"""`manage.py import_avails` creates no organization or drama the platform lacks without a choice, as the admin."""

import json
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from avails.tests.workbooks import GOOD_MOVIE_ROW, avails_workbook
from catalog.models import Drama, ExternalId
from catalog.tests.factories import DramaFactory
from partners.models import Organization
from partners.tests.factories import LicensorFactory, OrganizationFactory
from rights.models import RightsAudit, RightsWindow
from rights.tests.factories import drama_with_rights_in

pytestmark = pytest.mark.django_db

# Rights acquired from a licensor whose name is misspelt, for a drama the platform does not hold.
TYPO_ROW = GOOD_MOVIE_ROW | {
    "DisplayName": "Migu Internatonal",
    "Licensee": "",
    "TitleInternalAlias": "Rebirth of the Heiress",
    "End": "2027-01-01",
}
LOCATION = "sheet 'Template-Movies_v1.9' row 4"


@pytest.fixture
def migu():
    LicensorFactory(name="Huace Media", slug="huace")
    OrganizationFactory(name="Migu International Streaming", slug="migu-streaming")  # a partner, not a licensor
    return LicensorFactory(name="Migu International", slug="migu-international")


def _state() -> tuple[int, int, int, int, int]:
    return (
        Organization.objects.count(),
        Drama.objects.count(),
        RightsWindow.objects.count(),
        ExternalId.objects.count(),
        RightsAudit.objects.count(),
    )


def _file(tmp_path, rows=(TYPO_ROW,), name="acquired.xlsx"):
    path = tmp_path / name
    path.write_bytes(avails_workbook(list(rows)))
    return path


def _run(path, *args, direction="in") -> tuple[str, str, CommandError | None]:
    out, err = StringIO(), StringIO()
    try:
        call_command("import_avails", str(path), "--direction", direction, *args, stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None


def test_a_misspelt_licensor_is_refused_with_the_existing_one_offered_and_nothing_written(migu, tmp_path):
    # given a licensor "Migu International" and a file acquired from "Migu Internatonal"
    path = _file(tmp_path)
    before = _state()
    # when the file is imported without a choice
    out, _err, error = _run(path)
    # then the command exits 1 and writes nothing
    assert error is not None and error.returncode == 1
    assert _state() == before
    # and it lists the licensor and the drama, with the rows naming them and the closest existing names
    assert f"Licensor 'Migu Internatonal' (licensor, 1 row: {LOCATION})" in out
    assert "closest: migu-international 'Migu International' (similarity" in out
    assert "migu-streaming" not in out and "huace" not in out
    assert (
        f"Drama 'Rebirth of the Heiress' of Migu Internatonal (content id md:cid:org:migu:1, 1 row: {LOCATION})" in out
    )
    assert out.count("choice: NONE") == 2
    assert "tick create" not in out + str(error)  # the admin's wording
    # and tells how to choose
    assert "2 of the 2 organization(s) or drama(s) the platform does not hold have no choice" in str(error)
    assert "--map-organization 'NAME=SLUG'" in str(error) and "--create-new-dramas" in str(error)


@pytest.mark.django_db(transaction=True)
def test_the_process_exits_1_listing_the_suggestion(migu, tmp_path):
    from conftest import BASE_DIR, subprocess_env

    path = _file(tmp_path)
    process = subprocess.run(
        [sys.executable, "manage.py", "import_avails", str(path), "--direction", "in"],
        cwd=BASE_DIR,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert process.returncode == 1, process.stderr
    assert "closest: migu-international 'Migu International'" in process.stdout
    assert "have no choice; nothing was written" in process.stderr
    assert RightsWindow.objects.count() == 0 and not Organization.objects.filter(name="Migu Internatonal").exists()


def test_a_mapped_licensor_is_imported_onto_the_existing_organization(migu, tmp_path):
    path = _file(tmp_path)
    organizations = Organization.objects.count()
    # when the misspelt licensor is mapped to the existing one and new dramas may be created
    out, _err, error = _run(path, "--map-organization", "Migu Internatonal=migu-international", "--create-new-dramas")
    # then the window is acquired from the existing licensor, on a new drama of theirs; no organization is created
    assert error is None, out
    window = RightsWindow.objects.get()
    assert (window.licensee, window.direction) == (migu, "in")
    assert (window.drama.original_title, window.drama.owner) == ("Rebirth of the Heiress", migu)
    assert Organization.objects.count() == organizations
    assert "new dramas: Rebirth of the Heiress" in out and "new organizations" not in out


def test_the_mapping_matches_the_name_whatever_its_case(migu, tmp_path):
    out, _err, error = _run(
        _file(tmp_path), "--map-organization", "MIGU INTERNATONAL=migu-international", "--create-new-dramas"
    )
    assert error is None, out
    assert RightsWindow.objects.get().licensee == migu


def test_a_mapped_drama_is_used_and_keeps_the_files_content_id_for_the_licensor(migu, tmp_path):
    # given the licensor's drama on the platform under a slightly different title
    drama = DramaFactory(owner=migu, original_title="Rebirth of the Heiresses")
    path = _file(tmp_path)
    # when the file is imported with both names mapped (the drama by its id)
    out, _err, error = _run(
        path,
        "--map-organization",
        "Migu Internatonal=migu-international",
        "--map-drama",
        f"Rebirth of the Heiress={drama.pk}",
    )
    # then the window is on that drama, and the file's content id now names it for this licensor
    assert error is None, out
    assert RightsWindow.objects.get().drama == drama and Drama.objects.count() == 1
    assert ExternalId.objects.filter(drama=drama, value="md:cid:org:migu:1", organization=migu).exists()
    # and the next import of the file needs no choice
    out, _err, error = _run(path, "--map-organization", "Migu Internatonal=migu-international")
    assert error is None, out
    assert "created 0, updated 0, unchanged 1" in out


def test_a_drama_is_mapped_by_the_files_content_id_to_a_drama_named_by_its_platform_content_id(migu, tmp_path):
    drama = DramaFactory(owner=migu, original_title="Rebirth of the Heiresses")
    out, _err, error = _run(
        _file(tmp_path, rows=[TYPO_ROW | {"DisplayName": "Migu International"}]),
        "--map-drama",
        f"md:cid:org:migu:1=md:cid:org:migu:drama:{drama.pk}",
    )
    assert error is None, out
    assert RightsWindow.objects.get().drama == drama


def test_create_new_creates_the_organization_and_the_drama_as_named(migu, tmp_path):
    out, _err, error = _run(_file(tmp_path), "--create-new")
    assert error is None, out
    created = Organization.objects.get(name="Migu Internatonal")
    assert created.kind == "licensor"
    window = RightsWindow.objects.get()
    assert (window.licensee, window.drama.owner, window.drama.original_title) == (
        created,
        created,
        "Rebirth of the Heiress",
    )
    assert "new organizations: Migu Internatonal (Licensor" in out


def test_create_new_organizations_alone_leaves_the_drama_without_a_choice(migu, tmp_path):
    before = _state()
    out, _err, error = _run(_file(tmp_path), "--create-new-organizations")
    assert error is not None and error.returncode == 1
    assert "1 of the 2 organization(s) or drama(s)" in str(error)
    assert "choice: create" in out and "choice: NONE" in out
    assert _state() == before


@pytest.fixture
def licensed(migu):
    """Migu's drama with worldwide rights in, known to the import by the file's content id."""
    drama = drama_with_rights_in(licensor=migu)
    ExternalId.objects.create(drama=drama, scheme="partner", value="md:cid:org:migu:1", organization=migu)
    return drama


def test_a_misspelt_licensee_is_offered_the_partner_and_mapped_to_it_for_rights_out(licensed, tmp_path):
    # given rights out to a misspelt partner
    partner = OrganizationFactory(name="Sky Shorts Thailand", slug="sky-th")
    path = _file(tmp_path, rows=[TYPO_ROW | {"DisplayName": "Migu International", "Licensee": "Sky Shorts Thailnd"}])
    # when it is imported without a choice, the partner is offered for the licensee (never a licensor)
    out, _err, error = _run(path, direction="out")
    assert error is not None and error.returncode == 1
    assert "Licensee 'Sky Shorts Thailnd' (partner, 1 row" in out
    assert "closest: sky-th 'Sky Shorts Thailand'" in out and "migu-international" not in out
    # when the licensee is mapped to a licensor, the choice is refused
    out, _err, error = _run(path, "--map-organization", "Sky Shorts Thailnd=migu-international", direction="out")
    assert error is not None
    assert "'Migu International' is licensor (content owner or co-producer), not a partner platform or operator" in str(
        error
    )
    assert not RightsWindow.objects.filter(direction="out").exists()
    # when it is mapped to the partner, the window is granted to the existing partner
    out, _err, error = _run(path, "--map-organization", "Sky Shorts Thailnd=sky-th", direction="out")
    assert error is None, out
    window = RightsWindow.objects.get(direction="out")
    assert (window.licensee, window.drama) == (partner, licensed)


def test_a_resent_file_with_the_licensor_misspelt_updates_the_licensors_window(migu, tmp_path):
    # given the licensor's window T-1, imported from a file that spelt its name right
    first = _file(tmp_path, rows=[TYPO_ROW | {"DisplayName": "Migu International"}], name="first.xlsx")
    _run(first, "--create-new-dramas")
    window = RightsWindow.objects.get(transaction_id="T-1")
    # when the licensor resends it with their name misspelt and a later end, mapped to them
    resent = _file(tmp_path, rows=[TYPO_ROW | {"End": "2028-01-01"}], name="resent.xlsx")
    out, _err, error = _run(resent, "--map-organization", "Migu Internatonal=migu-international")
    # then the same window is updated: the drama is found under the mapped licensor, no choice asked for it
    assert error is None, out
    assert "updated 1" in out and "Drama '" not in out
    window.refresh_from_db()
    assert window.end.year == 2028 and RightsWindow.objects.count() == 1


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        (
            "--map-organization",
            "Migu Internatonal=migu-intl",
            "--map-organization 'Migu Internatonal=migu-intl': no organization with slug 'migu-intl'.",
        ),
        (
            "--map-drama",
            "Rebirth of the Heiress=999999",
            "--map-drama 'Rebirth of the Heiress=999999': no drama with id, platform content id, EIDR or ALID "
            "'999999'.",
        ),
        (
            "--map-organization",
            "migu-international",
            "--map-organization expects 'NAME=SLUG', got 'migu-international'.",
        ),
    ],
)
def test_a_choice_naming_nothing_is_a_named_error_and_writes_nothing(migu, tmp_path, option, value, message):
    before = _state()
    _out, _err, error = _run(_file(tmp_path), option, value, "--create-new")
    assert error is not None and error.returncode == 1
    assert str(error) == message
    assert _state() == before


def test_a_partner_mapped_to_a_licensor_is_refused_naming_both(migu, tmp_path):
    before = _state()
    out, _err, error = _run(
        _file(tmp_path), "--map-organization", "Migu Internatonal=migu-streaming", "--create-new-dramas"
    )
    assert error is not None and error.returncode == 1
    assert "Migu Internatonal (licensor): 'Migu International Streaming' is partner platform, not a licensor" in str(
        error
    )
    assert "[avails_resolution_invalid]" in str(error) and "REFUSED [avails_resolution_invalid]" in out
    assert _state() == before


def test_a_mapping_for_a_name_the_file_does_not_give_is_said_and_ignored(migu, tmp_path):
    out, err, error = _run(
        _file(tmp_path, rows=[TYPO_ROW | {"DisplayName": "Migu International"}]),
        "--map-organization",
        "Huace=huace",
        "--create-new-dramas",
    )
    assert error is None, out
    assert "names no new organization 'huace'; ignored" in err
    assert RightsWindow.objects.get().licensee == migu


def test_json_output_lists_the_new_names_with_suggestions_and_the_refusal(migu, tmp_path):
    before = _state()
    out, _err, error = _run(_file(tmp_path), "--json")
    assert error is not None and error.returncode == 1
    report = json.loads(out)
    assert report["applied"] is False and report["dry_run"] is False
    assert report["resolution_error"]["code"] == "avails_resolution_required"
    (organization,) = report["unknown_organizations"]
    assert (organization["name"], organization["field"], organization["rows"]) == ("Migu Internatonal", "Licensor", 1)
    assert organization["locations"] == [LOCATION] and organization["choice"] == ""
    assert organization["suggestions"][0]["slug"] == "migu-international"
    assert [s["slug"] for s in organization["suggestions"]] == ["migu-international"]
    (drama,) = report["unknown_dramas"]
    assert (drama["title"], drama["work_key"], drama["choice"]) == ("Rebirth of the Heiress", "md:cid:org:migu:1", "")
    assert report["created_organizations"] == [] and report["created_dramas"] == []
    assert _state() == before


def test_json_output_of_an_import_with_choices(migu, tmp_path):
    out, _err, error = _run(
        _file(tmp_path), "--json", "--map-organization", "Migu Internatonal=migu-international", "--create-new-dramas"
    )
    assert error is None
    report = json.loads(out)
    assert report["applied"] is True and report["resolution_error"] is None
    assert report["unknown_organizations"][0]["choice"] == str(migu.pk)
    assert report["unknown_dramas"][0]["choice"] == "create"
    assert report["created_dramas"] == ["Rebirth of the Heiress"] and report["created_organizations"] == []


def test_dry_run_shows_the_same_listing_and_exits_1_without_choices(migu, tmp_path):
    before = _state()
    out, _err, error = _run(_file(tmp_path), "--dry-run")
    assert error is not None and error.returncode == 1
    assert "(dry run, nothing written)" in out
    assert "closest: migu-international 'Migu International'" in out
    assert _state() == before


def test_dry_run_with_choices_shows_what_they_would_do(migu, tmp_path):
    before = _state()
    out, _err, error = _run(
        _file(tmp_path),
        "--dry-run",
        "--map-organization",
        "Migu Internatonal=migu-international",
        "--create-new-dramas",
    )
    assert error is None, out
    assert "(dry run, nothing written)" in out and "created 1," in out
    assert "choice: mapped to Migu International (migu-international)" in out and "choice: create" in out
    assert "new dramas: Rebirth of the Heiress" in out and "new organizations" not in out
    assert _state() == before


def test_a_file_naming_only_what_the_platform_holds_imports_without_choices(migu, tmp_path):
    drama = DramaFactory(owner=migu, original_title="Rebirth")
    ExternalId.objects.create(drama=drama, scheme="partner", value="md:cid:org:migu:1", organization=migu)
    out, _err, error = _run(_file(tmp_path, rows=[TYPO_ROW | {"DisplayName": "Migu International"}]))
    assert error is None, out
    assert RightsWindow.objects.get().drama == drama
    assert "names the platform does not hold" not in out


def test_row_errors_and_missing_choices_are_both_reported(migu, tmp_path):
    # given a file with an unknown licensor, and a row whose licensor is a partner platform
    rows = [TYPO_ROW, TYPO_ROW | {"AvailID": "T-2", "DisplayName": "Migu International Streaming"}]
    before = _state()
    out, _err, error = _run(_file(tmp_path, rows=rows))
    assert error is not None and error.returncode == 1
    assert str(error).startswith("1 error(s) in acquired.xlsx, and 2 of the 2 organization(s)")
    assert (
        "ERROR: acquired.xlsx: sheet 'Template-Movies_v1.9' row 5: Licensor: 'Migu International Streaming' is" in out
    )
    assert "Licensor 'Migu Internatonal'" in out
    assert _state() == before


@pytest.mark.parametrize(
    ("reference", "found"),
    [
        ("{pk}", True),
        ("md:cid:org:migu:drama:{pk}", True),
        ("md:alid:org:migu:drama:{pk}", True),
        ("10.5240/1489-49A2-3956-4B2D-FE16-5", True),
        ("md:alid:org:migu:heiress", True),
        ("999999", False),
        ("md:cid:org:migu:drama:999999", False),
        ("Rebirth of the Heiresses", False),
        ("", False),
    ],
)
def test_a_drama_is_named_by_its_id_platform_ids_eidr_or_alid(migu, reference, found):
    from avails.selectors import drama_by_reference

    drama = DramaFactory(
        owner=migu, eidr="10.5240/1489-49A2-3956-4B2D-FE16-5", alid="md:alid:org:migu:heiress", original_title="x"
    )
    DramaFactory(owner=migu)  # another drama, never the answer
    assert drama_by_reference(reference=reference.format(pk=drama.pk)) == (drama if found else None)
