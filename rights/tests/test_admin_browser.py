"""The avails grid in a real headless Chromium: a rights manager sees territories × months at a glance."""

import pytest

from partners.tests.factories import OrganizationFactory, UserFactory
from rights.tests.factories import at, drama_with_rights_in, grant_out

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]  # fmt: skip


@pytest.fixture(autouse=True)
def _allow_sync_orm_beside_playwright(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; scoped to this module's tests only.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.mark.browser
def test_avails_grid_in_a_browser(live_server, transactional_db, tmp_path):
    from playwright.sync_api import sync_playwright

    # given a drama with rights in for SEA and windows out to two partners
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    drama = drama_with_rights_in(territories=("SEA",))
    streamer, telco = OrganizationFactory(name="StreamAsia"), OrganizationFactory(name="Telco TH", kind="operator")
    grant_out(drama, streamer, territories=["TH", "MY"], exclusive=True, start=at(0), end=at(120))
    grant_out(drama, telco, territories=["SG", "ID"], start=at(60), end=None)
    grant_out(drama, streamer, territories=["SG"], start=at(90), end=at(200), licence_type="SVOD")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1300, "height": 700})
        # when the rights manager logs in and opens the grid
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", "boss")
        page.fill("#id_password", "correct-horse-battery")
        page.click("input[type=submit]")
        page.goto(f"{live_server.url}/admin/rights/rightswindow/grid/{drama.pk}/?start=2026-01-01&months=9")
        page.screenshot(path=str(tmp_path / "avails-grid.png"), full_page=True)

        # then each granted territory is a row, exclusive cells are marked, and the legend names the licensees
        rows = page.locator("#avails-grid tbody th.territory").all_inner_texts()
        assert rows == ["ID", "MY", "SG", "TH"]
        assert page.locator("#avails-grid a.slot.exclusive").count() == 2 * 4  # TH and MY, Jan to Apr (120 days)
        assert "StreamAsia" in page.inner_text(".legend") and "Telco TH" in page.inner_text(".legend")
        browser.close()
