"""A real player: hls.js (vendored) in headless Chromium plays a dubbed episode from the live test server
and switches audio and subtitle tracks while playing."""

from __future__ import annotations

import pytest

from conftest import needs_chromium
from jobs.models import Job, JobKind, JobStatus
from localization.dubs.services import dub_ingest
from localization.services import subtitle_ingest
from localization.tasks import package_dub, package_subtitles
from localization.tests.dub_samples import audio_make
from localization.tests.subtitle_samples import srt
from media.services import playback_session_create
from media.tests.factories import episode_make, licensed_to
from media.tests.test_delivery import build_ladder
from partners.tests.factories import OrganizationFactory

pytestmark = [*needs_chromium, pytest.mark.slow]

# The player page, answered by the browser itself at the live server's origin: everything it loads
# (hls.js, playlists, key, segments) comes from the live server.
PLAYER = """<!doctype html><html><body>
<video id="v" muted playsinline width="360"></video>
<script src="/static/vendor/hls.js/hls.min.js"></script>
<script>
  window.errors = [];
  const video = document.getElementById("v");
  const hls = new Hls({subtitleDisplay: true});
  window.hls = hls;
  hls.on(Hls.Events.ERROR, (_event, data) => { if (data.fatal) window.errors.push(data.type + ":" + data.details); });
  hls.on(Hls.Events.MANIFEST_PARSED, () => video.play());
  hls.loadSource(MASTER_URL);
  hls.attachMedia(video);
</script></body></html>"""


def run_jobs(kind: str, task) -> None:
    from django.test import TestCase

    for job in Job.objects.filter(kind=kind, status=JobStatus.PENDING).order_by("pk"):
        with TestCase.captureOnCommitCallbacks(execute=True):
            task.apply(args=[job.pk])
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED, job.error


def test_hls_js_plays_the_episode_and_switches_audio_and_subtitles_while_playing(
    live_server, transactional_db, page, media_sources, tmp_path
):
    # given a 12 s episode with a Cantonese dub and English subtitles packaged, and a partner allowed both
    episode = episode_make()
    build_ladder(episode, media_sources["long"])
    with audio_make(tmp_path / "yue.wav", seconds=12, frequency=330).open("rb") as handle:
        dub_ingest(episode=episode, language="yue", filename="yue.wav", file=handle)
    cues = srt(("00:00:00,000", "00:00:06,000", "Hello."), ("00:00:06,000", "00:00:12,000", "Goodbye."))
    subtitle_ingest(episode=episode, language="en", kind="full", filename="en.srt", data=cues.encode())
    run_jobs(JobKind.DUB, package_dub)
    run_jobs(JobKind.SUBTITLES, package_subtitles)
    partner = OrganizationFactory(kind="partner", languages=["th"])
    licensed_to(partner, episode, audio_languages=["zh-Hans", "yue"], subtitle_languages=["en"])
    session = playback_session_create(organization=partner, episode=episode, territory="TH")

    # when hls.js loads the master playlist and plays
    origin = live_server.url
    page.route(f"{origin}/player", lambda route: route.fulfill(
        content_type="text/html", body=PLAYER.replace("MASTER_URL", repr(session.url))))  # fmt: skip
    page.goto(f"{origin}/player")
    page.wait_for_function("window.hls.audioTracks.length === 2 && document.getElementById('v').currentTime > 0.5")

    # then it sees the original and the Cantonese dub, and the English subtitles
    tracks = page.evaluate("window.hls.audioTracks.map(t => [t.lang, t.name, Boolean(t.url)])")
    assert tracks == [["zh-Hans", "Chinese (Simplified) (original)", True], ["yue", "Cantonese", True]]
    assert page.evaluate("window.hls.subtitleTracks.map(t => t.lang)") == ["en"]
    assert page.evaluate("window.hls.audioTrack") == 0

    # when the viewer picks the dub and the subtitles while it plays
    before = page.evaluate("document.getElementById('v').currentTime")
    page.evaluate("window.hls.audioTrack = 1; window.hls.subtitleTrack = 0;")

    # then playback goes on with the dub's audio track and the subtitles on, without a fatal error
    page.wait_for_function(f"document.getElementById('v').currentTime > {before} + 2")
    assert page.evaluate("window.hls.audioTrack") == 1
    assert page.evaluate("window.hls.subtitleTrack") == 0
    assert page.evaluate("window.errors") == []
    # the dub's own segments were fetched (the audio comes from its playlist now)
    fetched = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert any("/audio/yue/seg_" in name for name in fetched)
    assert any("/subs/en.full/seg_" in name for name in fetched)
