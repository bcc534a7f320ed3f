"""Limits of every API request: a request rate per API key and a largest JSON body.

Settings: MIGU_API_KEY_RATE, MIGU_API_MAX_BODY_BYTES, MIGU_API_MAX_JSON_DEPTH. This module is imported by DRF's settings
(parser and throttle classes), so it must not import rest_framework.views.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.throttling import BaseThrottle

from migu_platform.errors import DomainError, ErrorCode, TooLargeError
from migu_platform.ratelimit import RateLimitUnavailable, rate_parse, window_hit

logger = logging.getLogger(__name__)

# --- Throttling --------------------------------------------------------------------------------


class ApiKeyRateThrottle(BaseThrottle):
    """At most MIGU_API_KEY_RATE requests per window per API key (by its public prefix), per address
    without one, counted atomically in the shared Redis. Past the rate the API answers 429 with
    `Retry-After` in the one error shape. While Redis is down the limit fails open: requests are served
    uncounted, with a warning logged (migu_platform.ratelimit)."""

    def allow_request(self, request, view) -> bool:
        rate = settings.MIGU_API_KEY_RATE
        if not rate:
            return True
        limit, period = rate_parse(rate)
        prefix = getattr(request.auth, "prefix", None)  # the API key the authentication resolved
        ident = f"key:{prefix}" if prefix else f"ip:{self.get_ident(request)}"
        try:
            count, self.remaining = window_hit(f"throttle:api:{ident}", period_seconds=period)
        except RateLimitUnavailable as exc:
            logger.warning("API rate limit not counted (fails open): %s", exc)
            return True
        return count <= limit

    def wait(self) -> float:
        return max(1.0, self.remaining)


# --- Request body limits ----------------------------------------------------------------------


def payload_too_large(limit: int) -> TooLargeError:
    return TooLargeError(f"The request body is larger than {limit} bytes.")


def body_limit_check(parser_context) -> int:
    """MIGU_API_MAX_BODY_BYTES, after refusing a body that declares more (any content type). Django
    reads a WSGI body up to its Content-Length and no further, so the declared length bounds what
    the parsers can be handed."""
    limit = settings.MIGU_API_MAX_BODY_BYTES
    request = (parser_context or {}).get("request")
    declared = request.META.get("CONTENT_LENGTH") if request is not None else None
    if declared and str(declared).isascii() and str(declared).isdigit() and int(declared) > limit:
        raise payload_too_large(limit)
    return limit


def json_depth_check(value: Any, limit: int) -> None:
    """Refuse a document nested deeper than `limit` (arrays and objects), without recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            raise DomainError(f"The JSON body is nested deeper than {limit} levels.", code=ErrorCode.TOO_DEEP)
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


class LimitedJSONParser(parsers.JSONParser):
    """JSON bodies up to MIGU_API_MAX_BODY_BYTES (413 before being read whole) and MIGU_API_MAX_JSON_DEPTH
    levels deep (400 `too_deep`), parsed by orjson: strict UTF-8, so a lone surrogate (`"\\udc80"`), which
    PostgreSQL cannot store nor a response echo, is a 400 for the whole body and nothing of it is kept."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = body_limit_check(parser_context)
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise payload_too_large(limit)
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            if "depth limit" in str(exc):  # orjson stops at 1024 levels
                raise DomainError(
                    f"The JSON body is nested deeper than {settings.MIGU_API_MAX_JSON_DEPTH} levels.",
                    code=ErrorCode.TOO_DEEP,
                ) from exc
            raise ParseError(f"JSON parse error - {exc}") from exc
        json_depth_check(data, settings.MIGU_API_MAX_JSON_DEPTH)
        return data


class LimitedFormParser(parsers.FormParser):
    """URL-encoded bodies up to MIGU_API_MAX_BODY_BYTES (413)."""

    def parse(self, stream, media_type=None, parser_context=None):
        body_limit_check(parser_context)
        return super().parse(stream, media_type, parser_context)


class LimitedMultiPartParser(parsers.MultiPartParser):
    """Multipart bodies up to MIGU_API_MAX_BODY_BYTES (413), refused before a byte of them is read."""

    def parse(self, stream, media_type=None, parser_context=None):
        body_limit_check(parser_context)
        return super().parse(stream, media_type, parser_context)
