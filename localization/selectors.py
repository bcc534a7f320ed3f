"""Reads on localisations: pick the best localisation for a reader through the fallback chain."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, TypeVar

from django.contrib.postgres.fields import ArrayField
from django.db.models import BooleanField, CharField, Expression, ExpressionWrapper, F, Func, Model, Q, QuerySet, Value

from localization.languages import language_fallback_chain
from migu_platform.errors import found

if TYPE_CHECKING:
    from catalog.models import Drama
    from localization.models import SubtitleRendition, SubtitleTrack, SubtitleVersion
    from localization.subtitles.hls import SubtitleMedia
    from partners.models import Organization

T = TypeVar("T")
M = TypeVar("M", bound=Model)


def localization_pick(by_language: Mapping[str, T], *, language: str, original_language: str = "") -> T | None:
    """Of a text's versions by language tag, the one a reader of `language` gets: the first along the
    fallback chain, else the original language's, else the first tag in order, so a title is never blank.

    localization_ordered() and localization_order_sql() are this rule for the queries that pick in the
    database; a test holds the three equal."""
    for tag in language_fallback_chain(language):
        if tag in by_language:
            return by_language[tag]
    if original_language in by_language:
        return by_language[original_language]
    return by_language[min(by_language)] if by_language else None


def localization_ordered(
    queryset: QuerySet[M], *, language: str, original_language: Expression | F | str
) -> QuerySet[M]:
    """A localisation queryset (field `language`) ordered so that localization_pick's choice comes first."""
    chain = language_fallback_chain(language)
    rank = Func(Value(chain, output_field=ArrayField(CharField())), F("language"), function="array_position")
    # The plugin loses a generic queryset's model through annotate(); the model does not change.
    return queryset.annotate(  # type: ignore[return-value]
        _pick_rank=rank,
        _pick_is_original=ExpressionWrapper(Q(language=original_language), output_field=BooleanField()),
    ).order_by(F("_pick_rank").asc(nulls_last=True), F("_pick_is_original").desc(), "language")


def localization_order_sql(*, alias: str, original_language_sql: str) -> str:
    """localization_ordered() in SQL over a localisation row aliased `alias`, with the reader's fallback chain
    as the named parameter %(chain)s (localization_chain_param())."""
    return (
        f"array_position(%(chain)s::varchar[], {alias}.language::varchar) ASC NULLS LAST, "
        f"({alias}.language = {original_language_sql}) DESC, {alias}.language ASC"
    )


def localization_chain_param(language: str) -> list[str]:
    return language_fallback_chain(language)


def localization_target_languages() -> list[str]:
    """The languages the catalogue is localised into: the configured list, then every language an
    active partner or operator serves (one query). Settings: MIGU_TARGET_LANGUAGES overrides the list."""
    from django.conf import settings

    from partners.models import Organization, OrganizationKind

    languages = list(settings.MIGU_TARGET_LANGUAGES)
    served = Organization.objects.filter(
        is_active=True, kind__in=[OrganizationKind.PARTNER, OrganizationKind.OPERATOR]
    ).values_list("languages", flat=True)
    extra = sorted({tag for tags in served for tag in tags} - set(languages))
    return languages + extra


def localization_gaps(*, drama: Drama, languages: Iterable[str]) -> dict[str, list[str]]:
    """What is missing per language: no localisation at all, or empty length-bounded forms."""
    present = {loc.language: loc for loc in drama.localizations.all()}
    gaps: dict[str, list[str]] = {}
    for language in languages:
        loc = present.get(language)
        if loc is None:
            gaps[language] = ["localisation"]
            continue
        missing = [
            name
            for name in ("title_medium", "title_short", "synopsis_short", "synopsis_medium", "synopsis_long")
            if not getattr(loc, name)
        ]
        if missing:
            gaps[language] = missing
    return gaps


def subtitle_tracks_of(*, organization: Organization, drama: Drama | None = None) -> QuerySet[SubtitleTrack]:
    """The subtitle tracks on dramas the tenant owns (optionally of one drama), with their episode."""
    from localization.models import SubtitleTrack

    tracks = SubtitleTrack.objects.filter(episode__drama__owner=organization)
    if drama is not None:
        tracks = tracks.filter(episode__drama=drama)
    return tracks.select_related("episode")


def subtitle_track_of(*, organization: Organization, track_id: int) -> SubtitleTrack:
    """One of the tenant's tracks; NotFoundError for missing and foreign ids alike."""
    return found(subtitle_tracks_of(organization=organization).filter(pk=track_id).first())


def subtitle_versions_live(*, episode_ids: Iterable[int]) -> dict[tuple[int, str, str], SubtitleVersion]:
    """The live version of every track of these episodes, by (episode id, language, kind), in one query."""
    from localization.models import SubtitleStatus, SubtitleVersion

    versions = SubtitleVersion.objects.filter(
        track__episode_id__in=list(episode_ids), status=SubtitleStatus.LIVE
    ).select_related("track")
    return {(v.track.episode_id, v.track.language, v.track.kind): v for v in versions}


def subtitle_renditions_ready(*, ladder_id: int) -> list[SubtitleRendition]:
    """The READY subtitle renditions of a ladder (one per track), with their track, in one query; by
    language, then full, SDH, forced."""
    from localization.models import SubtitleRendition, SubtitleRenditionStatus

    renditions = SubtitleRendition.objects.filter(ladder_id=ladder_id, status=SubtitleRenditionStatus.READY)
    order = list(SUBTITLE_KIND_SUFFIX)
    return sorted(renditions.select_related("track"), key=lambda r: (r.track.language, order.index(r.track.kind)))


def subtitle_rendition_ready(*, ladder_id: int, language: str, kind: str) -> SubtitleRendition | None:
    """The READY rendition of the ladder's track in `language` and `kind`, if any."""
    from localization.models import SubtitleRendition, SubtitleRenditionStatus

    return SubtitleRendition.objects.filter(
        ladder_id=ladder_id, status=SubtitleRenditionStatus.READY, track__language=language, track__kind=kind
    ).first()


SUBTITLE_KIND_SUFFIX = {"full": "", "sdh": " (SDH)", "forced": " (forced)"}


def subtitle_language_name(tag: str) -> str:
    """A language's name for people (English), else the tag itself."""
    import pycountry

    from localization.languages import LANGUAGE_NAMES

    if tag in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[tag]
    language = tag.split("-", 1)[0]
    found_language = pycountry.languages.get(**{"alpha_2" if len(language) == 2 else "alpha_3": language})
    return found_language.name if found_language is not None else tag


def subtitle_media_of(
    renditions: Iterable[SubtitleRendition], *, allowed_languages: Iterable[str], preferred_language: str = ""
) -> list[SubtitleMedia]:
    """What a master playlist lists of these renditions for a viewer allowed `allowed_languages`: NAMEs
    unique in the group (language name and kind, then the tag where two names meet), FORCED only on forced
    narratives, and DEFAULT on at most one — the full subtitles in the partner's first language."""
    from localization.subtitles.hls import SubtitleMedia

    allowed = set(allowed_languages)
    listed = [r for r in renditions if r.track.language in allowed]
    names = [subtitle_language_name(r.track.language) + SUBTITLE_KIND_SUFFIX[r.track.kind] for r in listed]
    taken: set[str] = set()
    media = []
    default_taken = False
    for rendition, name in zip(listed, names, strict=True):
        track = rendition.track
        if names.count(name) > 1 or name in taken:
            name = f"{name} [{track.language}]"
        while name in taken:
            name += "*"
        taken.add(name)
        default = not default_taken and track.kind == "full" and track.language == preferred_language
        default_taken = default_taken or default
        media.append(
            SubtitleMedia(
                language=track.language,
                name=name,
                uri=f"subs/{track.language}.{track.kind}/index.m3u8",
                forced=track.kind == "forced",
                default=default,
            )
        )
    return media


def subtitle_languages_packaged(*, episode_ids: Iterable[int] | QuerySet) -> dict[int, list[str]]:
    """episode id -> the sorted languages of its subtitles packaged for playback (READY renditions on its
    READY ladder), in one query (`episode_ids` may be a query of ids, used as a subquery)."""
    from localization.models import SubtitleRendition, SubtitleRenditionStatus

    rows = (
        SubtitleRendition.objects.filter(
            status=SubtitleRenditionStatus.READY,
            ladder__status="ready",
            ladder__episode_id__in=(episode_ids if isinstance(episode_ids, QuerySet) else list(episode_ids)),
        )
        .values_list("ladder__episode_id", "track__language")
        .distinct()
    )
    languages: dict[int, set[str]] = {}
    for episode_id, language in rows:
        languages.setdefault(episode_id, set()).add(language)
    return {episode_id: sorted(tags) for episode_id, tags in languages.items()}
