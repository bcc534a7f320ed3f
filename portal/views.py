"""The operator portal: regional dashboards for members of an operator organization.

Every view resolves the member's organization once (`operator_view`), in the member's language and the
organization's time zone, and passes it to the selectors; nothing here filters a tenant's rows itself.
Each page has a JSON twin (`.json`) that answers the very payload its charts draw.
"""

from __future__ import annotations

import csv
import functools
import hashlib
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from migu_platform.errors import ErrorCode, NotFoundError
from partners.models import Membership, Organization, OrganizationKind
from partners.selectors import ChannelListed
from portal.forms import LineupFilterForm, PortalFilterForm
from portal.selectors import (
    PortalScope,
    portal_cached,
    portal_channel_of,
    portal_channels,
    portal_data_as_of,
    portal_heatmap,
    portal_lineup,
    portal_live_titles,
    portal_overview,
    portal_rights,
    portal_scope_check,
    portal_title,
    portal_title_of,
    portal_titles,
    portal_today,
    portal_top_titles,
    portal_top_titles_daily,
    portal_tropes,
)
from portal.templatetags.portal import FUNNEL_LABELS, KPI_LABELS
from portal.timezones import organization_time_zone

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
# Django's language codes -> the BCP 47 tags of the catalogue's localisations and ECharts' locales.
CATALOGUE_TAGS = {"zh-hans": "zh-Hans", "zh-hant": "zh-Hant"}
ECHARTS_LOCALES = {"en": "EN", "ar": "AR", "ko": "KO", "th": "TH", "zh-hans": "ZH", "zh-hant": "ZH"}


class PortalLoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    redirect_authenticated_user = False

    def get_default_redirect_url(self) -> str:
        return reverse("portal:overview")


def _operator_membership(user) -> Membership | None:
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(user=user, organization__kind=OrganizationKind.OPERATOR,
                                  organization__is_active=True)
        .select_related("organization")
        .order_by("organization__name", "pk")
        .first()
    )  # fmt: skip


def _language_for(request: HttpRequest, organization: Organization) -> str:
    chosen = request.session.get("portal_language")
    if chosen in LANGUAGE_CODES:
        return chosen
    for tag in organization.languages:
        code = tag.lower()
        for candidate in (code, code.split("-")[0]):
            if candidate in LANGUAGE_CODES:
                return candidate
        if code.startswith("zh-hant") or code == "yue":
            return "zh-hant"
    return settings.LANGUAGE_CODE


def operator_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Sign-in required; a member of an operator organization only; in the member's language. Domain
    NotFoundError (a missing or foreign id) answers the portal's one 404 page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('portal:login')}?next={request.path}")
        membership = _operator_membership(request.user)
        if membership is None:
            response = render(request, "portal/not_operator.html", status=403)
            return response
        organization = membership.organization
        language = _language_for(request, organization)
        with translation.override(language), timezone.override(organization_time_zone(organization)):
            request.LANGUAGE_CODE = language
            request.organization = organization  # type: ignore[attr-defined]
            try:
                return view(request, organization, *args, **kwargs)
            except NotFoundError as error:
                return render(request, "portal/not_found.html", {"message": error.message}, status=404)

    return wrapper


def _channels(request: HttpRequest, organization: Organization) -> list[ChannelListed]:
    """The organization's channels, read once per request (the filters, the page and its context use them)."""
    channels: list[ChannelListed] | None = getattr(request, "_portal_channels", None)
    if channels is None:
        channels = portal_channels(organization=organization)
        request._portal_channels = channels  # type: ignore[attr-defined]
    return channels


def _scope(request: HttpRequest, organization: Organization) -> tuple[PortalScope | None, PortalFilterForm]:
    channels = _channels(request, organization)
    form = PortalFilterForm(request.GET, channels=channels, today=portal_today(organization=organization))
    if not form.is_valid():
        return None, form
    channel_ids = portal_scope_check(organization=organization, channel_ids=form.cleaned_data["channel"] or [])
    scope = PortalScope(
        organization=organization,
        start=form.cleaned_data["start"],
        end=form.cleaned_data["end"],
        k=settings.PORTAL_K_ANONYMITY,
        channel_ids=channel_ids,
        territory=form.cleaned_data["territory"],
        language=form.cleaned_data["language"],
    )
    return scope, form


def _context(request: HttpRequest, organization: Organization, page: str, **extra: Any) -> dict[str, Any]:
    language = translation.get_language()
    return {
        "organization": organization,
        "page": page,
        "channels": _channels(request, organization),
        "data_as_of": portal_data_as_of(),
        "time_zone": str(organization_time_zone(organization)),
        "echarts_locale": ECHARTS_LOCALES.get(language, "EN"),
        "languages": settings.LANGUAGES,
        "current_language": language,
        "k": settings.PORTAL_K_ANONYMITY,
        "query": request.GET.urlencode(),
        "kpi_names": list(KPI_LABELS),
        "chart_labels": _chart_labels(),
        **extra,
    }


def _chart_labels() -> dict[str, str]:
    """The words the charts draw, in the page's language."""
    return {
        **{name: str(label) for name, label in KPI_LABELS.items()},
        **{f"funnel_{step}": str(label) for step, label in FUNNEL_LABELS.items()},
        "viewers_series": _("Viewers"),
        "unlocks": _("Unlocks"),
        "paywall": _("Paywall"),
        "median": _("Catalogue median"),
        "this_title": _("This title"),
        "episode": _("Episode"),
        "hidden": _("hidden: too few viewers"),
        "demand_index": _("Demand index"),
    }


def _invalid(request: HttpRequest, organization: Organization, page: str, form: forms.Form, as_json: bool):
    if as_json:
        return JsonResponse({"code": ErrorCode.INVALID, "detail": " ".join(str(e) for e in form.non_field_errors()) or _("Invalid filters."),
                             "fields": form.errors.get_json_data()}, status=400)  # fmt: skip
    return render(request, "portal/invalid.html", _context(request, organization, page, form=form), status=400)


def _json(payload: dict[str, Any]) -> JsonResponse:
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


def _catalogue_language() -> str:
    language = translation.get_language()
    return CATALOGUE_TAGS.get(language, language)


@require_GET
@operator_view
def overview(request: HttpRequest, organization: Organization, as_json: bool = False) -> HttpResponse:
    scope, form = _scope(request, organization)
    if scope is None:
        return _invalid(request, organization, "overview", form, as_json)
    channels = _channels(request, organization)

    def payload() -> dict[str, Any]:
        return {"period": {"start": scope.start.isoformat(), "end": scope.end.isoformat()},
                "k": scope.k, **portal_overview(scope=scope, channels=channels)}  # fmt: skip

    if as_json:
        return _json(payload())

    def figures_html() -> SafeString:
        context = {"scope": scope, "form": form, "channels": channels, "data": payload(),
                   "kpi_names": list(KPI_LABELS)}  # fmt: skip
        return mark_safe(render_to_string("portal/_overview_figures.html", context))  # noqa: S308 (a template's output)

    # The filters and the figures' part of the page (tables, chart data) are kept with the figures, under the
    # rollups' version, per language and channel names: between two runs of the rollup job a visit draws only
    # what moves (the titles live now, the member's header, "data as of").
    names = hashlib.blake2b("\x1f".join(f"{c.pk}\x1e{c.name}" for c in channels).encode(), digest_size=8).hexdigest()
    figures = portal_cached(scope=scope, name="overview.html", read=figures_html,
                            vary=(translation.get_language(), names))  # fmt: skip
    live = portal_live_titles(organization=organization, channels=channels)
    return render(request, "portal/overview.html", _context(request, organization, "overview", form=form,
                                                            scope=scope, figures_html=mark_safe(figures), live=live))  # fmt: skip  # noqa: S308


@require_GET
@operator_view
def titles(request: HttpRequest, organization: Organization, as_json: bool = False) -> HttpResponse:
    scope, form = _scope(request, organization)
    if scope is None:
        return _invalid(request, organization, "titles", form, as_json)
    rows = portal_top_titles(scope=scope, language=_catalogue_language())
    payload = {"period": {"start": scope.start.isoformat(), "end": scope.end.isoformat()}, "k": scope.k,
               "titles": rows}  # fmt: skip
    if as_json:
        return _json(payload)
    return render(request, "portal/titles.html", _context(request, organization, "titles", form=form, scope=scope,
                                                          data=payload))  # fmt: skip


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_GET
@operator_view
def titles_csv(request: HttpRequest, organization: Organization) -> HttpResponse | StreamingHttpResponse:
    """The top titles as CSV, for the period or (grain=day) per day: at most 100 titles × 366 days rows."""
    scope, form = _scope(request, organization)
    if scope is None:
        return _invalid(request, organization, "titles", form, False)
    language = _catalogue_language()
    daily = request.GET.get("grain") == "day"
    writer = csv.writer(_Echo())
    hidden = _("fewer than %(k)d viewers") % {"k": scope.k}

    def cell(value: Any) -> Any:
        return "" if value is None else (round(value, 4) if isinstance(value, float) else value)

    def lines():
        if daily:
            columns = ["day", "title_id", "title", "impressions", "starts", "starters", "unlocks", "note"]
            yield writer.writerow(columns)
            for row in portal_top_titles_daily(scope=scope, language=language):
                values = [row[c] for c in ("impressions", "starts", "starters", "unlocks")]
                note = hidden if values[1] is None else ""
                yield writer.writerow([row["day"], row["drama_id"], row["title"], *map(cell, values), note])
        else:
            columns = ["title_id", "title", "impressions", "starts", "starters", "unlocks", "completion",
                       "unlock_conversion", "note"]  # fmt: skip
            yield writer.writerow(columns)
            for row in portal_top_titles(scope=scope, language=language):
                values = [row[c] for c in columns[2:-1]]
                yield writer.writerow(
                    [row["drama_id"], row["title"], *map(cell, values), hidden if row["hidden"] else ""]
                )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    name = f"top-titles-{scope.start.isoformat()}-{scope.end.isoformat()}{'-daily' if daily else ''}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@operator_view
def title(request: HttpRequest, organization: Organization, drama_id: int, as_json: bool = False) -> HttpResponse:
    drama = portal_title_of(organization=organization, drama_id=drama_id)
    scope, form = _scope(request, organization)
    if scope is None:
        return _invalid(request, organization, "titles", form, as_json)
    payload = {"period": {"start": scope.start.isoformat(), "end": scope.end.isoformat()}, "k": scope.k,
               "title_id": drama.pk, **portal_title(scope=scope, drama=drama)}  # fmt: skip
    if as_json:
        return _json(payload)
    name = portal_titles([drama.pk], language=_catalogue_language())[drama.pk]
    return render(request, "portal/title.html", _context(request, organization, "titles", form=form, scope=scope,
                                                         data=payload, title_name=name))  # fmt: skip


@require_GET
@operator_view
def audience(request: HttpRequest, organization: Organization, as_json: bool = False) -> HttpResponse:
    scope, form = _scope(request, organization)
    if scope is None:
        return _invalid(request, organization, "audience", form, as_json)
    payload = {"period": {"start": scope.start.isoformat(), "end": scope.end.isoformat()}, "k": scope.k,
               "heatmap": portal_heatmap(scope=scope), "tropes": portal_tropes(scope=scope)}  # fmt: skip
    if as_json:
        return _json(payload)
    return render(request, "portal/audience.html", _context(request, organization, "audience", form=form,
                                                            scope=scope, data=payload))  # fmt: skip


@require_GET
@operator_view
def rights(request: HttpRequest, organization: Organization) -> HttpResponse:
    data = portal_rights(organization=organization)
    channels = _channels(request, organization)
    groups = []
    for channel in [None, *channels]:
        channel_id = channel.pk if channel else None
        groups.append(
            {
                "channel": channel,
                "expiring": [w for w in data["expiring"] if w.channel_id == channel_id],
                "upcoming": [w for w in data["upcoming"] if w.channel_id == channel_id],
                "withdrawn": [(e, w) for e, w in data["withdrawn"] if w.channel_id == channel_id],
            }
        )
    drama_ids = {w.drama_id for key in ("expiring", "upcoming") for w in data[key]}
    drama_ids |= {w.drama_id for _e, w in data["withdrawn"]}
    names = portal_titles(drama_ids, language=_catalogue_language())
    return render(request, "portal/rights.html", _context(request, organization, "rights", groups=groups,
                                                          names=names))  # fmt: skip


LINEUP_EMPTY = {
    "no_model": gettext_lazy(
        "No matching model is live yet. The first line-ups appear once the matching job has run: it starts by "
        "itself within minutes of playback events arriving, and runs again every night."
    ),
    "no_licensed_title": gettext_lazy("The model found no title that this channel may show."),
    "no_title_licensed_now": gettext_lazy(
        "None of the titles of this line-up is licensed to this channel here and now."
    ),
}


@require_GET
@operator_view
def lineup(request: HttpRequest, organization: Organization, as_json: bool = False) -> HttpResponse:
    """The matching model's line-up of one of the organization's channels, with each title's reasons."""
    form = LineupFilterForm(request.GET)
    channels = _channels(request, organization)
    if not form.is_valid():
        return _invalid(request, organization, "lineup", form, as_json)
    chosen = form.cleaned_data["channel"]
    if chosen is None and not channels:
        raise NotFoundError(_("Your organization has no channel yet."))
    channel = portal_channel_of(organization=organization, channel_id=chosen or channels[0].pk)
    territory = form.cleaned_data["territory"]
    if territory and territory not in channel.territories:
        form.add_error("territory", _("This channel is not shown in %(territory)s.") % {"territory": territory})
        return _invalid(request, organization, "lineup", form, as_json)
    payload = portal_lineup(organization=organization, channel=channel, territory=territory,
                            language=_catalogue_language())  # fmt: skip
    if as_json:
        return _json(payload)
    empty = str(LINEUP_EMPTY.get(payload["empty_reason"] or "", _("This line-up is empty.")))
    return render(request, "portal/lineup.html", _context(request, organization, "lineup", form=form, data=payload,
                                                          channel=channel, empty_message=empty))  # fmt: skip


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Remember the member's choice of language for the portal (the session only; the admin is untouched)."""
    code = request.POST.get("language", "")
    if code in LANGUAGE_CODES:
        request.session["portal_language"] = code
    target = request.POST.get("next") or reverse("portal:overview")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("portal:overview")
    return HttpResponseRedirect(target)
