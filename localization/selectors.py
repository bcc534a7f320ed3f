"""Reads on localisations: pick the best localisation for a reader through the fallback chain."""

from __future__ import annotations

from collections.abc import Iterable

from localization.languages import language_fallback_chain
from localization.models import DramaLocalization


def localization_pick(localizations: Iterable[DramaLocalization], *, language: str, original_language: str = ""):
    """From a drama's localisations, the first along the reader's fallback chain.

    Falls back to the original language, then to any localisation, so a title is never blank.
    """
    by_language = {loc.language: loc for loc in localizations}
    chain = language_fallback_chain(language)
    if original_language and original_language not in chain:
        chain.append(original_language)
    for tag in chain:
        if tag in by_language:
            return by_language[tag]
    return next(iter(by_language.values()), None)


def localizations_for_dramas(*, drama_ids: Iterable[int], language: str) -> dict[int, DramaLocalization]:
    """One query: the best localisation of each drama for `language` (drama id -> localisation)."""
    rows = DramaLocalization.objects.filter(drama_id__in=list(drama_ids)).select_related("drama").only(
        "id", "drama_id", "language", "title", "title_medium", "title_short",
        "synopsis_short", "synopsis_medium", "synopsis_long", "status", "drama__original_language",
    )  # fmt: skip
    grouped: dict[int, list[DramaLocalization]] = {}
    for row in rows:
        grouped.setdefault(row.drama_id, []).append(row)
    return {
        drama_id: localization_pick(locs, language=language, original_language=locs[0].drama.original_language)
        for drama_id, locs in grouped.items()
    }


DEFAULT_TARGET_LANGUAGES: tuple[str, ...] = ("en", "ko", "th", "ar", "zh-Hant-HK", "yue")


def localization_target_languages() -> list[str]:
    """The languages the catalogue is localised into: the configured list, then every language an
    active partner or operator serves (one query). Settings: MIGU_TARGET_LANGUAGES overrides the list."""
    from django.conf import settings

    from partners.models import Organization, OrganizationKind

    languages = list(getattr(settings, "MIGU_TARGET_LANGUAGES", DEFAULT_TARGET_LANGUAGES))
    served = Organization.objects.filter(
        is_active=True, kind__in=[OrganizationKind.PARTNER, OrganizationKind.OPERATOR]
    ).values_list("languages", flat=True)
    extra = sorted({tag for tags in served for tag in tags} - set(languages))
    return languages + extra


def localization_gaps(*, drama, languages: Iterable[str]) -> dict[str, list[str]]:
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
