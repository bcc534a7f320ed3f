"""Writes on localisations: titles and synopses, and subtitle uploads."""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from catalog.models import Drama, DramaFormat, Episode
from jobs.models import Job, JobKind
from jobs.runners import job_enqueue
from jobs.services import job_create, job_log_append
from localization.errors import (
    LocalizationErrorCode,
    SubtitleErrorCode,
    SubtitlePackagingError,
    SubtitlePackagingErrorCode,
    SubtitleRefusedError,
)
from localization.languages import is_valid_tag, normalize_tag
from localization.models import (
    DramaLocalization,
    SubtitleKind,
    SubtitleRendition,
    SubtitleRenditionStatus,
    SubtitleStatus,
    SubtitleTrack,
    SubtitleVersion,
    TranslationStatus,
)
from localization.subtitles import hls
from localization.subtitles.cues import Cue, Findings, SubtitleDocument
from localization.subtitles.parse import subtitle_file_read, subtitle_parse
from localization.subtitles.qc import DEFAULT_PROFILE, VERTICAL_PROFILE, QcProfile, subtitle_quality_check
from localization.subtitles.writers import imsc_write, webvtt_write
from media.models import Ladder, LadderStatus
from media.storage import media_storage, storage_delete_prefix, storage_job_leftovers_delete, storage_put
from migu_platform.errors import DomainError

logger = logging.getLogger(__name__)


@transaction.atomic
def drama_localization_upsert(*, drama: Drama, language: str, title: str, **fields: Any) -> DramaLocalization:
    """Create or replace a drama's localisation in `language` (unique per drama and language)."""
    language = normalize_tag(language)
    localization = DramaLocalization.objects.filter(drama=drama, language=language).first() or DramaLocalization(
        drama=drama, language=language
    )
    localization.title = title
    for name, value in fields.items():
        setattr(localization, name, value)
    localization.full_clean(validate_unique=False)
    localization.save()
    return localization


# --- Subtitles -------------------------------------------------------------------------------------


def subtitle_qc_profile_for(episode: Episode) -> QcProfile:
    """Vertical micro-dramas are read on a phone held upright: shorter lines."""
    return VERTICAL_PROFILE if episode.drama.format == DramaFormat.VERTICAL else DEFAULT_PROFILE


def subtitle_ingest(
    *,
    episode: Episode,
    language: str,
    kind: str,
    filename: str,
    data: bytes | IO[bytes],
    actor: User | None = None,
    declared_encoding: str | None = None,
    translation_status: str = TranslationStatus.IN_REVIEW,
) -> SubtitleVersion:
    """Keep an uploaded subtitle file as a new version of the episode's track (language, kind), and make it
    live when it validates (no error finding); otherwise it is kept REJECTED and the live version stays.

    The file is stored as uploaded, and as UTF-8 WebVTT when it validates. Raises SubtitleTooLargeError
    (nothing kept) for a file over the size limit, before it is read whole; DomainError for a language
    tag or kind that is not one. Machine translation passes `translation_status` MACHINE; uploads wait for
    review.
    """
    tag = normalize_tag(language)
    if not is_valid_tag(tag):
        raise DomainError(
            f"{language!r} is not a BCP 47 language tag (e.g. en, zh-Hans, zh-Hant-HK, yue).",
            code=LocalizationErrorCode.INVALID_LANGUAGE,
            fields={"language": [f"{language!r} is not a language tag."]},
        )
    if kind not in SubtitleKind.values:
        raise DomainError(
            f"{kind!r} is not a subtitle kind ({', '.join(SubtitleKind.values)}).",
            code=SubtitleErrorCode.INVALID_KIND,
            fields={"kind": [f"One of {', '.join(SubtitleKind.values)}."]},
        )
    raw = subtitle_file_read(data)
    profile = subtitle_qc_profile_for(episode)
    findings = Findings()
    document: SubtitleDocument | None = None
    try:
        document = subtitle_parse(
            raw,
            language=tag,
            filename=filename,
            declared_encoding=declared_encoding,
            duration_ms=episode.duration_seconds * 1000 if episode.duration_seconds else None,
        )
        findings.extend(document.findings)
        findings.extend(subtitle_quality_check(document.cues, language=tag, profile=profile))
    except SubtitleRefusedError as refused:
        findings.error(SubtitleErrorCode(refused.code), refused.message, line=refused.line)
    valid = document is not None and not findings.has_errors

    # Files first, under keys of their own: a failed transaction leaves an orphan file, never a row
    # pointing at nothing.
    storage = media_storage()
    prefix = f"subtitles/e{episode.pk}/{tag}.{kind}/{uuid.uuid4().hex}"
    extension = f".{document.format}" if document is not None else ""
    source_key = storage.save(f"{prefix}/source{extension}", ContentFile(raw))
    webvtt_key = ""
    if valid and document is not None:
        vtt = webvtt_write(document.cues, language=tag).encode()
        webvtt_key = storage.save(f"{prefix}/subtitles.vtt", ContentFile(vtt))

    with transaction.atomic():
        track, _ = SubtitleTrack.objects.get_or_create(episode=episode, language=tag, kind=kind)
        # The track's row lock orders concurrent uploads: numbers and the live switch stay consistent.
        track = SubtitleTrack.objects.select_for_update().get(pk=track.pk)
        number = (track.versions.aggregate(last=Max("number"))["last"] or 0) + 1
        if valid:
            track.versions.filter(status=SubtitleStatus.LIVE).update(status=SubtitleStatus.SUPERSEDED)
        version = SubtitleVersion.objects.create(
            track=track,
            number=number,
            status=SubtitleStatus.LIVE if valid else SubtitleStatus.REJECTED,
            source=source_key,
            webvtt=webvtt_key,
            original_filename=filename.replace("\\", "/").rsplit("/", 1)[-1][:300],
            format=str(document.format) if document is not None else "",
            encoding=document.encoding if document is not None else "",
            size_bytes=len(raw),
            checksum_sha256=hashlib.sha256(raw).hexdigest(),
            cue_count=len(document.cues) if document is not None else 0,
            error_count=findings.errors,
            warning_count=findings.warnings,
            findings=findings.as_list(),
            qc_profile=profile.name,
            translation_status=translation_status,
            uploaded_by=actor,
        )
        SubtitleTrack.objects.filter(pk=track.pk).update(updated_at=version.created_at)
        if valid:
            from media.selectors import ladder_ready_for

            ladder = ladder_ready_for(episode_id=episode.pk)
            if ladder is not None:
                subtitle_packaging_job_create(version=version, ladder=ladder, created_by=actor)
    return version


# --- Packaging for HLS and sidecars ------------------------------------------------------------

SIDECAR_WEBVTT = "subtitles.vtt"
SIDECAR_IMSC = "subtitles.ttml"


def subtitle_packaging_job_create(*, version: SubtitleVersion, ladder: Ladder, created_by: User | None = None) -> Job:
    """A job packaging `version` against `ladder`, owned by the drama's licensor; its task sent after commit."""
    episode = Episode.objects.select_related("drama").get(pk=ladder.episode_id)
    job = job_create(
        kind=JobKind.SUBTITLES,
        target=version,
        organization=episode.drama.owner,
        params={"version_id": version.pk, "ladder_id": ladder.pk, "episode_id": episode.pk},
        created_by=created_by,
    )
    job_enqueue(job)
    return job


def subtitle_packaging_job_send(job: Job) -> None:
    """The job runner of kind `subtitles` (also the admin's re-run): the task on the default queue."""
    from localization.tasks import package_subtitles

    package_subtitles.apply_async(args=[job.pk])


def subtitle_packaging_queue_for_ladder(*, ladder: Ladder, created_by: User | None = None) -> list[Job]:
    """A packaging job for each live subtitle version of the ladder's episode (a ladder was just published)."""
    versions = SubtitleVersion.objects.filter(track__episode_id=ladder.episode_id, status=SubtitleStatus.LIVE)
    return [
        subtitle_packaging_job_create(version=version, ladder=ladder, created_by=created_by)
        for version in versions.order_by("track_id")
    ]


def subtitle_packaging_wanted(*, version: SubtitleVersion, ladder: Ladder) -> bool:
    """Whether packaging `version` against `ladder` can still be served: the version is live and the
    ladder the episode's READY one (otherwise a newer version or ladder has its own job)."""
    return (
        SubtitleVersion.objects.filter(pk=version.pk, status=SubtitleStatus.LIVE).exists()
        and Ladder.objects.filter(pk=ladder.pk, status=LadderStatus.READY).exists()
    )


def _packaging_work_dir(job: Job) -> Path:
    root = Path(settings.MEDIA_WORK_DIR or Path(tempfile.gettempdir()) / "migu-transcode")
    path = root / f"subtitles-job-{job.pk}"
    shutil.rmtree(path, ignore_errors=True)  # leftovers of an attempt whose worker died
    path.mkdir(parents=True)
    return path


def subtitle_package(*, job: Job, version: SubtitleVersion, ladder: Ladder) -> SubtitleRendition | None:
    """Package a live subtitle version against the episode's READY ladder and publish it.

    Writes WebVTT segments aligned with the ladder's video segments (X-TIMESTAMP-MAP from the ladder's
    first video timestamp, read from its top rung), their media playlist, and the sidecar WebVTT and
    IMSC 1.1 files under a build prefix of the (ladder, version) pair, then switches the rendition to
    READY in one transaction. Returns None, publishing nothing, when by then the version is no longer
    live or the ladder no longer READY. Raises SubtitlePackagingError; nothing of a failed attempt is
    published and the rendition served before (an older version's) stays served.
    """
    started = time.monotonic()
    storage = media_storage()
    rendition, _ = SubtitleRendition.objects.get_or_create(
        ladder=ladder, version=version, defaults={"track_id": version.track_id, "job": job}
    )
    SubtitleRendition.objects.filter(pk=rendition.pk).exclude(status=SubtitleRenditionStatus.READY).update(
        status=SubtitleRenditionStatus.BUILDING, job=job
    )
    work_dir = _packaging_work_dir(job)
    build_prefix = ""
    published: SubtitleRendition | None = None
    try:
        cues = _version_cues(storage, version)
        durations, target, mpegts = _ladder_timing(storage, ladder, work_dir)
        files = subtitle_package_files(cues, durations=durations, target_duration=target, mpegts=mpegts,
                                       language=version.track.language)  # fmt: skip
        root = f"hls/e{ladder.episode_id}/subtitles/l{ladder.pk}-v{version.pk}"
        storage_job_leftovers_delete(storage, root=root, job_id=job.pk, keep=rendition.storage_prefix)
        build_prefix = f"{root}/j{job.pk}-{uuid.uuid4().hex[:10]}"
        out = work_dir / "out"
        out.mkdir()
        try:
            for name, text in files.items():
                (out / name).write_text(text, encoding="utf-8")
                storage_put(storage, f"{build_prefix}/{name}", out / name)
        except OSError as exc:
            raise SubtitlePackagingError(
                f"Writing the packaged subtitles failed: {exc}", code=SubtitlePackagingErrorCode.STORAGE_FAILED
            ) from exc
        published = subtitle_rendition_publish(
            rendition=rendition, prefix=build_prefix, mpegts=mpegts, segment_count=len(durations), job=job
        )
        if published is None:
            job_log_append(job=job, text="not published: the version or the ladder was replaced meanwhile")
        else:
            job_log_append(
                job=job,
                text=f"{len(cues)} cues in {len(durations)} segments (MPEGTS {mpegts}), sidecars WebVTT and IMSC; "
                f"packaged and published in {time.monotonic() - started:.3f} s under {build_prefix}",
            )
        return published
    except BaseException:
        SubtitleRendition.objects.filter(pk=rendition.pk, status=SubtitleRenditionStatus.BUILDING).update(
            status=SubtitleRenditionStatus.FAILED
        )
        raise
    finally:
        if build_prefix and published is None:
            storage_delete_prefix(storage, build_prefix)
        shutil.rmtree(work_dir, ignore_errors=True)


def subtitle_package_files(
    cues: list[Cue], *, durations: list[float], target_duration: int | None, mpegts: int, language: str
) -> dict[str, str]:
    """Every file of a packaged subtitle version by name: the segments, their playlist, the sidecars."""
    segments = hls.cues_by_segment(cues, hls.segment_bounds_ms(durations))
    files = {hls.SEGMENT_NAME.format(i): hls.webvtt_segment_write(seg, mpegts=mpegts) for i, seg in enumerate(segments)}
    files[SIDECAR_WEBVTT] = webvtt_write(cues, language=language)
    files[SIDECAR_IMSC] = imsc_write(cues, language=language)
    # The playlist last: a reader of a half-uploaded build (there is none: it is unpublished) would find
    # no playlist rather than one naming missing segments.
    files[hls.PLAYLIST_NAME] = hls.subtitle_playlist_write(durations, target_duration=target_duration)
    return files


def _version_cues(storage: Storage, version: SubtitleVersion) -> list[Cue]:
    """The version's cues, read back from its stored WebVTT (the form it went live in)."""
    if not version.webvtt:
        raise SubtitlePackagingError(
            f"Version {version.number} has no WebVTT to package.", code=SubtitlePackagingErrorCode.WEBVTT_MISSING
        )
    try:
        with storage.open(version.webvtt.name, "rb") as handle:  # type: ignore[arg-type]  # checked above
            data = handle.read()
    except OSError as exc:
        raise SubtitlePackagingError(
            f"The WebVTT of version {version.number} cannot be read: {exc}",
            code=SubtitlePackagingErrorCode.WEBVTT_MISSING,
        ) from exc
    return subtitle_parse(data, language=version.track.language, filename=SIDECAR_WEBVTT).cues


def _ladder_timing(storage: Storage, ladder: Ladder, work_dir: Path) -> tuple[list[float], int | None, int]:
    """The top rung's segment durations and target duration, and its first video timestamp in 90 kHz
    ticks, read from the init section and the (decrypted) first segment."""
    from media import ffmpeg, protection
    from media.models import EpisodeKey

    top = ladder.renditions.order_by("index").first()
    playlist_name = top.playlist if top is not None else "v0/index.m3u8"
    variant_dir = playlist_name.rsplit("/", 1)[0] if "/" in playlist_name else ""
    try:
        with storage.open(ladder.key(playlist_name), "rb") as handle:
            playlist = handle.read().decode()
        segments = [line.strip() for line in playlist.splitlines() if line.strip() and not line.startswith("#")]
        durations = hls.segment_durations(playlist)
        if not segments or len(segments) != len(durations):
            raise SubtitlePackagingError(
                f"The ladder's {playlist_name} lists no segments.", code=SubtitlePackagingErrorCode.LADDER_UNREADABLE
            )
        prefix = f"{variant_dir}/" if variant_dir else ""
        first = b""
        init = hls_map_uri(playlist)
        if init:
            with storage.open(ladder.key(prefix + init), "rb") as handle:
                first += handle.read()
        with storage.open(ladder.key(prefix + segments[0]), "rb") as handle:
            segment = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise SubtitlePackagingError(
            f"The ladder's files cannot be read: {exc}", code=SubtitlePackagingErrorCode.LADDER_UNREADABLE
        ) from exc
    iv = protection.variant_key_iv(playlist)
    if iv is not None:
        key = EpisodeKey.objects.filter(episode_id=ladder.episode_id).values_list("key", flat=True).first()
        if key is None:
            raise SubtitlePackagingError(
                "The ladder's segments are encrypted and the episode has no key.",
                code=SubtitlePackagingErrorCode.LADDER_UNREADABLE,
            )
        try:
            segment = protection.segment_decrypt(segment, key=bytes(key), iv=iv)
        except ValueError as exc:
            raise SubtitlePackagingError(
                f"The ladder's first segment does not decrypt: {exc}", code=SubtitlePackagingErrorCode.LADDER_UNREADABLE
            ) from exc
    sample = work_dir / "first.mp4"
    sample.write_bytes(first + segment)
    try:
        pts, time_base = ffmpeg.first_video_timestamp(sample)
    except ffmpeg.ProbeError as exc:
        raise SubtitlePackagingError(str(exc), code=SubtitlePackagingErrorCode.LADDER_UNREADABLE) from exc
    return durations, hls.target_duration_of(playlist), hls.mpegts_ticks(pts, time_base)


def hls_map_uri(playlist: str) -> str:
    """The URI of a media playlist's EXT-X-MAP (its initialization section), or ""."""
    match = re.search(r'^#EXT-X-MAP:.*?URI="([^"]+)"', playlist, re.M)
    return match.group(1) if match else ""


def subtitle_rendition_publish(
    *, rendition: SubtitleRendition, prefix: str, mpegts: int, segment_count: int, job: Job
) -> SubtitleRendition | None:
    """Make the build under `prefix` the rendition served for its track on its ladder, in one transaction.

    The track's row lock orders this against uploads (subtitle_ingest takes it too): a version superseded
    meanwhile is not published (None). The track's rendition served until now is superseded; this
    rendition's previous build (a re-run) is deleted once committed.
    """
    storage = media_storage()
    with transaction.atomic():
        SubtitleTrack.objects.select_for_update().filter(pk=rendition.track_id).first()
        rendition = (
            SubtitleRendition.objects.select_for_update().select_related("version", "ladder").get(pk=rendition.pk)
        )
        if not subtitle_packaging_wanted(version=rendition.version, ladder=rendition.ladder):
            SubtitleRendition.objects.filter(pk=rendition.pk, status=SubtitleRenditionStatus.BUILDING).update(
                status=SubtitleRenditionStatus.SUPERSEDED
            )
            return None
        previous_prefix = rendition.storage_prefix
        SubtitleRendition.objects.filter(
            ladder_id=rendition.ladder_id, track_id=rendition.track_id, status=SubtitleRenditionStatus.READY
        ).exclude(pk=rendition.pk).update(status=SubtitleRenditionStatus.SUPERSEDED, updated_at=timezone.now())
        rendition.status = SubtitleRenditionStatus.READY
        rendition.storage_prefix = prefix
        rendition.mpegts = mpegts
        rendition.segment_count = segment_count
        rendition.job = job
        rendition.published_at = timezone.now()
        rendition.save()
        if previous_prefix and previous_prefix != prefix:
            transaction.on_commit(lambda: storage_delete_prefix(storage, previous_prefix))
    return rendition
