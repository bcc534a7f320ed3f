"""The pages outside the API and the admin."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from migu_platform.middleware import api_error_response, is_api_request


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: the API's JSON 404 under /api/, the platform's HTML page elsewhere."""
    if is_api_request(request):
        return api_error_response(request, 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the API's JSON 500 under /api/, the platform's HTML page elsewhere."""
    if is_api_request(request):
        return api_error_response(request, 500)
    return defaults.server_error(request)
