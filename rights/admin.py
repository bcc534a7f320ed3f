"""Rights managers' UI: windows (granted and changed through rights.services), filters, the avails
grid of a drama, the audit trail and the change events, and windows inline on dramas and organizations."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.template.loader import get_template
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from catalog.models import Drama
from migu_platform.admin_extensions import AutocompleteGuardMixin, admin_inline_attach
from migu_platform.admin_text import bidi, error_message, language_tags_label
from migu_platform.errors import DomainError
from partners.geography import country_name, territories_expand
from partners.models import Organization
from rights.models import (
    LicenceType,
    RightsAudit,
    RightsEvent,
    RightsStatus,
    RightsWindow,
    RightsWindowTerritory,
)
from rights.selectors import AVAILS_GRID_MAX_MONTHS, AvailsGrid, AvailsRow, rights_avails_grid
from rights.services import EDITABLE_FIELDS, rights_window_grant, rights_window_revoke, rights_window_update

LIST_FIELDS = ("territories", "territory_exclusions", "audio_languages", "subtitle_languages", "holdback_languages")


def _split(value: str) -> list[str]:
    return [part for part in value.replace(";", ",").replace("\n", ",").replace(" ", ",").split(",") if part]


class CommaListField(forms.CharField):
    """A list typed as "TH, SG, SEA"; the services expand region groups and check each code."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        return _split(super().to_python(value) or "")


class RightsWindowForm(forms.ModelForm):
    """Field input only; the rules (overlap, rights in, validation) are the services'. The write
    happens in clean() so that a refusal shows on the form, with nothing written."""

    territories = CommaListField(help_text="Countries (ISO 3166-1 alpha-2) or region groups (SEA, MENA, WW, ...).")
    territory_exclusions = CommaListField(required=False)
    audio_languages = CommaListField(required=False, help_text="BCP 47, comma-separated; empty: any.")
    subtitle_languages = CommaListField(required=False, help_text="BCP 47, comma-separated; empty: any.")
    holdback_languages = CommaListField(required=False)
    status = forms.ChoiceField(choices=[(RightsStatus.PENDING, "Pending"), (RightsStatus.APPROVED, "Approved")])

    request = None  # set per request by RightsWindowAdmin.get_form

    class Meta:
        model = RightsWindow
        fields = [
            "direction", "drama", "episode_start", "episode_end", "licensee", "channel", "territories",
            "territory_exclusions", "licence_type", "audio_languages", "subtitle_languages", "holdback_languages",
            "start", "end", "exclusive", "free_episode_count", "unlock_price", "currency", "status",
            "contract_id", "alid", "transaction_id",
        ]  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        actor = self.request.user if self.request else None
        try:
            if self.instance.pk is None:
                kwargs = {field: cleaned.get(field) for field in EDITABLE_FIELDS if field in cleaned}
                for field in ("currency", "contract_id", "alid", "transaction_id"):
                    kwargs[field] = kwargs.get(field) or ""
                self.saved = rights_window_grant(
                    drama=cleaned["drama"],
                    licensee=cleaned["licensee"],
                    direction=cleaned["direction"],
                    actor=actor,
                    **kwargs,
                )
            else:
                changes = {field: cleaned.get(field) for field in self.changed_data if field in EDITABLE_FIELDS}
                for field in ("currency", "contract_id", "alid", "transaction_id"):
                    if field in changes:
                        changes[field] = changes[field] or ""
                original = RightsWindow.objects.get(pk=self.instance.pk)
                self.saved = rights_window_update(window=original, actor=actor, **changes) if changes else original
        except DomainError as exc:
            fields = getattr(exc, "fields", None)
            if fields:
                for field, messages_ in fields.items():
                    self.add_error(field if field in self.fields else None, messages_)
            else:
                raise ValidationError(error_message(exc), code=str(exc.code)) from exc
        return cleaned

    def _post_clean(self):
        # The service validated and wrote the window; model validation here would repeat it.
        if not self.errors and getattr(self, "saved", None) is not None:
            self.instance = self.saved


class TerritoryFilter(admin.SimpleListFilter):
    title = "territory"
    parameter_name = "territory"

    def lookups(self, request, model_admin):
        codes = RightsWindowTerritory.objects.order_by("territory").values_list("territory", flat=True).distinct()
        return [(code, f"{code} — {country_name(code)}") for code in codes]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(territories__contains=[self.value()]).exclude(
                territory_exclusions__contains=[self.value()]
            )
        return queryset


class EndingSoonFilter(admin.SimpleListFilter):
    title = "ending"
    parameter_name = "ending"

    def lookups(self, request, model_admin):
        return [("30", "Within 30 days"), ("90", "Within 90 days"), ("open", "Open-ended"), ("ended", "Ended")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() in ("30", "90"):
            return queryset.filter(
                status__in=[RightsStatus.APPROVED, RightsStatus.PENDING],
                end__gt=now,
                end__lte=now + dt.timedelta(days=int(self.value())),
            )
        if self.value() == "open":
            return queryset.filter(end__isnull=True)
        if self.value() == "ended":
            return queryset.filter(end__lte=now)
        return queryset


# How many windows a message names one by one before it counts the rest.
MAX_NAMED_WINDOWS = 10


def windows_named(windows: list[RightsWindow]) -> str:
    """Windows as people know them, for messages: “Rebirth” → Haneul TV (SVOD, 2026-01-01 to open end); …"""
    named = [
        format_html(
            "“{}” → {} ({}, {} to {})",
            bidi(window.drama.original_title, window.drama.original_language),
            bidi(window.licensee.name),
            window.licence_type,
            timezone.localdate(window.start).isoformat(),
            timezone.localdate(window.end).isoformat() if window.end else "open end",
        )
        for window in windows[:MAX_NAMED_WINDOWS]
    ]
    more = len(windows) - MAX_NAMED_WINDOWS
    text = format_html_join("; ", "{}", ((part,) for part in named))
    return format_html("{} and {} more", text, more) if more > 0 else text


def _windows_act(modeladmin, request, windows, act, verb: str) -> None:
    done: list[RightsWindow] = []
    for window in windows:
        try:
            act(window)
        except DomainError as exc:
            modeladmin.message_user(
                request, error_message(exc, prefix=format_html("{}: ", windows_named([window]))), messages.ERROR
            )
        else:
            done.append(window)
    if done:
        modeladmin.message_user(request, format_html("{}: {}.", verb, windows_named(done)), messages.SUCCESS)
    else:
        modeladmin.message_user(request, f"No windows were {verb.lower()}.", messages.WARNING)


@admin.action(description="Approve selected windows", permissions=["change"])
def approve_windows(modeladmin, request, queryset):
    pending = list(queryset.filter(status=RightsStatus.PENDING).select_related("drama", "licensee").order_by("id"))
    _windows_act(
        modeladmin,
        request,
        pending,
        lambda window: rights_window_update(window=window, actor=request.user, status=RightsStatus.APPROVED),
        "Approved",
    )


@admin.action(description="Revoke selected windows", permissions=["change"])
def revoke_windows(modeladmin, request, queryset):
    live = list(queryset.exclude(status=RightsStatus.REVOKED).select_related("drama", "licensee").order_by("id"))
    _windows_act(
        modeladmin, request, live, lambda window: rights_window_revoke(window=window, actor=request.user), "Revoked"
    )


class RightsAuditInline(admin.TabularInline):
    model = RightsAudit
    fields = ("at", "action", "actor_label", "before", "after")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-at", "-id")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RightsWindow)
class RightsWindowAdmin(AutocompleteGuardMixin, admin.ModelAdmin):
    form = RightsWindowForm
    list_display = (
        "id", "drama_column", "direction", "licensee_column", "licence_type", "territory_summary", "start", "end",
        "exclusive", "status", "grid_link",
    )  # fmt: skip
    list_filter = (
        "direction",
        ("licensee", admin.RelatedOnlyFieldListFilter),
        TerritoryFilter,
        "licence_type",
        "status",
        EndingSoonFilter,
        "exclusive",
    )
    list_select_related = ("drama", "licensee")
    search_fields = ("drama__original_title", "licensee__name", "contract_id", "alid", "transaction_id")
    autocomplete_fields = ("drama", "licensee", "channel")
    date_hierarchy = "start"
    actions = [approve_windows, revoke_windows]
    inlines = [RightsAuditInline]
    readonly_fields = ("live_since", "created_at", "updated_at", "grid_link", "languages_named")
    fieldsets = (
        (None, {"fields": ("direction", "drama", ("episode_start", "episode_end"), "licensee", "channel")}),
        ("Where", {"fields": ("territories", "territory_exclusions")}),
        ("What and when", {"fields": ("licence_type", ("start", "end"), "exclusive", "status")}),
        ("Languages", {"fields": ("audio_languages", "subtitle_languages", "holdback_languages", "languages_named")}),
        (
            "Monetisation (overrides the drama's defaults)",
            {"fields": ("free_episode_count", "unlock_price", "currency")},
        ),
        ("Identifiers", {"fields": ("contract_id", "alid", "transaction_id")}),
        ("History", {"fields": ("live_since", "created_at", "updated_at", "grid_link")}),
    )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == RightsStatus.REVOKED:
            return [*RightsWindowForm.Meta.fields, *self.readonly_fields]
        if obj is not None:
            # Who and what a window is about do not change; revoke and grant anew instead.
            return ["direction", "drama", "licensee", *self.readonly_fields]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        # The form's clean() already wrote through rights.services (see RightsWindowForm).
        pass

    def has_delete_permission(self, request, obj=None):
        return False  # windows are revoked, never deleted: the audit trail and the feed refer to them

    @admin.display(description="languages by name")
    def languages_named(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        rows = [
            ("Audio", language_tags_label(obj.audio_languages) if obj.audio_languages else "any"),
            ("Subtitles", language_tags_label(obj.subtitle_languages) if obj.subtitle_languages else "any"),
            ("Held back", language_tags_label(obj.holdback_languages)),
        ]
        return format_html_join(mark_safe("<br>"), "{}: {}", rows)

    @admin.display(description="drama", ordering="drama__original_title")
    def drama_column(self, obj):
        return bidi(obj.drama.original_title, obj.drama.original_language)

    @admin.display(description="licensee", ordering="licensee__name")
    def licensee_column(self, obj):
        return bidi(obj.licensee.name)

    @admin.display(description="territories")
    def territory_summary(self, obj):
        codes = obj.effective_territories
        text = ", ".join(codes[:6]) + (f" … (+{len(codes) - 6})" if len(codes) > 6 else "")
        return text

    @admin.display(description="grid")
    def grid_link(self, obj):
        if not obj or not obj.drama_id:
            return "—"
        url = reverse("admin:rights_avails_grid", args=[obj.drama_id])
        now = timezone.now()
        if obj.start > now or (obj.end is not None and obj.end <= now):
            # Not in force now: open on the window's first month rather than on today's.
            url += f"?start={timezone.localdate(obj.start).strftime('%Y-%m')}"
        return format_html('<a href="{}">avails grid</a>', url)

    def get_urls(self):
        return [
            path("grid/<int:drama_id>/", self.admin_site.admin_view(self.avails_grid_view), name="rights_avails_grid"),
            *super().get_urls(),
        ]

    def avails_grid_view(self, request, drama_id: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        drama = get_object_or_404(Drama, pk=drama_id)
        month = _month_param(request.GET.get("start", ""))
        try:
            months = int(request.GET.get("months", AVAILS_GRID_MONTHS))
        except ValueError:
            months = AVAILS_GRID_MONTHS
        months = max(1, min(months, AVAILS_GRID_MAX_MONTHS))
        licence_type = request.GET.get("licence_type") or None
        if licence_type not in (None, *LicenceType.values):
            licence_type = None
        territories_typed = request.GET.get("territories", "").strip()
        territories = None
        if territories_typed:
            try:
                territories = territories_expand(_split(territories_typed))
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
        grid = rights_avails_grid(
            drama=drama, month=month, months=months, licence_type=licence_type, territories=territories
        )
        base = reverse("admin:rights_avails_grid", args=[drama.pk])

        def period_url(first: dt.date | None) -> str:
            query: dict[str, str | int] = {"months": months}
            if licence_type:
                query["licence_type"] = licence_type
            if territories_typed:
                query["territories"] = territories_typed
            if first is not None:
                query["start"] = first.strftime("%Y-%m")
            return f"{base}?{urlencode(query)}"

        context = {
            **self.admin_site.each_context(request),
            "title": f"Avails grid — {drama}",
            "rows": _avails_rows_html(grid, licence_type),
            "opts": self.model._meta,
            "drama": drama,
            "grid": grid,
            "months": months,
            "max_months": AVAILS_GRID_MAX_MONTHS,
            "licence_type": licence_type or "",
            "licence_types": LicenceType.choices,
            "territories": territories_typed,
            "start": grid.columns[0].strftime("%Y-%m"),
            "time_zone": timezone.get_current_timezone_name(),
            "earlier_url": period_url(grid.earlier),
            "later_url": period_url(grid.later),
            "this_month_url": period_url(None),
            "changelist_url": reverse("admin:rights_rightswindow_changelist") + f"?drama__id__exact={drama.pk}",
        }
        return TemplateResponse(request, "admin/rights/avails_grid.html", context)


AVAILS_GRID_MONTHS = 12


def _avails_rows_html(grid: AvailsGrid, licence_type: str | None) -> list[tuple[AvailsRow, list[str]]]:
    """Each row with its cells as HTML. Rows covered by the same windows share their cell objects (a drama
    acquired worldwide has hundreds of rows and a handful of distinct ones), so each is rendered once."""
    cell_template = get_template("admin/rights/_avails_cell.html")
    rendered: dict[tuple[int, bool], str] = {}
    rows = []
    for row in grid.rows:
        cells = []
        for index, cell in enumerate(row.cells):
            key = (id(cell), index == grid.current)
            if key not in rendered:
                rendered[key] = cell_template.render({"cell": cell, "now": key[1], "licence_type": licence_type})
            cells.append(rendered[key])
        rows.append((row, cells))
    return rows


def _month_param(value: str) -> dt.date | None:
    """A month typed as 2026-03 (a month input) or 2026-03-15 (a date); None when blank or malformed."""
    try:
        parsed = dt.datetime.strptime(value, "%Y-%m").date() if len(value) == 7 else parse_date(value)
    except ValueError:
        return None
    if parsed is None or not 1900 <= parsed.year <= 2200:
        return None
    return parsed.replace(day=1)


@admin.register(RightsEvent)
class RightsEventAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "window", "drama", "licensee", "licence_type", "occurred_at", "created_at")
    list_filter = ("kind", "direction", "licence_type")
    list_select_related = ("window__drama", "window__licensee", "drama", "licensee")
    search_fields = ("drama__original_title", "licensee__name")
    raw_id_fields = ("window", "drama", "licensee", "channel")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RightsAudit)
class RightsAuditAdmin(admin.ModelAdmin):
    list_display = ("at", "action", "window", "actor_label")
    list_filter = ("action",)
    list_select_related = ("window__drama", "window__licensee")
    search_fields = ("actor_label", "window__drama__original_title", "window__licensee__name")
    raw_id_fields = ("window", "actor_user", "actor_organization")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- windows inline on dramas and organizations ----------------------------------------------


class _WindowInline(admin.TabularInline):
    """Read-only list of windows; granting and editing go through the window's own form."""

    model = RightsWindow
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ("-start", "-id")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="territories")
    def territory_summary(self, obj):
        return RightsWindowAdmin.territory_summary(None, obj)


class DramaRightsWindowInline(_WindowInline):
    fk_name = "drama"
    fields = ("direction", "licensee", "licence_type", "territory_summary", "start", "end", "exclusive", "status")
    readonly_fields = fields
    verbose_name_plural = "rights windows (open the avails grid from a window)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("licensee")


class OrganizationRightsWindowInline(_WindowInline):
    fk_name = "licensee"
    fields = ("direction", "drama", "licence_type", "territory_summary", "start", "end", "exclusive", "status")
    readonly_fields = fields
    verbose_name_plural = "rights windows held"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("drama")


admin_inline_attach(Drama, DramaRightsWindowInline, "original_title")
admin_inline_attach(Organization, OrganizationRightsWindowInline, "name")
