"""Arabic next to Chinese in a real browser: each text runs in its language's direction in the change form, the
drama page's inline, the list and the read-only view, isolated from its neighbours; objects are chosen by name."""

from playwright.sync_api import expect

from conftest import needs_chromium, screenshot

PASSWORD = "right-to-left-2026"
ARABIC_TITLE = "الزواج السريع"
# A Chinese title inside an Arabic synopsis, with the full stop at the end of the Arabic sentence.
ARABIC_SYNOPSIS = "تكتشف البطلة سر زوجها في «闪婚后，豪门老公马甲掉了» وتبدأ حياة جديدة."

pytestmark = needs_chromium


def signed_in(chromium, browser_sign_in, username: str, time_zone: str = "UTC"):
    """A page of its own browser context (its own cookies and time zone), signed in to the admin."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, timezone_id=time_zone)
    page = context.new_page()
    page.set_default_timeout(20_000)
    browser_sign_in(page, username, PASSWORD)
    page.wait_for_selector("#site-name")
    return page


def style_of(page, selector: str) -> dict[str, str]:
    return page.eval_on_selector(
        selector, "el => ({direction: getComputedStyle(el).direction, bidi: getComputedStyle(el).unicodeBidi})"
    )


def test_arabic_runs_right_to_left_beside_chinese_in_forms_inlines_lists_and_read_only_views(
    live_server, transactional_db, chromium, tmp_path, browser_sign_in
):
    from catalog.tests.factories import DramaFactory, DramaLocalizationFactory
    from tests.admin_helpers import staff_user

    # given a Chinese drama localised in Arabic and English, a localization manager and a rights manager
    staff_user("localization", password=PASSWORD)
    staff_user("rights", password=PASSWORD)
    drama = DramaFactory(original_title="闪婚后，豪门老公马甲掉了", original_language="zh-Hans")
    arabic = DramaLocalizationFactory(
        drama=drama, language="ar", title=ARABIC_TITLE, title_short="", synopsis_short=ARABIC_SYNOPSIS
    )
    DramaLocalizationFactory(drama=drama, language="en", title="Flash Marriage", title_short="")
    page = signed_in(chromium, browser_sign_in, "localization-manager")

    # when the localization manager opens the Arabic localisation's change form
    page.goto(f"{live_server.url}/admin/localization/dramalocalization/{arabic.pk}/change/")
    # then its title and synopses run right to left, isolated; the language field stays left to right
    for selector in ("#id_title", "#id_synopsis_short", "#id_synopsis_long"):
        assert style_of(page, selector) == {"direction": "rtl", "bidi": "isolate"}, selector
    assert style_of(page, "#id_language")["direction"] == "ltr"
    # and the synopsis keeps the Chinese title whole, the full stop at the Arabic sentence's end (its left)
    assert page.input_value("#id_synopsis_short") == ARABIC_SYNOPSIS
    screenshot(page, tmp_path, "localisation-change-form")

    # when they open the drama's page: the Arabic row of the localisations inline is right to left, the English
    # row left to right, the Chinese original title left to right
    page.goto(f"{live_server.url}/admin/catalog/drama/{drama.pk}/change/")
    rows = page.locator("#localizations-group .inline-related.has_original")
    directions = {}
    for index in range(rows.count()):
        language = page.input_value(f"#id_localizations-{index}-language")
        directions[language] = style_of(page, f"#id_localizations-{index}-title")
    assert directions == {
        "ar": {"direction": "rtl", "bidi": "isolate"},
        "en": {"direction": "ltr", "bidi": "isolate"},
    }
    assert style_of(page, "#id_original_title")["direction"] == "ltr"
    screenshot(page, tmp_path, "drama-page-localisations-inline")

    # when they open the list of localisations: each title cell is isolated in its own direction
    page.goto(f"{live_server.url}/admin/localization/dramalocalization/")
    arabic_cell = "td.field-title_column bdi[lang=ar], th.field-title_column bdi[lang=ar]"
    assert style_of(page, arabic_cell) == {"direction": "rtl", "bidi": "isolate"}
    assert page.inner_text(arabic_cell) == ARABIC_TITLE
    assert (
        style_of(page, "th.field-title_column bdi[lang=en], td.field-title_column bdi[lang=en]")["direction"] == "ltr"
    )
    assert "Arabic (ar)" in page.inner_text("#result_list")
    screenshot(page, tmp_path, "localisation-list")

    # and in the drama list, an Arabic original title runs right to left beside the Chinese one
    DramaFactory(original_title="الانتقام الحلو", original_language="ar")
    page.goto(f"{live_server.url}/admin/catalog/drama/")
    assert style_of(page, ".field-title_column bdi[lang=ar]") == {"direction": "rtl", "bidi": "isolate"}
    assert style_of(page, ".field-title_column bdi[lang=zh-Hans]") == {"direction": "ltr", "bidi": "isolate"}
    screenshot(page, tmp_path, "drama-list")

    # when the rights manager (who may only view localisations) opens the same one: a read-only view
    reader = signed_in(chromium, browser_sign_in, "rights-manager")
    reader.goto(f"{live_server.url}/admin/localization/dramalocalization/{arabic.pk}/change/")
    assert reader.locator("#id_title").count() == 0  # nothing to edit
    assert style_of(reader, ".field-title .readonly") == {"direction": "rtl", "bidi": "isolate"}
    assert style_of(reader, ".field-synopsis_short .readonly") == {"direction": "rtl", "bidi": "isolate"}
    assert reader.inner_text(".field-synopsis_short .readonly") == ARABIC_SYNOPSIS
    assert style_of(reader, ".field-language .readonly")["direction"] == "ltr"
    screenshot(reader, tmp_path, "localisation-read-only")


def test_a_localisation_is_added_choosing_its_drama_by_name(
    live_server, transactional_db, chromium, tmp_path, browser_sign_in
):
    from catalog.tests.factories import DramaFactory
    from localization.models import DramaLocalization
    from tests.admin_helpers import staff_user

    # given two dramas and a localization manager
    staff_user("localization", password=PASSWORD)
    wanted = DramaFactory(original_title="重生之千金归来")
    DramaFactory(original_title="总裁的替身新娘")
    page = signed_in(chromium, browser_sign_in, "localization-manager")

    # when they add a Persian localisation, typing part of the drama's name in the autocomplete and picking it
    page.goto(f"{live_server.url}/admin/localization/dramalocalization/add/")
    assert page.locator("#id_drama.admin-autocomplete").count() == 1
    page.click(".field-drama .select2-selection")
    page.fill(".select2-container--open .select2-search__field", "千金")
    # only the drama whose name holds what was typed is offered, once the search has answered
    expect(page.locator(".select2-results__option")).to_have_count(1)
    option = page.locator(".select2-results__option", has_text=wanted.original_title)
    option.click()
    page.fill("#id_language", "fa")
    # a new localisation has no language yet: its text fields follow what is typed in them
    assert page.get_attribute("#id_title", "dir") == "auto"
    page.fill("#id_title", "بازگشت دختر ثروتمند")
    assert style_of(page, "#id_title")["direction"] == "rtl"
    screenshot(page, tmp_path, "localisation-add-autocomplete")
    page.click("input[name=_continue]")

    # then it is saved for the drama picked, and its form now runs right to left as Persian
    page.wait_for_selector("ul.messagelist li.success")
    saved = DramaLocalization.objects.get(language="fa")
    assert saved.drama_id == wanted.pk
    assert page.get_attribute("#id_title", "dir") == "rtl"
    assert page.get_attribute("#id_title", "lang") == "fa"
    assert wanted.original_title in page.inner_text(".field-drama")
    screenshot(page, tmp_path, "localisation-saved")


def pick(page, field: str, typed: str, name: str) -> None:
    """Choose `name` in the autocomplete of `field` by typing part of it."""
    page.click(f".field-{field} .select2-selection")
    page.fill(".select2-container--open .select2-search__field", typed)
    expect(page.locator(".select2-results__option")).to_have_count(1)
    page.locator(".select2-results__option", has_text=name).click()


def test_a_rights_manager_in_dubai_picks_drama_and_licensee_by_name_and_reads_the_refusal_in_dubai_time(
    live_server, transactional_db, chromium, tmp_path, browser_sign_in
):
    from partners.tests.factories import OrganizationFactory
    from rights.models import RightsWindow
    from rights.tests.factories import drama_with_rights_in
    from tests.admin_helpers import staff_user

    # given a drama acquired for Thailand only, a partner, and a rights manager whose browser is in Dubai
    staff_user("rights", password=PASSWORD)
    drama = drama_with_rights_in(territories=("TH",))
    drama.original_title = "重生之千金归来"
    drama.save(update_fields=["original_title"])
    OrganizationFactory(name="Gulf Stream Plus")
    page = signed_in(chromium, browser_sign_in, "rights-manager", time_zone="Asia/Dubai")

    # when they grant a window out in Japan from 1 January 08:00, choosing drama and licensee by typing names
    page.goto(f"{live_server.url}/admin/rights/rightswindow/add/")
    page.select_option("#id_direction", "out")
    pick(page, "drama", "千金", "重生之千金归来")
    pick(page, "licensee", "Gulf", "Gulf Stream Plus")
    page.fill("#id_territories", "JP")
    page.select_option("#id_licence_type", "SVOD")
    page.fill("#id_start_0", "2026-01-01")
    page.fill("#id_start_1", "08:00:00")
    screenshot(page, tmp_path, "window-add-autocomplete")
    page.click("input[name=_save]")

    # then the refusal is a sentence with its times in Dubai's time and its code in small print; nothing saved
    error = page.locator(".errornote + ul.errorlist, ul.errorlist.nonfield").first
    text = error.inner_text()
    assert "No rights in cover this window in JP for SVOD from 2026-01-01 08:00 +04 to open end" in text
    assert error.locator("small.error-code").inner_text() == "(code: no_rights_in)"
    assert page.locator(".field-drama .select2-selection__rendered").inner_text().endswith("重生之千金归来")
    assert not RightsWindow.objects.filter(direction="out").exists()
    screenshot(page, tmp_path, "window-refused-in-dubai-time")
