"""Writes on dubs: uploads checked against their episode, and their packaging as alternate audio."""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files import File
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from catalog.models import Episode
from jobs.models import Job, JobKind
from jobs.services import job_log_append, job_progress
from localization.errors import (
    DubErrorCode,
    DubPackagingError,
    DubPackagingErrorCode,
    DubTooLargeError,
    LocalizationErrorCode,
)
from localization.languages import is_valid_tag, normalize_tag
from localization.models import DubRendition, DubRenditionStatus, DubStatus, DubTrack, DubVersion
from media import ffmpeg, protection
from media.models import Ladder, LadderStatus
from media.storage import (
    media_storage,
    storage_delete_prefix,
    storage_job_leftovers_delete,
    storage_local_copy,
    storage_put,
)
from migu_platform.errors import DomainError

logger = logging.getLogger(__name__)

UPLOAD_EXTENSIONS = (".wav", ".aac", ".m4a", ".mp4")
SILENCE_PEAK_DB = -60.0  # a dub whose loudest sample is below this is taken for silence (room tone is louder)
CLIPPING_PEAK_DB = -0.1  # samples this close to full scale ...
CLIPPING_SHARE = 0.0005  # ... in more than this share of all samples: clipped, not a single hot peak
PROBE_CODES = {
    "empty_file": DubErrorCode.EMPTY_FILE,
    "container_not_allowed": DubErrorCode.CONTAINER_NOT_ALLOWED,
    "not_media": DubErrorCode.NOT_AUDIO,
    "no_audio": DubErrorCode.NO_AUDIO,
}


def _work_dir(name: str) -> Path:
    root = Path(settings.MEDIA_WORK_DIR or Path(tempfile.gettempdir()) / "migu-transcode")
    path = root / name
    shutil.rmtree(path, ignore_errors=True)  # leftovers of an attempt whose worker died
    path.mkdir(parents=True)
    return path


# --- Ingest and checks -----------------------------------------------------------------------


def dub_reference_seconds(*, episode: Episode) -> float | None:
    """The duration a dub of the episode is held to: its live ladder's (the master as encoded), else the
    episode's recorded duration, else None (nothing to check against yet)."""
    from media.selectors import ladder_ready_for

    ladder = ladder_ready_for(episode_id=episode.pk)
    if ladder is not None and ladder.duration_seconds:
        return ladder.duration_seconds
    return float(episode.duration_seconds) if episode.duration_seconds else None


def dub_check(*, path: Path, reference_seconds: float | None) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Probe and decode an audio file to its end and check it against the episode's duration.

    Returns the facts found (format, codec, channels, sample rate, decoded duration, peak and RMS levels)
    and the findings, each {code, severity (error|warning), message}. Errors: not audio, truncated or
    damaged, a duration off by more than DUB_DURATION_TOLERANCE_SECONDS, silence; warnings: clipping,
    more than two channels (downmixed), a sample rate under 44.1 kHz, no duration to check against.
    """
    findings: list[dict[str, str]] = []

    def add(code: DubErrorCode, severity: str, message: str) -> None:
        findings.append({"code": str(code), "severity": severity, "message": message})

    facts: dict[str, Any] = {}
    try:
        probe = ffmpeg.audio_probe(path)
    except ffmpeg.ProbeError as exc:
        add(PROBE_CODES.get(exc.code, DubErrorCode.NOT_AUDIO), "error", str(exc))
        return facts, findings
    facts |= {"format_name": probe.format_name, "codec": probe.codec, "channels": probe.channels,
              "sample_rate": probe.sample_rate}  # fmt: skip
    try:
        levels = ffmpeg.audio_levels(path)
    except ffmpeg.FFmpegError as exc:
        last = next((line for line in reversed(exc.log.splitlines()) if line.strip()), "decoding failed")
        add(DubErrorCode.TRUNCATED, "error", f"The file does not decode to the end (truncated or damaged): {last}")
        return facts, findings
    facts |= {"duration_seconds": round(levels.duration, 3), "peak_db": levels.peak_db, "rms_db": levels.rms_db}

    tolerance = settings.DUB_DURATION_TOLERANCE_SECONDS
    if reference_seconds is None:
        add(DubErrorCode.DURATION_UNCHECKED, "warning",
            "The episode has no duration yet (no ladder): the dub's length was not checked.")  # fmt: skip
    else:
        gap = levels.duration - reference_seconds
        if abs(gap) > tolerance:
            add(DubErrorCode.DURATION_MISMATCH, "error",
                f"The dub is {abs(gap):.1f} s {'shorter' if gap < 0 else 'longer'} than its episode "
                f"({levels.duration:.1f} s against {reference_seconds:.1f} s; at most {tolerance:g} s allowed).")  # fmt: skip
    if levels.peak_db is None or levels.peak_db < SILENCE_PEAK_DB:
        peak = "no sample above zero" if levels.peak_db is None else f"peak {levels.peak_db:.1f} dBFS"
        add(DubErrorCode.SILENT, "error", f"The dub is silent throughout ({peak}).")
    elif levels.peak_db >= CLIPPING_PEAK_DB and levels.peak_count > CLIPPING_SHARE * levels.samples * max(
        1, probe.channels
    ):
        add(DubErrorCode.CLIPPING, "warning",
            f"The dub clips: {levels.peak_count} samples at full scale.")  # fmt: skip
    if probe.channels > 2:
        add(DubErrorCode.CHANNELS_DOWNMIXED, "warning",
            f"{probe.channels} channels: the dub is downmixed to stereo for playback.")  # fmt: skip
    if probe.sample_rate < 44100:
        add(DubErrorCode.LOW_SAMPLE_RATE, "warning",
            f"Sample rate {probe.sample_rate} Hz: the dub is resampled to 48 kHz, without the missing highs.")  # fmt: skip
    return facts, findings


def _upload_spool(file: IO[bytes], path: Path) -> tuple[str, int]:
    """Copy the upload to a local file in chunks (sha256, size), refusing it past DUB_MAX_BYTES."""
    digest, size = hashlib.sha256(), 0
    limit = settings.DUB_MAX_BYTES
    with path.open("wb") as out:
        for chunk in iter(lambda: file.read(1024 * 1024), b""):
            size += len(chunk)
            if size > limit:
                raise DubTooLargeError(f"The file is over the {limit // 1024**2} MiB a dub may have.")
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


def dub_ingest(
    *, episode: Episode, language: str, filename: str, file: IO[bytes], actor: User | None = None
) -> DubVersion:
    """Keep an uploaded dub as a new version of the episode's track in `language`, and make it live when
    its checks (dub_check) find no error; otherwise it is kept REJECTED and the live version stays.

    The file streams to a work file and to storage, never whole in memory. A live version is packaged
    against the episode's READY ladder (a job sent after commit). Raises DomainError for a language tag
    that is not one, DubTooLargeError (nothing kept) past the size limit.
    """
    tag = normalize_tag(language)
    if not is_valid_tag(tag):
        raise DomainError(
            f"{language!r} is not a BCP 47 language tag (e.g. en, th, yue for Cantonese).",
            code=LocalizationErrorCode.INVALID_LANGUAGE,
            fields={"language": [f"{language!r} is not a language tag."]},
        )
    name = filename.replace("\\", "/").rsplit("/", 1)[-1][:300]
    extension = Path(name).suffix.lower() if Path(name).suffix.lower() in UPLOAD_EXTENSIONS else ""
    work_dir = _work_dir(f"dub-ingest-{uuid.uuid4().hex}")
    try:
        local = work_dir / f"upload{extension}"
        file.seek(0)
        checksum, size = _upload_spool(file, local)
        reference = dub_reference_seconds(episode=episode)
        facts, findings = dub_check(path=local, reference_seconds=reference)
        # The file first, under a key of its own: a failed transaction leaves an orphan file, never a row
        # pointing at nothing.
        storage = media_storage()
        with local.open("rb") as handle:
            key = f"dubs/e{episode.pk}/{tag}/{uuid.uuid4().hex}/source{extension}"
            source_key = storage.save(key, File(handle, name=key))
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    errors = sum(f["severity"] == "error" for f in findings)
    valid = errors == 0

    with transaction.atomic():
        track, _ = DubTrack.objects.get_or_create(episode=episode, language=tag)
        # The track's row lock orders concurrent uploads and publications: numbers and the live switch hold.
        track = DubTrack.objects.select_for_update().get(pk=track.pk)
        number = (track.versions.aggregate(last=Max("number"))["last"] or 0) + 1
        if valid:
            track.versions.filter(status=DubStatus.LIVE).update(status=DubStatus.SUPERSEDED)
        version = DubVersion.objects.create(
            track=track, number=number, status=DubStatus.LIVE if valid else DubStatus.REJECTED,
            source=source_key, original_filename=name, size_bytes=size, checksum_sha256=checksum,
            format_name=facts.get("format_name", ""), codec=facts.get("codec", ""),
            duration_seconds=facts.get("duration_seconds"), reference_seconds=reference,
            channels=facts.get("channels"), sample_rate=facts.get("sample_rate"), peak_db=facts.get("peak_db"),
            rms_db=facts.get("rms_db"), error_count=errors, warning_count=len(findings) - errors,
            findings=findings, uploaded_by=actor,
        )  # fmt: skip
        DubTrack.objects.filter(pk=track.pk).update(updated_at=version.created_at)
        if valid:
            from media.selectors import ladder_ready_for

            ladder = ladder_ready_for(episode_id=episode.pk)
            if ladder is not None:
                dub_packaging_job_create(version=version, ladder=ladder, created_by=actor)
    return version


def dub_first_error(version: DubVersion) -> dict[str, str] | None:
    """The first error finding of a version (what refused it), or None."""
    return next((f for f in version.findings if f.get("severity") == "error"), None)


# --- Packaging -------------------------------------------------------------------------------


def dub_packaging_job_create(*, version: DubVersion, ladder: Ladder, created_by: User | None = None) -> Job:
    """A job packaging `version` against `ladder` (see localization.services.packaging_job_create)."""
    from localization.services import packaging_job_create

    return packaging_job_create(kind=JobKind.DUB, version=version, ladder=ladder, created_by=created_by)


def dub_packaging_job_send(job: Job) -> None:
    """The job runner of kind `dub` (also the admin's re-run): the task on the transcode queue."""
    from localization.tasks import package_dub

    package_dub.apply_async(args=[job.pk])


def dub_packaging_queue_for_ladder(*, ladder: Ladder, created_by: User | None = None) -> list[Job]:
    """A packaging job for each live dub of the ladder's episode (a ladder was just published)."""
    versions = DubVersion.objects.filter(track__episode_id=ladder.episode_id, status=DubStatus.LIVE)
    return [
        dub_packaging_job_create(version=version, ladder=ladder, created_by=created_by)
        for version in versions.order_by("track_id")
    ]


def dub_packaging_wanted(*, version: DubVersion, ladder: Ladder) -> bool:
    """Whether packaging `version` against `ladder` can still be served: the version is live and the
    ladder the episode's READY one (otherwise a newer version or ladder has its own job)."""
    return (
        DubVersion.objects.filter(pk=version.pk, status=DubStatus.LIVE).exists()
        and Ladder.objects.filter(pk=ladder.pk, status=LadderStatus.READY).exists()
    )


def _ladder_timing(ladder: Ladder) -> tuple[float, float]:
    """The duration of the ladder's video segments and of all of them (its top rung's EXTINFs), so the
    dub's segments start with the video's and it ends with the picture; the encoder's SEGMENT_SECONDS and
    the ladder's duration when the playlist cannot be read."""
    import re

    top = ladder.renditions.order_by("index").first()
    try:
        with media_storage().open(ladder.key(top.playlist if top else "v0/index.m3u8"), "rb") as handle:
            durations = [float(d) for d in re.findall(r"^#EXTINF:([0-9.]+)", handle.read().decode(), re.M)]
    except (OSError, UnicodeDecodeError):
        durations = []
    if not durations:
        return float(ffmpeg.SEGMENT_SECONDS), float(ladder.duration_seconds or 0.0)
    return durations[0], sum(durations)


def _ladder_audio_separate_check(ladder: Ladder) -> None:
    """Raise DubPackagingError (ladder_audio_muxed) for a ladder whose audio is muxed into its variants (built
    before audio had a rendition of its own): players could not switch to a dub, so none is published."""
    from localization.dubs.hls import ladder_audio_uri

    try:
        with media_storage().open(ladder.key("master.m3u8"), "rb") as handle:
            master = handle.read().decode()
    except (OSError, UnicodeDecodeError) as exc:
        raise DubPackagingError(f"The ladder's master playlist cannot be read: {exc}",
                                code=DubPackagingErrorCode.STORAGE_FAILED) from exc  # fmt: skip
    if not ladder_audio_uri(master):
        raise DubPackagingError(
            "The episode's ladder has its audio muxed into the video (built before dubs): transcode the episode "
            "again to offer dubs.",
            code=DubPackagingErrorCode.LADDER_AUDIO_MUXED,
        )


def dub_package(*, job: Job, version: DubVersion, ladder: Ladder) -> DubRendition | None:
    """Package a live dub against the episode's READY ladder and publish it; the ladder is not touched.

    Two loudnorm passes (measure, then one linear gain) to the platform's EBU R128 target, AAC-LC stereo
    48 kHz in fMP4 segments of the ladder's segment duration, padded or trimmed to the ladder's duration,
    encrypted with the episode's key; written under a build prefix of the (ladder, version) pair, then
    switched to READY in one transaction. Returns None, publishing nothing, when by then the version is
    no longer live or the ladder no longer READY. Raises DubPackagingError; nothing of a failed attempt
    is published and the rendition served before (an older version's) stays served.
    """
    from media.services import episode_key_get

    started = time.monotonic()
    storage = media_storage()
    rendition, _ = DubRendition.objects.get_or_create(
        ladder=ladder, version=version, defaults={"track_id": version.track_id, "job": job}
    )
    DubRendition.objects.filter(pk=rendition.pk).exclude(status=DubRenditionStatus.READY).update(
        status=DubRenditionStatus.BUILDING, job=job
    )
    work_dir = _work_dir(f"dub-job-{job.pk}")
    build_prefix = ""
    published: DubRendition | None = None
    target = {
        "target_i": settings.DUB_LOUDNESS_TARGET_LUFS,
        "target_tp": settings.DUB_TRUE_PEAK_DBTP,
        "target_lra": settings.DUB_LOUDNESS_RANGE_LU,
    }
    try:
        _ladder_audio_separate_check(ladder)
        out = work_dir / "out"
        out.mkdir()
        segment_seconds, duration = _ladder_timing(ladder)
        duration = duration or version.duration_seconds or 0.0
        try:
            with storage_local_copy(storage, version.source.name, work_dir) as source:  # type: ignore[arg-type]
                measured = ffmpeg.loudness_measure(source, **target)
                job_progress(job=job, percent=40, log_line=(
                    f"loudness {measured['input_i']} LUFS, true peak {measured['input_tp']} dBTP, "
                    f"range {measured['input_lra']} LU; target {target['target_i']} LUFS"))  # fmt: skip
                command = ffmpeg.dub_hls_command(source=source, out_dir=out, measured=measured, duration=duration,
                                                 segment_seconds=segment_seconds, **target)  # fmt: skip
                ffmpeg.run_with_progress(command, duration=duration)
        except OSError as exc:
            raise DubPackagingError(f"The dub's file cannot be read: {exc}",
                                    code=DubPackagingErrorCode.SOURCE_MISSING) from exc  # fmt: skip
        except (ffmpeg.FFmpegError, KeyError, ValueError) as exc:
            log = getattr(exc, "log", "")
            raise DubPackagingError(f"Encoding the dub failed: {exc}", code=DubPackagingErrorCode.ENCODE_FAILED,
                                    log=log) from exc  # fmt: skip
        playlist = out / "index.m3u8"
        if not playlist.is_file() or "#EXT-X-ENDLIST" not in playlist.read_text():
            raise DubPackagingError(
                "The dub's playlist was not written whole.", code=DubPackagingErrorCode.ENCODE_FAILED
            )
        segment_count = protection.variant_encrypt(playlist, key=episode_key_get(episode=ladder.episode))
        sizes = [p.stat().st_size for p in out.glob("seg_*.m4s")]
        bandwidth = int(max(sizes, default=0) * 8 / max(segment_seconds, 0.1))
        root = f"hls/e{ladder.episode_id}/dubs/l{ladder.pk}-v{version.pk}"
        storage_job_leftovers_delete(storage, root=root, job_id=job.pk, keep=rendition.storage_prefix)
        build_prefix = f"{root}/j{job.pk}-{uuid.uuid4().hex[:10]}"
        try:
            # The playlist last: until it is there, the build names no segment.
            for path in sorted(out.iterdir(), key=lambda p: (p.name == "index.m3u8", p.name)):
                storage_put(storage, f"{build_prefix}/{path.name}", path)
        except OSError as exc:
            raise DubPackagingError(
                f"Writing the packaged dub failed: {exc}", code=DubPackagingErrorCode.STORAGE_FAILED
            ) from exc
        loudness = {**measured, **target}
        published = dub_rendition_publish(rendition=rendition, prefix=build_prefix, segment_count=segment_count,
                                          bandwidth=bandwidth, loudness=loudness, job=job)  # fmt: skip
        if published is None:
            job_log_append(job=job, text="not published: the version or the ladder was replaced meanwhile")
        else:
            job_log_append(job=job, text=f"{segment_count} segments of {segment_seconds:g} s; packaged and "
                           f"published in {time.monotonic() - started:.3f} s under {build_prefix}")  # fmt: skip
        return published
    except BaseException:
        DubRendition.objects.filter(pk=rendition.pk, status=DubRenditionStatus.BUILDING).update(
            status=DubRenditionStatus.FAILED
        )
        raise
    finally:
        if build_prefix and published is None:
            storage_delete_prefix(storage, build_prefix)
        shutil.rmtree(work_dir, ignore_errors=True)


def dub_rendition_publish(
    *, rendition: DubRendition, prefix: str, segment_count: int, bandwidth: int, loudness: dict, job: Job
) -> DubRendition | None:
    """Make the build under `prefix` the rendition served for its language on its ladder, in one transaction.

    The track's row lock orders this against uploads (dub_ingest takes it too): a version superseded
    meanwhile is not published (None). The track's rendition served until now is superseded; this
    rendition's previous build (a re-run) is deleted once committed. A title's first audio in a language
    (no dub in it packaged on any of its episodes' live ladders, and not its original language) is
    announced: the title changes and its licensees allowed that language are sent `title.updated`
    (localization.services.title_language_added).
    """
    from localization.services import title_language_added, title_language_is_new

    storage = media_storage()
    with transaction.atomic():
        track = DubTrack.objects.select_for_update().get(pk=rendition.track_id)
        rendition = DubRendition.objects.select_for_update().select_related("version", "ladder").get(pk=rendition.pk)
        if not dub_packaging_wanted(version=rendition.version, ladder=rendition.ladder):
            DubRendition.objects.filter(pk=rendition.pk, status=DubRenditionStatus.BUILDING).update(
                status=DubRenditionStatus.SUPERSEDED
            )
            return None
        previous_prefix = rendition.storage_prefix
        drama, language_is_new = title_language_is_new(
            ladder_id=rendition.ladder_id, language=track.language, renditions=DubRendition
        )
        # The original language is heard without any dub.
        language_is_new = language_is_new and track.language != drama.original_language
        DubRendition.objects.filter(
            ladder_id=rendition.ladder_id, track_id=rendition.track_id, status=DubRenditionStatus.READY
        ).exclude(pk=rendition.pk).update(status=DubRenditionStatus.SUPERSEDED, updated_at=timezone.now())
        rendition.status = DubRenditionStatus.READY
        rendition.storage_prefix = prefix
        rendition.segment_count = segment_count
        rendition.bandwidth = bandwidth
        rendition.loudness = loudness
        rendition.job = job
        rendition.published_at = timezone.now()
        rendition.save()
        if previous_prefix and previous_prefix != prefix:
            transaction.on_commit(lambda: storage_delete_prefix(storage, previous_prefix))
        if language_is_new:
            title_language_added(drama=drama, audio_language=track.language, at=rendition.published_at)
    return rendition
