"""What every endpoint shares: page sizes, cursor pagination of small lists, and conditional GET
(ETag / Last-Modified / 304 through Django's get_conditional_response)."""

from __future__ import annotations

import binascii
import hashlib
import re
from base64 import b64decode
from datetime import datetime, timedelta
from urllib.parse import parse_qs

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

from migu_platform.api.params import MAX_BIGINT, StrictIntegerField, query_params
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
    ordering: tuple[str, ...] = ("-created_at", "-id")

    @property
    def max_page_size(self) -> int:  # type: ignore[override]  # read per request so settings overrides apply
        return max_page_size()

    def get_page_size(self, request) -> int:
        # DRF falls back to the default on a page size it cannot read; a bad one is a 400 here, as everywhere.
        if self.page_size_query_param not in request.query_params:
            return self.page_size
        size = query_params(PageSizeQuery, request)["page_size"]
        return min(size, self.max_page_size) if self.max_page_size else size

    def decode_cursor(self, request):
        """DRF's cursor (`o`, `r`, `p` in base64), each token checked against its type before use: the
        position `p` is a creation time compared in SQL, so a string that is not one never gets there."""
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None:
            return None
        try:
            if not raw.isascii():
                raise ValueError
            tokens = parse_qs(
                b64decode(raw.encode("ascii")).decode("ascii"), keep_blank_values=True, strict_parsing=True
            )
            if not tokens or not set(tokens) <= {"o", "r", "p"} or any(len(v) != 1 for v in tokens.values()):
                raise ValueError
            PaginationCursor(data={name: values[0] for name, values in tokens.items()}).is_valid(raise_exception=True)
            return super().decode_cursor(request)
        except (ValueError, UnicodeDecodeError, binascii.Error, ValidationError, NotFound) as exc:
            raise DomainError("This cursor is not valid.", code=ErrorCode.INVALID_CURSOR) from exc


class PageSizeQuery(serializers.Serializer):
    page_size = StrictIntegerField(min_value=1, max_value=MAX_BIGINT)


class PaginationCursor(serializers.Serializer):
    o = StrictIntegerField(min_value=0, max_value=MAX_BIGINT, required=False)
    r = serializers.ChoiceField(choices=["0", "1"], required=False)
    p = serializers.CharField(max_length=64, required=False)

    def validate_p(self, value: str) -> str:
        # Positions are creation times (PartnerCursorPagination) or ids (the rights windows' -id ordering).
        if not re.fullmatch(r"[0-9]{1,19}", value):
            try:
                if parse_datetime(value) is None:
                    raise ValueError
            except ValueError as exc:
                raise serializers.ValidationError("Not a position.") from exc
        return value


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
