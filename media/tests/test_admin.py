"""The media admin: uploading a master, transcode status, renditions with their quality."""

from __future__ import annotations

import pytest
from django.test import TestCase

from jobs.models import Job, JobKind, JobStatus
from jobs.services import job_fail
from media import ffmpeg
from media.models import Ladder, Master
from media.tasks import measure_ladder_quality, transcode_master
from media.tests.factories import episode_make, master_upload

pytestmark = pytest.mark.django_db


def test_uploading_a_master_in_the_admin_stores_it_and_queues_a_transcode(admin_client, media_sources):
    # given an episode
    episode = episode_make()

    # when a content manager uploads a master through the admin form
    with media_sources["vertical"].open("rb") as handle:
        response = admin_client.post("/admin/media/master/add/", {"episode": episode.pk, "upload": handle})

    # then it is stored under a generated key with a pending transcode job
    assert response.status_code == 302, response.content[:2000]
    master = Master.objects.get(episode=episode)
    assert master.original_filename == "vertical.mp4" and master.file.name.startswith(f"masters/e{episode.pk}/")
    assert Job.objects.get(kind="transcode", target_id=str(master.pk)).status == JobStatus.PENDING


def test_the_master_list_shows_progress_and_failure_reasons_without_a_query_per_row(
    admin_client, media_sources, django_assert_max_num_queries
):
    # given two masters: one transcoding at 40 %, one failed
    _running_master, running = master_upload(episode_make(number=1), media_sources["vertical"])
    _failed_master, failed = master_upload(episode_make(number=2), media_sources["vertical"])
    Job.objects.filter(pk=running.pk).update(status=JobStatus.RUNNING, progress=40)
    job_fail(job=failed, code="corrupt", error="The master does not decode to the end")

    # when the list is shown
    with django_assert_max_num_queries(12):
        page = admin_client.get("/admin/media/master/").content.decode()

    # then it shows a progress bar and the failure reason
    assert '<progress value="40" max="100"' in page
    assert 'The master does not decode to the end <small class="error-code">(code: corrupt)</small>' in page


def test_the_ladder_page_lists_renditions_with_their_quality(admin_client, media_sources):
    # given a transcoded master
    episode = episode_make()
    _master, job = master_upload(episode, media_sources["vertical"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        transcode_master.apply(args=[job.pk])
    ladder = Ladder.objects.get(episode=episode)
    quality = Job.objects.get(kind=JobKind.QUALITY, params__ladder_id=ladder.pk)
    measure_ladder_quality.apply(args=[quality.pk])
    rendition = ladder.renditions.get()

    # when its page and the list are shown, then the rung and its VMAF (SSIM without libvmaf) are there
    detail = admin_client.get(f"/admin/media/ladder/{ladder.pk}/change/").content.decode()
    listing = admin_client.get("/admin/media/ladder/").content.decode()
    assert "360" in detail and "640" in detail
    if ffmpeg.has_libvmaf():
        assert f"{rendition.vmaf:.3f}"[:4] in detail and f"640p VMAF {rendition.vmaf:.1f}" in listing
    else:
        assert rendition.vmaf is None and f"640p SSIM {rendition.ssim:.3f}" in listing


def test_the_episode_page_shows_its_masters_and_their_transcode(admin_client, media_sources):
    # given an episode whose master failed to transcode
    episode = episode_make()
    _master, job = master_upload(episode, media_sources["vertical"])
    job_fail(job=job, code="corrupt", error="The master does not decode to the end")

    # when the content manager opens the episode
    response = admin_client.get(f"/admin/catalog/episode/{episode.pk}/change/")

    # then the masters inline shows the file and the failure reason
    html = response.content.decode()
    assert response.status_code == 200
    assert "masters and transcodes" in html.lower()
    assert "vertical.mp4" in html and "does not decode to the end" in html
