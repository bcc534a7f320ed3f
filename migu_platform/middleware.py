"""Every answer under /api/ is in the API's one error shape, whatever Django would have sent instead."""

from __future__ import annotations

import zoneinfo
from http import HTTPStatus

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils import timezone

from migu_platform.api.error_responses import (
    DATABASE_UNAVAILABLE,
    SERVICE_UNAVAILABLE_BODY,
    SERVICE_UNAVAILABLE_RETRY_AFTER,
    error_body,
)
from migu_platform.api.handlers import not_found, server_error
from migu_platform.errors import ErrorCode

PLAIN_TEXT = "text/plain; charset=utf-8"

API_PREFIX = "/api/"

_CODES = {
    400: ErrorCode.INVALID,
    401: ErrorCode.NOT_AUTHENTICATED,
    403: ErrorCode.PERMISSION_DENIED,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    406: ErrorCode.NOT_ACCEPTABLE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    429: ErrorCode.THROTTLED,
}


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_error_response(request: HttpRequest, status: int) -> JsonResponse:
    """The API's JSON answer for an HTTP error that no API view shaped itself."""
    if status == 404:
        return not_found(request)
    if status >= 500:
        response = server_error(request)
        response.status_code = status
        return response
    code = _CODES.get(status, ErrorCode.INVALID)
    return JsonResponse(error_body(code.value, f"{HTTPStatus(status).phrase}."), status=status)


class ApiErrorShapeMiddleware:
    """Turns an HTML error page answered for an /api/ URL into the API's JSON error shape.

    API views shape their own errors (DRF's exception handler), and handler404/handler500 answer JSON
    for /api/ URLs when DEBUG is off. What is left are pages Django makes before or around a view: the
    technical 404 of a URL that matches no route and the technical 500 of a crash, both sent under DEBUG
    whatever the handlers say, and the HTML 405 of a plain Django view or of the docs' template renderer.
    Rewriting the finished response (rather than adding a catch-all route) keeps CommonMiddleware's
    slash-appending redirects and covers errors raised in other middleware. It sits first in MIDDLEWARE
    so it sees every response last.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and is_api_request(request)
            and not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
        ):
            allow = response.get("Allow")
            response = api_error_response(request, response.status_code)
            if allow:
                response["Allow"] = allow
        return response


def _has_unstorable(text: str) -> bool:
    """NUL and other C0 controls, DEL, and lone surrogates (what undecodable bytes become)."""
    return any(ord(char) < 32 or ord(char) == 127 or 0xD800 <= ord(char) <= 0xDFFF for char in text)


def _has_nul_or_surrogate(text: str) -> bool:
    """What PostgreSQL cannot hold in a string (NUL) or encode (a lone surrogate)."""
    return "\x00" in text or any(0xD800 <= ord(char) <= 0xDFFF for char in text)


class InputGuardMiddleware:
    """Text no parameter can hold, refused before any view sees it.

    Under /api/: a control character or an undecodable byte in the path is a 404 (no route has such a
    segment), in a query parameter a 400 in the error shape naming the parameter; the declared types
    (migu_platform.api.params, the FilterSets) say the rest. Elsewhere (the admin's list filters and
    autocompletes, the portal, feeds): a NUL or a lone surrogate, which PostgreSQL can neither store nor
    compare, is a plain 400 naming the parameter (the site's 404 page in the path), where it would reach a query and
    fail there. Form bodies are left to the forms, whose fields refuse NUL themselves.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        api = is_api_request(request)
        refused = _has_unstorable if api else _has_nul_or_surrogate
        if refused(request.path_info):
            if api:
                return not_found(request)
            raise Http404("No page has such a path.")  # the site's 404 page (handler404), as for any other path
        for name, values in request.GET.lists():
            if refused(name) or any(refused(value) for value in values):
                if api:
                    body = error_body(
                        ErrorCode.INVALID.value,
                        "The request is invalid; see fields.",
                        fields={name[:64]: ["Control characters and undecodable bytes are not allowed."]},
                    )
                    return JsonResponse(body, status=400)
                shown = name[:64].encode("unicode_escape").decode("ascii")
                return HttpResponseBadRequest(
                    f"The query parameter '{shown}' holds a NUL character or an undecodable byte.",
                    content_type=PLAIN_TEXT,
                )
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A view outside DRF (admin, docs, feeds, health) that lost the database answers 503 with
    Retry-After (under /api/ in the API's error shape) instead of a 500: the platform keeps running and
    the next request reconnects (CONN_HEALTH_CHECKS). API views map the same errors in their handler."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        response: HttpResponse
        if is_api_request(request):
            response = JsonResponse(dict(SERVICE_UNAVAILABLE_BODY), status=503)
        else:
            response = HttpResponse("Service briefly unavailable; please retry.", status=503, content_type=PLAIN_TEXT)
        response["Retry-After"] = SERVICE_UNAVAILABLE_RETRY_AFTER
        return response


ADMIN_PREFIX = "/admin/"
# Set by static/admin-extra/time-zone.js from the browser's own zone (an IANA name such as "Asia/Dubai").
TIME_ZONE_COOKIE = "migu_tz"


def admin_time_zone(request: HttpRequest) -> zoneinfo.ZoneInfo | None:
    """The zone an admin page is shown in: the user's browser's, when it reported a real one."""
    name = request.COOKIES.get(TIME_ZONE_COOKIE, "")
    if not request.path.startswith(ADMIN_PREFIX) or not name or len(name) > 64:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None  # a made-up or malformed name: the server's zone, as before


class AdminTimeZoneMiddleware:
    """Admin pages, and the domain's messages on them, in the user's own time zone (dates typed in forms too)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = admin_time_zone(request)
        if zone is None:
            return self.get_response(request)
        with timezone.override(zone):
            return self.get_response(request)
