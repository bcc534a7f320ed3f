"""The content managers' catalogue admin: dramas with their episodes, localisations, credits and
artwork on one page, bulk episode creation, and the status workflow as bulk actions.

Business rules live in catalog.services; this module only calls them and reports the outcome.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import ngettext

from catalog.errors import EpisodeNumbersError, EpisodeStatusError
from catalog.models import (
    Artwork,
    Credit,
    Drama,
    DramaFormat,
    DramaStatus,
    Episode,
    EpisodeStatus,
    ExternalId,
    Genre,
    Person,
    SourceWork,
    Trope,
)
from catalog.selectors import dramas_search
from catalog.services import (
    MAX_EPISODES_PER_DRAMA,
    drama_bulk_transition,
    drama_create,
    drama_update,
    episode_bulk_create,
    episode_numbers_parse,
    episode_status_set,
)
from localization.admin import DramaLocalizationForm
from localization.admin_subtitles import subtitle_coverage_link, subtitle_episode_links, subtitle_links_allowed
from localization.languages import language_label, language_name
from localization.models import DramaLocalization
from localization.selectors import (
    localization_gaps,
    localization_target_languages,
)
from media.admin_display import episode_ladder_html, ladder_preview_allowed, master_upload_allowed
from media.selectors import episodes_with_ladder_status
from migu_platform.admin_extensions import AutocompleteGuardMixin
from migu_platform.admin_text import DirectionalFormMixin, bidi, error_message, language_list_filter

_ADMIN_PATH_RE = re.compile(r"(/admin/[\w/.-]+/)")


def admin_paths_linked(text: str) -> str:
    """`text` escaped, with the admin pages it names (a refusal's "on its translation page: /admin/…/") as links."""
    return mark_safe(_ADMIN_PATH_RE.sub(r'<a href="\1">\1</a>', escape(text)))  # noqa: S308 - escaped first


# How many refusals an action lists one by one before it sums up the rest.
MAX_REFUSAL_MESSAGES = 25
# Episodes per page of the drama page's episode table: a micro-drama fits on one page, and a page
# stays well under Django's DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000 fields, about 6 per episode row).
EPISODES_PER_PAGE = 100

GAP_LABELS = {
    "localisation": "no localisation at all",
    "title_medium": "title ≤60",
    "title_short": "title ≤19",
    "synopsis_short": "synopsis ≤190",
    "synopsis_medium": "synopsis ≤400",
    "synopsis_long": "synopsis ≤4000",
}


def list_target_languages() -> list[str]:
    # The changelist uses the configured list only: no query per page, and the column stays short.
    return list(settings.MIGU_TARGET_LANGUAGES)


# --- Vocabulary and people -------------------------------------------------------------------


class VocabularyAdmin(admin.ModelAdmin):
    """Genres and tropes: controlled lists, each term with the number of dramas using it."""

    search_fields: ClassVar[tuple[str, ...]] = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(drama_total=Count("dramas"))

    @admin.display(description="Dramas", ordering="drama_total")
    def drama_count(self, obj) -> int:
        return obj.drama_total


@admin.register(Genre)
class GenreAdmin(VocabularyAdmin):
    list_display = ("name", "slug", "drama_count")


@admin.register(Trope)
class TropeAdmin(VocabularyAdmin):
    list_display = ("name", "slug", "description", "drama_count")
    search_fields = ("name", "slug", "description")


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("name", "latin_name")
    search_fields = ("name", "latin_name")


@admin.register(SourceWork)
class SourceWorkAdmin(admin.ModelAdmin):
    list_display = ("title", "author", "kind", "original_language", "publisher")
    list_filter = ("kind", language_list_filter("original_language", "original language"))
    search_fields = ("title", "author", "publisher")


# --- Drama page inlines ----------------------------------------------------------------------


class DramaLocalizationInline(admin.StackedInline):
    model = DramaLocalization
    form = DramaLocalizationForm
    extra = 0
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("language", "status"),
                    "title",
                    ("title_medium", "title_short"),
                    "synopsis_short",
                    "synopsis_medium",
                    "synopsis_long",
                )
            },
        ),
    )
    verbose_name = "localisation"
    verbose_name_plural = "localisations (titles and synopses per language)"


@dataclass(frozen=True)
class EpisodePage:
    index: int
    first: int
    last: int
    current: bool


def episode_pages(request: HttpRequest, drama: Drama) -> list[EpisodePage]:
    """The drama's episodes in pages of EPISODES_PER_PAGE, by position (numbers may have gaps)."""
    cached = getattr(request, "episode_pages", None)
    if cached is not None and cached[0] == drama.pk:
        return cached[1]
    numbers = list(Episode.objects.filter(drama=drama).order_by("number").values_list("number", flat=True))
    chunks = [numbers[start : start + EPISODES_PER_PAGE] for start in range(0, len(numbers), EPISODES_PER_PAGE)]
    try:
        wanted = int(request.GET.get("episodes_page", "1"))
    except ValueError:
        wanted = 1
    wanted = min(max(wanted, 1), max(len(chunks), 1))
    pages = [
        EpisodePage(index=index, first=chunk[0], last=chunk[-1], current=index == wanted)
        for index, chunk in enumerate(chunks, start=1)
    ]
    request.episode_pages = (drama.pk, pages)  # type: ignore[attr-defined]  # a per-request cache
    return pages


def episode_status_badge(episode: Episode) -> str:
    """The status as a badge; a withheld episode's reason in its tooltip."""
    return format_html(
        '<span class="status-badge status-{}" title="{}">{}</span>',
        episode.status,
        episode.withheld_reason,
        episode.get_status_display(),
    )


class EpisodeForm(DirectionalFormMixin, forms.ModelForm):
    """An episode's title runs in the direction of its drama's original language."""

    text_fields = ("original_title",)
    language_path = "drama.original_language"

    class Meta:
        model = Episode
        fields = ("drama", "number", "original_title", "duration_seconds", "cliffhanger_timecodes")


def _no_preview(name: str) -> str:
    """The ladder column without its preview link, for viewers who may not open the player."""
    return "ladder_state" if name == "ladder" else name


class EpisodeInline(admin.TabularInline):
    """The episodes in one compact table (paged past EPISODES_PER_PAGE) that scrolls within the page."""

    model = Episode
    form = EpisodeForm
    template = "admin/catalog/drama/episode_inline.html"
    fields = (
        "number", "original_title", "duration_seconds", "ladder", "cliffhanger_timecodes", "status_label",
        "episode_page",
    )  # fmt: skip
    readonly_fields = ("ladder", "ladder_state", "status_label", "episode_page")
    extra = 0
    classes = ("episode-inline",)
    ordering = ("number",)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if ladder_preview_allowed(request) else [_no_preview(name) for name in fields]

    def get_queryset(self, request):
        # Each row's label (its __str__) names the drama: join it once instead of once per row; the ladder's
        # state is annotated in the same query.
        return episodes_with_ladder_status(super().get_queryset(request).select_related("drama"))

    @admin.display(description="Ladder")
    def ladder(self, obj: Episode) -> str:
        return episode_ladder_html(obj) if obj.pk else ""

    @admin.display(description="Ladder")
    def ladder_state(self, obj: Episode) -> str:
        return episode_ladder_html(obj, preview=False) if obj.pk else ""

    @admin.display(description="Status")
    def status_label(self, obj: Episode) -> str:
        return episode_status_badge(obj) if obj.pk else ""

    @admin.display(description="Page")
    def episode_page(self, obj: Episode) -> str:
        # A plain link per row (the stock change link adds a second line to every row).
        if not obj.pk:
            return ""
        return format_html(
            '<a href="{}">{} ›</a>', reverse("admin:catalog_episode_change", args=[obj.pk]), f"E{obj.number:03d}"
        )


class CreditInline(AutocompleteGuardMixin, admin.TabularInline):
    model = Credit
    fields = ("person", "role", "character_name", "billing_order")
    autocomplete_fields = ("person",)
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person")


class ArtworkDisplayMixin:
    """A thumbnail and the pixel size of an artwork, on its own page and inline on the drama."""

    @admin.display(description="Preview")
    def preview(self, obj: Artwork) -> str:
        if not obj.pk or not obj.image:
            return "—"
        return format_html('<img src="{}" class="artwork-thumb" alt="">', obj.image.url)

    @admin.display(description="Size")
    def dimensions(self, obj: Artwork) -> str:
        return f"{obj.width}×{obj.height}" if obj.width and obj.height else "—"


class ArtworkInline(ArtworkDisplayMixin, admin.TabularInline):
    model = Artwork
    fields = ("preview", "kind", "language", "image", "dimensions")
    readonly_fields = ("preview", "dimensions")
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("drama")


class ExternalIdInline(AutocompleteGuardMixin, admin.TabularInline):
    model = ExternalId
    fields = ("scheme", "value", "organization")
    autocomplete_fields = ("organization",)
    extra = 0
    verbose_name = "external ID"
    verbose_name_plural = "other external IDs (partners' own IDs, ISAN, ...)"


# --- Drama list filters ----------------------------------------------------------------------


class LocalizedInFilter(admin.SimpleListFilter):
    title = "localised in"
    parameter_name = "localized_in"

    def lookups(self, request, model_admin):
        tags = DramaLocalization.objects.order_by("language").values_list("language", flat=True).distinct()
        return [(tag, language_label(tag)) for tag in tags]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(Exists(DramaLocalization.objects.filter(drama=OuterRef("pk"), language=self.value())))


class MissingLanguageFilter(admin.SimpleListFilter):
    title = "missing a localisation in"
    parameter_name = "missing_language"

    def lookups(self, request, model_admin):
        return [(tag, language_label(tag)) for tag in list_target_languages()]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(~Exists(DramaLocalization.objects.filter(drama=OuterRef("pk"), language=self.value())))


# --- Drama -----------------------------------------------------------------------------------


class DramaAdminForm(DirectionalFormMixin, forms.ModelForm):
    """The drama's own fields plus "add episodes in bulk", handled by catalog.services."""

    text_fields = ("original_title",)
    language_path = "original_language"

    add_episode_count = forms.IntegerField(
        label="How many episodes to add",
        min_value=1,
        max_value=MAX_EPISODES_PER_DRAMA,
        required=False,
        help_text="Numbered on from the last episode (e.g. 80 on an empty drama creates episodes 1–80).",
    )
    add_episode_numbers = forms.CharField(
        label="…or these episode numbers",
        required=False,
        max_length=2000,
        help_text="A numbered list such as “1-80, 85, 90-100”. Numbers that already exist are skipped.",
    )
    add_episode_duration = forms.IntegerField(
        label="Duration of each (seconds)", min_value=1, max_value=24 * 3600, required=False
    )

    class Meta:
        model = Drama
        fields = (
            "original_title", "original_language", "format", "owner", "genres", "tropes", "source_work",
            "production_year", "eidr", "alid", "free_episode_count", "unlock_price_tier",
        )  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        count = cleaned.get("add_episode_count")
        spec = (cleaned.get("add_episode_numbers") or "").strip()
        cleaned["episode_numbers"] = None
        if count and spec:
            self.add_error("add_episode_numbers", "Give either a count or a list of numbers, not both.")
        elif spec:
            try:
                cleaned["episode_numbers"] = episode_numbers_parse(spec)
            except EpisodeNumbersError as error:
                self.add_error("add_episode_numbers", error.detail)
        return cleaned


def describe_numbers(numbers: list[int]) -> str:
    """1, 2, 3, 5, 7, 8 -> "1–3, 5, 7–8" (for messages)."""
    runs: list[str] = []
    start: int | None = None
    previous = 0  # read only once start is set
    for number in sorted(numbers):
        if start is None:
            start = previous = number
        elif number == previous + 1:
            previous = number
        else:
            runs.append(f"{start}–{previous}" if previous != start else str(start))
            start = previous = number
    if start is not None:
        runs.append(f"{start}–{previous}" if previous != start else str(start))
    return ", ".join(runs)


@admin.register(Drama)
class DramaAdmin(AutocompleteGuardMixin, admin.ModelAdmin):
    form = DramaAdminForm
    list_display = (
        "title_column",
        "english_title",
        "owner",
        "format_label",
        "status_badge",
        "episode_count",
        "languages_column",
        "subtitles_column",
        "updated_at",
    )
    list_display_links = ("title_column",)
    list_filter = (
        "status",
        "format",
        "genres",
        "tropes",
        LocalizedInFilter,
        MissingLanguageFilter,
        language_list_filter("original_language", "original language"),
        ("owner", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("original_title",)  # the search itself is dramas_search (see get_search_results)
    search_help_text = "Search titles in every language, or an exact EIDR / ALID."
    list_per_page = 50
    ordering = ("original_title",)
    autocomplete_fields = ("owner", "source_work", "genres", "tropes")
    readonly_fields = (
        "status", "published_at", "retired_at", "created_at", "updated_at", "localization_gaps_display",
        "subtitle_coverage_display", "owner_name",
    )  # fmt: skip
    inlines = (EpisodeInline, DramaLocalizationInline, CreditInline, ArtworkInline, ExternalIdInline)
    actions = ("mark_ready", "publish", "retire", "back_to_draft")
    save_on_top = True

    # -- page layout --------------------------------------------------------------------------

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        may_view_subtitles, _ = subtitle_links_allowed(request)
        return shown if may_view_subtitles else [name for name in shown if name != "subtitles_column"]

    def get_fieldsets(self, request, obj=None):
        # A read-only owner is a link to its organization's page: a plain name for those who may not open it.
        may_open_owner = request.user.has_perm("partners.view_organization") or self.has_change_permission(request, obj)
        owner = "owner" if may_open_owner else "owner_name"
        fieldsets = [
            (None, {"fields": ("original_title", ("original_language", "format"), owner, "status")}),
            ("Classification", {"fields": ("genres", "tropes", "source_work", "production_year")}),
            ("Identifiers", {"fields": (("eidr", "alid"),)}),
            ("Monetisation defaults", {"fields": (("free_episode_count", "unlock_price_tier"),)}),
        ]
        if self._can_add_episodes(request, obj):
            fieldsets.append(
                (
                    "Add episodes in bulk",
                    {
                        "fields": ("add_episode_count", "add_episode_numbers", "add_episode_duration"),
                        "classes": ("bulk-episodes",),
                        "description": "Creates the episodes when you save; edit them one by one below.",
                    },
                )
            )
        if obj is not None:
            may_view_subtitles, _ = subtitle_links_allowed(request)
            missing = (
                ("localization_gaps_display", "subtitle_coverage_display")
                if may_view_subtitles
                else ("localization_gaps_display",)
            )
            fieldsets.append(("What is missing per language", {"fields": missing}))
            fieldsets.append(("History", {"fields": (("published_at", "retired_at"), ("created_at", "updated_at"))}))
        return fieldsets

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, EpisodeInline) and obj is not None and obj.pk is not None:
            current = next((page for page in episode_pages(request, obj) if page.current), None)
            if current is not None:
                kwargs["queryset"] = kwargs["queryset"].filter(number__gte=current.first, number__lte=current.last)
        return kwargs

    def change_view(self, request, object_id, form_url="", extra_context=None):
        drama = self.get_object(request, object_id)
        pages = episode_pages(request, drama) if drama is not None else []
        extra_context = {
            **(extra_context or {}),
            "episode_pages": pages if len(pages) > 1 else [],
            "may_upload_masters": master_upload_allowed(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def response_change(self, request, obj):
        response = super().response_change(request, obj)
        page = request.GET.get("episodes_page")
        if page and "_continue" in request.POST and response.status_code == 302:
            # "Save and continue editing" comes back to the page of episodes that was being edited.
            separator = "&" if "?" in response["Location"] else "?"
            response["Location"] += f"{separator}{urlencode({'episodes_page': page})}"
        return response

    def has_delete_permission(self, request, obj=None) -> bool:
        # Partners may already show a ready or published drama: it is retired, not deleted.
        return super().has_delete_permission(request, obj) and (obj is None or obj.status == DramaStatus.DRAFT)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # bulk deletion would skip the draft-only rule above
        return actions

    def _can_add_episodes(self, request: HttpRequest, obj: Drama | None) -> bool:
        can_edit_drama = self.has_add_permission(request) if obj is None else self.has_change_permission(request, obj)
        return can_edit_drama and request.user.has_perm("catalog.add_episode")

    # -- list ---------------------------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        request.drama_changelist = True
        return super().changelist_view(request, extra_context)

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("owner")
        if getattr(request, "drama_changelist", False):
            # Everything the columns show, in three queries whatever the page size.
            queryset = queryset.annotate(episode_total=Count("episodes", distinct=True)).prefetch_related(
                Prefetch(
                    "localizations",
                    queryset=DramaLocalization.objects.only("id", "drama_id", "language", "title", "status"),
                    to_attr="listed_localizations",
                )
            )
        return queryset

    def get_search_results(self, request, queryset, search_term):
        return dramas_search(query=search_term, queryset=queryset), False

    @admin.display(description="Original title", ordering="original_title")
    def title_column(self, obj: Drama) -> str:
        return bidi(obj.original_title, obj.original_language)

    @admin.display(description="English title")
    def english_title(self, obj: Drama) -> str:
        for loc in obj.listed_localizations:  # type: ignore[attr-defined]  # prefetched by get_queryset()
            if loc.language == "en":
                return bidi(loc.title, "en")
        return "—"

    @admin.display(description="Format", ordering="format")
    def format_label(self, obj: Drama) -> str:
        return "9:16" if obj.format == DramaFormat.VERTICAL else "16:9"

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj: Drama) -> str:
        return format_html('<span class="status-badge status-{}">{}</span>', obj.status, obj.get_status_display())

    @admin.display(description="Episodes", ordering="episode_total")
    def episode_count(self, obj: Drama) -> int:
        return obj.episode_total  # type: ignore[attr-defined]  # annotated by get_queryset()

    @admin.display(description="Languages")
    def languages_column(self, obj: Drama) -> str:
        present = {loc.language for loc in obj.listed_localizations}  # type: ignore[attr-defined]  # as above
        targets = list_target_languages()
        chips = [(("lang-chip present" if tag in present else "lang-chip missing"), tag) for tag in targets]
        chips += [("lang-chip extra", tag) for tag in sorted(present - set(targets))]
        named = [(css, language_name(tag) or tag, tag) for css, tag in chips]
        return format_html_join("", '<span class="{}" title="{}">{}</span>', named)

    @admin.display(description="Subtitles")
    def subtitles_column(self, obj: Drama) -> str:
        return subtitle_coverage_link(obj, "per language")

    # -- change page --------------------------------------------------------------------------

    @admin.display(description="Owner")
    def owner_name(self, obj: Drama) -> str:
        return str(obj.owner) if obj is not None and obj.owner_id else "—"

    @admin.display(description="Subtitles")
    def subtitle_coverage_display(self, obj: Drama) -> str:
        return subtitle_coverage_link(obj) if obj is not None and obj.pk is not None else "—"

    @admin.display(description="Localisation gaps")
    def localization_gaps_display(self, obj: Drama) -> str:
        if obj is None or obj.pk is None:
            return "—"
        languages = localization_target_languages()
        gaps = localization_gaps(drama=obj, languages=languages)
        present = {loc.language: loc for loc in obj.localizations.all()}
        rows = []
        for tag in languages:
            loc = present.get(tag)
            missing = gaps.get(tag, [])
            if loc is None:
                state, text = "gap-none", "No localisation"
            elif missing:
                state, text = "gap-partial", "Missing: " + ", ".join(GAP_LABELS.get(name, name) for name in missing)
            else:
                state, text = "gap-complete", "Complete"
            rows.append((state, language_label(tag), loc.get_status_display() if loc else "—", text))
        body = format_html_join("", '<tr class="{}"><th scope="row">{}</th><td>{}</td><td>{}</td></tr>', rows)
        return format_html(
            '<table class="localization-gaps"><thead><tr><th>Language</th><th>Translation</th>'
            "<th>What is missing</th></tr></thead><tbody>{}</tbody></table>",
            body,
        )

    def save_model(self, request, obj, form, change):
        # The drama's own columns from the form; genres and tropes follow in save_related (form.save_m2m).
        columns = {field.name for field in Drama._meta.concrete_fields}
        fields = {name: value for name, value in form.cleaned_data.items() if name in columns}
        if change:
            drama_update(drama=obj, **fields)
            return
        created = drama_create(**fields)
        # The admin goes on with `obj` (relations, inlines, log entry, redirect): make it the saved drama.
        for field in Drama._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        count = form.cleaned_data.get("add_episode_count")
        numbers = form.cleaned_data.get("episode_numbers")
        if not (count or numbers) or not self._can_add_episodes(request, form.instance if change else None):
            return
        duration = form.cleaned_data.get("add_episode_duration")
        try:
            created = episode_bulk_create(drama=form.instance, count=count, numbers=numbers, duration_seconds=duration)
        except EpisodeNumbersError as error:
            self.message_user(request, error_message(error, prefix="No episodes were added: "), messages.ERROR)
            return
        wanted = count or len(numbers)
        if created:
            skipped = wanted - len(created)
            text = ngettext("Added %(n)d episode (%(which)s).", "Added %(n)d episodes (%(which)s).", len(created)) % {
                "n": len(created),
                "which": describe_numbers([e.number for e in created]),
            }
            if skipped:
                text += f" {skipped} already existed and were left as they were."
            self.message_user(request, text, messages.SUCCESS)
        else:
            self.message_user(request, "No episodes were added: every number given already exists.", messages.WARNING)

    # -- workflow actions ---------------------------------------------------------------------

    def _transition(self, request: HttpRequest, queryset: QuerySet[Drama], to_status: str, verb: str) -> None:
        result = drama_bulk_transition(dramas=queryset, to_status=to_status)
        if result.changed:
            self.message_user(
                request,
                ngettext("%(verb)s %(n)d drama.", "%(verb)s %(n)d dramas.", len(result.changed))
                % {"verb": verb.capitalize(), "n": len(result.changed)},
                messages.SUCCESS,
            )
        for drama, reason in result.refused[:MAX_REFUSAL_MESSAGES]:
            self.message_user(
                request,
                format_html(
                    "“{}” was not {}: {}",
                    bidi(drama.original_title, drama.original_language),
                    verb.lower(),
                    admin_paths_linked(reason),
                ),
                messages.ERROR,
            )
        if len(result.refused) > MAX_REFUSAL_MESSAGES:
            self.message_user(
                request,
                f"… and {len(result.refused) - MAX_REFUSAL_MESSAGES} more dramas were refused.",
                messages.ERROR,
            )
        if not result.changed and not result.refused:
            self.message_user(request, "No dramas were selected.", messages.WARNING)

    @admin.action(description="Mark selected dramas ready", permissions=["change"])
    def mark_ready(self, request, queryset):
        self._transition(request, queryset, DramaStatus.READY, "marked ready")

    @admin.action(description="Publish selected dramas", permissions=["change"])
    def publish(self, request, queryset):
        self._transition(request, queryset, DramaStatus.PUBLISHED, "published")

    @admin.action(description="Retire selected dramas", permissions=["change"])
    def retire(self, request, queryset):
        self._transition(request, queryset, DramaStatus.RETIRED, "retired")

    @admin.action(description="Send selected dramas back to draft", permissions=["change"])
    def back_to_draft(self, request, queryset):
        self._transition(request, queryset, DramaStatus.DRAFT, "sent back to draft")


# --- Episodes and artwork on their own -------------------------------------------------------


class EpisodeWithholdForm(forms.Form):
    reason = forms.CharField(
        label="Why are they withheld?",
        required=False,
        max_length=Episode._meta.get_field("withheld_reason").max_length,
        widget=forms.TextInput(attrs={"size": 80}),
        help_text="Kept with each episode (e.g. “re-edit requested”, “not finished”). Partners are not shown it.",
    )


def describe_episodes(episodes: list[Episode]) -> str:
    """Episodes named by drama: “Rebirth” E3–5, E8; “Revenge” E1 (for messages)."""
    by_drama: dict[int, tuple[Drama, list[int]]] = {}
    for episode in episodes:
        by_drama.setdefault(episode.drama_id, (episode.drama, []))[1].append(episode.number)
    parts = []
    for drama, numbers in sorted(by_drama.values(), key=lambda item: (item[0].original_title, item[0].pk)):
        runs = ", ".join(f"E{run}" for run in describe_numbers(numbers).split(", "))
        parts.append(f"“{drama.original_title}” {runs}")
    return "; ".join(parts)


@admin.register(Episode)
class EpisodeAdmin(AutocompleteGuardMixin, admin.ModelAdmin):
    form = EpisodeForm
    list_display = ("episode_column", "drama_column", "number", "duration", "ladder", "status_column", "updated_at")
    list_select_related = ("drama",)
    list_filter = ("status", "drama__status", "drama__format")
    # The master is uploaded through the media admin (which queues its transcode), not as a plain file field.
    exclude = ("master",)
    readonly_fields = (
        "ladder",
        "ladder_state",
        "masters",
        "status_column",
        "withheld_reason",
        "status_changed_at",
        "status_changed_by",
        "subtitles_links",
        "subtitles_coverage_link",
    )
    actions = ("withhold_episodes", "make_episodes_available")
    search_fields = ("original_title", "drama__original_title")
    search_help_text = "Search by the drama's title in any language, or the episode's title."
    autocomplete_fields = ("drama",)
    ordering = ("drama__original_title", "number")
    list_per_page = 100

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        matching_dramas = dramas_search(query=term).values("pk")
        return queryset.filter(Q(drama__in=matching_dramas) | Q(original_title__icontains=term)), False

    @admin.display(description="Episode", ordering="drama__original_title")
    def episode_column(self, obj: Episode) -> str:
        return bidi(obj, obj.drama.original_language)

    @admin.display(description="Drama", ordering="drama__original_title")
    def drama_column(self, obj: Episode) -> str:
        return bidi(obj.drama.original_title, obj.drama.original_language)

    @admin.display(description="Duration", ordering="duration_seconds")
    def duration(self, obj: Episode) -> str:
        if obj.duration_seconds is None:
            return "—"
        minutes, seconds = divmod(obj.duration_seconds, 60)
        return f"{minutes}:{seconds:02d}"

    def get_queryset(self, request):
        return episodes_with_ladder_status(super().get_queryset(request))

    @admin.display(description="Ladder")
    def ladder(self, obj: Episode) -> str:
        return episode_ladder_html(obj)

    @admin.display(description="Ladder")
    def ladder_state(self, obj: Episode) -> str:
        return episode_ladder_html(obj, preview=False)

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        return shown if ladder_preview_allowed(request) else [_no_preview(name) for name in shown]

    @admin.display(description="Master")
    def masters(self, obj: Episode) -> str:
        if obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}?episode={}">Upload a master</a> (its transcode starts on upload) · '
            '<a href="{}">upload the drama\'s masters in bulk</a>',
            reverse("admin:media_master_add"), obj.pk, reverse("admin:media_master_bulk", args=[obj.drama_id]),
        )  # fmt: skip

    @admin.display(description="Status", ordering="status")
    def status_column(self, obj: Episode) -> str:
        return episode_status_badge(obj)

    @admin.display(description="Subtitles")
    def subtitles_links(self, obj: Episode) -> str:
        return subtitle_episode_links(obj) if obj is not None and obj.pk is not None else "—"

    @admin.display(description="Subtitles")
    def subtitles_coverage_link(self, obj: Episode) -> str:
        return subtitle_coverage_link(obj.drama) if obj is not None and obj.pk is not None else "—"

    def get_readonly_fields(self, request, obj=None):
        # Only the links that lead somewhere for this viewer: one ladder row, one subtitles row, and the
        # masters row for those who may upload masters.
        may_view, may_upload = subtitle_links_allowed(request)
        subtitles = "subtitles_links" if may_upload else "subtitles_coverage_link" if may_view else None
        left_out = {"subtitles_links", "subtitles_coverage_link"} - {subtitles}
        left_out.add("ladder_state" if ladder_preview_allowed(request) else "ladder")
        if not master_upload_allowed(request):
            left_out.add("masters")
        return [name for name in super().get_readonly_fields(request, obj) if name not in left_out]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a published episode is withheld, not deleted under partners
        return actions

    # -- status actions -----------------------------------------------------------------------

    def _set_status(self, request: HttpRequest, queryset: QuerySet[Episode], status: str, reason: str = "") -> None:
        episodes = list(queryset.select_related("drama"))
        try:
            changed = episode_status_set(episodes=episodes, status=status, reason=reason, actor=request.user)
        except EpisodeStatusError as error:
            self.message_user(request, error_message(error, prefix="Nothing was changed: "), messages.ERROR)
            return
        label = EpisodeStatus(status).label.lower()
        if changed:
            verb = "Withheld" if status == EpisodeStatus.WITHHELD else "Made available"
            text = f"{verb}: {describe_episodes(changed)}."
            if reason:
                text += f" Reason: {reason}"
            self.message_user(request, text, messages.SUCCESS)
        unchanged_ids = {episode.pk for episode in episodes} - {episode.pk for episode in changed}
        if unchanged_ids:
            unchanged = [episode for episode in episodes if episode.pk in unchanged_ids]
            self.message_user(
                request, f"Already {label}, left as they were: {describe_episodes(unchanged)}.", messages.WARNING
            )

    @admin.action(description="Withhold selected episodes", permissions=["change"])
    def withhold_episodes(self, request, queryset):
        # A page that asks for the reason first; its form posts the same action back with the episodes it
        # lists, by id (never "select across", which would re-select from the list's filters).
        form = EpisodeWithholdForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._set_status(request, queryset, EpisodeStatus.WITHHELD, form.cleaned_data["reason"])
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Withhold episodes",
            "opts": self.model._meta,
            "form": form,
            "episodes": list(queryset.select_related("drama").order_by("drama__original_title", "number")),
            "action": "withhold_episodes",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/catalog/episode/withhold_confirmation.html", context)

    @admin.action(description="Make selected episodes available", permissions=["change"])
    def make_episodes_available(self, request, queryset):
        self._set_status(request, queryset, EpisodeStatus.AVAILABLE)


@admin.register(Artwork)
class ArtworkAdmin(AutocompleteGuardMixin, ArtworkDisplayMixin, admin.ModelAdmin):
    list_display = ("preview", "drama", "kind", "language", "dimensions", "created_at")
    list_display_links = ("preview", "drama")
    list_select_related = ("drama",)
    list_filter = ("kind", language_list_filter("language"))
    search_fields = ("drama__original_title",)
    autocomplete_fields = ("drama",)
    readonly_fields = ("preview", "dimensions")
    fields = ("drama", "kind", "language", "image", "preview", "dimensions")
