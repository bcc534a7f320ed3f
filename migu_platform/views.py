"""The pages outside the API and the admin: the landing page and the error pages."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views import defaults
from django.views.decorators.http import require_GET

from migu_platform.middleware import api_error_response, is_api_request


@dataclass(frozen=True)
class Destination:
    """Where one kind of user goes from the landing page."""

    audience: str
    title: str
    url_name: str
    summary: str


# One line per kind of user; the landing page lists them in this order. Only places that exist are
# listed.
DESTINATIONS = [
    Destination("Content, rights and localization managers", "Admin", "admin:index", "Curate series and episodes, upload masters and follow their transcodes, add translations, grant rights windows and exchange EMA Avails."),
    Destination("Regional operators", "Operator portal", "portal:overview", "Your region's live titles, what starts and expires soon, plays, completion, unlocks and revenue over time, by channel and language, in your language."),
    Destination("Partner platforms", "API documentation", "api-docs", "Pull the titles you are licensed for, localised, with signed playback URLs; sync through the changes feed and signed webhooks; report playback events."),
]  # fmt: skip


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    destinations = [{"destination": item, "url": reverse(item.url_name)} for item in DESTINATIONS]
    return render(request, "home.html", {"destinations": destinations})


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400 (a Host not in ALLOWED_HOSTS, a malformed one): the API's JSON 400 under /api/."""
    if is_api_request(request):
        return api_error_response(request, 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403: the API's JSON 403 under /api/, the platform's HTML page elsewhere."""
    if is_api_request(request):
        return api_error_response(request, 403)
    return defaults.permission_denied(request, exception)  # type: ignore[arg-type]


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
