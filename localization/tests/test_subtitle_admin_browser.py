"""A localisation manager in a real headless Chromium: from the drama list to its subtitles per language,
one upload whose finding sits on its cue, a warning waived, a zip of many files, and the matrix after."""

from __future__ import annotations

import io
import zipfile
from urllib.parse import urlparse

from conftest import needs_chromium, screenshot
from localization.tests.subtitle_samples import srt

PASSWORD = "subtitles-for-every-language"

pytestmark = needs_chromium

# Cue 2 is on screen 190 ms, 10 ms after cue 1: two warnings on it; CRLF a warning on the file.
WARNED = srt(
    ("00:00:01,000", "00:00:03,000", "Why did you come back?"),
    ("00:00:03,010", "00:00:03,200", "Go."),
    crlf=True,
).encode()
GOOD = srt(("00:00:01,000", "00:00:03,000", "สวัสดีครับ ยินดีต้อนรับ")).encode()
# Cue 2 on screen 290 ms: a warning, so the cue is shown beside it.
ARABIC = srt(("00:00:01,000", "00:00:03,000", "لماذا عدت؟"), ("00:00:04,000", "00:00:04,290", "اذهب الآن")).encode()
OVERLAPPING = srt(("00:00:01,000", "00:00:03,000", "One."), ("00:00:02,000", "00:00:04,000", "Two.")).encode()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_subtitles_uploaded_reviewed_waived_and_covered_in_a_browser(
    live_server, transactional_db, tmp_path, page, browser_sign_in
):
    from catalog.tests.factories import DramaLocalizationFactory, drama_with_episodes
    from tests.admin_helpers import staff_user

    # given a localisation manager and a drama of 3 episodes localised in English and Thai
    staff_user("localization", password=PASSWORD)
    drama = drama_with_episodes(3, original_title="闪婚后，豪门老公马甲掉了")
    DramaLocalizationFactory(drama=drama, language="th", title="แต่งงานสายฟ้าแลบ")
    hosts: set[str] = set()

    page.on("request", lambda request: hosts.add(urlparse(request.url).netloc))
    browser_sign_in(page, "localization-manager", PASSWORD)

    # when they open the drama's subtitles from the drama list: every cell missing
    page.goto(f"{live_server.url}/admin/catalog/drama/")
    page.click("a.subtitle-coverage-link")
    page.wait_for_selector("#coverage-matrix")
    assert page.locator("#coverage-matrix thead th").all_text_contents() == [
        "Episode", "English (en)", "Thai (th)"
    ]  # fmt: skip
    assert page.locator("td.coverage-missing").count() == 6

    # and upload episode 1's English from its cell
    page.locator("#episode-1 td[data-language=en] a.upload-link").click()
    assert page.input_value("#id_language") == "en"
    page.set_input_files("#id_file", files=[{"name": "ep001.en.srt", "mimeType": "text/plain", "buffer": WARNED}])
    page.click("#upload-submit")

    # then the version's page says it is live with its counts, and cue 2 stands beside its warnings
    page.wait_for_selector("ul.messagelist li.success")
    assert "Version 1 is live: 2 cues, 0 errors, 3 warnings." in page.inner_text("ul.messagelist")
    cue = page.locator("#cue-2")
    assert "00:00:03.010 → 00:00:03.200" in cue.inner_text()
    assert "Go." in cue.inner_text()
    gap = cue.locator("li.finding[data-code=gap_too_short]")
    assert "warning" in gap.inner_text() and "10 ms after the cue before" in gap.inner_text()
    assert page.inner_text("#version-encoding") == "utf-8"
    assert page.inner_text("#version-profile") == "vertical"
    screenshot(page, tmp_path, "subtitle-version")

    # when the short gap is waived for a reason
    gap.locator("input[name=reason]").fill("A jump cut: intended")
    gap.locator("input[type=submit]").click()

    # then it is shown waived with its reason and who waived it
    page.wait_for_selector("ul.messagelist li.success")
    waived = page.locator("#cue-2 li.finding[data-code=gap_too_short]")
    assert "warning, waived" in waived.inner_text()
    assert "A jump cut: intended" in waived.inner_text()
    assert "localization-manager" in waived.inner_text()

    # when a zip of the other files is uploaded on the bulk page
    page.goto(f"{live_server.url}/admin/localization/subtitleversion/coverage/{drama.pk}/")
    page.click("text=Upload many at once")
    archive = zip_bytes({
        "ep002.th.srt": GOOD, "ep003.th.forced.srt": GOOD, "ep002.ar.srt": ARABIC, "ep003.en.srt": OVERLAPPING,
        "ep004.en.srt": GOOD, "../ep001.th.srt": GOOD,
    })  # fmt: skip
    page.set_input_files("#id_archive", files=[{"name": "subs.zip", "mimeType": "application/zip", "buffer": archive}])
    page.click("#bulk-submit")

    # then each file has its row
    page.wait_for_selector("#bulk-results")
    screenshot(page, tmp_path, "subtitle-bulk")
    assert page.inner_text("#bulk-summary") == "3 live, 1 rejected, 2 refused"
    rows = {
        row.locator("td").nth(0).inner_text(): row.locator("td").nth(4).inner_text()
        for row in page.locator("#bulk-results tr.bulk-row").all()
    }
    assert rows == {
        "ep002.ar.srt": "Live", "ep002.th.srt": "Live", "ep003.en.srt": "Rejected", "ep003.th.forced.srt": "Live",
        "ep004.en.srt": "Refused", "ep001.th.srt": "Refused",
    }  # fmt: skip

    # and the Arabic cue text reads right to left, isolated, on its version's page
    page.locator("#bulk-results tr.bulk-row", has_text="ep002.ar.srt").locator("a").click()
    page.wait_for_selector("#subtitle-version")
    arabic = page.locator("#cue-2 td.cue-text bdi")
    assert arabic.inner_text() == "اذهب الآن"
    assert arabic.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert arabic.evaluate("e => getComputedStyle(e).unicodeBidi") == "isolate"

    # and the matrix reads each cell, with totals per language (Arabic added by its track)
    page.goto(f"{live_server.url}/admin/localization/subtitleversion/coverage/{drama.pk}/")
    screenshot(page, tmp_path, "subtitle-coverage")

    def state(episode: int, language: str) -> str:
        return page.get_attribute(f"#episode-{episode} td[data-language='{language}']", "data-state")

    assert state(1, "en") == "warnings"  # two of its three warnings are not waived
    assert state(2, "th") == "live"
    assert state(3, "th") == "live"  # forced subtitles count for the language
    assert state(3, "en") == "rejected"
    assert state(1, "th") == "missing"
    assert state(2, "ar") == "warnings"  # its short cue 2
    totals = page.locator("#totals td").all_inner_texts()
    assert totals[1].split("\n") == ["Live: 0", "Warnings outstanding: 1", "Rejected: 1", "Missing: 1"]

    # and no page loaded anything from another host
    assert hosts == {urlparse(live_server.url).netloc}
