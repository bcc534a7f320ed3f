"""Masters in bulk and the preview player in a real headless Chromium, transcoded by a real Celery worker:
a content manager chooses a folder's files, watches each upload and transcode, sees the mis-numbered file
refused, then plays the ladder with hls.js and switches between its two rungs."""

from __future__ import annotations

import shutil

from conftest import needs_chromium, screenshot, wait_for
from media import ffmpeg
from media.tests.sources import video_make

PASSWORD = "upload-a-folder-of-masters"

pytestmark = needs_chromium


def row(page, name: str):
    return page.locator(f'#masters-rows tr[data-name="{name}"]')


def test_masters_in_bulk_with_live_progress_then_the_preview_plays_two_rungs(
    live_server, transactional_db, page, tmp_path, media_sources, transcode_worker, browser_sign_in
):
    from catalog.tests.factories import drama_with_episodes
    from jobs.models import Job, JobKind, JobStatus
    from media.models import Ladder, Master
    from tests.admin_helpers import staff_user

    # given a content manager, a vertical drama of 3 episodes, a worker on the transcode queue, and a folder
    # of masters: episode 1 at 540×960 (two rungs, 8 s), episode 2 at 360×640, and a file for episode 9
    staff_user("content", password=PASSWORD)
    drama = drama_with_episodes(3, format="vertical")
    folder = tmp_path / "masters"
    folder.mkdir()
    video_make(folder / "ep001.mp4", width=540, height=960, seconds=8)
    shutil.copy(media_sources["vertical"], folder / "ep002.mp4")
    shutil.copy(media_sources["vertical"], folder / "ep009.mp4")
    transcode_worker()

    # when they open the drama, follow "Upload masters in bulk" and choose the three files
    browser_sign_in(page, "content-manager", PASSWORD)
    page.goto(f"{live_server.url}/admin/catalog/drama/{drama.pk}/change/")
    page.click("text=Upload masters in bulk")
    page.set_input_files("#masters-files", [str(folder / n) for n in ("ep001.mp4", "ep002.mp4", "ep009.mp4")])

    # then the mis-numbered file is refused with its reason while the others upload and transcode to the end
    row(page, "ep009.mp4").and_(page.locator("[data-state=refused]")).wait_for()
    assert "the drama has no episode 9" in row(page, "ep009.mp4").locator("td.reason").inner_text()
    assert row(page, "ep009.mp4").get_attribute("data-code") == "no_such_episode"
    screenshot(page, tmp_path, "masters-bulk-uploading")
    for name in ("ep001.mp4", "ep002.mp4"):
        row(page, name).and_(page.locator("[data-state=done]")).wait_for(timeout=120_000)
        upload = row(page, name).locator("td.upload")
        assert upload.get_attribute("data-percent") == "100" and "100%" in upload.inner_text()
        assert int(row(page, name).get_attribute("data-upload-events")) >= 2  # 0 %, … 100 %
        transcode = row(page, name).locator("td.transcode")
        seen = transcode.get_attribute("data-seen").split()
        # polled live: a state before the end (pending or running), then the end
        assert seen[-1] == "succeeded", seen
        assert "done" in transcode.inner_text()
    screenshot(page, tmp_path, "masters-bulk-done")
    assert sorted(Master.objects.filter(episode__drama=drama).values_list("episode__number", flat=True)) == [1, 2]

    # and once its quality is measured, the preview of episode 1 plays and switches between its two rungs
    ladder = Ladder.objects.get(episode__drama=drama, episode__number=1, status="ready")
    wait_for(
        lambda: Job.objects.filter(
            kind=JobKind.QUALITY, params__ladder_id=ladder.pk, status=JobStatus.SUCCEEDED
        ).exists(),
        timeout=120,
        message="the quality job",
    )
    row(page, "ep001.mp4").locator("td.action a").click()
    page.wait_for_selector("#preview-video")
    metric = "VMAF" if ffmpeg.has_libvmaf() else "SSIM"
    options = page.locator("#preview-rung option").all_inner_texts()
    assert len(options) == 3 and all(metric in option for option in options[1:]), options
    page.wait_for_function("() => window.previewHls && previewHls.levels.length === 2")
    page.wait_for_function("() => document.getElementById('preview-video').currentTime > 0.3")
    switched = []
    for height in ("640", "960"):
        page.select_option("#preview-rung", height)
        page.wait_for_function(
            "h => { const l = previewHls.levels[previewHls.currentLevel]; return l && l.height === h"
            " && document.getElementById('preview-current').dataset.height === String(h); }",
            arg=int(height),
        )
        start = page.evaluate("() => document.getElementById('preview-video').currentTime")
        page.wait_for_function(
            "t => document.getElementById('preview-video').currentTime > t + 0.3", arg=start, timeout=15_000
        )
        switched.append((page.evaluate("() => previewHls.currentLevel"), page.inner_text("#preview-current")))
    screenshot(page, tmp_path, "ladder-preview")
    assert switched[0][0] != switched[1][0]
    assert "360×640" in switched[0][1] and "540×960" in switched[1][1]
    assert page.locator("#preview-error").is_hidden(), page.inner_text("#preview-error")


def test_files_dropped_on_the_page_are_matched_and_uploaded_one_by_one(
    live_server, transactional_db, page, media_sources, browser_sign_in
):
    import base64

    from catalog.tests.factories import drama_with_episodes
    from jobs.models import Job, JobStatus
    from media.models import Master
    from tests.admin_helpers import staff_user

    # given a content manager on the bulk page of a drama with 3 episodes
    staff_user("content", password=PASSWORD)
    drama = drama_with_episodes(3)
    browser_sign_in(page, "content-manager", PASSWORD, next_path=f"/admin/media/master/bulk/{drama.pk}/")
    page.wait_for_selector("#masters-drop")
    master = media_sources["vertical"].read_bytes()

    # when a master for episode 2, one for episode 5 and a text file are dropped on it
    page.evaluate(
        """b64 => {
          const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
          const dt = new DataTransfer();
          dt.items.add(new File([bytes], "EP_02.mp4", {type: "video/mp4"}));
          dt.items.add(new File([bytes], "ep005.mp4", {type: "video/mp4"}));
          dt.items.add(new File(["hello"], "notes.txt", {type: "text/plain"}));
          const zone = document.getElementById("masters-drop");
          zone.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
        }""",
        base64.b64encode(master).decode(),
    )

    # then the two that go nowhere say why, and episode 2's master is stored whole with its transcode queued
    for name, code in (("ep005.mp4", "no_such_episode"), ("notes.txt", "name_not_understood")):
        row(page, name).and_(page.locator("[data-state=refused]")).wait_for()
        assert row(page, name).get_attribute("data-code") == code
    row(page, "EP_02.mp4").and_(page.locator("[data-state=transcoding]")).wait_for()
    assert row(page, "EP_02.mp4").locator("td.upload").get_attribute("data-percent") == "100"
    stored = Master.objects.get(episode__drama=drama)
    assert (stored.episode.number, stored.size_bytes, stored.original_filename) == (2, len(master), "EP_02.mp4")
    assert Job.objects.get(params__master_id=stored.pk).status == JobStatus.PENDING
    page.wait_for_function(
        "() => document.querySelector('tr[data-name=\"EP_02.mp4\"] td.transcode').dataset.status === 'pending'"
    )
