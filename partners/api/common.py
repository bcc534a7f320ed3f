"""What partner endpoints share: page sizes and conditional GET (ETag / Last-Modified / 304).

Settings: MIGU_API_MAX_PAGE_SIZE (200).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.http import http_date, parse_etags, parse_http_date_safe
from rest_framework.pagination import CursorPagination

DEFAULT_PAGE_SIZE = 50
LAST_MODIFIED_SETTLED = timedelta(seconds=1)
DEFAULT_MAX_PAGE_SIZE = 200


def max_page_size() -> int:
    return int(getattr(settings, "MIGU_API_MAX_PAGE_SIZE", DEFAULT_MAX_PAGE_SIZE))


# --- Pagination ---------------------------------------------------------------------------------


class PartnerCursorPagination(CursorPagination):
    """Cursor pagination for the small lists (keys, webhooks, deliveries); newest first."""

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    ordering = ("-created_at", "-id")

    @property
    def max_page_size(self) -> int:  # read per request so settings overrides apply
        return max_page_size()

    def decode_cursor(self, request):
        from rest_framework.exceptions import NotFound

        from migu_platform.api.errors import DomainError

        try:
            return super().decode_cursor(request)
        except NotFound as exc:  # DRF answers 404 for a bad cursor; it is bad input
            raise DomainError("This cursor is not valid.", code="invalid_cursor") from exc


# --- Conditional GET --------------------------------------------------------------------------


def etag_for(*parts: object) -> str:
    """A strong validator from the parts that determine a representation."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    return f'"{digest}"'


def etag_for_body(body: bytes) -> str:
    return f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


def not_modified(request, *, etag: str | None, last_modified: datetime | None = None) -> HttpResponse | None:
    """A 304 if the client's validators match (If-None-Match wins over If-Modified-Since), else None."""
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match and etag:
        tags = parse_etags(if_none_match)
        weak_stripped = {tag.removeprefix("W/") for tag in tags}
        if "*" in tags or etag in weak_stripped:
            return validators_apply(HttpResponseNotModified(), etag=etag, last_modified=last_modified)
        return None
    if_modified_since = request.META.get("HTTP_IF_MODIFIED_SINCE")
    if if_modified_since and last_modified is not None:
        since = parse_http_date_safe(if_modified_since)
        if since is not None and int(last_modified.timestamp()) <= since:
            return validators_apply(HttpResponseNotModified(), etag=etag, last_modified=last_modified)
    return None


def validators_apply(response, *, etag: str | None, last_modified: datetime | None = None):
    """Set ETag / Last-Modified and the cache policy of tenant-specific responses."""
    if etag:
        response["ETag"] = etag
    if last_modified is not None and timezone.now() - last_modified >= LAST_MODIFIED_SETTLED:
        # HTTP dates have whole seconds: a date from the current second could hide a change made later
        # in the same second, so it is only sent once that second is over (the ETag always is).
        response["Last-Modified"] = http_date(last_modified.timestamp())
    # Every body depends on the caller's key and language: shared caches must not reuse it.
    response["Cache-Control"] = "private, no-cache"
    response["Vary"] = "Authorization, Accept-Language"
    return response
