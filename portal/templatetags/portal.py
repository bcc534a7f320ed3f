"""Formatting of the portal's figures: translated labels, hidden cells, percentages and money."""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from html import escape
from typing import Any

from django import template
from django.conf import settings
from django.utils import numberformat
from django.utils.formats import get_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

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


class _Numbers:
    """The figures of one page in the active language: its separators and the hidden cell looked up once,
    not once per cell (a page's tables hold hundreds of cells)."""

    def __init__(self) -> None:
        language = get_language()
        self.decimal_separator = get_format("DECIMAL_SEPARATOR", language, use_l10n=True)
        self.thousand_separator = get_format("THOUSAND_SEPARATOR", language, use_l10n=True)
        self.grouping = get_format("NUMBER_GROUPING", language, use_l10n=True)

    @cached_property
    def hidden(self) -> str:
        return _hidden()

    def _number(self, value: Any, decimals: int, force_grouping: bool = False) -> str:
        """Django's numberformat.format for the cells' plain ints and floats (what it would print, a few times
        faster: a page formats hundreds of cells); anything else goes to Django's own."""
        grouping = self.grouping
        if type(value) is int and grouping == 3:
            # Most cells are counts: Python's own grouping by thousands, then the language's separators.
            if force_grouping or settings.USE_THOUSAND_SEPARATOR:
                text = f"{value:,}".replace(",", self.thousand_separator)
            else:
                text = str(value)
            return text + (self.decimal_separator + "0" * decimals if decimals else "")
        text = str(value)
        if type(value) not in (int, float) or not isinstance(grouping, int) or "e" in text or "n" in text:
            return str(numberformat.format(value, self.decimal_separator, decimals, grouping,
                                           self.thousand_separator, force_grouping=force_grouping, use_l10n=True))  # fmt: skip
        sign = ""
        if text[0] == "-":
            sign, text = "-", text[1:]
        whole, _dot, fraction = text.partition(".")
        fraction = fraction[:decimals].ljust(decimals, "0") if decimals else ""
        if (force_grouping or settings.USE_THOUSAND_SEPARATOR) and grouping and len(whole) > grouping:
            head = len(whole) % grouping or grouping
            whole = self.thousand_separator.join(
                [whole[:head], *(whole[i : i + grouping] for i in range(head, len(whole), grouping))]
            )
        return sign + whole + (self.decimal_separator + fraction if fraction else "")

    def format(self, value: Any, kind: str = "") -> str:
        if value is None:
            return self.hidden
        if kind == "percent":
            return self._rounded(round(value * 100, 1), 1) + "%"
        if kind == "decimal":
            return self._rounded(round(value, 2), 2)
        return self._number(round(value), 0, force_grouping=True)

    def _rounded(self, value: Any, decimals: int) -> str:
        """A figure already rounded to `decimals`: printed in fixed point by Python, which gives the digits
        _number's truncation would (the shortest repr of such a float has no more than `decimals` of them)."""
        if type(value) is float and abs(value) < 1e15 and not settings.USE_THOUSAND_SEPARATOR:
            return f"{value:.{decimals}f}".replace(".", self.decimal_separator)
        return self._number(value, decimals)

    def kpi(self, name: str, value: Any) -> str:
        return self.format(value, KPI_KINDS.get(name, ""))


KPI_KINDS = {**dict.fromkeys(PERCENT, "percent"), **dict.fromkeys(DECIMAL, "decimal")}


def _format(value: Any, kind: str = "") -> str:
    return _Numbers().format(value, kind)


@register.simple_tag
def kpi_label(name: str) -> str:
    return str(KPI_LABELS.get(name, name))


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


@register.simple_tag
def kpi_table(rows: list[dict[str, Any]], key: str, key_label: str, names: list[str]) -> SafeString:
    """A KPI table (one row per channel or language, one cell per KPI), built in one go: the overview draws
    fifty channels × nine figures."""
    numbers = _Numbers()
    head = "".join(f'<th scope="col">{escape(kpi_label(name))}</th>' for name in names)
    if rows:
        no_channel = _("No channel")
        kinds = [(name, KPI_KINDS.get(name, "")) for name in names]
        lines = []
        for row in rows:
            label = (row.get("channel") or no_channel) if key == "channel" else str(row.get("language"))
            cells = "".join(f"<td>{numbers.format(row.get(name), kind)}</td>" for name, kind in kinds)
            lines.append(f'<tr><th scope="row">{escape(label)}</th>\n    {cells}</tr>')
        body = "".join(lines)
    else:
        body = f'<tr><td colspan="{len(names) + 1}">{escape(_("No data in this period."))}</td></tr>'
    return mark_safe(  # noqa: S308 (every value is escaped or formatted)
        f'<div class="table-wrap"><table>\n  <thead><tr><th scope="col">{escape(str(key_label))}</th>{head}</tr></thead>\n'
        f"  <tbody>{body}</tbody>\n</table></div>"
    )


@register.simple_tag
def kpi_cards(kpis: dict[str, Any], revenue: list[dict[str, Any]]) -> SafeString:
    """The overview's KPI cards: each figure of the period with its label, then the revenue per currency."""
    numbers = _Numbers()
    cards = [
        f'<div class="kpi"><dt class="kpi-label">{escape(kpi_label(name))}</dt>'
        f'<dd class="kpi-value">{numbers.kpi(name, value)}</dd></div>'
        for name, value in kpis.items()
    ]
    label = escape(_("Revenue"))
    for row in revenue:
        amount = money(row["amount_minor"], row["currency"]) if row["amount_minor"] is not None else numbers.hidden
        cards.append(f'<div class="kpi"><dt class="kpi-label">{label} ({escape(row["currency"])})</dt>'
                     f'<dd class="kpi-value">{amount}</dd></div>')  # fmt: skip
    if not revenue:
        cards.append(f'<div class="kpi"><dt class="kpi-label">{label}</dt><dd class="kpi-value">0</dd></div>')
    return mark_safe("\n".join(cards))  # noqa: S308 (every value is escaped or formatted)


@register.simple_tag
def trend_rows(trend: list[dict[str, Any]]) -> SafeString:
    """The body rows of the overview's trend table: day, episode starts, viewers, unlocks."""
    numbers = _Numbers()
    return mark_safe(  # noqa: S308 (days are escaped; every figure is formatted)
        "".join(
            f'<tr><th scope="row">{escape(row["day"])}</th><td>{numbers.format(row["starts"])}</td>'
            f"<td>{numbers.format(row['viewers'])}</td><td>{numbers.format(row['unlocks'])}</td></tr>"
            for row in trend
        )
    )


@register.simple_tag
def channel_options(channels: list[Any], scope: Any) -> SafeString:
    """The filter form's channel options, the scope's channels selected (fifty channels, built in one go)."""
    chosen = set(scope.channel_ids) if scope else set()
    return mark_safe(  # noqa: S308 (ids are integers, names are escaped)
        "".join(
            f'<option value="{int(c.pk)}"{" selected" if c.pk in chosen else ""}>{escape(c.name)}</option>'
            for c in channels
        )
    )
