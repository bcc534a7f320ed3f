"""The translation matrix in a real headless Chromium: a reviewer approves selected cells in bulk."""

from __future__ import annotations

from urllib.parse import urlparse

from catalog.models import Episode
from catalog.tests.factories import DramaFactory
from conftest import needs_chromium, screenshot
from localization.models import DramaLocalization, EpisodeLocalization, TranslationStatus
from tests.admin_helpers import staff_user

pytestmark = needs_chromium


def test_a_reviewer_approves_english_titles_from_the_matrix(
    live_server, transactional_db, tmp_path, settings, page, browser_sign_in
):
    # given a drama with English and Korean titles in review and English episode titles machine-translated
    settings.TRANSLATION_PROVIDER = ""
    drama = DramaFactory(original_title="重生之林晚", original_language="zh-Hans")
    for n in (1, 2):
        episode = Episode.objects.create(drama=drama, number=n, duration_seconds=90)
        EpisodeLocalization.objects.create(episode=episode, language="en", title=f"Episode {n}", status="machine")
    for language in ("en", "ko"):
        DramaLocalization.objects.create(drama=drama, language=language, title="Rebirth", status="in_review")
    staff_user("reviewer", password="correct-horse-battery")
    hosts: set[str] = set()

    page.on("request", lambda request: hosts.add(urlparse(request.url).hostname or ""))
    browser_sign_in(page, "reviewer-manager", "correct-horse-battery")

    # when the reviewer opens the matrix, ticks English titles and English episode titles, and approves
    page.goto(f"{live_server.url}/admin/localization/dramalocalization/matrix/{drama.pk}/")
    title_en = page.locator("#translation-matrix tr[data-row=title] td[data-language=en]")
    assert title_en.get_attribute("data-status") == "in_review"
    assert "Machine translation is off" in page.inner_text("#provider-off")
    page.check("input[name=cell][value='localization:en']")
    page.check("input[name=cell][value='episode_titles:en']")
    page.click("#approve-selected")
    page.wait_for_selector(".messagelist")
    screenshot(page, tmp_path, "translation-matrix")

    # then the page says what was approved, and the English cells are green while Korean stays in review
    assert "Approved 1 localisation(s), 2 episode title(s)" in page.inner_text(".messagelist")
    assert title_en.get_attribute("data-status") == "approved"
    episodes_en = page.locator("#translation-matrix tr[data-row=episode_titles] td[data-language=en]")
    assert episodes_en.inner_text().startswith("2/2 approved")
    assert title_en.locator("input[name=cell]").count() == 0  # nothing left to approve there
    title_ko = page.locator("#translation-matrix tr[data-row=title] td[data-language=ko]")
    assert title_ko.get_attribute("data-status") == "in_review"

    assert DramaLocalization.objects.get(drama=drama, language="en").status == TranslationStatus.APPROVED
    assert hosts == {urlparse(live_server.url).hostname}  # nothing loaded from another host
