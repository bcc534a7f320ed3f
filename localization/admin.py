"""Translators' admin: localised titles and synopses per language, with their completeness."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from catalog.selectors import dramas_search
from localization import admin_subtitles  # noqa: F401  (registers the subtitle pages)
from localization.admin_translation import (
    GlossaryCheckAdminMixin,
    TranslationMatrixAdminMixin,
    TranslationStatusAdminMixin,
)
from localization.languages import language_label, normalize_tag
from localization.models import DramaLocalization, EpisodeLocalization
from migu_platform.admin_extensions import AutocompleteGuardMixin
from migu_platform.admin_text import DirectionalFormMixin, bidi, language_list_filter

BOUNDED_FORMS = ("title_medium", "title_short", "synopsis_short", "synopsis_medium", "synopsis_long")


class LanguageTagForm(forms.ModelForm):
    def clean_language(self) -> str:
        # Accept zh-hant-hk / zh_Hant_HK as typed; store the canonical tag.
        return normalize_tag(self.cleaned_data["language"])


class DramaLocalizationForm(DirectionalFormMixin, LanguageTagForm):
    text_fields = ("title", "title_medium", "title_short", "synopsis_short", "synopsis_medium", "synopsis_long")

    class Meta:
        model = DramaLocalization
        fields = (
            "drama", "language", "status", "title", "title_medium", "title_short",
            "synopsis_short", "synopsis_medium", "synopsis_long",
        )  # fmt: skip
        widgets = {
            "synopsis_short": forms.Textarea(attrs={"rows": 2, "cols": 80}),
            "synopsis_medium": forms.Textarea(attrs={"rows": 4, "cols": 80}),
            "synopsis_long": forms.Textarea(attrs={"rows": 8, "cols": 80}),
        }


@admin.register(DramaLocalization)
class DramaLocalizationAdmin(
    AutocompleteGuardMixin,
    TranslationMatrixAdminMixin,
    TranslationStatusAdminMixin,
    GlossaryCheckAdminMixin,
    admin.ModelAdmin,
):
    form = DramaLocalizationForm
    list_display = (
        "title_column", "drama_column", "language_column", "status", "completeness", "translations_link", "updated_at"
    )  # fmt: skip
    list_select_related = ("drama",)
    list_filter = (language_list_filter("language"), "status")
    search_fields = ("title", "title_medium", "title_short")
    search_help_text = "Search localised titles, or the drama's title in any language."
    autocomplete_fields = ("drama",)
    fieldsets = (
        (None, {"fields": ("drama", ("language", "status"), "title")}),
        ("Length-bounded titles", {"fields": (("title_medium", "title_short"),)}),
        ("Synopses", {"fields": ("synopsis_short", "synopsis_medium", "synopsis_long")}),
    )

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(drama__in=dramas_search(query=term).values("pk")), False

    @admin.display(description="Title", ordering="title")
    def title_column(self, obj: DramaLocalization) -> str:
        return bidi(obj.title, obj.language)

    @admin.display(description="Drama", ordering="drama__original_title")
    def drama_column(self, obj: DramaLocalization) -> str:
        return bidi(obj.drama.original_title, obj.drama.original_language)

    @admin.display(description="Language", ordering="language")
    def language_column(self, obj: DramaLocalization) -> str:
        return language_label(obj.language)

    @admin.display(description="Translations")
    def translations_link(self, obj: DramaLocalization) -> str:
        return format_html(
            '<a href="{}">matrix</a>', reverse("admin:localization_translation_matrix", args=[obj.drama_id])
        )

    @admin.display(description="Bounded forms")
    def completeness(self, obj: DramaLocalization) -> str:
        filled = sum(1 for name in BOUNDED_FORMS if getattr(obj, name))
        return format_html(
            '<span class="completeness{}">{} / {}</span>',
            " complete" if filled == len(BOUNDED_FORMS) else "",
            filled,
            len(BOUNDED_FORMS),
        )


class EpisodeLocalizationForm(DirectionalFormMixin, LanguageTagForm):
    text_fields = ("title", "synopsis")

    class Meta:
        model = EpisodeLocalization
        fields = ("episode", "language", "title", "synopsis", "status")


@admin.register(EpisodeLocalization)
class EpisodeLocalizationAdmin(AutocompleteGuardMixin, TranslationStatusAdminMixin, admin.ModelAdmin):
    form = EpisodeLocalizationForm
    list_display = ("episode", "language_column", "title_column", "status", "updated_at")
    list_select_related = ("episode__drama",)
    list_filter = (language_list_filter("language"), "status")
    search_fields = ("title", "episode__drama__original_title")
    autocomplete_fields = ("episode",)

    @admin.display(description="Title", ordering="title")
    def title_column(self, obj: EpisodeLocalization) -> str:
        return bidi(obj.title, obj.language)

    @admin.display(description="Language", ordering="language")
    def language_column(self, obj: EpisodeLocalization) -> str:
        return language_label(obj.language)
