"""Formatting of the portal's figures: translated labels, hidden cells, percentages and money."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

register = template.Library()

KPI_LABELS = {
    "impressions": gettext_lazy("Impressions"),
    "starts": gettext_lazy("Episode starts"),
    "play_rate": gettext_lazy("Play rate"),
    "viewers": gettext_lazy("Unique viewers per day"),
    "starters": gettext_lazy("Series starters"),
    "episodes_per_viewer": gettext_lazy("Episodes per viewer"),
    "completion": gettext_lazy("Completion"),
    "paywall_reach": gettext_lazy("Reach of the paywall"),
    "unlock_conversion": gettext_lazy("Unlock conversion"),
}
PERCENT = {"play_rate", "completion", "paywall_reach", "unlock_conversion"}
DECIMAL = {"viewers", "episodes_per_viewer"}
FUNNEL_LABELS = {
    "impression": gettext_lazy("Impressions"),
    "episode_1": gettext_lazy("Started episode 1"),
    "last_free": gettext_lazy("Reached the last free episode"),
    "unlock": gettext_lazy("Unlocked"),
    "final": gettext_lazy("Started the final episode"),
}
RIGHTS_HEADINGS = {
    "expiring": gettext_lazy("Expiring"),
    "upcoming": gettext_lazy("Upcoming"),
    "withdrawn": gettext_lazy("Withdrawn"),
}
# ISO 4217 minor units of the currencies the platform's operators use (2 for any other).
MINOR_UNITS = {"JPY": 0, "KRW": 0, "IDR": 0, "VND": 0, "KWD": 3, "BHD": 3, "OMR": 3}


def _hidden() -> str:
    return format_html('<span class="hidden-cell" title="{}">—</span>', _("hidden: too few viewers"))


def _format(value: Any, kind: str = "") -> str:
    if value is None:
        return _hidden()
    if kind == "percent":
        return number_format(round(value * 100, 1), 1, use_l10n=True) + "%"
    if kind == "decimal":
        return number_format(round(value, 2), 2, use_l10n=True)
    return number_format(round(value), 0, use_l10n=True, force_grouping=True)


@register.simple_tag
def kpi_label(name: str) -> str:
    return str(KPI_LABELS.get(name, name))


@register.simple_tag
def kpi_value(name: str, value: Any) -> str:
    return _format(value, "percent" if name in PERCENT else "decimal" if name in DECIMAL else "")


@register.simple_tag
def row_kpi(row: dict[str, Any], name: str) -> str:
    return kpi_value(name, row.get(name))


@register.simple_tag
def cell(value: Any, kind: str = "") -> str:
    return _format(value, kind)


@register.simple_tag
def money(amount_minor: int, currency: str) -> str:
    units = MINOR_UNITS.get(currency, 2)
    return f"{number_format(Decimal(amount_minor) / (10**units), units, use_l10n=True, force_grouping=True)}"


@register.simple_tag
def median_at(median: list[dict[str, Any]], episode: int) -> str:
    for row in median:
        if row["episode"] == episode:
            return _format(row["share"], "percent")
    return "—"


@register.simple_tag
def funnel_label(step: str) -> str:
    return str(FUNNEL_LABELS.get(step, step))


@register.simple_tag
def rights_heading(kind: str) -> str:
    return str(RIGHTS_HEADINGS.get(kind, kind))


@register.simple_tag
def window_of(item: Any) -> Any:
    """A window, from a window or an (event, window) pair."""
    return item[1] if isinstance(item, tuple) else item


@register.simple_tag
def title_name(names: dict[int, str], drama_id: int) -> str:
    return names.get(drama_id, "")


@register.simple_tag
def lineup_reasons(reasons: dict[str, Any]) -> str:
    """Why a title is in a line-up, in words: one short line per kind of reason."""
    lines = []
    if reasons.get("nearest_watched"):
        titles = ", ".join(n["title"] for n in reasons["nearest_watched"])
        lines.append(_("Its audience also watched %(titles)s") % {"titles": titles})
    if reasons.get("tropes"):
        tropes = ", ".join(f"{t['trope']} ×{number_format(t['lift'], 2, use_l10n=True)}" for t in reasons["tropes"])
        lines.append(_("Tropes the audience favours: %(tropes)s") % {"tropes": tropes})
    if reasons.get("languages"):
        lines.append(_("In the channel's languages: %(languages)s") % {"languages": ", ".join(reasons["languages"])})
    for entry in reasons.get("popularity", [])[:1]:
        lines.append(
            _("Number %(rank)d in %(territory)s among %(language)s viewers")
            % {"rank": entry["rank"], "territory": entry["territory"], "language": entry["language"]}
        )
    if reasons.get("cold_title"):
        lines.append(_("A new title, recommended for its content"))
    if not lines:
        return "—"
    return format_html_join("", '<span class="reason">{}</span>', ((line,) for line in lines))
