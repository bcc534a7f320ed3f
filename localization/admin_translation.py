"""The translation workflow in the admin: each drama's matrix of what is translated into which language
(with bulk approval and machine translation), the CSV / XLIFF round trip for outside translators, the
glossary, and the rule that only reviewers approve. Calls localization.translation's services."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from catalog.models import Drama
from localization.errors import TranslationError
from localization.languages import is_valid_tag, normalize_tag
from localization.models import GlossaryTerm, GlossaryTranslation, TranslationStatus
from localization.selectors import subtitle_language_name
from localization.translation.exchange import exchange_csv_export, exchange_import, exchange_xliff_export
from localization.translation.providers import translation_provider_configured, translation_provider_off_message
from localization.translation.selectors import (
    APPROVABLE_GROUPS,
    drama_localization_glossary_findings,
    may_approve,
    translation_languages_for,
    translation_matrix,
)
from localization.translation.services import translation_job_create, translation_status_for_edit, translations_approve
from migu_platform.admin_extensions import AutocompleteGuardMixin

# The rows carrying the approval checkbox of their group (the title's for the titles and synopses).
APPROVE_ON_ROWS = ("title", "episode_titles", "subtitles")


class TranslationStatusAdminMixin:
    """Only reviewers set APPROVED; an approved translation edited by anyone else goes back to review."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        reviewer = may_approve(request.user)
        previous = obj.status if obj is not None else None

        class StatusCheckedForm(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, **kw)
                status = self.fields.get("status")
                if status is not None and not reviewer and previous != TranslationStatus.APPROVED:
                    status.choices = [c for c in status.choices if c[0] != TranslationStatus.APPROVED]
                    status.help_text = "A reviewer approves; translators save in review."

            def clean(self):
                cleaned = super().clean()
                if "status" in cleaned:
                    try:
                        cleaned["status"] = translation_status_for_edit(
                            actor=request.user,
                            requested=cleaned["status"],
                            previous=previous,
                            changed=bool(set(self.changed_data) - {"status"}),
                        )
                    except TranslationError as exc:
                        raise ValidationError({"status": exc.message}) from exc
                    self.instance.status = cleaned["status"]
                return cleaned

        return StatusCheckedForm


class GlossaryCheckAdminMixin:
    """The drama localisation's page shows, for review, where it renders a glossary term otherwise."""

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, "glossary_check") if obj is not None else fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None:
            fieldsets.append(("Glossary", {"fields": ("glossary_check",)}))
        return fieldsets

    @admin.display(description="Glossary check")
    def glossary_check(self, obj) -> str:
        findings = drama_localization_glossary_findings(drama=obj.drama, language=obj.language)
        if not findings:
            return "Every glossary term of the source reads as approved."
        return format_html_join(mark_safe("<br>"), "⚠ {}", ((finding,) for finding in findings))


class TranslationMatrixAdminMixin:
    """The per-drama pages, on the drama localisations' admin (whose view permission opens them)."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("matrix/<int:drama_id>/", view(self.translation_matrix_view), name="localization_translation_matrix"),
            path(
                "matrix/<int:drama_id>/export/",
                view(self.translation_export_view),
                name="localization_translation_export",
            ),
            *super().get_urls(),
        ]

    def translation_matrix_view(self, request: HttpRequest, drama_id: int) -> HttpResponse:
        if not self.has_view_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        drama = get_object_or_404(Drama, pk=drama_id)
        url = reverse("admin:localization_translation_matrix", args=[drama.pk])
        if request.method == "POST":
            self._matrix_post(request, drama)
            return HttpResponseRedirect(url)
        matrix = translation_matrix(drama=drama)
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "opts": self.model._meta,  # type: ignore[attr-defined]
            "title": f"Translations of {drama}",
            "drama": drama,
            "matrix": matrix,
            "languages": [(tag, subtitle_language_name(tag)) for tag in matrix.languages],
            "rows": [
                (row, [(tag, row.cells[tag]) for tag in matrix.languages], row.key in APPROVE_ON_ROWS)
                for row in matrix.rows
            ],
            "can_approve": may_approve(request.user),
            "can_translate": self.has_change_permission(request),  # type: ignore[attr-defined]
            "provider_on": translation_provider_configured(),
            "provider_off_message": translation_provider_off_message(),
            "export_url": reverse("admin:localization_translation_export", args=[drama.pk]),
            "glossary_url": reverse("admin:localization_glossaryterm_changelist")
            + "?"
            + urlencode({"q": drama.original_title}),
            "import_form": TranslationImportForm(languages=matrix.languages),
        }
        return TemplateResponse(request, "admin/localization/translation_matrix.html", context)

    def _matrix_post(self, request: HttpRequest, drama: Drama) -> None:
        action = request.POST.get("action", "")
        languages = set(translation_languages_for(drama))
        if action == "approve":
            cells = []
            for value in request.POST.getlist("cell"):
                group, _, language = value.partition(":")
                if group in APPROVABLE_GROUPS and language in languages:
                    cells.append((group, language))
            if not cells:
                messages.warning(request, "Nothing was approved: no cell was selected.")
                return
            try:
                result = translations_approve(drama=drama, cells=cells, actor=request.user)  # type: ignore[arg-type]
            except TranslationError as exc:
                messages.error(request, exc.message)
                return
            messages.success(
                request,
                f"Approved {result.localizations} localisation(s), {result.episode_titles} episode title(s) "
                f"and {result.subtitles} subtitle version(s).",
            )
        elif action == "machine_translate":
            if not self.has_change_permission(request):  # type: ignore[attr-defined]
                messages.error(request, "Only translators and reviewers start machine translation.")
                return
            if not translation_provider_configured():
                messages.error(request, translation_provider_off_message())
                return
            chosen = [tag for tag in request.POST.getlist("language") if tag in languages]
            if not chosen:
                messages.warning(request, "No machine translation was started: no language was selected.")
                return
            jobs = [translation_job_create(drama=drama, language=tag, created_by=request.user) for tag in chosen]  # type: ignore[arg-type]
            messages.success(
                request,
                f"Machine translation started into {', '.join(chosen)} (job {', '.join(f'#{j.pk}' for j in jobs)}); "
                "what it writes lands as machine-translated, for review.",
            )
        elif action == "import":
            self._matrix_import(request, drama)
        else:
            messages.error(request, "Unknown action.")

    def _matrix_import(self, request: HttpRequest, drama: Drama) -> None:
        if not self.has_change_permission(request):  # type: ignore[attr-defined]
            messages.error(request, "Only translators and reviewers import translations.")
            return
        form = TranslationImportForm(request.POST, request.FILES, languages=translation_languages_for(drama))
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))  # type: ignore[misc]
            return
        upload = form.cleaned_data["file"]
        try:
            result = exchange_import(
                drama=drama,
                language=form.cleaned_data["language"],
                filename=upload.name,
                data=upload,
                actor=request.user,  # type: ignore[arg-type]
            )
        except TranslationError as exc:
            messages.error(request, f"Nothing was imported ({exc.code}): {exc.message}")
            return
        messages.success(
            request,
            f"Imported {len(result.changed)} changed text(s), in review; {result.unchanged} unchanged.",
        )

    def translation_export_view(self, request: HttpRequest, drama_id: int) -> HttpResponse:
        if not self.has_view_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        drama = get_object_or_404(Drama, pk=drama_id)
        language = normalize_tag(request.GET.get("language", ""))
        if language not in translation_languages_for(drama) or not is_valid_tag(language):
            messages.error(request, f"{language!r} is not one of this drama's target languages.")
            return HttpResponseRedirect(reverse("admin:localization_translation_matrix", args=[drama.pk]))
        name = f"drama-{drama.pk}.{language}"
        if request.GET.get("format") == "xliff":
            response = HttpResponse(exchange_xliff_export(drama=drama, language=language), "application/xliff+xml")
            response["Content-Disposition"] = f'attachment; filename="{name}.xlf"'
        else:
            response = HttpResponse(exchange_csv_export(drama=drama, language=language), "text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response


class TranslationImportForm(forms.Form):
    language = forms.ChoiceField()
    file = forms.FileField(help_text="A CSV or XLIFF 2.0 file exported from this page.")

    def __init__(self, *args, languages: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [(tag, f"{subtitle_language_name(tag)} ({tag})") for tag in languages]  # type: ignore[attr-defined]


class GlossaryTranslationForm(forms.ModelForm):
    class Meta:
        model = GlossaryTranslation
        fields = ("language", "text")

    def clean_language(self) -> str:
        return normalize_tag(self.cleaned_data["language"])


class GlossaryTranslationInline(admin.TabularInline):
    model = GlossaryTranslation
    form = GlossaryTranslationForm
    extra = 1
    verbose_name = "approved form"
    verbose_name_plural = "Approved forms per language"


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(AutocompleteGuardMixin, admin.ModelAdmin):
    list_display = ("term", "drama", "category", "approved_forms", "note")
    list_select_related = ("drama",)
    list_filter = ("category",)
    search_fields = ("term", "note", "drama__original_title", "translations__text")
    autocomplete_fields = ("drama",)
    inlines = (GlossaryTranslationInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("translations")

    @admin.display(description="Approved forms")
    def approved_forms(self, obj: GlossaryTerm) -> str:
        return ", ".join(f"{t.language}: {t.text}" for t in obj.translations.all()) or "—"
