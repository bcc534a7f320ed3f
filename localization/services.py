"""Writes on localisations: titles and synopses, and subtitle uploads."""

from __future__ import annotations

import hashlib
import uuid
from typing import IO, Any

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max

from catalog.models import Drama, DramaFormat, Episode
from localization.errors import LocalizationErrorCode, SubtitleErrorCode, SubtitleRefusedError
from localization.languages import is_valid_tag, normalize_tag
from localization.models import DramaLocalization, SubtitleKind, SubtitleStatus, SubtitleTrack, SubtitleVersion
from localization.subtitles.cues import Findings, SubtitleDocument
from localization.subtitles.parse import subtitle_file_read, subtitle_parse
from localization.subtitles.qc import DEFAULT_PROFILE, VERTICAL_PROFILE, QcProfile, subtitle_quality_check
from localization.subtitles.writers import webvtt_write
from media.storage import media_storage
from migu_platform.errors import DomainError


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
) -> SubtitleVersion:
    """Keep an uploaded subtitle file as a new version of the episode's track (language, kind), and make it
    live when it validates (no error finding); otherwise it is kept REJECTED and the live version stays.

    The file is stored as uploaded, and as UTF-8 WebVTT when it validates. Raises SubtitleTooLargeError
    (nothing kept) for a file over the size limit, before it is read whole; DomainError for a language
    tag or kind that is not one.
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
            uploaded_by=actor,
        )
        SubtitleTrack.objects.filter(pk=track.pk).update(updated_at=version.created_at)
    return version
