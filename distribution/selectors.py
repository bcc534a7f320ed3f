"""Reads behind the partner read API: titles, a title, its episodes, the changes feed, playback.

Plain rows (values()) in a fixed number of queries. Every function takes the tenant explicitly. A title
is *available* to a licensee in a territory when the drama is published and the rights app says one of
the licensee's windows is in force there (rights.selectors); nothing here restates that rule.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from itertools import chain
from typing import Any, NamedTuple, cast

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, Exists, Max, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest, JSONObject
from django.utils import timezone

from catalog.models import Artwork, Credit, Drama, DramaStatus, Episode
from catalog.selectors import episode_available_sql, episodes_available
from localization.dubs.selectors import dub_languages_of_drama, dub_languages_packaged
from localization.models import DramaLocalization, EpisodeLocalization
from localization.selectors import (
    localization_chain_param,
    localization_order_sql,
    localization_ordered,
    localization_pick,
    subtitle_languages_packaged,
)
from migu_platform.db import execute_prepared
from migu_platform.errors import found
from partners.models import Organization
from rights.models import IN_FORCE_SQL, RightsWindow
from rights.selectors import (
    rights_available_drama_ids,
    rights_dramas_held,
    rights_languages_allowed,
    rights_rows_in_force,
    rights_territories_in_force,
    rights_window_for,
)

LIST_FIELDS = (
    "id", "original_title", "original_language", "format", "production_year", "free_episode_count",
    "unlock_price_tier", "updated_at",
)  # fmt: skip


def titles_available(*, licensee: Organization, territory: str, at: dt.datetime | None = None) -> QuerySet[Drama]:
    """The published dramas `licensee` may show in `territory` at `at` (default now).

    An EXISTS per drama rather than an IN list of ids: walking dramas by primary key and probing the
    availability index keeps a page's cost the same however deep the cursor and however large the catalogue.
    """
    rows = rights_rows_in_force(licensee=licensee, territory=territory, at=at).filter(drama_id=OuterRef("pk"))
    return Drama.objects.filter(Exists(rows), status=DramaStatus.PUBLISHED)


def titles_available_in(*, licensee: Organization, territory: str, at: dt.datetime | None = None) -> QuerySet[Drama]:
    """titles_available() through the list of dramas available there (one index scan, then primary keys):
    for readers that walk the whole territory at once, such as the MRSS feed."""
    drama_ids = rights_available_drama_ids(licensee=licensee, territory=territory, at=at)
    return Drama.objects.filter(pk__in=drama_ids, status=DramaStatus.PUBLISHED)


def localization_full(*, drama_id: int, language: str, original_language: str) -> Mapping[str, Any]:
    """A drama's localisation for the reader (the fallback chain's pick), with the long synopses."""
    by_language = {
        row["language"]: row
        for row in DramaLocalization.objects.filter(drama_id=drama_id).values(
            "language", "synopsis_medium", "synopsis_long"
        )
    }
    return localization_pick(by_language, language=language, original_language=original_language) or {}


def titles_page(
    queryset: QuerySet[Drama], *, after_id: int, limit: int, language: str
) -> tuple[list[dict[str, Any]], bool]:
    """A keyset page by id, as fast deep as first, in one query: the best localisation along the reader's
    fallback chain, genres, tropes, the episode count and artwork come from correlated subqueries."""
    best = (
        localization_ordered(
            DramaLocalization.objects.filter(drama_id=OuterRef("pk")),
            language=language,
            original_language=OuterRef("original_language"),
        ).values(
            json=JSONObject(
                language="language", title="title", title_medium="title_medium", title_short="title_short",
                synopsis_short="synopsis_short",
            )
        )[:1]
    )  # fmt: skip
    genres = Drama.genres.through.objects.filter(drama_id=OuterRef("pk")).order_by("genre__slug").values("genre__slug")
    tropes = Drama.tropes.through.objects.filter(drama_id=OuterRef("pk")).order_by("trope__slug").values("trope__slug")
    episode_count = (
        episodes_available(Episode.objects.filter(drama_id=OuterRef("pk")))
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


def title_detail(*, licensee: Organization, drama_id: int, territory: str, language: str) -> dict[str, Any]:
    """A title with its episodes, credits, artwork and the caller's window terms (and `last_modified`).

    NotFoundError when it is missing, not published, or not licensed to the caller here and now: one answer.
    """
    drama = found(Drama.objects.filter(pk=drama_id, status=DramaStatus.PUBLISHED).values(*LIST_FIELDS).first())
    window = found(rights_window_for(licensee=licensee, drama=drama_id, territory=territory))
    rows, _ = titles_page(Drama.objects.filter(pk=drama_id), after_id=0, limit=1, language=language)
    title = rows[0]
    full = localization_full(drama_id=drama_id, language=language, original_language=drama["original_language"])
    title["synopsis_medium"] = full.get("synopsis_medium", "")
    title["synopsis_long"] = full.get("synopsis_long", "")
    title["credits"] = list(
        Credit.objects.filter(drama_id=drama_id)
        .order_by("billing_order", "id")
        .values("role", "character_name", "billing_order", "person__name", "person__latin_name")
    )
    title["episodes"] = episodes_for(
        window=window, drama_id=drama_id, language=language, original_language=drama["original_language"]
    )
    title["episode_count"] = len(title["episodes"])
    title["monetisation"] = monetisation_for(window=window, drama=drama)
    title.update(languages_for(window=window, drama_id=drama_id, original_language=drama["original_language"]))
    title["last_modified"] = title_last_modified(drama_id=drama_id, window=window)
    return title


def monetisation_for(*, window: RightsWindow, drama: Mapping[str, Any]) -> dict[str, Any]:
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
    """Only the languages the window allows of what exists: the original audio and the dubs packaged on any
    episode, and the subtitles packaged for playback on any available episode the window covers."""
    episode_ids = episodes_available(Episode.objects.filter(window.episode_numbers(), drama_id=drama_id)).values("id")
    packaged = set(chain.from_iterable(subtitle_languages_packaged(episode_ids=episode_ids).values()))
    audio = [original_language, *(tag for tag in dub_languages_of_drama(drama_id=drama_id) if tag != original_language)]
    allowed = rights_languages_allowed(window=window, audio_available=audio, subtitles_available=sorted(packaged))
    return {
        "audio_languages": [tag for tag in allowed["audio_languages"] if tag in audio],
        "subtitle_languages": [tag for tag in allowed["subtitle_languages"] if tag in packaged],
    }


def episodes_for(*, window: RightsWindow, drama_id: int, language: str, original_language: str) -> list[dict[str, Any]]:
    """The episodes the window covers, with localised titles and the audio (the original, the dubs) and
    subtitle languages packaged for playback that the window allows (four queries); withheld ones are left out."""
    episodes = episodes_available(Episode.objects.filter(window.episode_numbers(), drama_id=drama_id))
    # Plain dicts that gain the localised keys below (values() rows, typed by the stubs as closed TypedDicts).
    rows = cast(
        list[dict[str, Any]],
        list(episodes.order_by("number").values("id", "number", "original_title", "duration_seconds")),
    )
    by_episode: dict[int, dict[str, Mapping[str, Any]]] = defaultdict(dict)
    for text in EpisodeLocalization.objects.filter(episode_id__in=[r["id"] for r in rows]).values(
        "episode_id", "language", "title", "synopsis"
    ):
        by_episode[text["episode_id"]][text["language"]] = text
    packaged = subtitle_languages_packaged(episode_ids=[r["id"] for r in rows])
    dubbed = dub_languages_packaged(episode_ids=[r["id"] for r in rows])
    for row in rows:
        loc = localization_pick(by_episode.get(row["id"], {}), language=language) or {}
        row["title"] = loc.get("title") or row.pop("original_title")
        row.pop("original_title", None)
        row["synopsis"] = loc.get("synopsis", "")
        available = packaged.get(row["id"], [])
        allowed = rights_languages_allowed(window=window, audio_available=[], subtitles_available=available)
        row["subtitle_languages"] = [tag for tag in allowed["subtitle_languages"] if tag in available]
        audio = [original_language, *(tag for tag in dubbed.get(row["id"], []) if tag != original_language)]
        allowed = rights_languages_allowed(window=window, audio_available=audio, subtitles_available=[])
        row["audio_languages"] = [tag for tag in allowed["audio_languages"] if tag in audio]
    return rows


# --- changes feed -----------------------------------------------------------------------------


def availability_now(
    *, licensee: Organization, drama_ids: Iterable[int], at: dt.datetime | None = None
) -> dict[int, list[str]]:
    """drama id -> sorted territories where `licensee` may show it now (published dramas only)."""
    drama_ids = list(drama_ids)
    published = set(Drama.objects.filter(pk__in=drama_ids, status=DramaStatus.PUBLISHED).values_list("pk", flat=True))
    territories = rights_territories_in_force(licensee=licensee, drama_ids=published, at=at)
    return {drama_id: found for drama_id, found in territories.items() if found}


def _latest(model: type[Model], field: str, key: str = "drama") -> Subquery:
    return Subquery(
        model._default_manager.filter(**{key: OuterRef("pk")})
        .order_by()
        .values(key)
        .annotate(m=Max(field))
        .values("m")[:1]
    )


def catalogue_changes_since(
    *, licensee: Organization, since: dt.datetime | None, after_drama_id: int, until: dt.datetime, limit: int
) -> list[tuple[dt.datetime, int]]:
    """(changed_at, drama id) of the licensee's dramas whose metadata, episodes, artwork or localisations
    changed after (since, after_drama_id) and up to `until`, in that order (one query)."""
    changed = Drama.objects.filter(pk__in=rights_dramas_held(licensee=licensee, ever=True)).annotate(
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


def episode_for_playback(*, licensee: Organization, episode_id: int) -> Episode:
    """The episode, if its drama is published and the licensee holds a window out for it (any territory,
    any time); NotFoundError otherwise, so that unrelated titles look missing."""
    return found(
        Episode.objects.select_related("drama")
        .filter(pk=episode_id, drama__status=DramaStatus.PUBLISHED, drama__in=rights_dramas_held(licensee=licensee))
        .first()
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
    """When what a title's page shows last changed: the drama, its episodes, localisations, artwork, packaged
    subtitles, the caller's window (its terms, or its start) — never later than now."""
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
                (SELECT max(created_at) FROM catalog_artwork WHERE drama_id = d.id),
                (SELECT max(r.updated_at) FROM localization_subtitlerendition r
                   JOIN media_ladder l ON l.id = r.ladder_id
                   JOIN catalog_episode e ON e.id = l.episode_id WHERE e.drama_id = d.id))
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
       (SELECT count(*) FROM catalog_episode e WHERE e.drama_id = d.id AND {episode_available}) AS episode_count,
       (SELECT json_agg(json_build_object('kind', a.kind, 'language', a.language, 'image', a.image,
                                          'width', a.width, 'height', a.height) ORDER BY a.kind, a.language)
          FROM catalog_artwork a WHERE a.drama_id = d.id)::text AS artworks
  FROM catalog_drama d
  LEFT JOIN LATERAL (
       SELECT l.language, l.title, l.title_medium, l.title_short, l.synopsis_short
         FROM localization_dramalocalization l
        WHERE l.drama_id = d.id
        ORDER BY {localization_order}
        LIMIT 1) loc ON true
 WHERE d.status = 'published'
   AND d.id > %(after)s
   AND EXISTS (SELECT 1 FROM rights_rightswindowterritory r WHERE r.drama_id = d.id AND {in_force})
 ORDER BY d.id
 LIMIT %(limit)s
""".format(  # noqa: S608 (module constants only, no input)
    localization_order=localization_order_sql(alias="l", original_language_sql="d.original_language"),
    in_force=IN_FORCE_SQL,
    episode_available=episode_available_sql("e"),
)
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

    params = {
        "chain": localization_chain_param(language),
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
