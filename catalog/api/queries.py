"""Reads behind the partner title endpoints: plain rows (values()) in a fixed number of queries.

Every function takes the tenant explicitly. A title is *available* to a licensee in a territory
when one of its rights windows out is in force there now and the drama is published.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.db.models import CharField, Count, Exists, F, Func, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest, JSONObject
from django.utils import timezone

from catalog.models import Artwork, Credit, Drama, DramaStatus, Episode
from localization.languages import language_fallback_chain
from localization.models import DramaLocalization, EpisodeLocalization
from migu_platform.db import execute_prepared
from partners.models import Organization
from rights.models import IN_FORCE_STATUSES, RightsDirection, RightsWindow, RightsWindowTerritory
from rights.selectors import rights_window_for

LIST_FIELDS = (
    "id", "original_title", "original_language", "format", "production_year", "free_episode_count",
    "unlock_price_tier", "updated_at",
)  # fmt: skip


def rights_rows_in_force(*, licensee: Organization, territory: str, at: dt.datetime | None = None) -> QuerySet:
    """Territory rows of the licensee's windows out in force in `territory` at `at` (the rights
    selectors' predicate, so the `rights_out_availability` index answers it)."""
    at = at or timezone.now()
    return RightsWindowTerritory.objects.filter(
        direction=RightsDirection.OUT,
        status__in=list(IN_FORCE_STATUSES),
        licensee=licensee,
        territory=territory.upper(),
        start__lte=at,
    ).filter(Q(end__isnull=True) | Q(end__gt=at))


def titles_available(*, licensee: Organization, territory: str, at: dt.datetime | None = None) -> QuerySet[Drama]:
    """The published dramas `licensee` may show in `territory` at `at` (default now).

    An EXISTS per drama rather than an IN list of ids: walking dramas by primary key and probing the
    availability index keeps a page's cost the same however deep the cursor and however large the catalogue.
    """
    rows = rights_rows_in_force(licensee=licensee, territory=territory, at=at).filter(drama_id=OuterRef("pk"))
    return Drama.objects.filter(Exists(rows), status=DramaStatus.PUBLISHED)


def titles_filter(
    queryset: QuerySet[Drama],
    *,
    genre: str | None = None,
    trope: str | None = None,
    format: str | None = None,
    original_language: str | None = None,
    updated_since: dt.datetime | None = None,
    search: str | None = None,
) -> QuerySet[Drama]:
    if genre:
        queryset = queryset.filter(genres__slug=genre)
    if trope:
        queryset = queryset.filter(tropes__slug=trope)
    if format:
        queryset = queryset.filter(format=format)
    if original_language:
        queryset = queryset.filter(original_language=original_language)
    if updated_since:
        queryset = queryset.filter(updated_at__gte=updated_since)
    if search:
        from catalog.selectors import dramas_search

        queryset = dramas_search(query=search, queryset=queryset)
    return queryset


def _pick(by_language: dict[str, dict], chain: Sequence[str], original_language: str) -> dict | None:
    for tag in chain:
        if tag in by_language:
            return by_language[tag]
    if original_language in by_language:
        return by_language[original_language]
    return next(iter(by_language.values()), None)


def localizations_for(*, drama_ids: Iterable[int], language: str, originals: dict[int, str]) -> dict[int, dict]:
    """One query: each drama's best localisation along the reader's fallback chain."""
    grouped: dict[int, dict[str, dict]] = defaultdict(dict)
    rows = DramaLocalization.objects.filter(drama_id__in=list(drama_ids)).values(
        "drama_id", "language", "title", "title_medium", "title_short", "synopsis_short", "synopsis_medium",
        "synopsis_long",
    )  # fmt: skip
    for row in rows:
        grouped[row["drama_id"]][row["language"]] = row
    chain = language_fallback_chain(language)
    return {
        drama_id: picked
        for drama_id, by_language in grouped.items()
        if (picked := _pick(by_language, chain, originals.get(drama_id, ""))) is not None
    }


def titles_page(
    queryset: QuerySet[Drama], *, after_id: int, limit: int, language: str
) -> tuple[list[dict[str, Any]], bool]:
    """A keyset page by id, as fast deep as first, in one query: the best localisation along the reader's
    fallback chain, genres, tropes, the episode count and artwork come from correlated subqueries."""
    chain = [*language_fallback_chain(language)]
    rank = Func(Value(chain, output_field=ArrayField(CharField())), F("language"), function="array_position")
    best = (
        DramaLocalization.objects.filter(drama_id=OuterRef("pk"))
        .annotate(rank=rank, is_original=Q(language=OuterRef("original_language")))
        .order_by(F("rank").asc(nulls_last=True), F("is_original").desc(), "language")
        .values(
            json=JSONObject(
                language="language", title="title", title_medium="title_medium", title_short="title_short",
                synopsis_short="synopsis_short",
            )
        )[:1]
    )  # fmt: skip
    genres = Drama.genres.through.objects.filter(drama_id=OuterRef("pk")).order_by("genre__slug").values("genre__slug")
    tropes = Drama.tropes.through.objects.filter(drama_id=OuterRef("pk")).order_by("trope__slug").values("trope__slug")
    episode_count = (
        Episode.objects.filter(drama_id=OuterRef("pk"))
        .order_by()
        .values("drama_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    artworks = (
        Artwork.objects.filter(drama_id=OuterRef("pk"))
        .order_by("kind", "language")
        .values(json=JSONObject(kind="kind", language="language", image="image", width="width", height="height"))
    )
    rows = list(
        queryset.filter(pk__gt=after_id)
        .order_by("pk")
        .annotate(
            loc=Subquery(best),
            genre_slugs=ArraySubquery(genres),
            trope_slugs=ArraySubquery(tropes),
            episodes_n=Coalesce(Subquery(episode_count), 0),
            artwork_rows=ArraySubquery(artworks),
        )
        .values(*LIST_FIELDS, "loc", "genre_slugs", "trope_slugs", "episodes_n", "artwork_rows")[: limit + 1]
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    for row in rows:
        loc = row.pop("loc") or {}
        row["language"] = loc.get("language") or row["original_language"]
        row["title"] = loc.get("title") or row["original_title"]
        row["title_medium"] = loc.get("title_medium", "")
        row["title_short"] = loc.get("title_short", "")
        row["synopsis_short"] = loc.get("synopsis_short", "")
        row["genres"] = row.pop("genre_slugs")
        row["tropes"] = row.pop("trope_slugs")
        row["episode_count"] = row.pop("episodes_n")
        row["artworks"] = row.pop("artwork_rows")
    return rows, has_more


def title_detail(*, licensee: Organization, drama_id: int, territory: str, language: str) -> dict[str, Any] | None:
    """A title with its episodes, credits, artwork and the caller's window terms; None if not available."""
    drama = Drama.objects.filter(pk=drama_id, status=DramaStatus.PUBLISHED).values(*LIST_FIELDS).first()
    if drama is None:
        return None
    window = rights_window_for(licensee=licensee, drama=drama_id, territory=territory)
    if window is None:
        return None
    rows, _ = titles_page(Drama.objects.filter(pk=drama_id), after_id=0, limit=1, language=language)
    title = rows[0]
    loc = localizations_for(drama_ids=[drama_id], language=language, originals={drama_id: drama["original_language"]})
    full = loc.get(drama_id) or {}
    title["synopsis_medium"] = full.get("synopsis_medium", "")
    title["synopsis_long"] = full.get("synopsis_long", "")
    title["credits"] = list(
        Credit.objects.filter(drama_id=drama_id)
        .order_by("billing_order", "id")
        .values("role", "character_name", "billing_order", "person__name", "person__latin_name")
    )
    title["episodes"] = episodes_for(window=window, drama_id=drama_id, language=language)
    title["episode_count"] = len(title["episodes"])
    title["monetisation"] = monetisation_for(window=window, drama=drama)
    title.update(languages_for(window=window, drama_id=drama_id, original_language=drama["original_language"]))
    title["last_modified"] = title_last_modified(drama_id=drama_id, window=window)
    return title


def monetisation_for(*, window: RightsWindow, drama: dict) -> dict[str, Any]:
    free = window.free_episode_count if window.free_episode_count is not None else drama["free_episode_count"]
    return {
        "licence_type": window.licence_type,
        "free_episode_count": free,
        "unlock_price": str(window.unlock_price) if window.unlock_price is not None else None,
        "currency": window.currency or None,
        "unlock_price_tier": drama["unlock_price_tier"],
        "window_start": window.start,
        "window_end": window.end,
    }


def languages_for(*, window: RightsWindow, drama_id: int, original_language: str) -> dict[str, list[str]]:
    """Only the languages the window allows: its lists, or (when a list is empty, meaning any) what exists."""
    held_back = set(window.holdback_languages)
    localized = sorted(set(DramaLocalization.objects.filter(drama_id=drama_id).values_list("language", flat=True)))
    audio = window.audio_languages or [original_language]
    subtitles = window.subtitle_languages or localized
    return {
        "audio_languages": [tag for tag in audio if tag not in held_back],
        "subtitle_languages": [tag for tag in subtitles if tag not in held_back],
    }


def episodes_for(*, window: RightsWindow, drama_id: int, language: str) -> list[dict[str, Any]]:
    """The episodes the window covers, with localised titles (two queries)."""
    episodes = Episode.objects.filter(drama_id=drama_id)
    if window.episode_start is not None:
        episodes = episodes.filter(number__gte=window.episode_start)
    if window.episode_end is not None:
        episodes = episodes.filter(number__lte=window.episode_end)
    rows = list(episodes.order_by("number").values("id", "number", "original_title", "duration_seconds"))
    by_episode: dict[int, dict[str, dict]] = defaultdict(dict)
    for loc in EpisodeLocalization.objects.filter(episode_id__in=[r["id"] for r in rows]).values(
        "episode_id", "language", "title", "synopsis"
    ):
        by_episode[loc["episode_id"]][loc["language"]] = loc
    chain = language_fallback_chain(language)
    for row in rows:
        loc = _pick(by_episode.get(row["id"], {}), chain, "") or {}
        row["title"] = loc.get("title") or row.pop("original_title")
        row.pop("original_title", None)
        row["synopsis"] = loc.get("synopsis", "")
    return rows


# --- changes feed -----------------------------------------------------------------------------


def availability_now(*, licensee: Organization, drama_ids: Iterable[int], at: dt.datetime | None = None) -> dict:
    """drama id -> sorted territories where `licensee` may show it now (published dramas only)."""
    at = at or timezone.now()
    rows = (
        RightsWindowTerritory.objects.filter(
            direction=RightsDirection.OUT,
            status__in=list(IN_FORCE_STATUSES),
            licensee=licensee,
            drama_id__in=list(drama_ids),
            drama__status=DramaStatus.PUBLISHED,
            start__lte=at,
        )
        .filter(Q(end__isnull=True) | Q(end__gt=at))
        .values_list("drama_id", "territory")
        .distinct()
    )
    result: dict[int, set[str]] = defaultdict(set)
    for drama_id, territory in rows:
        result[drama_id].add(territory)
    return {drama_id: sorted(territories) for drama_id, territories in result.items()}


def dramas_ever_licensed(*, licensee: Organization) -> QuerySet:
    """The dramas the licensee holds or held a window out for (the only ones its feed may mention)."""
    return RightsWindow.objects.filter(licensee=licensee, direction=RightsDirection.OUT).values("drama_id")


def _latest(model, field: str, key: str = "drama"):
    return Subquery(
        model.objects.filter(**{key: OuterRef("pk")}).order_by().values(key).annotate(m=Max(field)).values("m")[:1]
    )


def catalogue_changes_since(
    *, licensee: Organization, since: dt.datetime | None, after_drama_id: int, until: dt.datetime, limit: int
) -> list[tuple[dt.datetime, int]]:
    """(changed_at, drama id) of the licensee's dramas whose metadata, episodes, artwork or localisations
    changed after (since, after_drama_id) and up to `until`, in that order (one query)."""
    changed = Drama.objects.filter(pk__in=dramas_ever_licensed(licensee=licensee)).annotate(
        changed_at=Greatest(
            "updated_at",
            _latest(Episode, "updated_at"),
            _latest(DramaLocalization, "updated_at"),
            _latest(Artwork, "created_at"),
        )
    )
    changed = changed.filter(changed_at__lte=until)
    if since is not None:
        changed = changed.filter(Q(changed_at__gt=since) | Q(changed_at=since, pk__gt=after_drama_id))
    return list(changed.order_by("changed_at", "pk").values_list("changed_at", "pk")[:limit])


# --- playback ---------------------------------------------------------------------------------


def episode_for_playback(*, licensee: Organization, episode_id: int) -> Episode | None:
    """The episode, if its drama is published and the licensee holds a window out for it (any territory,
    any time); None otherwise, so that unrelated titles look missing."""
    return (
        Episode.objects.select_related("drama")
        .filter(
            pk=episode_id,
            drama__status=DramaStatus.PUBLISHED,
            drama__in=RightsWindow.objects.filter(
                licensee=licensee, direction=RightsDirection.OUT, status__in=list(IN_FORCE_STATUSES)
            ).values("drama_id"),
        )
        .first()
    )


def playback_refusal(
    *, licensee: Organization, episode: Episode, territory: str, at: dt.datetime | None = None
) -> tuple[str, str] | None:
    """Why the licensee may not play `episode` in `territory` now: (code, detail), or None if it may."""
    at = at or timezone.now()
    rows = list(
        RightsWindowTerritory.objects.filter(
            direction=RightsDirection.OUT,
            status__in=list(IN_FORCE_STATUSES),
            licensee=licensee,
            drama_id=episode.drama_id,
            territory=territory,
        ).values("start", "end", "episode_start", "episode_end")
    )
    if not rows:
        return "territory_not_licensed", f"You are not licensed to show this title in {territory}."
    for row in rows:
        open_now = row["start"] <= at and (row["end"] is None or row["end"] > at)
        covers = (row["episode_start"] or 1) <= episode.number and (
            row["episode_end"] is None or episode.number <= row["episode_end"]
        )
        if open_now and covers:
            return None
    return (
        "outside_window",
        f"Your window for this title in {territory} is not open now or does not cover this episode.",
    )


# --- list cache version -------------------------------------------------------------------


class CatalogueVersion(NamedTuple):
    """What a titles page depends on, as of one query: moves with every change that can alter one."""

    event_id: int | None
    event_at: dt.datetime | None
    drama_at: dt.datetime | None
    localization_at: dt.datetime | None
    artwork_id: int | None
    artwork_at: dt.datetime | None
    episode_id: int | None

    @property
    def last_modified(self) -> dt.datetime | None:
        """The latest recorded change (a rights event counts when it was recorded, not when it takes effect)."""
        times = [t for t in (self.event_at, self.drama_at, self.localization_at, self.artwork_at) if t is not None]
        return min(max(times), timezone.now()) if times else None


def catalogue_version(*, licensee: Organization) -> CatalogueVersion:
    """A cheap fingerprint of everything a titles page depends on, in one round trip of index lookups:
    the licensee's latest rights event, the latest drama change (services bump it for episodes and
    status), the latest localisation change and the newest artwork and episode."""
    from django.db import connection

    with connection.cursor() as cursor:
        execute_prepared(
            cursor,
            "migu_catalogue_version",
            """
            SELECT e.id, e.created_at,
                   (SELECT max(updated_at) FROM catalog_drama),
                   (SELECT max(updated_at) FROM localization_dramalocalization),
                   a.id, a.created_at,
                   (SELECT max(id) FROM catalog_episode)
              FROM (SELECT 1) one
              LEFT JOIN LATERAL (SELECT id, created_at FROM rights_rightsevent WHERE licensee_id = %(licensee)s
                                  ORDER BY id DESC LIMIT 1) e ON true
              LEFT JOIN LATERAL (SELECT id, created_at FROM catalog_artwork ORDER BY id DESC LIMIT 1) a ON true
            """,
            {"licensee": licensee.pk},
        )
        return CatalogueVersion(*cursor.fetchone())


def title_last_modified(*, drama_id: int, window: RightsWindow) -> dt.datetime:
    """When what a title's page shows last changed: the drama, its episodes, localisations, artwork, the
    caller's window (its terms, or its start) — never later than now."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT GREATEST(
                d.updated_at,
                (SELECT max(updated_at) FROM catalog_episode WHERE drama_id = d.id),
                (SELECT max(updated_at) FROM localization_dramalocalization WHERE drama_id = d.id),
                (SELECT max(l.updated_at) FROM localization_episodelocalization l
                   JOIN catalog_episode e ON e.id = l.episode_id WHERE e.drama_id = d.id),
                (SELECT max(created_at) FROM catalog_artwork WHERE drama_id = d.id))
              FROM catalog_drama d WHERE d.id = %s
            """,
            [drama_id],
        )
        row = cursor.fetchone()
    times = [t for t in (row[0] if row else None, window.updated_at, window.start) if t is not None]
    return min(max(times), timezone.now())


# --- the unfiltered titles page in hand-written SQL ------------------------------------------

# Building the ORM version of this query costs more than running it (~15 ms of expression cloning
# and compiling against ~4 ms in PostgreSQL), and the unfiltered page is what partners poll most.
# It must answer exactly what titles_page(titles_available(...)) answers: a test holds the two equal.
TITLES_PAGE_SQL = """
SELECT d.id, d.original_title, d.original_language, d.format, d.production_year, d.free_episode_count,
       d.unlock_price_tier, d.updated_at,
       loc.language, loc.title, loc.title_medium, loc.title_short, loc.synopsis_short,
       ARRAY(SELECT g.slug FROM catalog_drama_genres dg JOIN catalog_genre g ON g.id = dg.genre_id
              WHERE dg.drama_id = d.id ORDER BY g.slug) AS genres,
       ARRAY(SELECT t.slug FROM catalog_drama_tropes dt JOIN catalog_trope t ON t.id = dt.trope_id
              WHERE dt.drama_id = d.id ORDER BY t.slug) AS tropes,
       (SELECT count(*) FROM catalog_episode e WHERE e.drama_id = d.id) AS episode_count,
       (SELECT json_agg(json_build_object('kind', a.kind, 'language', a.language, 'image', a.image,
                                          'width', a.width, 'height', a.height) ORDER BY a.kind, a.language)
          FROM catalog_artwork a WHERE a.drama_id = d.id)::text AS artworks
  FROM catalog_drama d
  LEFT JOIN LATERAL (
       SELECT l.language, l.title, l.title_medium, l.title_short, l.synopsis_short
         FROM localization_dramalocalization l
        WHERE l.drama_id = d.id
        ORDER BY array_position(%(chain)s::varchar[], l.language::varchar) ASC NULLS LAST,
                 (l.language = d.original_language) DESC, l.language ASC
        LIMIT 1) loc ON true
 WHERE d.status = 'published'
   AND d.id > %(after)s
   AND EXISTS (SELECT 1 FROM rights_rightswindowterritory r
                WHERE r.drama_id = d.id AND r.direction = 'out' AND r.status IN ('approved', 'expired')
                  AND r.licensee_id = %(licensee)s AND r.territory = %(territory)s
                  AND r.start <= %(at)s AND (r."end" IS NULL OR r."end" > %(at)s))
 ORDER BY d.id
 LIMIT %(limit)s
"""
TITLES_PAGE_COLUMNS = (
    *LIST_FIELDS, "language", "title", "title_medium", "title_short", "synopsis_short", "genres", "tropes",
    "episode_count", "artworks",
)  # fmt: skip


def titles_page_unfiltered(
    *, licensee: Organization, territory: str, after_id: int, limit: int, language: str, at: dt.datetime | None = None
) -> tuple[list[dict[str, Any]], bool]:
    """titles_page(titles_available(...)) without filters, in one prepared statement."""
    import orjson
    from django.db import connection

    assert tuple(IN_FORCE_STATUSES) == ("approved", "expired")
    params = {
        "chain": language_fallback_chain(language),
        "after": after_id,
        "licensee": licensee.pk,
        "territory": territory.upper(),
        "at": at or timezone.now(),
        "limit": limit + 1,
    }
    with connection.cursor() as cursor:
        execute_prepared(cursor, "migu_titles_page", TITLES_PAGE_SQL, params)
        rows = [dict(zip(TITLES_PAGE_COLUMNS, values)) for values in cursor.fetchall()]
    has_more = len(rows) > limit
    rows = rows[:limit]
    for row in rows:
        if row["language"] is None:  # no localisation at all: the original
            row.update(language=row["original_language"], title_medium="", title_short="", synopsis_short="")
        row["title"] = row["title"] or row["original_title"]
        row["artworks"] = orjson.loads(row["artworks"]) if row["artworks"] else []
    return rows, has_more
