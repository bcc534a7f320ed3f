"""Reads on dubs: what is packaged for playback, and what a master playlist lists of it."""

from __future__ import annotations

from collections.abc import Iterable

from localization.dubs.hls import PLAYLIST_NAME, AudioMedia
from localization.models import DubRendition, DubRenditionStatus


def dub_renditions_ready(*, ladder_id: int) -> list[DubRendition]:
    """The READY dub renditions of a ladder (one per language), with their track, by language, in one query."""
    renditions = DubRendition.objects.filter(ladder_id=ladder_id, status=DubRenditionStatus.READY)
    return sorted(renditions.select_related("track"), key=lambda r: r.track.language)


def dub_rendition_ready(*, ladder_id: int, language: str) -> DubRendition | None:
    """The READY rendition of the ladder's dub in `language`, if any."""
    return DubRendition.objects.filter(
        ladder_id=ladder_id, status=DubRenditionStatus.READY, track__language=language
    ).first()


def dub_languages_packaged(*, episode_ids: Iterable[int]) -> dict[int, list[str]]:
    """episode id -> the sorted languages of its dubs packaged for playback (READY renditions on its READY
    ladder), in one query."""
    rows = (
        DubRendition.objects.filter(
            status=DubRenditionStatus.READY, ladder__status="ready", ladder__episode_id__in=list(episode_ids)
        )
        .values_list("ladder__episode_id", "track__language")
        .distinct()
    )
    languages: dict[int, set[str]] = {}
    for episode_id, language in rows:
        languages.setdefault(episode_id, set()).add(language)
    return {episode_id: sorted(tags) for episode_id, tags in languages.items()}


def dub_languages_of_drama(*, drama_id: int) -> list[str]:
    """The sorted languages dubbed and packaged for playback on any episode of the drama (one query)."""
    return sorted(
        set(
            DubRendition.objects.filter(
                status=DubRenditionStatus.READY, ladder__status="ready", ladder__episode__drama_id=drama_id
            ).values_list("track__language", flat=True)
        )
    )


def audio_media_of(
    renditions: Iterable[DubRendition], *, original_language: str, allowed_languages: Iterable[str]
) -> list[AudioMedia]:
    """What a master playlist lists for a viewer allowed `allowed_languages`: the original audio (in the
    variants, DEFAULT), then each allowed dub with its URI; nothing when no dub is allowed, so the
    master stays as the ladder wrote it. NAMEs are the language's name, unique in the group."""
    from localization.selectors import subtitle_language_name

    allowed = set(allowed_languages)
    dubs = [r for r in renditions if r.track.language in allowed]
    if not dubs:
        return []
    media = [AudioMedia(language=original_language, name=f"{subtitle_language_name(original_language)} (original)",
                        default=True)]  # fmt: skip
    taken = {media[0].name}
    for rendition in dubs:
        language = rendition.track.language
        name = subtitle_language_name(language)
        if name in taken:
            name = f"{name} [{language}]"
        while name in taken:
            name += "*"
        taken.add(name)
        media.append(AudioMedia(language=language, name=name, uri=f"audio/{language}/{PLAYLIST_NAME}"))
    return media
