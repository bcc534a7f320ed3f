"""The avails grid in a real headless Chromium: a rights manager sees what is sold and what is still for sale."""

from pathlib import Path

from django.utils import timezone

from conftest import needs_chromium, screenshot
from partners.tests.factories import OrganizationFactory, UserFactory
from rights.tests.factories import at, drama_with_rights_in, grant_out

AXE = Path(__file__).resolve().parents[2] / "portal" / "tests" / "vendor" / "axe-core" / "axe.min.js"

pytestmark = needs_chromium


def test_avails_grid_in_a_browser(live_server, transactional_db, tmp_path, page, browser_sign_in):
    # given a drama acquired for South-East Asia except Singapore (Korean held back), sold to two partners
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    drama = drama_with_rights_in(
        territories=("SEA",), licence_types=("AVOD", "SVOD"), territory_exclusions=["SG"], holdback_languages=["ko"]
    )
    streamer, telco = OrganizationFactory(name="StreamAsia"), OrganizationFactory(name="Telco TH", kind="operator")
    grant_out(drama, streamer, territories=["TH", "MY"], exclusive=True, start=at(0), end=at(120),
              holdback_languages=["ko"])  # fmt: skip
    grant_out(drama, telco, territories=["ID"], start=at(60), end=None, holdback_languages=["ko"])

    # when the rights manager logs in and opens the grid: on this month, then on January 2026, AVOD only
    browser_sign_in(page, "boss", "correct-horse-battery")
    page.goto(f"{live_server.url}/admin/rights/rightswindow/grid/{drama.pk}/")
    screenshot(page, tmp_path, "avails-grid-this-month")
    this_month = timezone.localdate().strftime("%b %Y")
    assert page.inner_text("#avails-grid thead th[aria-current=date]").upper().startswith(this_month.upper())
    page.select_option("#licence_type", "AVOD")
    page.fill("#start", "2026-01")
    page.click(".avails-controls input[type=submit]")
    page.wait_for_url("**licence_type=AVOD**")
    screenshot(page, tmp_path, "avails-grid")

    # then every acquired country is a row, by code and name, Singapore held back by the rights in
    rows = page.locator("#avails-grid tbody th[scope=row]")
    assert rows.count() == 11
    assert rows.nth(0).inner_text().split("\n") == ["BN", "Brunei Darussalam"]
    singapore = page.locator("#avails-grid tbody tr", has=page.locator("#territory-SG"))
    assert singapore.locator("td").first.inner_text() == "Held back"
    # Thailand is sold exclusively to StreamAsia January to April, then available again
    thailand = page.locator("#avails-grid tbody tr", has=page.locator("#territory-TH")).locator("td")
    assert thailand.nth(0).inner_text().split("\n")[:3] == ["StreamAsia", "exclusive", "Sold"]
    assert thailand.nth(4).inner_text().split("\n")[0] == "Available"
    # Indonesia's non-exclusive sale leaves it available for more non-exclusive sales
    indonesia = page.locator("#avails-grid tbody tr", has=page.locator("#territory-ID")).locator("td")
    assert "Available non-exclusive" in indonesia.nth(3).inner_text()
    assert "Holdback: ko" in indonesia.nth(3).inner_text()
    # the page's own parts (controls, legend, table) pass axe-core's accessibility rules
    page.add_script_tag(path=str(AXE))
    checked = page.evaluate(
        "axe.run({include: [['.avails-controls'], ['.avails-nav'], ['.legend'], ['#avails-grid']]})"
        ".then(r => ({passes: r.passes.map(p => p.id), violations: r.violations.map("
        "v => v.id + ' ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))}))"
    )
    assert checked["violations"] == []
    assert {"th-has-data-cells", "label", "color-contrast"} <= set(checked["passes"])
    # the cell links to the window
    page.click("#avails-grid tbody tr:has(#territory-TH) a.sale >> nth=0")
    assert "/admin/rights/rightswindow/" in page.url and page.url.endswith("/change/")
