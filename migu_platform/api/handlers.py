"""Django-level error pages in the API's one error shape (URLs that match no route, crashes)."""

from __future__ import annotations

from django.http import JsonResponse

from migu_platform.api.error_responses import NOT_FOUND_BODY, SERVER_ERROR_BODY


def not_found(request, exception=None):
    # The same body as a view's 404, so an id the router refuses looks like any other missing id.
    return JsonResponse(dict(NOT_FOUND_BODY), status=404)


def server_error(request):
    return JsonResponse(dict(SERVER_ERROR_BODY), status=500)
