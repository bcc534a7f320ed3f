"""The Avails import preview in a real headless Chromium: the deal of each row, and a misspelt licensor mapped."""

from pathlib import Path

from avails.tests.workbooks import GOOD_MOVIE_ROW, avails_workbook
from conftest import needs_chromium, screenshot
from partners.models import Organization
from partners.tests.factories import LicensorFactory, UserFactory
from rights.models import RightsWindow

AXE = Path(__file__).resolve().parents[2] / "portal" / "tests" / "vendor" / "axe-core" / "axe.min.js"

pytestmark = needs_chromium


def _upload_rights_in(page, base_url: str, workbook) -> None:
    """Upload `workbook` as rights in through the admin's import form, and wait for its preview."""
    page.goto(f"{base_url}/admin/avails/availsimport/add/")
    page.set_input_files("#id_file", str(workbook))
    page.select_option("#id_direction", "in")
    page.click("#avails-upload input[type=submit]")
    page.wait_for_url("**/preview/")


def test_a_rights_manager_maps_a_misspelt_licensor_in_the_import_preview(
    live_server, transactional_db, tmp_path, page, browser_sign_in
):
    # given the licensors "Migu International" and "Huace Media", and a workbook of rights acquired from
    # "Migu Internatonal" (sic) for Thailand and Malaysia, and for Saudi Arabia with an open end
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    migu = LicensorFactory(name="Migu International")
    LicensorFactory(name="Huace Media")
    organizations = Organization.objects.count()
    deal = GOOD_MOVIE_ROW | {"DisplayName": "Migu Internatonal", "Licensee": "", "TitleInternalAlias": "Hidden Heiress"}
    rows = [
        deal | {"AvailID": "T-1", "Territory": "TH, MY", "End": "2027-01-01", "AllowedLanguages": "th",
                "PriceType": "SRP", "PriceValue": "1.99", "PriceCurrency": "USD"},
        deal | {"AvailID": "T-2", "Territory": "SA", "LicenseType": "AVOD", "AllowedLanguages": "ar"},
    ]  # fmt: skip
    workbook = tmp_path / "acquired.xlsx"
    workbook.write_bytes(avails_workbook(rows))

    # when the rights manager uploads it as rights in
    browser_sign_in(page, "boss", "correct-horse-battery")
    _upload_rights_in(page, live_server.url, workbook)
    screenshot(page, tmp_path, "avails-import-preview")

    # then each row shows the deal: drama (new), parties, named territories, licence, period, terms, action
    headers = page.locator("#avails-rows thead th").all_text_contents()
    assert headers == ["Where", "TransactionID", "Drama", "Licensor → licensee", "Territories", "Licence",
                       "Period", "Terms", "Action"]  # fmt: skip
    first = page.locator("#avails-rows tbody tr").nth(0)
    assert first.locator(".avails-drama").inner_text() == "Hidden Heiress new"
    assert first.locator(".avails-parties").inner_text().startswith("Migu Internatonal new →")
    assert first.locator(".avails-territories").inner_text() == "TH Thailand, MY Malaysia"
    assert first.locator(".avails-licence").inner_text() == "SVOD"
    assert first.locator(".avails-period").inner_text() == "2026-01-01 00:00 – 2027-01-01 00:00"
    assert "unlock 1.99 USD" in first.locator(".avails-terms").inner_text()
    assert first.locator(".avails-action").inner_text() == "created"
    second = page.locator("#avails-rows tbody tr").nth(1)
    assert second.locator(".avails-territories").inner_text() == "SA Saudi Arabia"
    assert second.locator(".avails-period").inner_text() == "2026-01-01 00:00 – open end"
    assert "subtitles ar" in second.locator(".avails-terms").inner_text()
    # and the misspelt licensor is listed apart, the existing "Migu International" offered first
    licensor = page.locator("#avails-new-organization-0")
    assert "Licensor “Migu Internatonal” (licensor, 2 rows)" in licensor.locator("legend").inner_text()
    assert licensor.locator("label").first.inner_text().strip() == "Use existing Migu International (similarity 0.76)"
    # the new parts pass axe-core's accessibility rules
    page.add_script_tag(path=str(AXE))
    checked = page.evaluate(
        "axe.run({include: [['#avails-confirm'], ['#avails-rows']]})"
        ".then(r => r.violations.map(v => v.id + ' ' + v.nodes.slice(0, 3).map(n => n.target.join(' '))"
        ".join(', ')))"
    )
    assert checked == []

    # when they confirm without choosing, nothing is imported and they are told to choose
    page.click("#avails-confirm-submit")
    page.wait_for_load_state()
    assert "choose an existing one or tick create" in page.locator(".messagelist").inner_text()
    assert RightsWindow.objects.count() == 0
    # when they map the licensor to the suggestion, tick "create" for the drama, and confirm
    page.locator("#avails-new-organization-0 input.avails-suggestion").first.check()
    page.locator("#avails-new-drama-0 input.avails-create").check()
    page.click("#avails-confirm-submit")
    page.wait_for_load_state()
    screenshot(page, tmp_path, "avails-import-applied")
    # then the import is applied
    assert page.locator("#avails-status").inner_text() == "Applied"
    assert "Imported acquired.xlsx: 2 created" in page.locator(".messagelist").inner_text()

    # and both windows are acquired from the existing licensor; no organization was created
    windows = RightsWindow.objects.order_by("transaction_id")
    assert [(w.transaction_id, w.licensee_id, w.direction) for w in windows] == [("T-1", migu.pk, "in"),
                                                                                ("T-2", migu.pk, "in")]  # fmt: skip
    assert Organization.objects.count() == organizations
    assert windows[0].drama.owner == migu and windows[0].drama.original_title == "Hidden Heiress"


def test_a_resent_file_with_the_licensor_misspelt_is_mapped_previewed_again_and_updates_its_window(
    live_server, transactional_db, tmp_path, page, browser_sign_in
):
    from avails.services import avails_import

    # given the window T-1 acquired from "Migu International", re-sent as "Migu Internatonal" (sic) with a later
    # end and a second window T-2 on the same drama (an ALID of its own: found by the licensor's content id)
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    migu = LicensorFactory(name="Migu International")
    deal = GOOD_MOVIE_ROW | {"DisplayName": "Migu International", "Licensee": "", "End": "2027-01-01"}
    assert avails_import(data=avails_workbook([deal]), source="first.xlsx", direction="in").applied
    window = RightsWindow.objects.get()
    resent = deal | {"DisplayName": "Migu Internatonal", "End": "2028-01-01"}
    rows = [resent, resent | {"AvailID": "T-2", "Territory": "VN", "ALID": "md:alid:org:migu:1:vn"}]
    workbook = tmp_path / "resent.xlsx"
    workbook.write_bytes(avails_workbook(rows))

    # when the rights manager uploads it as rights in
    browser_sign_in(page, "boss", "correct-horse-battery")
    _upload_rights_in(page, live_server.url, workbook)
    # then the upload can still be confirmed: T-1 is refused, saying to map the misspelt name
    assert page.locator("#avails-status").inner_text().startswith("Previewed")
    first = page.locator("#avails-rows tbody tr").nth(0)
    assert "map it to that licensor and preview again" in first.locator(".avails-action").inner_text()
    assert page.locator("#avails-new-drama-0").count() == 1
    # when they pick the existing licensor and apply their choices
    page.locator("#avails-new-organization-0 input.avails-suggestion").first.check()
    page.click("#avails-repreview")
    page.wait_for_load_state()
    screenshot(page, tmp_path, "avails-import-repreview")
    # then the rows are an update of the licensor's window and a new window on its drama; no drama asked about
    first = page.locator("#avails-rows tbody tr").nth(0)
    assert first.locator(".avails-action").inner_text() == f"updated #{window.pk} (end)"
    assert page.locator("#avails-rows tbody tr").nth(1).locator(".avails-action").inner_text() == "created"
    assert page.locator("#avails-new-drama-0").count() == 0
    assert page.locator("#avails-new-organization-0 input.avails-suggestion").first.is_checked()
    # when they confirm
    page.click("#avails-confirm-submit")
    page.wait_for_load_state()
    assert page.locator("#avails-status").inner_text() == "Applied"

    # then the licensor's window is updated and the new one is on its drama
    window.refresh_from_db()
    assert window.end.year == 2028
    assert RightsWindow.objects.get(transaction_id="T-2").drama == window.drama
    assert not Organization.objects.filter(name="Migu Internatonal").exists()
    assert window.licensee == migu
