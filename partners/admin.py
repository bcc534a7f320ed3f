"""Tenants in the admin: organizations with their members and channels, and API keys.

API keys are issued and revoked through partners.services: the raw key is shown once, in the
message after saving, and never stored.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import ngettext

from localization.languages import normalize_tag
from migu_platform.admin_extensions import AutocompleteGuardMixin
from migu_platform.admin_text import language_tags_label
from partners.geography import REGION_GROUPS, territories_expand
from partners.login import ThrottledAdminAuthenticationForm
from partners.models import ApiKey, ApiKeyScope, Channel, Membership, Organization, default_scopes
from partners.services import (
    api_key_create,
    api_key_revoke,
    api_key_update,
    channel_create,
    channel_update,
    organization_create,
    organization_update,
)


class CommaListField(forms.Field):
    """A list field typed as comma-separated text; subclasses turn the text's items into the stored list."""

    semicolons_separate = False

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"size": 60}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value) -> list[str]:
        if isinstance(value, list | tuple):
            return list(value)
        text = (value or "").replace(";", ",") if self.semicolons_separate else (value or "")
        return self.items_clean([item.strip() for item in text.split(",") if item.strip()])

    def items_clean(self, items: list[str]) -> list[str]:
        raise NotImplementedError


class TerritoriesField(CommaListField):
    """Comma-separated ISO 3166-1 codes or region groups (SEA, MENA, ...), stored as countries."""

    semicolons_separate = True

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            "ISO 3166-1 alpha-2 codes separated by commas; region groups expand to their countries ("
            + ", ".join(sorted(REGION_GROUPS))
            + ", WW).",
        )
        super().__init__(**kwargs)

    def items_clean(self, items: list[str]) -> list[str]:
        return territories_expand(items)


class LanguagesField(CommaListField):
    """Comma-separated BCP 47 tags, normalised (zh-hant-hk -> zh-Hant-HK)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "BCP 47 tags separated by commas, e.g. en, th, zh-Hant-HK, yue.")
        super().__init__(**kwargs)

    def items_clean(self, items: list[str]) -> list[str]:
        return list(dict.fromkeys(normalize_tag(item) for item in items))


class TenantForm(forms.ModelForm):
    territories = TerritoriesField()
    languages = LanguagesField()


class OrganizationForm(TenantForm):
    class Meta:
        model = Organization
        fields = ("name", "slug", "kind", "territories", "languages", "is_active")


class ChannelForm(TenantForm):
    class Meta:
        model = Channel
        fields = ("organization", "name", "slug", "kind", "territories", "languages", "is_active")


class MembershipInline(AutocompleteGuardMixin, admin.TabularInline):
    model = Membership
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("user",)
    extra = 0


class ChannelInline(admin.TabularInline):
    model = Channel
    form = ChannelForm
    fields = ("name", "slug", "kind", "territories", "languages", "is_active")
    extra = 0
    show_change_link = True


class ApiKeyInline(admin.TabularInline):
    """The organization's keys at a glance; keys are issued and revoked on the API key pages."""

    model = ApiKey
    fields = ("name", "visible_prefix", "scopes", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    verbose_name = "API key"
    verbose_name_plural = "API keys (issue new ones under Organizations and access › API keys)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # keys are revoked, which keeps their history

    @admin.display(description="Key")
    def visible_prefix(self, obj: ApiKey) -> str:
        return f"migu_{obj.prefix}_…"


class TenantAdminMixin:
    """Organizations and channels: saved through their services, listed with territories and languages.

    Subclasses name the services: `service_create(**fields)` and `service_update(obj, **fields)`.
    """

    def service_create(self, **fields):
        raise NotImplementedError

    def service_update(self, obj, **fields):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in form._meta.fields if name in form.cleaned_data}
        if change:
            self.service_update(obj, **fields)
            return
        is_active = fields.pop("is_active", True)
        created = self.service_create(**fields)
        if not is_active:
            created = self.service_update(created, is_active=False)
        _adopt(obj, created)

    @admin.display(description="Territories")
    def territory_list(self, obj) -> str:
        return shorten_codes(obj.territories)

    @admin.display(description="Languages")
    def language_list(self, obj) -> str:
        return language_tags_label(obj.languages)


@admin.register(Organization)
class OrganizationAdmin(TenantAdminMixin, admin.ModelAdmin):
    form = OrganizationForm
    list_display = ("name", "slug", "kind", "territory_list", "language_list", "channel_count", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "slug", "kind", "territories", "languages", "is_active")
    inlines = (MembershipInline, ChannelInline, ApiKeyInline)
    # Said here, not only in Meta: the channel count groups the query, and a grouped query drops Meta.ordering
    # (the licensee and channel autocompletes would page through organizations in no order).
    ordering = ("name",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(channel_total=Count("channels"))

    def service_create(self, **fields):
        return organization_create(**fields)

    def service_update(self, obj, **fields):
        return organization_update(organization=obj, **fields)

    @admin.display(description="Channels", ordering="channel_total")
    def channel_count(self, obj: Organization) -> int:
        return obj.channel_total  # type: ignore[attr-defined]  # annotated by get_queryset()


def _adopt(obj, saved) -> None:
    """Make the admin's unsaved `obj` the row a service saved (the admin goes on with `obj`)."""
    for field in type(saved)._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False


def shorten_codes(codes: list[str], limit: int = 8) -> str:
    if not codes:
        return "—"
    shown = ", ".join(codes[:limit])
    return shown + (f" (+{len(codes) - limit})" if len(codes) > limit else "")


@admin.register(Channel)
class ChannelAdmin(AutocompleteGuardMixin, TenantAdminMixin, admin.ModelAdmin):
    form = ChannelForm
    list_display = ("name", "slug", "organization", "kind", "territory_list", "language_list", "is_active")
    list_select_related = ("organization",)
    list_filter = ("kind", "organization__kind", "is_active")
    search_fields = ("name", "slug", "organization__name", "organization__slug")
    autocomplete_fields = ("organization",)
    fields = ("organization", "name", "slug", "kind", "territories", "languages", "is_active")

    def get_readonly_fields(self, request, obj=None):
        return ("organization",) if obj is not None else ()  # an outlet stays with its organization

    def service_create(self, **fields):
        return channel_create(**fields)

    def service_update(self, obj, **fields):
        return channel_update(channel=obj, **fields)


# --- API keys --------------------------------------------------------------------------------


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=ApiKeyScope.choices, widget=forms.CheckboxSelectMultiple, initial=default_scopes
    )

    class Meta:
        model = ApiKey
        fields = ("organization", "name", "scopes", "expires_at")

    def clean_expires_at(self):
        expires_at = self.cleaned_data.get("expires_at")
        if expires_at is not None and expires_at <= timezone.now() and "expires_at" in self.changed_data:
            raise ValidationError("The expiry must be in the future (revoke a key to stop it now).")
        return expires_at


class RevokedFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("usable", "Usable"), ("revoked", "Revoked"), ("expired", "Expired")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "usable":
            return queryset.filter(revoked_at__isnull=True).exclude(expires_at__lte=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "expired":
            return queryset.filter(expires_at__lte=now)
        return queryset


@admin.register(ApiKey)
class ApiKeyAdmin(AutocompleteGuardMixin, admin.ModelAdmin):
    form = ApiKeyForm
    list_display = (
        "name",
        "organization",
        "visible_prefix",
        "scope_list",
        "expires_at",
        "revoked",
        "last_used_at",
        "created_at",
    )
    list_select_related = ("organization",)
    list_filter = (RevokedFilter, "organization__kind")
    search_fields = ("name", "prefix", "organization__name", "organization__slug")
    search_help_text = "Search by name, organization, or the public prefix (the part after migu_)."
    autocomplete_fields = ("organization",)
    actions = ("revoke",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("organization", "name", "scopes", "expires_at")
        return (
            "organization",
            "visible_prefix",
            "name",
            "scopes",
            "expires_at",
            "revoked_at",
            "last_used_at",
            "created_by",
            "created_at",
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        # A key never moves to another organization and its secret never changes.
        readonly = ["organization", "visible_prefix", "revoked_at", "last_used_at", "created_by", "created_at"]
        if obj.is_revoked:
            readonly += ["name", "scopes", "expires_at"]
        return readonly

    def save_model(self, request, obj, form, change):
        if change:
            # The form has put the edited name, scopes and expiry on `obj`; nothing else is editable.
            api_key_update(api_key=obj, name=obj.name, scopes=obj.scopes, expires_at=obj.expires_at)
            return
        data = form.cleaned_data
        issued = api_key_create(
            organization=data["organization"],
            name=data["name"],
            scopes=data["scopes"],
            expires_at=data.get("expires_at"),
            created_by=request.user,
        )
        _adopt(obj, issued.api_key)
        self.message_user(
            request,
            format_html(
                "The new key for {} is <code class='raw-api-key'>{}</code> — copy it now: "
                "it is shown only this once and cannot be recovered (only its hash is stored).",
                issued.api_key.organization,
                issued.raw_key,
            ),
            messages.WARNING,
        )

    @admin.display(description="Key prefix", ordering="prefix")
    def visible_prefix(self, obj: ApiKey) -> str:
        return f"migu_{obj.prefix}_…"

    @admin.display(description="Scopes")
    def scope_list(self, obj: ApiKey) -> str:
        return ", ".join(obj.scopes)

    @admin.display(description="Revoked", boolean=True, ordering="revoked_at")
    def revoked(self, obj: ApiKey) -> bool:
        return obj.is_revoked

    @admin.action(description="Revoke selected API keys", permissions=["change"])
    def revoke(self, request, queryset):
        revoked = []
        for api_key in queryset.filter(revoked_at__isnull=True).select_related("organization"):
            api_key_revoke(api_key=api_key)
            revoked.append(api_key)
        already = list(
            queryset.filter(revoked_at__isnull=False)
            .exclude(pk__in=[api_key.pk for api_key in revoked])
            .select_related("organization")
        )
        if revoked:
            self.message_user(
                request,
                ngettext(
                    "Revoked %(n)d key (%(keys)s); it is refused from the next request on.",
                    "Revoked %(n)d keys (%(keys)s); they are refused from the next request on.",
                    len(revoked),
                )
                % {"n": len(revoked), "keys": _keys_named(revoked)},
                messages.SUCCESS,
            )
        if already:
            self.message_user(request, f"Already revoked, left as they were: {_keys_named(already)}.", messages.WARNING)


def _keys_named(api_keys: list[ApiKey]) -> str:
    return "; ".join(f"{api_key} of {api_key.organization.name}" for api_key in api_keys)


# The admin's sign-in counts attempts per account and per address (partners/login.py).
admin.site.login_form = ThrottledAdminAuthenticationForm
