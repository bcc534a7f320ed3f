"""A content manager in a real browser: log in, open a drama, create its episodes in bulk, see them."""

from conftest import needs_chromium, screenshot

PASSWORD = "curate-100-episodes"

pytestmark = needs_chromium


def test_a_content_manager_bulk_creates_episodes_in_the_browser(
    live_server, transactional_db, page, tmp_path, browser_sign_in
):
    from catalog.tests.factories import DramaFactory, DramaLocalizationFactory, GenreFactory, TropeFactory
    from tests.admin_helpers import staff_user

    # given a content manager and a drama without episodes
    staff_user("content", password=PASSWORD)
    drama = DramaFactory(original_title="闪婚后，豪门老公马甲掉了")
    drama.genres.add(GenreFactory(slug="romance", name="Romance"))
    drama.tropes.add(TropeFactory(slug="hidden-identity", name="Hidden identity"))
    DramaLocalizationFactory(drama=drama, language="en", title="Flash Marriage: My Husband Is a Billionaire")
    DramaLocalizationFactory(drama=drama, language="th", title="แต่งงานสายฟ้าแลบ", title_short="")

    # when they log in, open the drama from the list and ask for episodes 1-80, 85, 90-100
    browser_sign_in(page, "content-manager", PASSWORD)
    page.goto(f"{live_server.url}/admin/catalog/drama/")
    screenshot(page, tmp_path, "drama-list")
    page.click(f"text={drama.original_title}")
    page.fill("#id_add_episode_numbers", "1-80, 85, 90-100")
    page.fill("#id_add_episode_duration", "95")
    page.click("input[name=_continue]")

    # then the page says what was created and the episodes are listed in the inline table
    page.wait_for_selector("ul.messagelist li.success")
    assert "Added 92 episodes (1–80, 85, 90–100)." in page.inner_text("ul.messagelist")
    rows = page.locator("#episodes-group tbody tr.has_original")
    assert rows.count() == 92
    assert page.input_value("input[name=episodes-0-number]") == "1"
    assert page.input_value("input[name=episodes-91-number]") == "100"
    assert page.input_value("input[name=episodes-80-duration_seconds]") == "95"
    assert rows.nth(91).locator("td.field-episode_page a").inner_text() == "E100 ›"
    screenshot(page, tmp_path, "drama-page-after-bulk-create")

    # and the list shows the new episode count
    page.goto(f"{live_server.url}/admin/catalog/drama/")
    assert page.inner_text("td.field-episode_count") == "92"
