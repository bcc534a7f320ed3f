"""Limits of every API request: a request rate per API key and a largest JSON body.

Settings: MIGU_API_KEY_RATE ("1200/min"), MIGU_API_MAX_BODY_BYTES (2 MiB). This module is imported by
DRF's settings (parser and throttle classes), so it must not import rest_framework.views.
"""

from __future__ import annotations

import io

from django.conf import settings
from rest_framework import parsers, status
from rest_framework.throttling import SimpleRateThrottle

from partners.authentication import ApiClient

DEFAULT_RATE = "1200/min"
DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024


def max_body_bytes() -> int:
    return int(getattr(settings, "MIGU_API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES))


# --- Throttling --------------------------------------------------------------------------------


class ApiKeyRateThrottle(SimpleRateThrottle):
    """A sliding window per API key (by its public prefix) in the shared Redis cache; per IP otherwise.

    Past the rate the API answers 429 with `Retry-After` in the one error shape.
    """

    scope = "api_key"

    def get_rate(self) -> str | None:
        return getattr(settings, "MIGU_API_KEY_RATE", DEFAULT_RATE) or None

    def get_cache_key(self, request, view) -> str:
        user = getattr(request, "user", None)
        ident = f"key:{user.api_key.prefix}" if isinstance(user, ApiClient) else f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


# --- Request body limit ------------------------------------------------------------------------


def payload_too_large(limit: int) -> Exception:
    """413 in the one error shape (imported late: DRF's settings import this module before the handler)."""
    from migu_platform.api.errors import DomainError

    error = DomainError(f"The request body is larger than {limit} bytes.", code="payload_too_large")
    error.status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    return error


class LimitedJSONParser(parsers.JSONParser):
    """JSON bodies up to MIGU_API_MAX_BODY_BYTES; larger ones answer 413 before being read whole."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = max_body_bytes()
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and str(declared).isdigit() and int(declared) > limit:
            raise payload_too_large(limit)
        if stream is None:
            return super().parse(stream, media_type, parser_context)
        # Bodies without a (truthful) Content-Length are read up to the limit and no further.
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise payload_too_large(limit)
        return super().parse(io.BytesIO(body), media_type, parser_context)
