"""The pipeline in-process: ingest, validation, the ladder, publishing, re-runs (real PostgreSQL, real ffmpeg)."""

from __future__ import annotations

import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.test import TestCase

from jobs.models import Job, JobKind, JobStatus
from jobs.services import job_retry
from media import ffmpeg
from media.models import Ladder, LadderStatus, Master, MasterStatus, Rendition
from media.storage import storage_walk
from media.tasks import measure_ladder_quality, transcode_master
from media.tests.factories import episode_make, master_upload

pytestmark = pytest.mark.django_db


def run_job(job):
    """Run the transcode task in this process, as a worker would, and return the job row afterwards.

    The test's transaction never commits, so on-commit work (deleting a replaced build) runs here.
    """
    with TestCase.captureOnCommitCallbacks(execute=True):
        transcode_master.apply(args=[job.pk])
    job.refresh_from_db()
    return job


def stored_files(prefix: str = "hls") -> list[str]:
    return sorted(storage_walk(storages["default"], prefix))


def test_an_ffmpeg_without_libvmaf_measures_quality_with_ssim(media_sources, settings, ffmpeg_without_libvmaf):
    # given a ladder published with the pinned build, then FFMPEG_BINARY naming a build without libvmaf
    episode = episode_make()
    _master, job = master_upload(episode, media_sources["vertical"])
    run_job(job)
    ladder = Ladder.objects.get(episode=episode)
    settings.FFMPEG_BINARY = ffmpeg_without_libvmaf
    assert ffmpeg.ffmpeg_binary() == ffmpeg_without_libvmaf and not ffmpeg.has_libvmaf()

    # when the quality job runs
    quality = Job.objects.get(kind=JobKind.QUALITY, params__ladder_id=ladder.pk)
    measure_ladder_quality.apply(args=[quality.pk])

    # then it succeeded with SSIM alone, and says so
    quality.refresh_from_db()
    assert quality.status == JobStatus.SUCCEEDED, quality.error
    rendition = ladder.renditions.get()
    assert rendition.vmaf is None and rendition.psnr is None and 0.5 < rendition.ssim <= 1
    ladder.refresh_from_db()
    assert ladder.quality_metric == "ssim" and "quality (ssim" in quality.log_tail


def test_ingest_stores_the_master_under_a_generated_key_and_queues_a_pending_job(media_sources):
    # given an episode
    episode = episode_make()

    # when a master named by a user is ingested
    master, job = master_upload(episode, media_sources["vertical"])

    # then it is stored under a key of ours, checksummed, and a pending transcode job targets it
    assert re.fullmatch(rf"masters/e{episode.pk}/[0-9a-f]{{32}}", master.file.name)
    assert master.original_filename == "vertical.mp4"
    assert master.size_bytes == media_sources["vertical"].stat().st_size
    assert len(master.checksum_sha256) == 64
    assert storages["default"].exists(master.file.name)
    assert job.kind == "transcode" and job.status == JobStatus.PENDING and job.target == master
    episode.refresh_from_db()
    assert episode.master.name == master.file.name


def test_transcode_publishes_an_encrypted_fmp4_ladder_with_thumbnails_and_quality(media_sources):
    # given an ingested vertical master of 360×640
    episode = episode_make()
    master, job = master_upload(episode, media_sources["vertical"])

    # when the transcode runs
    job = run_job(job)

    # then the job succeeded with its progress and log, and the ladder is live
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.progress == 100.0 and job.attempts == 1
    assert "one ffmpeg process" in job.log_tail
    ladder = Ladder.objects.get(episode=episode)
    assert ladder.status == LadderStatus.READY and ladder.profile == "vertical"
    master.refresh_from_db()
    assert master.status == MasterStatus.ACCEPTED
    # no upscaling: a 360×640 source gives the 360×640 rung only
    [rendition] = ladder.renditions.all()
    assert (rendition.width, rendition.height) == (360, 640)
    assert rendition.bandwidth > 0 and rendition.codecs.startswith("avc1.") and "mp4a.40.2" in rendition.codecs
    # the quality is measured by a job of its own, queued once the ladder is published
    assert rendition.vmaf is None
    quality = Job.objects.get(kind=JobKind.QUALITY, params__ladder_id=ladder.pk)
    with TestCase.captureOnCommitCallbacks(execute=True):
        measure_ladder_quality.apply(args=[quality.pk])
    quality.refresh_from_db()
    assert quality.status == JobStatus.SUCCEEDED, quality.error
    rendition.refresh_from_db()
    ladder.refresh_from_db()
    if ffmpeg.has_libvmaf():
        assert rendition.vmaf is not None and 20 < rendition.vmaf <= 100 and rendition.ssim > 0.5
        assert ladder.quality_metric == "vmaf"
    else:
        # an FFMPEG_BINARY built without libvmaf measures SSIM only
        assert rendition.vmaf is None and 0.5 < rendition.ssim <= 1 and ladder.quality_metric == "ssim"
    assert quality.result["scores"]["360x640"]["vmaf"] == rendition.vmaf
    storage = storages["default"]
    master_text = storage.open(ladder.key("master.m3u8")).read().decode()
    assert re.search(
        r'#EXT-X-STREAM-INF:BANDWIDTH=\d+,RESOLUTION=360x640,CODECS="avc1\.[0-9a-f]+,mp4a\.40\.2"', master_text
    )
    variant = storage.open(ladder.key("v0/index.m3u8")).read().decode()
    assert "#EXT-X-MAP:URI=" in variant and '#EXT-X-KEY:METHOD=AES-128,URI="migu-key:episode",IV=0x' in variant
    assert variant.index("#EXT-X-MAP") < variant.index("#EXT-X-KEY")
    # two-second, keyframe-aligned segments (the last may be shorter)
    durations = [float(d) for d in re.findall(r"#EXTINF:([0-9.]+),", variant)]
    assert durations and all(abs(d - 2.0) < 0.01 for d in durations[:-1])
    segment = storage.open(ladder.key("v0/seg_00000.m4s")).read()
    assert b"moof" not in segment[:64] and b"styp" not in segment[:64] and len(segment) % 16 == 0
    for name in ("poster.jpg", "sprite.jpg", "thumbnails.vtt"):
        assert storage.exists(ladder.key(name))
    vtt = storage.open(ladder.key("thumbnails.vtt")).read().decode()
    assert vtt.startswith("WEBVTT") and "sprite.jpg#xywh=0,0,90,160" in vtt


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("zero", "empty_file"),
        ("truncated", "corrupt"),
        ("text", "not_media"),
        ("hls_playlist", "container_not_allowed"),
        ("concat_playlist", "container_not_allowed"),
        ("audio_only", "no_video"),
        ("absurd_dimensions", "bad_dimensions"),
    ],
)
def test_bad_masters_fail_with_a_named_reason_and_publish_nothing(media_sources, name, code):
    # given a bad file uploaded as a master
    episode = episode_make()
    master, job = master_upload(episode, media_sources[name])

    # when the transcode runs
    job = run_job(job)

    # then the job failed with the reason, the master is rejected but kept, and nothing is published
    assert job.status == JobStatus.FAILED
    assert job.error_code == code, job.error
    assert job.error
    master.refresh_from_db()
    assert master.status == MasterStatus.REJECTED and master.rejection_code == code
    assert storages["default"].exists(master.file.name)
    assert not Ladder.objects.filter(episode=episode, status=LadderStatus.READY).exists()
    assert stored_files() == []


def test_a_playlist_disguised_as_a_video_never_reads_the_files_it_names(media_sources, tmp_path):
    # given an HLS playlist renamed .mp4 that points at a local file
    playlist = media_sources["hls_playlist"]

    # when it is probed, then it is refused as a container, before anything it names is opened
    with pytest.raises(ffmpeg.ProbeError) as caught:
        ffmpeg.probe(playlist)
    assert caught.value.code == "container_not_allowed"


def test_a_landscape_master_for_a_vertical_series_is_flagged_and_letterboxed(media_sources):
    # given a vertical series and a 640×360 master
    episode = episode_make(format="vertical")
    master, job = master_upload(episode, media_sources["landscape"])

    # when it is transcoded
    job = run_job(job)

    # then the content manager sees a warning, and the ladder stays 9:16 (no upscaling)
    assert job.status == JobStatus.SUCCEEDED, job.error
    master.refresh_from_db()
    assert master.warnings and "landscape master" in master.warnings[0]
    assert "warning: landscape master" in job.log_tail
    [rendition] = Rendition.objects.filter(ladder__episode=episode)
    assert rendition.height <= 360 and rendition.width < rendition.height


def test_a_landscape_series_gets_the_landscape_ladder(media_sources):
    # given a horizontal series with a 640×360 master
    episode = episode_make(format="horizontal")
    master, job = master_upload(episode, media_sources["landscape"])

    # when it is transcoded
    job = run_job(job)

    # then the landscape profile is used
    assert job.status == JobStatus.SUCCEEDED, job.error
    ladder = Ladder.objects.get(episode=episode)
    assert ladder.profile == "landscape"
    assert [(r.width, r.height) for r in ladder.renditions.all()] == [(640, 360)]
    assert Master.objects.get(pk=master.pk).warnings == []


def test_a_silent_master_still_gets_an_aac_track(media_sources):
    # given a master without audio
    episode = episode_make()
    _master, job = master_upload(episode, media_sources["silent"])

    # when transcoded, then every rung carries AAC
    job = run_job(job)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert "mp4a.40.2" in Rendition.objects.get(ladder__episode=episode).codecs


def test_rerunning_a_job_replaces_its_ladder_and_never_duplicates(media_sources):
    # given a master transcoded once
    episode = episode_make()
    _master, job = master_upload(episode, media_sources["vertical"])
    job = run_job(job)
    first = Ladder.objects.get(episode=episode)
    files_before = stored_files()

    # when the job is re-run (the admin's action)
    job = run_job(job_retry(job=job))

    # then there is still one ladder with one set of renditions, and the first build's files are gone
    assert job.status == JobStatus.SUCCEEDED
    ladder = Ladder.objects.get(episode=episode)
    assert ladder.pk == first.pk and ladder.status == LadderStatus.READY
    assert ladder.storage_prefix != first.storage_prefix
    assert Rendition.objects.filter(ladder__episode=episode).count() == 1
    files_after = stored_files()
    assert len(files_after) == len(files_before)
    assert all(name.startswith(ladder.storage_prefix) for name in files_after)


def test_a_new_master_supersedes_the_live_ladder(media_sources):
    # given an episode with a live ladder
    episode = episode_make()
    _m1, job1 = master_upload(episode, media_sources["vertical"])
    run_job(job1)

    # when a different master is uploaded and transcoded
    _m2, job2 = master_upload(episode, media_sources["silent"])
    run_job(job2)

    # then exactly one ladder is live: the new one
    statuses = dict(Ladder.objects.filter(episode=episode).values_list("master_id", "status"))
    assert statuses == {_m1.pk: LadderStatus.SUPERSEDED, _m2.pk: LadderStatus.READY}


def test_a_superseded_ladder_s_files_go_once_no_player_can_be_using_them(media_sources, settings):
    import datetime as dt

    from django.utils import timezone

    from media.services import superseded_ladders_purge

    # given a ladder superseded by a new master's
    settings.MEDIA_SUPERSEDED_KEEP_SECONDS = 3600
    episode = episode_make()
    _m1, job1 = master_upload(episode, media_sources["vertical"])
    old = Ladder.objects.get(pk=run_job(job1).result["ladder_id"])
    _m2, job2 = master_upload(episode, media_sources["silent"])
    live = Ladder.objects.get(pk=run_job(job2).result["ladder_id"])
    old_files, live_files = stored_files(old.storage_prefix), stored_files(live.storage_prefix)
    assert old_files and live_files

    # when the purge runs within the keep period, then nothing goes
    assert superseded_ladders_purge() == []
    assert stored_files(old.storage_prefix) == old_files

    # when it runs after the keep period, then only the superseded ladder's files go; its row stays
    later = timezone.now() + dt.timedelta(seconds=3601)
    assert superseded_ladders_purge(now=later) == [old.pk]
    assert stored_files(old.storage_prefix) == []
    assert stored_files(live.storage_prefix) == live_files
    old.refresh_from_db()
    assert old.status == LadderStatus.SUPERSEDED and old.storage_prefix == "" and old.poster == ""
    assert superseded_ladders_purge(now=later) == []


@pytest.mark.parametrize(
    ("profile", "size", "expected"),
    [
        ("vertical", (1080, 1920), [(1080, 1920), (720, 1280), (540, 960), (360, 640)]),
        ("vertical", (720, 1280), [(720, 1280), (540, 960), (360, 640)]),
        ("vertical", (600, 1000), [(540, 960), (360, 640)]),
        ("vertical", (360, 640), [(360, 640)]),
        ("vertical", (180, 320), [(180, 320)]),
        ("landscape", (1920, 1080), [(1920, 1080), (1280, 720), (960, 540), (640, 360)]),
        ("landscape", (1280, 720), [(1280, 720), (960, 540), (640, 360)]),
    ],
)
def test_rungs_never_upscale(profile, size, expected):
    assert [(r.width, r.height) for r in ffmpeg.rungs_for(profile, *size)] == expected


def test_files_left_by_an_attempt_whose_worker_died_are_removed_by_the_next(media_sources):
    # given an earlier attempt of the job that uploaded part of a build before its worker died
    episode = episode_make()
    master, job = master_upload(episode, media_sources["vertical"])
    orphan = f"hls/e{episode.pk}/vertical-{master.checksum_sha256[:16]}/j{job.pk}-deadbeef00/v0/seg_00000.m4s"
    storages["default"].save(orphan, ContentFile(b"partial"))

    # when the job runs again
    job = run_job(job)

    # then only the published build remains
    assert job.status == JobStatus.SUCCEEDED
    ladder = Ladder.objects.get(episode=episode)
    assert stored_files() and all(name.startswith(ladder.storage_prefix + "/") for name in stored_files())


def test_a_quality_job_whose_ladder_files_are_gone_fails_with_a_named_reason(media_sources):
    from media.services import quality_job_create

    episode = episode_make()
    _master, job = master_upload(episode, media_sources["vertical"])
    ladder = Ladder.objects.get(pk=run_job(job).result["ladder_id"])
    Ladder.objects.filter(pk=ladder.pk).update(storage_prefix="")  # purged meanwhile

    quality = quality_job_create(ladder=ladder)
    measure_ladder_quality.apply(args=[quality.pk])

    quality.refresh_from_db()
    assert quality.status == JobStatus.FAILED and quality.error_code == "master_missing"
