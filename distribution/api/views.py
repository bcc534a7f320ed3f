"""The partner catalogue: titles, a title, its episodes, the changes feed and the MRSS feed.

Lists are built from values() rows and serialised with orjson (DRF serializers cost ~50 µs a row);
the serializers in distribution/api/serializers.py describe the same shapes for the OpenAPI schema.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from typing import Any

import orjson
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import HttpResponse
from django.utils import timezone
from django.utils.encoding import filepath_to_uri
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.views import APIView

from catalog.errors import EPISODE_WITHHELD_DETAIL, EpisodeWithheldError
from catalog.selectors import episode_playback_refusal
from distribution import selectors as queries
from distribution.api.filters import TitleFilterSet
from distribution.api.serializers import (
    ChangePageSerializer,
    EpisodeListSerializer,
    TitleDetailSerializer,
    TitlePageSerializer,
)
from localization.languages import is_valid_tag, normalize_tag
from migu_platform.api.conditional import (
    DEFAULT_PAGE_SIZE,
    etag_for_body,
    max_page_size,
    not_modified,
    validators_apply,
)
from migu_platform.api.params import (
    MAX_BIGINT,
    StrictIntegerField,
    cursor_decode,
    cursor_encode,
    object_id,
    query_params,
)
from migu_platform.api.schema import error_example, error_response
from migu_platform.errors import DomainError, RefusedError, invalid
from migu_platform.public import public_url
from partners.geography import validate_territories
from partners.models import ApiKeyScope
from partners.permissions import HasScope
from rights.errors import PLAYBACK_REFUSALS
from rights.models import RightsEventKind
from rights.selectors import rights_events_since, rights_playback_refusal

JSON = "application/json"


def changes_settle() -> dt.timedelta:
    return dt.timedelta(seconds=settings.MIGU_CHANGES_SETTLE_SECONDS)


TERRITORY_PARAM = OpenApiParameter(
    "territory",
    str,
    required=True,
    description="ISO 3166-1 alpha-2 country the titles are shown in.",
    pattern="^[A-Za-z]{2}$",
)
LANG_PARAM = OpenApiParameter(
    "lang",
    str,
    description="BCP 47 language for texts (falls back along the chain, e.g. zh-Hant-HK → zh-Hant → "
    "zh-Hans → en). Default: the Accept-Language header, then the organization's first language.",
)
FILTER_PARAMS = [
    OpenApiParameter(
        name,
        OpenApiTypes.DATETIME if name == "updated_since" else str,
        enum=[value for value, _ in declared.extra.get("choices", [])] or None,
        description=str(declared.extra.get("help_text", "")),
    )
    for name, declared in TitleFilterSet.base_filters.items()
]
CURSOR_PARAM = OpenApiParameter("cursor", str, description="The `next_cursor` of the previous page.")
PAGE_SIZE_PARAM = OpenApiParameter(
    "page_size",
    int,
    description=f"Items per page (default {DEFAULT_PAGE_SIZE}, at most 200).",
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    str,
    location=OpenApiParameter.HEADER,
    description="An ETag from a previous answer: 304 if unchanged.",
)
IF_MODIFIED_SINCE = OpenApiParameter(
    "If-Modified-Since",
    str,
    location=OpenApiParameter.HEADER,
    description="A Last-Modified date from a previous answer (HTTP date): 304 if nothing changed since. "
    "Ignored when If-None-Match is sent.",
)
NOT_MODIFIED = OpenApiResponse(
    description="Not modified: the ETag (or, without one, the date) you sent is current. 200 answers carry "
    "ETag and, once the change is over a second old, Last-Modified."
)
BAD_QUERY = error_response(
    "A query parameter is invalid.",
    error_example(
        "invalid", "The request is invalid; see fields.", fields={"territory": ["Required: a country code."]}
    ),
    error_example("invalid_cursor", "This cursor is not valid."),
)


def json_response(body: Any, *, status: int = 200) -> HttpResponse:
    return HttpResponse(orjson.dumps(body), content_type=JSON, status=status)


def territory_param(request) -> str:
    territory = (request.query_params.get("territory") or "").strip().upper()
    if not territory:
        raise invalid("territory", "Required: an ISO 3166-1 alpha-2 country code.")
    try:
        validate_territories([territory])
    except ValidationError as exc:
        raise invalid("territory", "Not a country code (ISO 3166-1 alpha-2).") from exc
    if len(territory) != 2:
        raise invalid("territory", "Not a country code (ISO 3166-1 alpha-2).")
    return territory


def language_param(request) -> str:
    """`lang`, else the first acceptable Accept-Language tag, else the organization's first language."""
    lang = request.query_params.get("lang")
    if lang is not None:
        if not is_valid_tag(lang):
            raise invalid("lang", "Not a BCP 47 language tag.")
        return normalize_tag(lang)
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    candidates = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0 and is_valid_tag(tag):
            candidates.append((-quality, position, normalize_tag(tag)))
    if candidates:
        return min(candidates)[2]
    return (request.tenant.languages or ["en"])[0]


class PageQuery(serializers.Serializer):
    page_size = StrictIntegerField(min_value=1, max_value=MAX_BIGINT, required=False)


class TitlesCursor(serializers.Serializer):
    after = StrictIntegerField(text=False, min_value=0, max_value=MAX_BIGINT, default=0)


class ChangesCursor(serializers.Serializer):
    """Where the feed stands: the last rights event (e), and the last catalogue change (t, d)."""

    e = StrictIntegerField(text=False, min_value=0, max_value=MAX_BIGINT, default=0)
    t = serializers.DateTimeField(allow_null=True, default=None)
    d = StrictIntegerField(text=False, min_value=0, max_value=MAX_BIGINT, default=0)


def page_size_param(request) -> int:
    size = query_params(PageQuery, request).get("page_size", DEFAULT_PAGE_SIZE)
    return min(size, max_page_size())


def media_url(request, name: str) -> str:
    return public_url(default_storage.url(name)) if name else ""


def media_url_maker(request):
    """name -> absolute URL on the public base URL; for local storage the base is resolved once (object
    stores sign each URL)."""
    if isinstance(default_storage, FileSystemStorage):
        base = public_url(default_storage.base_url)
        return lambda name: base + filepath_to_uri(name) if name else ""
    return lambda name: media_url(request, name)


def present_artworks(request, rows: list[dict], url_for=None) -> list[dict]:
    url_for = url_for or media_url_maker(request)
    return [
        {"kind": a["kind"], "language": a["language"], "url": url_for(a["image"]), "width": a["width"],
         "height": a["height"]}
        for a in rows
    ]  # fmt: skip


def conditional_json(request, body: Any, *, last_modified: dt.datetime | None = None) -> HttpResponse:
    """Serialise once; answer 304 when the client's ETag (or, without one, its date) is current."""
    payload = orjson.dumps(body)
    etag = etag_for_body(payload)
    unchanged = not_modified(request, etag=etag, last_modified=last_modified)
    if unchanged is not None:
        return unchanged
    return validators_apply(HttpResponse(payload, content_type=JSON), etag=etag, last_modified=last_modified)


class CatalogView(APIView):
    permission_classes = [HasScope]
    required_scopes = [ApiKeyScope.CATALOG_READ]


class TitleListView(CatalogView):
    """The titles the caller may show in a territory now, localised, filtered, cursor-paginated."""

    @extend_schema(
        operation_id="titles_list",
        tags=["titles"],
        parameters=[
            TERRITORY_PARAM,
            LANG_PARAM,
            *FILTER_PARAMS,
            CURSOR_PARAM,
            PAGE_SIZE_PARAM,
            IF_NONE_MATCH,
            IF_MODIFIED_SINCE,
        ],
        responses={200: TitlePageSerializer, 304: NOT_MODIFIED, 400: BAD_QUERY},
    )
    def get(self, request):
        territory = territory_param(request)
        language = language_param(request)
        limit = page_size_param(request)
        after_id = cursor_decode(request.query_params.get("cursor"), TitlesCursor)["after"]
        # The unfiltered page (what partners poll most) skips building the FilterSet and its form.
        filterset = None
        filters: dict = {}
        if any(name in request.query_params for name in TitleFilterSet.base_filters):
            filterset = TitleFilterSet(
                request.query_params, queryset=queries.titles_available(licensee=request.tenant, territory=territory)
            )
            if not filterset.is_valid():
                raise DomainError("The request is invalid; see fields.", fields=dict(filterset.errors))
            filters = filterset.active()

        def render() -> bytes:
            if filterset is not None and filters:
                rows, has_more = queries.titles_page(filterset.qs, after_id=after_id, limit=limit, language=language)
            else:
                rows, has_more = queries.titles_page_unfiltered(
                    licensee=request.tenant, territory=territory, after_id=after_id, limit=limit, language=language
                )
            url_for = media_url_maker(request)
            for row in rows:
                row["artworks"] = present_artworks(request, row["artworks"], url_for)
            next_cursor = cursor_encode({"after": rows[-1]["id"]}) if has_more else None
            return orjson.dumps({"results": rows, "next_cursor": next_cursor})

        identity = (
            request.tenant.pk,
            territory,
            language,
            limit,
            after_id,
            sorted(filters.items()),
        )
        return cached_page_response(request, identity, render)


# The ETags of pages this process served lately, by cache key: a key names one catalogue version and
# minute, so its page never changes; revalidating a page served here needs no Redis read.
_etags_seen: dict[str, str] = {}
ETAGS_SEEN_MAX = 2048


def _etag_remember(key: str, etag: str) -> None:
    if len(_etags_seen) >= ETAGS_SEEN_MAX:
        _etags_seen.clear()  # keys of past minutes are dead weight: start again
    _etags_seen[key] = etag


def cached_page_response(request, identity: tuple, render) -> HttpResponse:
    """A titles page, from the shared cache while the catalogue version and the minute are the same.

    The version (queries.catalogue_version) moves with every rights event, drama, localisation, episode
    and artwork change; the minute bounds what it cannot see (a window reaching its start or end between
    two runs of the rights state job). A revalidation costs the key lookup, one query of index lookups
    and at most one small Redis read (the page's ETag, kept apart from the page): no page is loaded
    for a 304.
    """
    ttl = settings.MIGU_API_LIST_CACHE_SECONDS
    version = queries.catalogue_version(licensee=request.tenant)
    last_modified = version.last_modified
    if ttl <= 0:
        payload = render()
        etag = etag_for_body(payload)
    else:
        minute = int(time.time() // 60)
        key = "titles:" + hashlib.blake2b(repr((identity, version, minute)).encode(), digest_size=16).hexdigest()
        if "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META:
            etag = _etags_seen.get(key) or cache.get(key + ":etag")
            if etag is not None and (unchanged := not_modified(request, etag=etag, last_modified=last_modified)):
                _etag_remember(key, etag)
                return unchanged
        hit = cache.get(key)
        if hit is None:
            payload = render()
            etag = etag_for_body(payload)
            cache.set_many({key: (etag, payload), key + ":etag": etag}, timeout=ttl)
        else:
            etag, payload = hit
        _etag_remember(key, etag)
    unchanged = not_modified(request, etag=etag, last_modified=last_modified)
    if unchanged is not None:
        return unchanged
    return validators_apply(HttpResponse(payload, content_type=JSON), etag=etag, last_modified=last_modified)


def title_for(request, pk) -> dict:
    """The title as queries.title_detail gives it (with `last_modified`); NotFoundError if it is missing,
    unpublished or not licensed to the caller here and now."""
    return queries.title_detail(
        licensee=request.tenant,
        drama_id=object_id(pk),
        territory=territory_param(request),
        language=language_param(request),
    )


def present_title(request, title: dict) -> dict:
    title["artworks"] = present_artworks(request, title["artworks"])
    free = title["monetisation"]["free_episode_count"]
    for episode in title["episodes"]:
        episode["free"] = episode["number"] <= free
    title["credits"] = [
        {"role": c["role"], "name": c["person__name"], "latin_name": c["person__latin_name"],
         "character_name": c["character_name"], "billing_order": c["billing_order"]}
        for c in title["credits"]
    ]  # fmt: skip
    return title


TITLE_NOT_FOUND = error_response(
    "Missing, unpublished, or not licensed to you in this territory now: the same body in every case.",
    error_example("not_found", "Not found."),
)


class TitleDetailView(CatalogView):
    """A title with its episodes, credits, artwork, your window's terms and your licensed languages."""

    @extend_schema(
        operation_id="titles_retrieve",
        tags=["titles"],
        parameters=[TERRITORY_PARAM, LANG_PARAM, IF_NONE_MATCH, IF_MODIFIED_SINCE],
        responses={200: TitleDetailSerializer, 304: NOT_MODIFIED, 400: BAD_QUERY, 404: TITLE_NOT_FOUND},
    )
    def get(self, request, pk):
        title = present_title(request, title_for(request, pk))
        last_modified = title.pop("last_modified")
        return conditional_json(request, title, last_modified=last_modified)


class TitleEpisodeListView(CatalogView):
    """The episodes of a title that your window covers, localised."""

    @extend_schema(
        operation_id="titles_episodes_list",
        tags=["titles"],
        parameters=[TERRITORY_PARAM, LANG_PARAM, IF_NONE_MATCH, IF_MODIFIED_SINCE],
        responses={200: EpisodeListSerializer, 304: NOT_MODIFIED, 400: BAD_QUERY, 404: TITLE_NOT_FOUND},
    )
    def get(self, request, pk):
        title = present_title(request, title_for(request, pk))
        return conditional_json(
            request, {"title_id": title["id"], "results": title["episodes"]}, last_modified=title["last_modified"]
        )


class ChangeFeedView(CatalogView):
    """An incremental feed of your catalogue: each title that changed since the cursor, with where you may
    show it now (added / updated: upsert; withdrawn: remove). Replaying from no cursor rebuilds exactly
    what `titles/` lists, territory by territory; poll with the last `next_cursor`."""

    @extend_schema(
        operation_id="changes_list",
        tags=["sync"],
        parameters=[CURSOR_PARAM, PAGE_SIZE_PARAM],
        responses={200: ChangePageSerializer, 400: BAD_QUERY},
        examples=[
            OpenApiExample(
                "A page",
                value={
                    "results": [
                        {"title_id": 42, "change": "added", "territories": ["SG", "TH"],
                         "changed_at": "2026-11-24T00:00:00Z", "cursor": "eyJlIjoxMiwidCI6bnVsbCwiZCI6MH0"},
                        {"title_id": 7, "change": "withdrawn", "territories": [],
                         "changed_at": "2026-11-24T00:00:00Z", "cursor": "eyJlIjoxMywidCI6bnVsbCwiZCI6MH0"},
                    ],
                    "next_cursor": "eyJlIjoxMywidCI6bnVsbCwiZCI6MH0",
                    "has_more": False,
                },
                response_only=True,
            )
        ],
    )  # fmt: skip
    def get(self, request):
        limit = page_size_param(request)
        raw_cursor = request.query_params.get("cursor")
        cursor = cursor_decode(raw_cursor, ChangesCursor)
        event_after, since_at, after_drama = cursor["e"], cursor["t"], cursor["d"]
        since = since_at.isoformat() if since_at is not None else None

        # 1. Rights changes (window granted, started, ended, revoked, updated), in commit order.
        events = rights_events_since(licensee=request.tenant, cursor=event_after, limit=limit + 1)
        has_more = len(events) > limit
        events = events[:limit]
        changes: list[tuple[int, str | None, dt.datetime, dict]] = []
        for event in events:
            event_after = event.pk
            changes.append((event.drama_id, event.kind, event.occurred_at, {"e": event_after}))
        # 2. Catalogue changes (metadata, episodes, artwork, localisations) once rights changes are drained.
        if not has_more:
            room = limit - len(changes)
            rows = queries.catalogue_changes_since(
                licensee=request.tenant,
                since=since_at,
                after_drama_id=after_drama,
                until=timezone.now() - changes_settle(),
                limit=room + 1,
            )
            has_more = len(rows) > room
            for changed_at, drama_id in rows[:room]:
                since, after_drama = changed_at.isoformat(), drama_id
                changes.append((drama_id, None, changed_at, {"t": since, "d": after_drama}))

        availability = queries.availability_now(licensee=request.tenant, drama_ids={c[0] for c in changes})
        position = {"e": cursor["e"], "t": since, "d": cursor["d"]}
        results = []
        for drama_id, kind, changed_at, moved in changes:
            position = {**position, **moved}
            territories = availability.get(drama_id, [])
            if not territories:
                change = "withdrawn"
            elif kind in (RightsEventKind.GRANTED, RightsEventKind.STARTED):
                change = "added"
            else:
                change = "updated"
            results.append(
                {"title_id": drama_id, "change": change, "territories": territories, "changed_at": changed_at,
                 "cursor": cursor_encode(position)}
            )  # fmt: skip
        return json_response({"results": results, "next_cursor": cursor_encode(position), "has_more": has_more})


class RssRenderer(BaseRenderer):
    """Lets feed readers ask for RSS; the view's body is already XML, errors stay JSON bytes."""

    media_type = "application/rss+xml"
    format = "rss"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else orjson.dumps(data)


class MrssFeedView(CatalogView):
    """A Media RSS 2.0 feed of the titles you may show in a territory now, localised."""

    renderer_classes = [JSONRenderer, RssRenderer]

    @extend_schema(
        operation_id="feeds_mrss",
        tags=["feeds"],
        parameters=[TERRITORY_PARAM, LANG_PARAM],
        responses={
            (200, "application/rss+xml"): OpenApiResponse(OpenApiTypes.STR, description="RSS 2.0 with Media RSS."),
            400: BAD_QUERY,
        },
    )
    def get(self, request):
        from distribution.api.mrss import mrss_feed

        territory = territory_param(request)
        language = language_param(request)
        queryset = queries.titles_available_in(licensee=request.tenant, territory=territory)
        items: list[dict] = []
        after = 0
        while True:
            rows, more = queries.titles_page(queryset, after_id=after, limit=500, language=language)
            for row in rows:
                row["artworks"] = present_artworks(request, row["artworks"])
                row["link"] = public_url(f"/api/v1/titles/{row['id']}/?territory={territory}")
            items.extend(rows)
            if not more:
                break
            after = rows[-1]["id"]
        body = mrss_feed(
            title=f"Migu — {request.tenant.name} — {territory}",
            link=public_url(request.get_full_path()),
            language=language,
            items=items,
        )
        return HttpResponse(body, content_type="application/rss+xml; charset=utf-8")


# --- Playback ---------------------------------------------------------------------------------


class PlaybackOutSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="The HLS master playlist; signed for you, this episode and territory.")
    expires_at = serializers.DateTimeField()


PLAYBACK_TTL_SECONDS = 3600


class EpisodePlaybackView(CatalogView):
    """A signed, expiring URL of the episode's HLS master playlist, if you may show it here and now."""

    @extend_schema(
        operation_id="episodes_playback",
        tags=["playback"],
        parameters=[TERRITORY_PARAM],
        responses={
            200: PlaybackOutSerializer,
            400: BAD_QUERY,
            403: error_response(
                "Licensed, but not in this territory, or not now (or not this episode); or the episode is "
                "withheld by the licensor (it is then also left out of the title's episodes).",
                error_example("territory_not_licensed", "You are not licensed to show this title in BR."),
                error_example("outside_window", "Your window for this title in TH is not open now."),
                error_example("episode_withheld", EPISODE_WITHHELD_DETAIL.format(number=3), episode_id=301),
                error_example("permission_denied", "This API key lacks the scope(s): catalog:read."),
            ),
            404: error_response(
                "Missing, unpublished, or a title you hold no window for: the same body.",
                error_example("not_found", "Not found."),
            ),
            409: error_response(
                "The episode has no playable ladder yet.",
                error_example("not_ready", "Episode 3 has no playable ladder yet.", episode_id=301),
            ),
        },
    )
    def get(self, request, pk):
        from media.services import playback_session_create

        episode = queries.episode_for_playback(licensee=request.tenant, episode_id=object_id(pk))
        territory = territory_param(request)
        refusal = rights_playback_refusal(
            licensee=request.tenant, drama=episode.drama_id, episode_number=episode.number, territory=territory
        )
        if refusal is not None:
            raise RefusedError(PLAYBACK_REFUSALS[refusal].format(territory=territory), code=refusal)
        if episode_playback_refusal(episode=episode) is not None:
            raise EpisodeWithheldError(episode.number, episode_id=episode.pk)
        session = playback_session_create(
            organization=request.tenant, episode=episode, territory=territory, ttl_seconds=PLAYBACK_TTL_SECONDS
        )
        body = {"url": public_url(session.url), "expires_at": session.expires_at}
        response = json_response(body)
        response["Cache-Control"] = "private, no-store"
        return response


# --- EMA Avails -------------------------------------------------------------------------------


class XmlRenderer(BaseRenderer):
    media_type = "application/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else orjson.dumps(data)


class AvailsView(CatalogView):
    """Your rights windows as EMA Avails XML (v2.4): as licensee, or for a licensor, on its dramas."""

    renderer_classes = [JSONRenderer, XmlRenderer]

    @extend_schema(
        operation_id="avails_retrieve",
        tags=["feeds"],
        responses={(200, "application/xml"): OpenApiResponse(OpenApiTypes.STR, description="EMA Avails XML.")},
    )
    def get(self, request):
        from avails.exporters import avails_xml_for
        from rights.selectors import rights_windows_of

        windows = (
            rights_windows_of(organization=request.tenant)
            .select_related("drama__owner")
            .prefetch_related("drama__episodes")
        )
        return HttpResponse(avails_xml_for(windows), content_type="application/xml; charset=utf-8")
