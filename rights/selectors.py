"""Reads on rights: availability (what a licensee may show, where, when) and a tenant's windows.

Availability reads go through the territory rows' partial btree index
`rights_out_availability (licensee, territory, drama, start) INCLUDE (end, licence_type, window)`;
every query here repeats that index's predicate (direction out, in-force status) so the planner
can use it, and none of them goes through the GiST exclusion index.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from catalog.models import Drama
from partners.models import Organization, OrganizationKind
from rights.models import (
    IN_FORCE_STATUSES,
    RightsDirection,
    RightsEvent,
    RightsWindow,
    RightsWindowTerritory,
)


def _pk(value: Organization | Drama | int) -> int:
    return value if isinstance(value, int) else value.pk


def _rows_in_force(
    *,
    licensee: Organization | int,
    territory: str,
    at: dt.datetime | None,
    licence_type: str | None = None,
) -> QuerySet[RightsWindowTerritory]:
    at = at or timezone.now()
    rows = RightsWindowTerritory.objects.filter(
        direction=RightsDirection.OUT,
        status__in=list(IN_FORCE_STATUSES),
        licensee_id=_pk(licensee),
        territory=territory.upper(),
        start__lte=at,
    ).filter(Q(end__isnull=True) | Q(end__gt=at))
    if licence_type:
        rows = rows.filter(licence_type=licence_type.upper())
    return rows


def _language_allowed(language: str) -> Q:
    """The window lets the licensee use `language` as audio or as subtitles (and does not hold it back)."""
    return (
        Q(window__audio_languages=[])
        | Q(window__audio_languages__contains=[language])
        | Q(window__subtitle_languages=[])
        | Q(window__subtitle_languages__contains=[language])
    ) & ~Q(window__holdback_languages__contains=[language])


def rights_available_drama_ids(
    *,
    licensee: Organization | int,
    territory: str,
    at: dt.datetime | None = None,
    licence_type: str | None = None,
    language: str | None = None,
) -> set[int]:
    """The dramas `licensee` may show in `territory` at instant `at` (default now), optionally
    for one licence type and one language (audio or subtitles)."""
    rows = _rows_in_force(licensee=licensee, territory=territory, at=at, licence_type=licence_type)
    if language:
        rows = rows.filter(_language_allowed(language))
    return set(rows.values_list("drama_id", flat=True).distinct())


def rights_may_show(
    *,
    licensee: Organization | int,
    drama: Drama | int,
    territory: str,
    at: dt.datetime | None = None,
    licence_type: str | None = None,
    episode_number: int | None = None,
) -> bool:
    """May `licensee` show `drama` (or one of its episodes) in `territory` at `at`?"""
    rows = _rows_in_force(licensee=licensee, territory=territory, at=at, licence_type=licence_type).filter(
        drama_id=_pk(drama)
    )
    if episode_number is not None:
        rows = rows.filter(
            Q(episode_start__isnull=True) | Q(episode_start__lte=episode_number),
            Q(episode_end__isnull=True) | Q(episode_end__gte=episode_number),
        )
    return rows.exists()


def rights_window_for(
    *,
    licensee: Organization | int,
    drama: Drama | int,
    territory: str,
    at: dt.datetime | None = None,
    licence_type: str | None = None,
) -> RightsWindow | None:
    """The window that governs what `licensee` shows of `drama` in `territory` at `at`: its
    monetisation terms and allowed audio/subtitle languages. Whole-series windows win over
    episode ranges, exclusive over non-exclusive, then the most recent start."""
    row = (
        _rows_in_force(licensee=licensee, territory=territory, at=at, licence_type=licence_type)
        .filter(drama_id=_pk(drama))
        .select_related("window")
        .order_by(
            F("episode_start").asc(nulls_first=True),
            F("episode_end").desc(nulls_first=True),
            "-exclusive",
            "-start",
            "-window_id",
        )
        .first()
    )
    return row.window if row else None


def rights_windows_of(*, organization: Organization) -> QuerySet[RightsWindow]:
    """The windows a tenant may see: those it holds as licensee and, for a licensor, those on its dramas."""
    condition = Q(licensee=organization)
    if organization.kind == OrganizationKind.LICENSOR:
        condition |= Q(drama__owner=organization)
    return RightsWindow.objects.filter(condition).select_related("drama", "licensee", "channel").order_by("-id")


def rights_window_of(*, organization: Organization, window_id: int) -> RightsWindow | None:
    """One of the tenant's windows, or None for missing and foreign ids alike."""
    return rights_windows_of(organization=organization).filter(pk=window_id).first()


def rights_events_since(*, licensee: Organization | int, cursor: int = 0, limit: int = 500) -> list[RightsEvent]:
    """Change events on a licensee's windows out after `cursor` (an event id), oldest first."""
    return list(
        RightsEvent.objects.filter(licensee_id=_pk(licensee), direction=RightsDirection.OUT, id__gt=cursor).order_by(
            "id"
        )[:limit]
    )
