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
    renditions: Iterable[DubRendition], *, original_language: str, original_uri: str, allowed_languages: Iterable[str]
) -> list[AudioMedia]:
    """What a master playlist lists for a viewer allowed `allowed_languages`: the ladder's original audio
    (at `original_uri`) when allowed, then each allowed dub; DEFAULT the original, else the first dub.
    When nothing is allowed the original is listed all the same: the video-only variants need an audio
    rendition, and it is what the ladder always played. NAMEs are the language's name, unique in the group.
    """
    from localization.selectors import subtitle_language_name

    allowed = set(allowed_languages)
    media: list[AudioMedia] = []
    taken: set[str] = set()
    if original_language in allowed or not any(r.track.language in allowed for r in renditions):
        media.append(AudioMedia(language=original_language, uri=original_uri,
                                name=f"{subtitle_language_name(original_language)} (original)"))  # fmt: skip
        taken.add(media[0].name)
    for rendition in renditions:
        language = rendition.track.language
        if language not in allowed or language == original_language:
            continue
        name = subtitle_language_name(language)
        if name in taken:
            name = f"{name} [{language}]"
        while name in taken:
            name += "*"
        taken.add(name)
        media.append(AudioMedia(language=language, name=name, uri=f"audio/{language}/{PLAYLIST_NAME}"))
    return [AudioMedia(m.language, m.name, m.uri, default=index == 0) for index, m in enumerate(media)]
