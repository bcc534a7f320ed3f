"""Writes of the media pipeline: ingesting masters, building and publishing ladders, playback sessions."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files import File
from django.core.files.storage import Storage
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from catalog.models import Drama, DramaFormat, Episode
from jobs.models import Job, JobKind
from jobs.runners import job_enqueue
from jobs.services import job_create, job_log_append, job_progress
from media import ffmpeg, protection
from media.errors import (
    LadderNotReadyError,
    MasterRejectedError,
    MasterUploadRefusedError,
    MediaErrorCode,
    TranscodeError,
    storage_error_code,
)
from media.models import EpisodeKey, Ladder, LadderProfile, LadderStatus, Master, MasterStatus, Rendition
from media.storage import (
    file_checksum,
    media_storage,
    storage_delete_prefix,
    storage_download,
    storage_job_leftovers_delete,
    storage_local_copy,
    storage_put,
    storage_walk,
)
from partners.models import Organization

logger = logging.getLogger(__name__)

# Progress of a transcode job: encoding is most of it, then encryption and upload, then quality.
PROGRESS_ENCODED = 85.0
PROGRESS_PUBLISHED = 95.0


# --- Ingest ----------------------------------------------------------------------------------


def master_ingest(
    *,
    episode: Episode,
    file: IO[bytes],
    original_filename: str = "",
    uploaded_by: User | None = None,
    refuse_if_transcoding: bool = False,
) -> tuple[Master, Job]:
    """Store an episode's master under a generated key and queue its transcode.

    The file is read in chunks (checksum) and streamed to storage; it never sits in memory. The
    transcode task is sent once the rows are committed. With `refuse_if_transcoding`, an episode with a
    pending or running transcode raises MasterUploadRefusedError (checked under the episode's row lock,
    after the copy, so no transaction stays open while the file is copied); the stored copy of a
    refused or failed ingest is deleted.
    """
    file.seek(0)
    checksum, size = file_checksum(file)
    file.seek(0)
    key = f"masters/e{episode.pk}/{uuid.uuid4().hex}"
    storage = media_storage()
    stored = storage.save(key, File(file, name=key))
    committed: list[bool] = []
    try:
        with transaction.atomic():
            transaction.on_commit(lambda: committed.append(True))
            if refuse_if_transcoding:
                # Two uploads for one episode at once: the second waits here and is then refused.
                Episode.objects.select_for_update().filter(pk=episode.pk).first()
                _master_upload_idle_check(episode=episode, name=original_filename)
            master = Master.objects.create(
                episode=episode,
                file=stored,
                original_filename=os.path.basename(original_filename or "")[:300],
                size_bytes=size,
                checksum_sha256=checksum,
                uploaded_by=uploaded_by,
            )
            Episode.objects.filter(pk=episode.pk).update(master=stored, updated_at=timezone.now())
            job = transcode_job_create(master=master, created_by=uploaded_by)
    except BaseException:
        if not committed:  # the rows were never written (an error after the commit leaves the file to them)
            storage.delete(stored)
        raise
    return master, job


UPLOAD_CHUNK_BYTES = 1024 * 1024


def master_upload(
    *, drama: Drama, name: str, stream: IO[bytes], size: int, uploaded_by: User | None = None
) -> tuple[Master, Job]:
    """One file of a bulk upload on a drama: matched to an episode by its name (ep001.mp4 -> episode 1, the
    rules of `ingest_masters`), read from `stream` in chunks to a temporary file, then ingested as that
    episode's master, its transcode queued on commit.

    Raises MasterUploadRefusedError, keeping nothing, when the name is not understood, the drama has no
    such episode, the episode is already transcoding, or `stream` ends before `size` bytes (an upload
    cut off half-way) or goes past them.
    """
    from media.selectors import masters_match

    match = masters_match(drama=drama, names=[name])[0]
    if match.episode is None:
        raise MasterUploadRefusedError(match.detail, code=MediaErrorCode(match.code), name=name, number=match.number)
    episode = match.episode
    _master_upload_idle_check(episode=episode, name=name)
    directory = settings.FILE_UPLOAD_TEMP_DIR or None
    with tempfile.NamedTemporaryFile(prefix="master-upload-", dir=directory) as spool:
        received = 0
        try:
            while received <= size:
                chunk = stream.read(min(UPLOAD_CHUNK_BYTES, size - received + 1))
                if not chunk:
                    break
                spool.write(chunk)
                received += len(chunk)
        except OSError as exc:  # the client went away mid-body
            logger.info("upload of %s cut off after %s bytes: %s", name, received, exc)
        if received != size:
            raise MasterUploadRefusedError(
                f"{name}: the upload was cut off ({received:,} of {size:,} bytes arrived); nothing was kept.",
                code=MediaErrorCode.UPLOAD_INCOMPLETE, name=name, number=match.number,
            )  # fmt: skip
        spool.flush()
        return master_ingest(
            episode=episode, file=spool, original_filename=name, uploaded_by=uploaded_by, refuse_if_transcoding=True
        )


def _master_upload_idle_check(*, episode: Episode, name: str) -> None:
    from media.selectors import episode_transcode_active

    active = episode_transcode_active(episode_id=episode.pk)
    if active is not None:
        raise MasterUploadRefusedError(
            f"{name}: episode {episode.number} is already transcoding (job #{active.pk}); upload it again once "
            "that job has ended.",
            code=MediaErrorCode.ALREADY_TRANSCODING, name=name, number=episode.number, job_id=active.pk,
        )  # fmt: skip


def master_retranscode(*, master: Master, created_by: User | None = None) -> Job:
    """Transcode the master again (the bulk page's re-run); refused while its episode is transcoding."""
    with transaction.atomic():
        Episode.objects.select_for_update().filter(pk=master.episode_id).first()
        _master_upload_idle_check(episode=master.episode, name=master.original_filename or f"master {master.pk}")
        return transcode_job_create(master=master, created_by=created_by)


def _episode_job_create(
    *, kind: str, target: models.Model, episode: Episode, params: dict[str, Any], created_by: User | None = None
) -> Job:
    """A job row about one of an episode's objects, owned by the drama's licensor; its task sent after commit."""
    job = job_create(
        kind=kind,
        target=target,
        organization=episode.drama.owner,
        params={**params, "episode_id": episode.pk},
        created_by=created_by,
    )
    job_enqueue(job)
    return job


def transcode_job_create(*, master: Master, created_by: User | None = None) -> Job:
    """A transcode job row for the master, its task sent after commit."""
    return _episode_job_create(
        kind=JobKind.TRANSCODE, target=master, episode=master.episode, params={"master_id": master.pk},
        created_by=created_by,
    )  # fmt: skip


def transcode_job_send(job: Job) -> None:
    """The job runner of kind `transcode` (also the admin's re-run): send the task to the transcode queue."""
    from media.tasks import transcode_master

    transcode_master.apply_async(args=[job.pk])


# --- Transcode -------------------------------------------------------------------------------


def ladder_profile_for(episode: Episode) -> str:
    return LadderProfile.LANDSCAPE if episode.drama.format == DramaFormat.HORIZONTAL else LadderProfile.VERTICAL


def episode_key_get(*, episode: Episode) -> bytes:
    """The episode's AES-128 content key, created on first use (one per episode, race-safe)."""
    key, _ = EpisodeKey.objects.get_or_create(episode=episode, defaults={"key": protection.content_key_new()})
    return bytes(key.key)


def master_reject(*, master: Master, code: str, reason: str) -> Master:
    """Mark the master rejected with the reason; the file itself is kept."""
    Master.objects.filter(pk=master.pk).update(
        status=MasterStatus.REJECTED, rejection_code=code, rejection_reason=reason
    )
    master.refresh_from_db()
    return master


def _work_dir(job: Job) -> Path:
    root = Path(settings.MEDIA_WORK_DIR or Path(tempfile.gettempdir()) / "migu-transcode")
    path = root / f"job-{job.pk}"
    shutil.rmtree(path, ignore_errors=True)  # leftovers of an attempt whose worker died
    path.mkdir(parents=True)
    return path


def master_transcode(*, job: Job, master: Master, measure_quality: bool = True) -> Ladder:
    """Validate the master, build its ladder in one ffmpeg process, encrypt, upload and publish it.

    Raises MasterRejectedError (bad input, final) or TranscodeError; in both cases nothing of this
    build is published and the master file is kept. Each build writes under its own storage prefix,
    which replaces the ladder's previous build only once complete.
    """
    episode = Episode.objects.select_related("drama").get(pk=master.episode_id)
    work_dir = _work_dir(job)
    storage = media_storage()
    build_prefix = ""
    ladder: Ladder | None = None
    try:
        # A master's file is required, so it always has a name (the stubs type FieldFile.name as optional).
        with storage_local_copy(storage, master.file.name, work_dir) as source:  # type: ignore[arg-type]
            probe = _master_probe(job=job, master=master, episode=episode, source=source)
            profile = ladder_profile_for(episode)
            ladder, _ = Ladder.objects.get_or_create(
                episode=episode, profile=profile, source_checksum=master.checksum_sha256,
                defaults={"master": master, "job": job, "storage_prefix": ""},
            )  # fmt: skip
            Ladder.objects.filter(pk=ladder.pk).exclude(status=LadderStatus.READY).update(
                status=LadderStatus.BUILDING, job=job, master=master
            )
            out_dir = work_dir / "out"
            out_dir.mkdir()
            plan = ffmpeg.ladder_plan(source=source, out_dir=out_dir, probe=probe, profile=profile)
            _ladder_encode(job=job, master=master, plan=plan)
            renditions = _ladder_package(plan=plan, key=episode_key_get(episode=episode))
            # A prefix per build: a re-run never writes over the files partners are playing.
            ladder_root = f"hls/e{episode.pk}/{profile}-{master.checksum_sha256[:16]}"
            storage_job_leftovers_delete(storage, root=ladder_root, job_id=job.pk, keep=ladder.storage_prefix)
            build_prefix = f"{ladder_root}/j{job.pk}-{uuid.uuid4().hex[:10]}"
            _ladder_upload(storage=storage, out_dir=out_dir, prefix=build_prefix)
            job_progress(job=job, percent=PROGRESS_PUBLISHED, log_line=f"uploaded to {build_prefix}")
            ladder = ladder_publish(
                ladder=ladder, master=master, job=job, prefix=build_prefix, plan=plan, renditions=renditions
            )
            if measure_quality:
                # Its own job, after this one: playback never waits for it, and a failure there is not
                # a failed transcode.
                quality_job_create(ladder=ladder, created_by=job.created_by)
        return ladder
    except BaseException:
        # Nothing partial: a failed build's files go; the ladder that was live (if any) stays live.
        published = ladder is not None and Ladder.objects.filter(pk=ladder.pk, storage_prefix=build_prefix).exists()
        if build_prefix and not published:
            storage_delete_prefix(storage, build_prefix)
        if ladder is not None:
            Ladder.objects.filter(pk=ladder.pk, status=LadderStatus.BUILDING).update(status=LadderStatus.FAILED)
        raise
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def _master_probe(*, job: Job, master: Master, episode: Episode, source: Path) -> ffmpeg.Probe:
    try:
        probe = ffmpeg.probe(source)
    except ffmpeg.ProbeError as exc:
        master_reject(master=master, code=exc.code, reason=str(exc))
        raise MasterRejectedError(str(exc), code=MediaErrorCode(exc.code)) from exc
    warnings = []
    vertical = episode.drama.format != DramaFormat.HORIZONTAL
    if vertical and probe.is_landscape:
        warnings.append(
            f"landscape master ({probe.width}×{probe.height}) for a vertical series: it is letterboxed into 9:16"
        )
    elif not vertical and probe.height > probe.width:
        warnings.append(f"portrait master ({probe.width}×{probe.height}) for a landscape series: it is pillarboxed")
    Master.objects.filter(pk=master.pk).update(warnings=warnings, probe=probe.raw)
    master.warnings = warnings
    job_log_append(
        job=job,
        text=f"probe: {probe.format_name} {probe.width}×{probe.height} {probe.fps:.2f} fps {probe.duration:.2f} s"
        f" audio={'yes' if probe.has_audio else 'no'}" + "".join(f"\nwarning: {w}" for w in warnings),
    )
    return probe


# ffmpeg's messages (strerror) for writes refused by a full or read-only work directory.
WORK_DIR_WRITE_ERRORS = {
    "No space left on device": MediaErrorCode.STORAGE_FULL,
    "Disk quota exceeded": MediaErrorCode.STORAGE_FULL,
    "Read-only file system": MediaErrorCode.STORAGE_READ_ONLY,
}


def _work_dir_write_error_raise(exc: ffmpeg.FFmpegError) -> None:
    """ffmpeg could not write to the work directory (full or read-only): not the master's fault."""
    for marker, code in WORK_DIR_WRITE_ERRORS.items():
        if marker in exc.log:
            detail = f"ffmpeg could not write to the work directory: {marker}"
            raise TranscodeError(detail, code=code.value, log=exc.log) from exc


def _work_dir_outputs_check(out_dir: Path) -> None:
    """Raise when the encode left empty outputs: ffmpeg's HLS muxer exits 0 with empty files when its
    writes fail (measured on a full tmpfs), so a test write names the cause (full, read-only)."""
    outputs = [p for p in out_dir.rglob("*") if p.is_file()]
    if (out_dir / "master.m3u8").is_file() and all(p.stat().st_size > 0 for p in outputs):
        return
    probe = out_dir / ".write-check"
    try:
        with probe.open("wb") as handle:
            handle.write(b"\0" * (1 << 20))
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        detail = f"the work directory refused a write: {exc.strerror}"
        raise TranscodeError(detail, code=storage_error_code(exc).value) from exc
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
    raise TranscodeError("ffmpeg exited normally but left empty or missing outputs")


def _ladder_encode(*, job: Job, master: Master, plan: ffmpeg.LadderPlan) -> None:
    command = ffmpeg.ladder_command(plan)
    rungs = ", ".join(f"{r.width}×{r.height}" for r in plan.rungs)
    job_log_append(job=job, text=f"encoding {len(plan.rungs)} rung(s) in one ffmpeg process: {rungs}")
    started = time.monotonic()
    try:
        ffmpeg.run_with_progress(
            command,
            duration=plan.probe.duration,
            on_progress=lambda percent: job_progress(job=job, percent=percent * PROGRESS_ENCODED / 100),
        )
    except ffmpeg.FFmpegError as exc:
        _work_dir_write_error_raise(exc)
        if exc.returncode > 0:
            # -xerror: the decoder met damaged or missing data (a truncated or corrupt master).
            last = next((line for line in reversed(exc.log.splitlines()) if line.strip()), "decoding failed")
            reason = f"The master does not decode to the end (truncated or corrupt): {last.strip()}"
            master_reject(master=master, code=MediaErrorCode.CORRUPT, reason=reason)
            raise MasterRejectedError(reason, code=MediaErrorCode.CORRUPT, log=exc.log) from exc
        raise TranscodeError(f"ffmpeg failed ({exc.returncode})", log=exc.log) from exc
    _work_dir_outputs_check(plan.out_dir)
    elapsed = time.monotonic() - started
    try:
        ffmpeg.run_with_progress(ffmpeg.thumbnails_command(plan), duration=plan.probe.duration)
    except ffmpeg.FFmpegError as exc:
        _work_dir_write_error_raise(exc)
        raise TranscodeError(f"poster and thumbnails failed ({exc.returncode})", log=exc.log) from exc
    job_progress(
        job=job,
        percent=PROGRESS_ENCODED,
        log_line=f"encoded in {elapsed:.1f} s ({plan.probe.duration / max(elapsed, 1e-3):.2f}× realtime), "
        f"poster and thumbnails in {time.monotonic() - started - elapsed:.1f} s",
    )


def _ladder_package(*, plan: ffmpeg.LadderPlan, key: bytes) -> list[dict[str, Any]]:
    """Check the outputs are complete, encrypt the segments, write the thumbnails track."""
    out = plan.out_dir
    variants = ffmpeg.master_playlist_variants((out / "master.m3u8").read_text())
    if len(variants) != len(plan.rungs):
        raise TranscodeError(f"master playlist lists {len(variants)} variants, expected {len(plan.rungs)}")
    for name in ("poster.jpg", "sprite.jpg"):
        if not (out / name).is_file() or (out / name).stat().st_size == 0:
            raise TranscodeError(f"{name} was not produced")
    renditions = []
    for index, (rung, variant) in enumerate(zip(plan.rungs, variants, strict=True)):
        playlist = out / variant["URI"]
        text = playlist.read_text()
        if "#EXT-X-ENDLIST" not in text:
            raise TranscodeError(f"{variant['URI']} is incomplete")
        segment_count = protection.variant_encrypt(playlist, key=key)
        size = sum(p.stat().st_size for p in playlist.parent.iterdir())
        renditions.append({
            "index": index, "width": rung.width, "height": rung.height, "video_bitrate": rung.video_bitrate,
            "bandwidth": int(variant.get("BANDWIDTH") or 0), "codecs": variant.get("CODECS", ""),
            "playlist": variant["URI"], "segment_count": segment_count, "size_bytes": size,
        })  # fmt: skip
    for uri in ffmpeg.master_playlist_audio_uris((out / "master.m3u8").read_text()):
        # The audio rendition the video-only variants share: encrypted with the same key.
        playlist = out / uri
        if "#EXT-X-ENDLIST" not in playlist.read_text():
            raise TranscodeError(f"{uri} is incomplete")
        protection.variant_encrypt(playlist, key=key)
    (out / "thumbnails.vtt").write_text(ffmpeg.thumbnails_vtt(plan))
    return renditions


def _ladder_upload(*, storage: Storage, out_dir: Path, prefix: str) -> None:
    storage_delete_prefix(storage, prefix)
    try:
        for path in sorted(p for p in out_dir.rglob("*") if p.is_file()):
            storage_put(storage, f"{prefix}/{path.relative_to(out_dir).as_posix()}", path)
    except Exception as exc:
        raise TranscodeError(f"upload to storage failed: {exc}", code=storage_error_code(exc).value) from exc


def ladder_publish(
    *, ladder: Ladder, master: Master, job: Job, prefix: str, plan: ffmpeg.LadderPlan, renditions: list[dict[str, Any]]
) -> Ladder:
    """Make the build under `prefix` the episode's live ladder, in one transaction.

    The episode row is locked so two builds of one episode publish one after the other; the
    previous live ladder is superseded, and this ladder's previous build (a re-run) is deleted.
    """
    storage = media_storage()
    with transaction.atomic():
        Episode.objects.select_for_update().filter(pk=ladder.episode_id).first()
        ladder = Ladder.objects.select_for_update().get(pk=ladder.pk)
        previous_prefix = ladder.storage_prefix
        Ladder.objects.filter(episode_id=ladder.episode_id, status=LadderStatus.READY).exclude(pk=ladder.pk).update(
            status=LadderStatus.SUPERSEDED, updated_at=timezone.now()
        )
        ladder.status = LadderStatus.READY
        ladder.master = master
        ladder.job = job
        ladder.storage_prefix = prefix
        ladder.duration_seconds = plan.probe.duration
        ladder.poster = f"{prefix}/poster.jpg"
        ladder.sprite = f"{prefix}/sprite.jpg"
        ladder.thumbnails_vtt = f"{prefix}/thumbnails.vtt"
        ladder.published_at = timezone.now()
        ladder.save()
        ladder.renditions.all().delete()
        Rendition.objects.bulk_create(Rendition(ladder=ladder, **fields) for fields in renditions)
        Master.objects.filter(pk=master.pk).update(status=MasterStatus.ACCEPTED, rejection_code="", rejection_reason="")
        Episode.objects.filter(pk=ladder.episode_id, duration_seconds__isnull=True).update(
            duration_seconds=round(plan.probe.duration)
        )
        if previous_prefix and previous_prefix != prefix:
            transaction.on_commit(lambda: storage_delete_prefix(storage, previous_prefix))
        # Subtitles are packaged against the ladder they play with (segment times, first timestamp).
        from localization.services import subtitle_packaging_queue_for_ladder

        subtitle_packaging_queue_for_ladder(ladder=ladder, created_by=job.created_by)
        # Dubs too: their segments follow the ladder's segment duration and its length.
        from localization.dubs.services import dub_packaging_queue_for_ladder

        dub_packaging_queue_for_ladder(ladder=ladder, created_by=job.created_by)
    return ladder


# Superseded ladders keep their files MEDIA_SUPERSEDED_KEEP_SECONDS: players holding a token or presigned
# URLs from before the switch finish what they play.


def superseded_ladders_purge(*, now: dt.datetime | None = None) -> list[int]:
    """Delete the files of ladders superseded longer than the keep period; the rows stay as history.

    Each ladder is claimed by a conditional update of its prefix first, so a build that publishes the
    same ladder again meanwhile (a new prefix) is never touched. Returns the purged ladder ids.
    """
    keep = dt.timedelta(seconds=settings.MEDIA_SUPERSEDED_KEEP_SECONDS)
    cutoff = (now or timezone.now()) - keep
    storage = media_storage()
    purged = []
    candidates = Ladder.objects.filter(status=LadderStatus.SUPERSEDED, updated_at__lt=cutoff).exclude(storage_prefix="")
    for ladder_id, prefix in candidates.values_list("id", "storage_prefix")[:500]:
        claimed = Ladder.objects.filter(pk=ladder_id, status=LadderStatus.SUPERSEDED, storage_prefix=prefix).update(
            storage_prefix="", poster="", sprite="", thumbnails_vtt="", updated_at=timezone.now()
        )
        if claimed:
            storage_delete_prefix(storage, prefix)
            logger.info("superseded ladder %s: deleted %s", ladder_id, prefix)
            purged.append(ladder_id)
    return purged


def quality_job_create(*, ladder: Ladder, created_by: User | None = None) -> Job:
    """A job measuring the ladder's quality (VMAF or SSIM per rung), its task sent after commit."""
    return _episode_job_create(
        kind=JobKind.QUALITY, target=ladder, episode=ladder.episode, params={"ladder_id": ladder.pk},
        created_by=created_by,
    )  # fmt: skip


def quality_job_send(job: Job) -> None:
    """The job runner of kind `quality` (also the admin's re-run)."""
    from media.tasks import measure_ladder_quality

    measure_ladder_quality.apply_async(args=[job.pk])


def ladder_quality_measure_stored(*, job: Job, ladder: Ladder) -> list[Rendition]:
    """Measure a published ladder from storage: the master and the (encrypted) rungs are copied to a
    work directory, as any worker of the queue may run this, then compared by ladder_measure_quality."""
    if ladder.master is None:
        raise TranscodeError("The ladder's master no longer exists.", code=MediaErrorCode.MASTER_MISSING)
    work_dir = _work_dir(job)
    storage = media_storage()
    try:
        out_dir = work_dir / "out"
        for rendition in ladder.renditions.order_by("index"):
            variant = rendition.playlist.rsplit("/", 1)[0]
            for name in storage_walk(storage, ladder.key(variant)):
                storage_download(storage, name, out_dir / name[len(ladder.storage_prefix) + 1 :])
        with storage_local_copy(storage, ladder.master.file.name, work_dir) as source:  # type: ignore[arg-type]
            probe = ffmpeg.probe(source)
            plan = ffmpeg.ladder_plan(source=source, out_dir=out_dir, probe=probe, profile=ladder.profile)
            return ladder_measure_quality(ladder=ladder, plan=plan, job=job)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def ladder_measure_quality(*, ladder: Ladder, plan: ffmpeg.LadderPlan, job: Job | None = None) -> list[Rendition]:
    """Measure each rung against the source (VMAF with libvmaf, else SSIM) and store it on the renditions.

    Reads the rungs' encrypted segments under `plan.out_dir` through local playlists naming a local key
    file. Raises TranscodeError (code quality_failed) when ffmpeg or its logs fail.
    """
    metric = "vmaf" if ffmpeg.has_libvmaf() else "ssim"
    subsample = settings.MEDIA_QUALITY_SUBSAMPLE
    work_dir = plan.out_dir.parent
    try:
        key_file = work_dir / "content.key"
        key_file.write_bytes(episode_key_get(episode=ladder.episode))
        playlists = []
        for rendition in ladder.renditions.order_by("index"):
            stored = plan.out_dir / rendition.playlist
            local = stored.with_name("quality.m3u8")
            local.write_text(stored.read_text().replace(protection.KEY_URI_PLACEHOLDER, str(key_file)))
            playlists.append(local)
        command = ffmpeg.quality_command(
            plan, playlists=playlists, subsample=subsample, metric=metric, log_dir=work_dir
        )
        stderr = ffmpeg.run_with_progress(
            command,
            duration=plan.probe.duration,
            on_progress=(lambda percent: job_progress(job=job, percent=percent)) if job is not None else None,
        )
        scores = ffmpeg.quality_parse(plan, metric=metric, log_dir=work_dir, stderr=stderr)
    except (ffmpeg.FFmpegError, OSError, ValueError, KeyError) as exc:
        log = getattr(exc, "log", "")
        raise TranscodeError(f"quality measurement failed: {exc}", code=MediaErrorCode.QUALITY_FAILED, log=log) from exc
    renditions = list(ladder.renditions.order_by("index"))
    for rendition, score in zip(renditions, scores, strict=True):
        rendition.vmaf, rendition.ssim, rendition.psnr = score["vmaf"], score["ssim"], score["psnr"]
    Rendition.objects.bulk_update(renditions, ["vmaf", "ssim", "psnr"])
    Ladder.objects.filter(pk=ladder.pk).update(quality_metric=metric)
    if job is not None:
        summary = ", ".join(
            f"{r.width}×{r.height}: " + (f"VMAF {r.vmaf:.1f}" if r.vmaf is not None else f"SSIM {r.ssim or 0:.4f}")
            for r in renditions
        )
        job_log_append(job=job, text=f"quality ({metric}, every {subsample}th frame): {summary}")
    return renditions


# --- Playback --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaybackSession:
    url: str
    expires_at: dt.datetime


def playback_session_create(
    *, organization: Organization, episode: Episode, territory: str, ttl_seconds: int = 3600
) -> PlaybackSession:
    """A signed, expiring URL of the episode's master playlist for `organization` in `territory`.

    The caller (the partner API) has already checked the licence; this binds the token to the
    organization, the episode and the territory. Raises LadderNotReadyError without a live ladder.
    """
    from media.selectors import ladder_ready_for

    if ladder_ready_for(episode_id=episode.pk) is None:
        raise LadderNotReadyError(f"Episode {episode.number} has no playable ladder yet.", episode_id=episode.pk)
    expires = int(time.time()) + int(ttl_seconds)
    token = protection.token_sign(
        protection.PlaybackClaims(
            organization_id=organization.pk, episode_id=episode.pk, territory=territory.upper(), expires_at=expires
        )
    )
    url = reverse("media:hls", kwargs={"episode_id": episode.pk, "token": token, "path": "master.m3u8"})
    return PlaybackSession(url=url, expires_at=dt.datetime.fromtimestamp(expires, tz=dt.UTC))


# A licensor's preview of its own episode (the admin's player): no territory applies, so the token carries
# ISO 3166's "unknown" code; short-lived, as a page is watched for minutes.
PREVIEW_TERRITORY = "ZZ"
PREVIEW_TTL_SECONDS = 600


def playback_preview_create(*, episode: Episode) -> PlaybackSession:
    """A short-lived playback URL of the episode for its drama's owner (the admin's preview player).

    The same token as a partner's (playback_session_create); delivery lets the owner of the drama play
    it whatever the rights windows and the episode's status say. Raises LadderNotReadyError.
    """
    return playback_session_create(
        organization=episode.drama.owner, episode=episode, territory=PREVIEW_TERRITORY,
        ttl_seconds=PREVIEW_TTL_SECONDS,
    )  # fmt: skip


# --- Webhooks ---------------------------------------------------------------------------------


@transaction.atomic
def ladders_ready_webhooks_publish(*, batch_size: int = 500) -> int:
    """Announce episode.ready to each organization holding a window out on the episode's drama when a
    ladder is published (ladders in id order; a re-published ladder of the same row is not repeated)."""
    from partners.models import Organization, WebhookEventType
    from partners.webhooks import webhook_event_id, webhook_event_publish, webhook_feed_position_lock
    from rights.selectors import rights_licensees_of_dramas

    position = webhook_feed_position_lock(source="ladders")
    ladders = list(
        Ladder.objects.filter(status=LadderStatus.READY, id__gt=position.last_id)
        .select_related("episode")
        .order_by("id")[:batch_size]
    )
    licensees = rights_licensees_of_dramas(drama_ids={ladder.episode.drama_id for ladder in ladders})
    organizations = Organization.objects.in_bulk(set().union(*licensees.values()))
    published = 0
    for ladder in ladders:
        episode = ladder.episode
        for licensee_id in sorted(licensees.get(episode.drama_id, ())):
            webhook_event_publish(
                organization=organizations[licensee_id],
                event_type=WebhookEventType.EPISODE_READY,
                event_id=webhook_event_id(source="ladder", key=ladder.pk),
                data={"title_id": episode.drama_id, "episode_id": episode.pk, "number": episode.number},
            )
            published += 1
        position.last_id = ladder.pk
    position.save(update_fields=["last_id", "updated_at"])
    return published
