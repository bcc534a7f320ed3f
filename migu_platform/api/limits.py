"""Limits of every API request: a request rate per API key and a largest JSON body.

Settings: MIGU_API_KEY_RATE, MIGU_API_MAX_BODY_BYTES. This module is imported by DRF's settings
(parser and throttle classes), so it must not import rest_framework.views.
"""

from __future__ import annotations

import io

from django.conf import settings
from rest_framework import parsers
from rest_framework.throttling import SimpleRateThrottle

from migu_platform.errors import TooLargeError

# --- Throttling --------------------------------------------------------------------------------


class ApiKeyRateThrottle(SimpleRateThrottle):
    """A sliding window per API key (by its public prefix) in the shared Redis cache; per IP otherwise.

    Past the rate the API answers 429 with `Retry-After` in the one error shape.
    """

    scope = "api_key"

    def get_rate(self) -> str | None:
        return settings.MIGU_API_KEY_RATE or None

    def get_cache_key(self, request, view) -> str:
        prefix = getattr(request.auth, "prefix", None)  # the API key the authentication resolved
        ident = f"key:{prefix}" if prefix else f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


# --- Request body limit ------------------------------------------------------------------------


def payload_too_large(limit: int) -> TooLargeError:
    return TooLargeError(f"The request body is larger than {limit} bytes.")


class LimitedJSONParser(parsers.JSONParser):
    """JSON bodies up to MIGU_API_MAX_BODY_BYTES; larger ones answer 413 before being read whole."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.MIGU_API_MAX_BODY_BYTES
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
