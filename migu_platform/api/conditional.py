"""What every endpoint shares: page sizes, cursor pagination of small lists, and conditional GET
(ETag / Last-Modified / 304 through Django's get_conditional_response)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination

from migu_platform.errors import DomainError, ErrorCode

DEFAULT_PAGE_SIZE = 50
LAST_MODIFIED_SETTLED = timedelta(seconds=1)


def max_page_size() -> int:
    return settings.MIGU_API_MAX_PAGE_SIZE


# --- Pagination ---------------------------------------------------------------------------------


class PartnerCursorPagination(CursorPagination):
    """Cursor pagination for the small lists (keys, webhooks, deliveries); newest first."""

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    ordering = ("-created_at", "-id")

    @property
    def max_page_size(self) -> int:  # type: ignore[override]  # read per request so settings overrides apply
        return max_page_size()

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound as exc:  # DRF answers 404 for a bad cursor; it is bad input
            raise DomainError("This cursor is not valid.", code=ErrorCode.INVALID_CURSOR) from exc


# --- Conditional GET --------------------------------------------------------------------------


def etag_for_body(body: bytes) -> str:
    """A strong validator of a serialised body."""
    return f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


def not_modified(
    request: HttpRequest, *, etag: str | None, last_modified: datetime | None = None
) -> HttpResponse | None:
    """A 304 (or 412) if the client's validators say its copy is current, else None. If-None-Match wins
    over If-Modified-Since (RFC 9110 §13.2.2), compared weakly as GET requires."""
    timestamp = int(last_modified.timestamp()) if last_modified is not None else None
    response = get_conditional_response(request, etag=etag, last_modified=timestamp)
    if response is None:
        return None
    return validators_apply(response, etag=etag, last_modified=last_modified)


def validators_apply(
    response: HttpResponse, *, etag: str | None, last_modified: datetime | None = None
) -> HttpResponse:
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
