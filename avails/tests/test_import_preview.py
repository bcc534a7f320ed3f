"""The import preview shows each row's deal and what the file would create; nothing is created without a choice."""

import pytest
from django.core import signing

from avails.errors import AvailsErrorCode, AvailsResolutionError
from avails.models import AvailsImport, AvailsImportStatus
from avails.services import (
    RESOLUTION_SALT,
    avails_import,
    avails_import_confirm,
    avails_import_preview,
    avails_import_repreview,
    avails_import_resolution_token,
)
from avails.tests import hostile_files
from avails.tests.workbooks import GOOD_MOVIE_ROW, avails_workbook
from catalog.models import Drama, ExternalId
from catalog.tests.factories import DramaFactory
from partners.models import Organization
from partners.tests.factories import LicensorFactory, OrganizationFactory, UserFactory
from rights.models import RightsWindow

pytestmark = pytest.mark.django_db

# Rights acquired from a licensor whose name is misspelt, for a drama the platform does not hold.
TYPO_ROW = GOOD_MOVIE_ROW | {
    "DisplayName": "Migu Internatonal",
    "Licensee": "",
    "Territory": "TH",
    "TitleInternalAlias": "Rebirth of the Heiress",
    "LicenseType": "SVOD",
    "Start": "2026-01-01",
    "End": "2027-01-01",
    "PriceType": "SRP",
    "PriceValue": "1.99",
    "PriceCurrency": "USD",
    "AllowedLanguages": "en, th",
}


@pytest.fixture
def migu():
    LicensorFactory(name="Migu Interactive Games")
    LicensorFactory(name="Huace Media")
    OrganizationFactory(name="Migu International Streaming")  # a partner: never offered for a licensor
    return LicensorFactory(name="Migu International")


def _state() -> tuple[int, int, int, int]:
    return Organization.objects.count(), Drama.objects.count(), RightsWindow.objects.count(), ExternalId.objects.count()


def _preview(user, rows=(TYPO_ROW,), name="acquired.xlsx") -> AvailsImport:
    return avails_import_preview(
        upload_name=name, data=avails_workbook(list(rows)), direction="in", default_licensee=None, user=user
    )


def test_preview_lists_the_deal_of_each_row_and_the_closest_existing_licensor_first(migu):
    # given a licensor "Migu International" and a file acquired from "Migu Internatonal"
    before = _state()
    # when the file is previewed
    record = _preview(UserFactory())
    # then nothing is written, and the row shows the deal
    assert _state() == before
    assert record.status == AvailsImportStatus.PREVIEWED
    (row,) = record.report["outcomes"]
    assert row["action"] == "created"
    assert (row["drama"], row["drama_new"]) == ("Rebirth of the Heiress", True)
    assert (row["licensor"], row["licensor_new"]) == ("Migu Internatonal", True)
    assert (row["territories"], row["licence_type"]) == (["TH"], "SVOD")
    assert (row["start"], row["end"]) == ("2026-01-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00")
    assert (row["unlock_price"], row["currency"]) == ("1.99", "USD")
    assert row["audio_languages"] == ["en", "th"]
    # and the misspelt licensor and the new drama are listed apart, "Migu International" offered first
    (organization,) = record.report["unknown_organizations"]
    assert (organization["name"], organization["kind"], organization["rows"]) == ("Migu Internatonal", "licensor", 1)
    suggested = [s["name"] for s in organization["suggestions"]]
    assert suggested[0] == "Migu International"
    assert "Migu International Streaming" not in suggested and "Huace Media" not in suggested
    (drama,) = record.report["unknown_dramas"]
    assert (drama["title"], drama["licensor"]) == ("Rebirth of the Heiress", "Migu Internatonal")


def test_similarity_threshold_comes_from_settings(migu, settings):
    settings.MIGU_AVAILS_NAME_SIMILARITY_THRESHOLD = 0.95
    record = _preview(UserFactory())
    assert record.report["unknown_organizations"][0]["suggestions"] == []


def test_confirm_without_a_choice_for_each_new_name_is_refused_and_writes_nothing(migu):
    # given a preview naming a misspelt licensor and a new drama
    user = UserFactory()
    record = _preview(user)
    token = avails_import_resolution_token(avails_import_record=record, user=user)
    before = _state()
    # when it is confirmed with a choice for the licensor only
    with pytest.raises(AvailsResolutionError) as refused:
        avails_import_confirm(
            avails_import_record=record,
            user=user,
            resolution_token=token,
            organization_choices=[str(migu.pk)],
            drama_choices=[""],
        )
    # then it is refused, naming the drama, and nothing is written
    assert refused.value.code == AvailsErrorCode.RESOLUTION_REQUIRED
    assert "Rebirth of the Heiress" in refused.value.detail
    assert _state() == before
    record.refresh_from_db()
    assert record.status == AvailsImportStatus.PREVIEWED and record.resolution == {}


def test_confirm_without_the_choice_form_is_refused(migu):
    user = UserFactory()
    record = _preview(user)
    with pytest.raises(AvailsResolutionError) as refused:
        avails_import_confirm(avails_import_record=record, user=user)
    assert refused.value.code == AvailsErrorCode.RESOLUTION_REQUIRED
    assert "Migu Internatonal (licensor)" in refused.value.detail
    assert RightsWindow.objects.count() == 0


def test_confirm_maps_the_typo_to_the_existing_licensor_and_creates_the_ticked_drama(migu):
    # given a preview naming a misspelt licensor and a new drama
    user = UserFactory()
    record = _preview(user)
    token = avails_import_resolution_token(avails_import_record=record, user=user)
    organizations = Organization.objects.count()
    # when the licensor is mapped to "Migu International" and the drama ticked "create"
    record = avails_import_confirm(
        avails_import_record=record,
        user=user,
        resolution_token=token,
        organization_choices=[str(migu.pk)],
        drama_choices=["create"],
    )
    # then the window is acquired from the existing licensor, on a new drama of theirs; no organization is created
    assert record.status == AvailsImportStatus.APPLIED
    window = RightsWindow.objects.get()
    assert (window.licensee, window.direction, window.licence_type) == (migu, "in", "SVOD")
    assert (window.drama.original_title, window.drama.owner) == ("Rebirth of the Heiress", migu)
    assert Organization.objects.count() == organizations
    assert not Organization.objects.filter(name="Migu Internatonal").exists()
    assert record.resolution["organizations"] == {"licensor:migu internatonal": str(migu.pk)}


def test_confirm_maps_a_drama_to_the_existing_one_and_remembers_the_licensors_key(migu):
    # given the licensor's drama already on the platform under a slightly different title
    drama = DramaFactory(owner=migu, original_title="Rebirth of the Heiresses")
    user = UserFactory()
    record = _preview(user)
    entry = record.report["unknown_dramas"][0]
    assert entry["suggestions"][0]["id"] == drama.pk
    # when both names are mapped to the existing objects
    avails_import_confirm(
        avails_import_record=record,
        user=user,
        resolution_token=avails_import_resolution_token(avails_import_record=record, user=user),
        organization_choices=[str(migu.pk)],
        drama_choices=[str(drama.pk)],
    )
    # then the window is on that drama, and the file's content id now names it for this licensor
    assert RightsWindow.objects.get().drama == drama
    assert Drama.objects.count() == 1
    assert ExternalId.objects.filter(drama=drama, value=entry["work_key"], organization=migu).exists()


def test_ticking_create_creates_the_organization_as_named(migu):
    user = UserFactory()
    record = _preview(user)
    avails_import_confirm(
        avails_import_record=record,
        user=user,
        resolution_token=avails_import_resolution_token(avails_import_record=record, user=user),
        organization_choices=["create"],
        drama_choices=["create"],
    )
    created = Organization.objects.get(name="Migu Internatonal")
    assert created.kind == "licensor" and RightsWindow.objects.get().licensee == created


@pytest.mark.parametrize(
    ("choice", "why"),
    [
        ("partner", "a partner platform chosen for a licensor"),
        ("999999", "an organization that does not exist"),
        ("migu", "not an id"),
    ],
)
def test_confirm_with_a_choice_of_the_wrong_kind_or_missing_object_is_refused(migu, choice, why):
    user = UserFactory()
    record = _preview(user)
    if choice == "partner":
        choice = str(Organization.objects.get(name="Migu International Streaming").pk)
    before = _state()
    with pytest.raises(AvailsResolutionError) as refused:
        avails_import_confirm(
            avails_import_record=record,
            user=user,
            resolution_token=avails_import_resolution_token(avails_import_record=record, user=user),
            organization_choices=[choice],
            drama_choices=["create"],
        )
    assert refused.value.code == AvailsErrorCode.RESOLUTION_INVALID, why
    assert "Migu Internatonal" in refused.value.detail
    assert _state() == before


def _tampered(token: str) -> str:
    payload = signing.loads(token, salt=RESOLUTION_SALT)
    payload["organizations"] = []
    _body, signature = token.rsplit(":", 1)
    forged = signing.dumps(payload, salt=RESOLUTION_SALT, compress=True).rsplit(":", 1)[0]
    return f"{forged}:{signature}"


@pytest.mark.parametrize("how", ["altered signature", "altered payload", "another upload", "another user"])
def test_a_tampered_or_replayed_choice_form_is_refused(migu, how):
    # given two uploads previewed by one user
    user = UserFactory()
    record = _preview(user)
    other = _preview(user, rows=[TYPO_ROW | {"AvailID": "T-2", "Territory": "MY"}], name="other.xlsx")
    token = avails_import_resolution_token(avails_import_record=record, user=user)
    confirming_user = user
    if how == "altered signature":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif how == "altered payload":
        token = _tampered(token)
    elif how == "another upload":
        token = avails_import_resolution_token(avails_import_record=other, user=user)
    else:
        confirming_user = UserFactory()
    before = _state()
    # when the first upload is confirmed with that form
    with pytest.raises(AvailsResolutionError) as refused:
        avails_import_confirm(
            avails_import_record=record,
            user=confirming_user,
            resolution_token=token,
            organization_choices=[str(migu.pk)],
            drama_choices=["create"],
        )
    # then it is refused and nothing is written
    assert refused.value.code == AvailsErrorCode.RESOLUTION_INVALID
    assert _state() == before
    record.refresh_from_db()
    assert record.status == AvailsImportStatus.PREVIEWED


def test_a_file_naming_only_known_parties_confirms_without_choices(migu):
    drama = DramaFactory(owner=migu, original_title="Rebirth")
    ExternalId.objects.create(drama=drama, scheme="partner", value="md:cid:org:migu:1", organization=migu)
    user = UserFactory()
    record = _preview(user, rows=[TYPO_ROW | {"DisplayName": "Migu International"}])
    assert record.report["unknown_organizations"] == [] and record.report["unknown_dramas"] == []
    record = avails_import_confirm(avails_import_record=record, user=user)
    assert record.status == AvailsImportStatus.APPLIED and RightsWindow.objects.get().drama == drama


def test_a_refused_row_keeps_its_deal_and_says_why_with_a_code(migu):
    # given rights out on a row that names no licensee, and no default licensee
    data = avails_workbook([TYPO_ROW | {"DisplayName": "Migu International"}])
    # when it is previewed
    record = avails_import_preview(
        upload_name="out.xlsx", data=data, direction="out", default_licensee=None, user=UserFactory()
    )
    # then the row is refused with a sentence and a code, its deal still shown
    assert record.status == AvailsImportStatus.REFUSED
    (row,) = record.report["outcomes"]
    assert row["action"] == "error" and row["codes"] == ["no_licensee"]
    assert row["detail"].startswith("The avail names no licensee") and row["detail"][-1] == "."
    assert (row["territories"], row["licence_type"], row["licensor"]) == (["TH"], "SVOD", "Migu International")


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("notes.xlsx", hostile_files.not_a_zip(), "malformed_xlsx"),
        ("prices.xlsx", b"DisplayName,Territory\nMigu,TH\n", "malformed_xlsx"),
        ("bomb.xlsx", hostile_files.zip_bomb(), "zip_bomb"),
        ("sheets.xlsx", hostile_files.no_avails_sheet(), "not_avails"),
        ("entities.xml", hostile_files.entity_expansion_xml(), "xml_entities_refused"),
        ("external.xml", hostile_files.external_entity_xml(), "xml_entities_refused"),
    ],
)
def test_a_bad_file_is_refused_with_a_named_error_and_nothing_written(name, data, code):
    before = _state()
    record = avails_import_preview(
        upload_name=name, data=data, direction="in", default_licensee=None, user=UserFactory()
    )
    assert record.status == AvailsImportStatus.REFUSED
    assert code in {p["code"] for p in record.report["problems"]}
    assert all(p["reason"] for p in record.report["problems"])
    assert _state() == before
    with pytest.raises(Exception) as refused:
        avails_import_confirm(avails_import_record=record, user=UserFactory())
    assert getattr(refused.value, "code", None) == AvailsErrorCode.IMPORT_STATE
    assert _state() == before


def _two_dramas_rows() -> list[dict]:
    second = {"AvailID": "T-2", "TitleInternalAlias": "Hidden Identity", "ContentID": "md:cid:org:migu:2"}
    return [TYPO_ROW, TYPO_ROW | second | {"ALID": "md:alid:org:migu:2"}]


def test_create_every_unmapped_drama_creates_those_not_mapped_and_maps_the_others(migu):
    # given a preview of two new dramas, one of them already on the platform under another title
    existing = DramaFactory(owner=migu, original_title="Hidden Identity (2025)")
    user = UserFactory()
    record = _preview(user, rows=_two_dramas_rows())
    assert [entry["title"] for entry in record.report["unknown_dramas"]] == [
        "Rebirth of the Heiress",
        "Hidden Identity",
    ]
    # when the second is mapped and "create every drama not mapped" is ticked
    avails_import_confirm(
        avails_import_record=record,
        user=user,
        resolution_token=avails_import_resolution_token(avails_import_record=record, user=user),
        organization_choices=[str(migu.pk)],
        drama_choices=["", str(existing.pk)],
        create_unmapped_dramas=True,
    )
    # then the first is created and the second window is on the existing drama
    windows = {w.transaction_id: w.drama for w in RightsWindow.objects.select_related("drama")}
    assert windows["T-2"] == existing
    assert windows["T-1"].original_title == "Rebirth of the Heiress" and windows["T-1"].owner == migu
    assert Drama.objects.count() == 2


def test_names_past_the_search_limit_are_listed_without_suggestions(migu, settings):
    settings.MIGU_AVAILS_NAMES_SEARCHED_MAX = 1
    DramaFactory(owner=migu, original_title="Hidden Identity (2025)")
    record = _preview(UserFactory(), rows=_two_dramas_rows())
    first, second = record.report["unknown_dramas"]
    assert first["searched"] is True and second["searched"] is False and second["suggestions"] == []


# --- a licensor re-sending its file with its own name misspelt -------------------------------------------------------

RESENT_NEW_DRAMA = {"AvailID": "T-2", "TitleInternalAlias": "Hidden Identity", "ContentID": "md:cid:org:migu:2"}


@pytest.fixture
def resent(migu):
    """The licensor's window T-1 (imported from a file spelling its name right), and the file re-sent with the
    name misspelt: a later end for T-1, a new window T-3 on the same drama, and a new drama (T-2)."""
    first = avails_workbook([TYPO_ROW | {"DisplayName": "Migu International"}])
    assert avails_import(data=first, source="first.xlsx", direction="in").applied
    window = RightsWindow.objects.get(transaction_id="T-1")
    # (T-3 with an ALID of its own, so that its drama is found by the licensor's content id alone)
    rows = [
        TYPO_ROW | {"End": "2028-01-01"},
        TYPO_ROW | {"AvailID": "T-3", "Territory": "VN", "ALID": "md:alid:org:migu:1:vn"},
        TYPO_ROW | RESENT_NEW_DRAMA | {"ALID": "md:alid:org:migu:2"},
    ]
    return window, rows


def test_a_resent_file_with_the_licensor_misspelt_is_previewed_and_its_row_says_to_map_the_name(resent):
    # given the licensor's window T-1, and the file re-sent under "Migu Internatonal"
    window, rows = resent
    before = _state()
    # when it is previewed
    record = _preview(UserFactory(), rows=rows, name="resent.xlsx")
    # then the upload is not refused: the row is refused as transaction_elsewhere, saying to map the name
    assert record.status == AvailsImportStatus.PREVIEWED and _state() == before
    row = next(o for o in record.report["outcomes"] if o["transaction_id"] == "T-1")
    assert (row["action"], row["codes"], row["unmapped_licensor"]) == (
        "error",
        ["transaction_elsewhere"],
        "Migu Internatonal",
    )
    assert f"window #{window.pk}" in row["detail"]
    assert "if it means 'Migu International', map it to that licensor and preview again" in row["detail"]
    # and the licensor's drama (of T-3) is asked about, as a drama of the misspelt licensor
    assert [d["title"] for d in record.report["unknown_dramas"]] == ["Rebirth of the Heiress", "Hidden Identity"]


def test_a_transaction_elsewhere_of_a_known_licensor_still_refuses_the_upload(resent):
    # given the window T-1 of "Migu International", and another licensor the platform holds
    _window, rows = resent
    # when a file of "Huace Media" gives the same TransactionID
    record = _preview(UserFactory(), rows=[rows[0] | {"DisplayName": "Huace Media"}])
    # then the upload is refused: there is no name to map
    assert record.status == AvailsImportStatus.REFUSED
    (row,) = record.report["outcomes"]
    assert row["codes"] == ["transaction_elsewhere"] and row["unmapped_licensor"] == ""


def test_repreview_with_the_licensor_mapped_shows_updates_and_asks_only_for_the_new_drama(resent, migu):
    # given the re-sent file's preview
    window, rows = resent
    user = UserFactory()
    record = _preview(user, rows=rows, name="resent.xlsx")
    first_token = avails_import_resolution_token(avails_import_record=record, user=user)
    before = _state()
    # when the misspelt licensor is mapped to "Migu International" and the preview recomputed
    record = avails_import_repreview(
        avails_import_record=record,
        user=user,
        resolution_token=first_token,
        organization_choices=[str(migu.pk)],
        drama_choices=["", ""],
    )
    # then T-1 is an update of the licensor's window, T-2 a new window, and nothing is written
    assert record.status == AvailsImportStatus.PREVIEWED and _state() == before
    actions = {o["transaction_id"]: (o["action"], o["window_id"], o["changes"]) for o in record.report["outcomes"]}
    assert actions["T-1"] == ("updated", window.pk, ["end"])
    assert actions["T-2"][0] == actions["T-3"][0] == "created"
    assert record.report["counts"]["errors"] == 0
    # and only the drama the licensor does not hold is asked about; the licensor keeps its choice
    assert [d["title"] for d in record.report["unknown_dramas"]] == ["Hidden Identity"]
    (organization,) = record.report["unknown_organizations"]
    assert (organization["name"], organization["choice"]) == ("Migu Internatonal", str(migu.pk))
    # and the first form's token no longer confirms: the names to choose for changed
    with pytest.raises(AvailsResolutionError):
        avails_import_confirm(
            avails_import_record=record,
            user=user,
            resolution_token=first_token,
            organization_choices=[str(migu.pk)],
            drama_choices=["create", "create"],
        )
    # when it is confirmed with the new form
    record = avails_import_confirm(
        avails_import_record=record,
        user=user,
        resolution_token=avails_import_resolution_token(avails_import_record=record, user=user),
        organization_choices=[str(migu.pk)],
        drama_choices=["create"],
    )
    # then the licensor's window is updated, the new drama's window acquired from it, and no organization created
    assert record.status == AvailsImportStatus.APPLIED, record.report["problems"]
    window.refresh_from_db()
    assert window.end.year == 2028
    assert not Organization.objects.filter(name="Migu Internatonal").exists()
    new = RightsWindow.objects.get(transaction_id="T-2")
    assert (new.licensee, new.drama.owner, new.drama.original_title) == (migu, migu, "Hidden Identity")
    assert RightsWindow.objects.get(transaction_id="T-3").drama == window.drama
    assert Drama.objects.count() == 2


def test_confirm_creating_the_misspelt_licensor_refuses_the_rows_it_would_move(resent):
    # given the re-sent file's preview
    window, rows = resent
    user = UserFactory()
    record = _preview(user, rows=rows, name="resent.xlsx")
    before = _state()
    # when it is confirmed creating "Migu Internatonal" and its dramas
    record = avails_import_confirm(
        avails_import_record=record,
        user=user,
        resolution_token=avails_import_resolution_token(avails_import_record=record, user=user),
        organization_choices=["create"],
        drama_choices=["create", "create"],
    )
    # then the import is refused on T-1 and nothing is written
    assert record.status == AvailsImportStatus.REFUSED and _state() == before
    assert record.report["counts"]["errors"] == 1
    window.refresh_from_db()
    assert window.end.year == 2027


def test_repreview_checks_the_choice_form_as_the_confirm_does(resent, migu):
    _window, rows = resent
    user = UserFactory()
    record = _preview(user, rows=rows, name="resent.xlsx")
    token = avails_import_resolution_token(avails_import_record=record, user=user)
    report = record.report
    # another user's form
    with pytest.raises(AvailsResolutionError) as refused:
        avails_import_repreview(
            avails_import_record=record,
            user=UserFactory(),
            resolution_token=token,
            organization_choices=[str(migu.pk)],
            drama_choices=["", ""],
        )
    assert refused.value.code == AvailsErrorCode.RESOLUTION_INVALID
    # nothing mapped
    with pytest.raises(AvailsResolutionError) as refused:
        avails_import_repreview(
            avails_import_record=record,
            user=user,
            resolution_token=token,
            organization_choices=["create"],
            drama_choices=["", ""],
        )
    assert refused.value.code == AvailsErrorCode.RESOLUTION_REQUIRED
    # a partner picked for the licensor
    partner = Organization.objects.get(name="Migu International Streaming")
    with pytest.raises(AvailsResolutionError) as refused:
        avails_import_repreview(
            avails_import_record=record,
            user=user,
            resolution_token=token,
            organization_choices=[str(partner.pk)],
            drama_choices=["", ""],
        )
    assert refused.value.code == AvailsErrorCode.RESOLUTION_INVALID
    record.refresh_from_db()
    assert record.report == report and record.status == AvailsImportStatus.PREVIEWED


def test_repreview_of_an_expired_form_is_refused(resent, migu, settings):
    _window, rows = resent
    user = UserFactory()
    record = _preview(user, rows=rows, name="resent.xlsx")
    token = avails_import_resolution_token(avails_import_record=record, user=user)
    settings.MIGU_AVAILS_RESOLUTION_MAX_AGE = -1
    with pytest.raises(AvailsResolutionError) as refused:
        avails_import_repreview(
            avails_import_record=record,
            user=user,
            resolution_token=token,
            organization_choices=[str(migu.pk)],
            drama_choices=["", ""],
        )
    assert "expired" in refused.value.detail


def test_repreview_of_a_large_file_is_a_job_that_previews_with_the_choices(resent, migu, settings):
    from avails.services import avails_import_job_run
    from jobs.models import Job, JobKind

    # given the re-sent file's preview, and files of its size read by jobs
    window, rows = resent
    user = UserFactory()
    record = _preview(user, rows=rows, name="resent.xlsx")
    settings.MIGU_AVAILS_INLINE_MAX_BYTES = 1
    # when the licensor is mapped and the preview recomputed
    record = avails_import_repreview(
        avails_import_record=record,
        user=user,
        resolution_token=avails_import_resolution_token(avails_import_record=record, user=user),
        organization_choices=[str(migu.pk)],
        drama_choices=["", ""],
    )
    # then the upload is queued for a preview job, which previews with the licensor mapped
    assert record.status == AvailsImportStatus.QUEUED
    job = Job.objects.get(kind=JobKind.AVAILS_IMPORT)
    assert job.params["apply"] is False
    record = avails_import_job_run(job=job)
    assert record is not None and record.status == AvailsImportStatus.PREVIEWED, record.report["problems"]
    actions = {o["transaction_id"]: (o["action"], o["window_id"]) for o in record.report["outcomes"]}
    assert actions["T-1"] == ("updated", window.pk)
    assert [d["title"] for d in record.report["unknown_dramas"]] == ["Hidden Identity"]
    assert record.report["unknown_organizations"][0]["choice"] == str(migu.pk)
    assert record.report["unknown_dramas"][0].get("choice", "") == ""
