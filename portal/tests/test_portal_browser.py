"""The portal in Chromium: every page draws its charts as SVG, with no console error, no request to another
host, and no axe-core violation, in English and in Arabic (right to left); in Thai, rendered without errors."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from conftest import needs_chromium
from portal.tests.conftest import DAY, build_two_operators
from portal.tests.factories import PASSWORD

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
QUERY = f"?start={DAY.isoformat()}&end={DAY.isoformat()}"

pytestmark = needs_chromium


def test_every_page_draws_accessible_charts_in_english_and_arabic(
    live_server, transactional_db, settings, tmp_path, page, browser_sign_in
):
    settings.PORTAL_K_ANONYMITY = 1
    world = build_two_operators(settings)
    pages = {
        "overview": ("/portal/", 2),
        "titles": ("/portal/titles/", 1),
        "title": (f"/portal/titles/{world['drama_a'].pk}/", 2),
        "audience": ("/portal/audience/", 2),
        "rights": ("/portal/rights/", 0),
        "lineup": ("/portal/lineup/", 1),
    }
    shots = Path(os.environ.get("MIGU_SCREENSHOT_DIR", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    own_host = urlsplit(live_server.url).netloc
    problems: list[str] = []

    page.set_viewport_size({"width": 1280, "height": 900})
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status}: {r.url}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: urlsplit(r.url).netloc not in (own_host, "")
            and problems.append(f"request to another host: {r.url}"))  # fmt: skip

    # sign in on the portal's own page
    browser_sign_in(page, "op-a-viewer", PASSWORD, login_path="/portal/login/")
    page.wait_for_url(f"{live_server.url}/portal/")

    for language in ("en", "ar", "th"):
        page.select_option("#portal-language-select", language)
        page.click(".portal-language button")
        page.wait_for_load_state()
        # Thai: rendered (charts, no console error, no foreign request); axe runs in English and Arabic
        chosen = pages if language != "th" else {n: pages[n] for n in ("overview", "title", "lineup")}
        for name, (path, charts) in chosen.items():
            page.goto(f"{live_server.url}{path}{QUERY}")
            assert page.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
            if charts:
                page.wait_for_function(f"document.querySelectorAll('.chart svg').length >= {charts}", timeout=10_000)
            assert page.locator(".chart").count() == charts, name
            # no label of any chart is cut off at its edges (long titles, right to left included)
            clipped = page.evaluate(
                """() => Array.from(document.querySelectorAll('.chart svg')).flatMap(svg => {
                    const box = svg.getBoundingClientRect();
                    return Array.from(svg.querySelectorAll('text')).filter(t => {
                        const r = t.getBoundingClientRect();
                        return r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1
                                               || r.top < box.top - 1 || r.bottom > box.bottom + 1);
                    }).map(t => t.textContent);
                })"""
            )
            problems.extend(f"label cut off {language} {name}: {text}" for text in clipped)
            # each chart is reachable from the keyboard and described
            for chart in page.locator(".chart").all():
                assert chart.get_attribute("tabindex") == "0" and chart.get_attribute("aria-describedby")
            if language == "th":
                assert page.get_attribute("html", "lang") == "th"
                continue
            page.add_script_tag(path=str(AXE))
            violations = page.evaluate(
                "axe.run(document, {resultTypes: ['violations']})"
                ".then(r => r.violations.map(v => v.id + ' ' + v.nodes.map(n => n.target.join(' ')).join(', ')))"
            )
            problems.extend(f"axe {language} {name}: {v}" for v in violations)
            if name in ("overview", "lineup"):
                page.screenshot(path=str(shots / f"portal-{name}-{language}.png"), full_page=True)
        # the data behind a chart is one click away
        page.goto(f"{live_server.url}/portal/{QUERY}")
        page.click(".chart-table summary >> nth=0")
        assert page.locator(".chart-table table >> nth=0").is_visible()

    assert problems == []
