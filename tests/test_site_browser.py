"""The first pages a newcomer meets, in Chromium: the landing page, the admin's sign-in and index, and the matching
versions list of a fresh platform, each without a failed request or a console error."""

from conftest import needs_chromium, screenshot

PASSWORD = "first-day-on-the-platform"

pytestmark = needs_chromium


def test_a_newcomer_goes_from_the_landing_page_to_a_first_matching_run_without_a_failed_request(
    live_server, transactional_db, page, tmp_path, browser_sign_in
):
    from jobs.models import Job, JobKind
    from tests.admin_helpers import staff_user

    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status}: {r.url}"))
    staff_user("content", password=PASSWORD)

    # given the landing page, which leads to the admin
    page.goto(f"{live_server.url}/")
    screenshot(page, tmp_path, "landing")
    page.click("main a:text-is('Admin')")
    page.wait_for_url("**/admin/login/**")

    # when a content manager signs in and starts the first matching run from the versions list
    browser_sign_in(page, "content-manager", PASSWORD)
    page.goto(f"{live_server.url}/admin/recommendations/matchingmodelversion/")
    page.click("button:text-is('Run matching now')")

    # then the job is queued and linked, and no page asked for anything that is not there
    message = page.locator("ul.messagelist li.success")
    message.wait_for()
    job = Job.objects.get(kind=JobKind.MATCHING)
    assert message.locator("a").get_attribute("href") == f"/admin/jobs/job/{job.pk}/change/"
    screenshot(page, tmp_path, "matching-run-started")
    assert problems == []
