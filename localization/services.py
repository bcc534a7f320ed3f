"""Writes on localisations: titles and synopses, and subtitle uploads."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import Max, Model
from django.utils import timezone

from catalog.models import Drama, DramaFormat, DramaStatus, Episode
from jobs.models import Job, JobKind
from jobs.runners import job_enqueue
from jobs.services import job_create, job_log_append
from localization.errors import (
    LocalizationErrorCode,
    SubtitleBulkErrorCode,
    SubtitleErrorCode,
    SubtitlePackagingError,
    SubtitlePackagingErrorCode,
    SubtitleRefusedError,
    SubtitleTooLargeError,
    SubtitleWaiverErrorCode,
)
from localization.languages import is_valid_tag, normalize_tag
from localization.models import (
    DramaLocalization,
    DubRendition,
    DubRenditionStatus,
    SubtitleFindingWaiver,
    SubtitleKind,
    SubtitleRendition,
    SubtitleRenditionStatus,
    SubtitleStatus,
    SubtitleTrack,
    SubtitleVersion,
    TranslationStatus,
)
from localization.subtitles import hls
from localization.subtitles.bundle import BulkFile
from localization.subtitles.cues import MAX_FILE_BYTES, Cue, Findings, SubtitleDocument
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


# --- Waivers and bulk uploads (the admin's subtitle pages) ---------------------------------------

MAX_WAIVER_REASON = 500


@transaction.atomic
def subtitle_finding_waive(
    *, version: SubtitleVersion, finding_index: int, reason: str, actor: User | None
) -> SubtitleFindingWaiver:
    """Accept one warning of `version` for the reason given, recording who and when.

    Raises DomainError: the version has no finding at that index (FINDING_NOT_FOUND), it is an error
    (ERROR_NOT_WAIVABLE: errors block publishing and stay), it is already waived (ALREADY_WAIVED, the
    first waiver kept), or the reason is blank (REASON_REQUIRED).
    """
    reason = " ".join(reason.split())
    if not reason:
        raise DomainError(
            "Say why the warning is accepted.",
            code=SubtitleWaiverErrorCode.REASON_REQUIRED,
            fields={"reason": ["Say why the warning is accepted."]},
        )
    if len(reason) > MAX_WAIVER_REASON:
        raise DomainError(
            f"The reason is {len(reason)} characters; at most {MAX_WAIVER_REASON}.",
            code=SubtitleWaiverErrorCode.REASON_REQUIRED,
            fields={"reason": [f"At most {MAX_WAIVER_REASON} characters."]},
        )
    # The version's row lock orders two waivers of one finding; the unique constraint holds it anyway.
    version = SubtitleVersion.objects.select_for_update().get(pk=version.pk)
    findings = version.findings or []
    if not 0 <= finding_index < len(findings):
        raise DomainError(
            f"Version {version.number} has no finding {finding_index + 1}.",
            code=SubtitleWaiverErrorCode.FINDING_NOT_FOUND,
        )
    finding = findings[finding_index]
    if finding.get("severity") != "warning":
        raise DomainError(
            f"{finding.get('code')} is an error: errors block publishing and cannot be waived; fix the file.",
            code=SubtitleWaiverErrorCode.ERROR_NOT_WAIVABLE,
        )
    existing = SubtitleFindingWaiver.objects.filter(version=version, finding_index=finding_index).first()
    if existing is not None:
        raise DomainError(
            f"This warning was already waived ({existing.reason}).", code=SubtitleWaiverErrorCode.ALREADY_WAIVED
        )
    return SubtitleFindingWaiver.objects.create(
        version=version, finding_index=finding_index, code=str(finding.get("code", ""))[:40], reason=reason,
        waived_by=actor,
    )  # fmt: skip


@dataclass
class SubtitleBulkRow:
    """The outcome of one file of a bulk upload: `outcome` is planned (matched, not ingested yet), live,
    rejected or refused; a refused file has `code` and `message` and was not ingested."""

    name: str
    outcome: str
    episode: Episode | None = None
    language: str = ""
    kind: str = ""
    version: SubtitleVersion | None = None
    code: str = ""
    message: str = ""
    file: BulkFile | None = field(default=None, repr=False)


def subtitle_bulk_plan(*, drama: Drama, files: Iterable[BulkFile]) -> list[SubtitleBulkRow]:
    """Where each file of a bulk upload would go on the drama's episodes by its name (ep001.th.srt,
    ep002.zh-Hans.sdh.vtt ...), reading none of them: a row per file, in the order given, PLANNED or
    refused.

    A file is refused when its name is not understood, the drama has no such episode, another file of the
    upload is for the same episode, language and kind (none of them is taken: which one was meant cannot
    be told), or it was refused on the way in (an unsafe path or an archive inside the archive).
    """
    from localization.subtitles.names import subtitle_file_name_parse

    episodes = {episode.number: episode for episode in Episode.objects.filter(drama=drama).select_related("drama")}
    rows: list[SubtitleBulkRow] = []
    keys: dict[tuple[int, str, str], list[SubtitleBulkRow]] = {}
    for file in files:
        row = SubtitleBulkRow(name=file.name, outcome="refused", file=file)
        rows.append(row)
        if file.refused is not None:
            row.code, row.message = str(file.refused[0]), file.refused[1]
            continue
        parsed = subtitle_file_name_parse(file.name)
        if isinstance(parsed, str):
            row.code, row.message = str(SubtitleBulkErrorCode.NAME_NOT_UNDERSTOOD), f"The name is {parsed}."
            continue
        row.language, row.kind = parsed.language, parsed.kind
        row.episode = episodes.get(parsed.episode)
        if row.episode is None:
            row.code = str(SubtitleBulkErrorCode.NO_SUCH_EPISODE)
            row.message = f"The drama has no episode {parsed.episode}."
            continue
        row.outcome = "planned"
        keys.setdefault((parsed.episode, parsed.language, parsed.kind), []).append(row)
    for (number, language, kind), clashing in keys.items():
        if len(clashing) > 1:
            names = " and ".join(row.name for row in clashing)
            for row in clashing:
                row.outcome, row.code = "refused", str(SubtitleBulkErrorCode.DUPLICATE_IN_UPLOAD)
                row.message = f"{names} are all for episode {number} {language} {kind}; none was taken."
    return rows


def subtitle_bulk_ingest(
    *, drama: Drama, files: Iterable[BulkFile], actor: User | None = None
) -> list[SubtitleBulkRow]:
    """Ingest the files of a bulk upload as subtitle_bulk_plan places them, one subtitle_ingest each: a row
    per file, live, rejected or refused (by the plan, for its size, or when reading it from the archive
    fails). Each file is its own transaction: one bad file never stops or undoes the others.
    """
    rows = subtitle_bulk_plan(drama=drama, files=files)
    for row in rows:
        file = row.file
        if row.outcome != "planned" or file is None or row.episode is None:
            continue
        try:
            if file.size > MAX_FILE_BYTES:  # refused before a byte is read
                raise SubtitleTooLargeError(
                    f"The file is over {MAX_FILE_BYTES // 1024 // 1024} MiB; a subtitle file is far smaller."
                )
            version = subtitle_ingest(
                episode=row.episode, language=row.language, kind=row.kind, filename=file.name, data=file.read(),
                actor=actor,
            )  # fmt: skip
        except DomainError as error:
            row.outcome = "refused"
            too_large = isinstance(error, SubtitleTooLargeError)
            row.code = str(SubtitleBulkErrorCode.FILE_TOO_LARGE) if too_large else str(error.code)
            row.message = error.message
            continue
        row.version = version
        row.outcome = "live" if version.status == SubtitleStatus.LIVE else "rejected"
    return rows


# --- Packaging for HLS and sidecars ------------------------------------------------------------

SIDECAR_WEBVTT = "subtitles.vtt"
SIDECAR_IMSC = "subtitles.ttml"


def packaging_job_create(*, kind: str, version: Model, ladder: Ladder, created_by: User | None = None) -> Job:
    """A job of `kind` packaging a subtitle or dub `version` against `ladder`, owned by the drama's licensor;
    its task sent after commit."""
    episode = Episode.objects.select_related("drama").get(pk=ladder.episode_id)
    job = job_create(
        kind=kind,
        target=version,
        organization=episode.drama.owner,
        params={"version_id": version.pk, "ladder_id": ladder.pk, "episode_id": episode.pk},
        created_by=created_by,
    )
    job_enqueue(job)
    return job


def subtitle_packaging_job_create(*, version: SubtitleVersion, ladder: Ladder, created_by: User | None = None) -> Job:
    """A job packaging `version` against `ladder` (see packaging_job_create)."""
    return packaging_job_create(kind=JobKind.SUBTITLES, version=version, ladder=ladder, created_by=created_by)


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
    rendition, created = SubtitleRendition.objects.get_or_create(
        ladder=ladder, version=version, defaults={"track_id": version.track_id, "job": job}
    )
    if not created:  # a new row is BUILDING for this job already
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
    meanwhile is not published (None). The track's rendition served until now is superseded; its files and
    this rendition's previous build (a re-run) are deleted once committed.
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
        language = rendition.version.track.language
        drama, language_is_new = title_language_is_new(
            ladder_id=rendition.ladder_id, language=language, renditions=SubtitleRendition
        )
        served_until_now = SubtitleRendition.objects.filter(
            ladder_id=rendition.ladder_id, track_id=rendition.track_id, status=SubtitleRenditionStatus.READY
        ).exclude(pk=rendition.pk)
        # Players reach a track's files through the rendition served now, so a superseded one's are garbage.
        superseded_prefixes = [prefix for prefix in served_until_now.values_list("storage_prefix", flat=True) if prefix]
        served_until_now.update(status=SubtitleRenditionStatus.SUPERSEDED, updated_at=timezone.now())
        rendition.status = SubtitleRenditionStatus.READY
        rendition.storage_prefix = prefix
        rendition.mpegts = mpegts
        rendition.segment_count = segment_count
        rendition.job = job
        rendition.published_at = timezone.now()
        rendition.save()
        garbage = [*superseded_prefixes, *([previous_prefix] if previous_prefix and previous_prefix != prefix else [])]
        for stale in garbage:
            transaction.on_commit(lambda stale=stale: storage_delete_prefix(storage, stale))  # type: ignore[misc]
        if language_is_new and rendition.ladder.status == LadderStatus.READY:
            title_language_added(drama=drama, subtitle_language=language, at=rendition.published_at)
    return rendition


def title_language_is_new(
    *, ladder_id: int, language: str, renditions: type[SubtitleRendition] | type[DubRendition]
) -> tuple[Drama, bool]:
    """The title of the ladder, under its row lock, and whether none of its live ladders serves a rendition
    of this kind (`renditions`: subtitles or dubs) in `language` yet. Call inside the transaction that
    publishes a rendition, before the switch: the lock orders two episodes published at once in one language,
    so only the first finds it new; a re-run, or a newer version of a language already served, does not."""
    drama = Drama.objects.select_for_update(of=("self",), no_key=True).get(episodes__ladders=ladder_id)
    ready = SubtitleRenditionStatus.READY if renditions is SubtitleRendition else DubRenditionStatus.READY
    served = renditions.objects.filter(
        status=ready, ladder__status=LadderStatus.READY, ladder__episode__drama=drama, track__language=language
    ).exists()
    return drama, not served


def title_language_added(
    *, drama: Drama, at: dt.datetime, subtitle_language: str | None = None, audio_language: str | None = None
) -> int:
    """A title can now be watched in a language it could not before (its first subtitles, or dub, in it):
    the title changes (its ETag, the list's and the changes feed see it) and, once published, the licensees
    whose windows allow that language are sent `title.updated` naming it. Returns the deliveries queued."""
    from partners.models import Organization, WebhookEventType
    from partners.webhooks import webhook_event_id, webhook_event_publish
    from rights.selectors import rights_licensees_of_dramas

    Drama.objects.filter(pk=drama.pk).update(updated_at=at)
    if drama.status != DramaStatus.PUBLISHED:
        return 0
    licensees = rights_licensees_of_dramas(
        drama_ids=[drama.pk], subtitle_language=subtitle_language, audio_language=audio_language
    ).get(drama.pk, set())
    data: dict[str, Any] = {"title_id": drama.pk, "occurred_at": at.isoformat()}
    if subtitle_language:
        data["subtitle_languages_added"] = [subtitle_language]
    if audio_language:
        data["audio_languages_added"] = [audio_language]
    key = f"{drama.pk}:{subtitle_language or ''}:{audio_language or ''}:{at.isoformat()}"
    for organization in Organization.objects.filter(pk__in=licensees).order_by("pk"):
        webhook_event_publish(
            organization=organization,
            event_type=WebhookEventType.TITLE_UPDATED,
            event_id=webhook_event_id(source="title-language", key=key),
            data=data,
        )
    return len(licensees)
