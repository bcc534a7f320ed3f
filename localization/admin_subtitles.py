"""Content managers' subtitle pages: upload one file on an episode, upload many on a drama (files, a
folder or a zip), read each finding of a version on its cue and waive warnings, and see what is missing
per language on a drama.

Rules live in localization.services and localization.selectors; these views check permissions, fetch
episodes and dramas through the catalogue admin's own querysets (so what a staff user cannot open there,
they cannot reach here: the same 404 as a missing id), call the services and report the outcome.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from catalog.models import Drama, Episode
from localization.errors import SubtitleArchiveError
from localization.languages import LANGUAGE_NAMES, is_valid_tag, normalize_tag
from localization.models import SubtitleKind, SubtitleStatus, SubtitleVersion
from localization.selectors import (
    COVERAGE_LABELS,
    CoverageState,
    subtitle_coverage,
    subtitle_language_name,
    subtitle_languages_of,
    subtitle_version_review,
)
from localization.services import MAX_WAIVER_REASON, subtitle_bulk_ingest, subtitle_finding_waive, subtitle_ingest
from localization.subtitles.bundle import BulkFile, bulk_files_from_uploads, bulk_files_from_zip, bulk_zip_open
from localization.subtitles.scripts import is_right_to_left
from migu_platform.errors import DomainError

UPLOAD_PERMISSION = "localization.add_subtitleversion"
WAIVE_PERMISSION = "localization.change_subtitleversion"
VIEW_PERMISSION = "localization.view_subtitleversion"
# One upload page takes at most this many loose files (a zip is bounded by its own limits); Django refuses
# a request of more than DATA_UPLOAD_MAX_NUMBER_FILES before any view runs.
MAX_BULK_UPLOAD_FILES = 1000


def language_choice_label(tag: str) -> str:
    return f"{subtitle_language_name(tag)} ({tag})"


def text_direction(tag: str) -> str:
    return "rtl" if is_right_to_left(tag) else "ltr"


def clock(ms: int | None) -> str:
    if ms is None:
        return ""
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


# --- access ---------------------------------------------------------------------------------------


def episodes_visible(request: HttpRequest) -> QuerySet[Episode]:
    """The episodes the catalogue admin shows this user (its queryset, whatever scoping it applies)."""
    return admin.site.get_model_admin(Episode).get_queryset(request)


def dramas_visible(request: HttpRequest) -> QuerySet[Drama]:
    return admin.site.get_model_admin(Drama).get_queryset(request)


def episode_for(request: HttpRequest, episode_id: int) -> Episode:
    """One episode the user may open; the same 404 for a missing id and one out of reach."""
    episode = episodes_visible(request).select_related("drama").filter(pk=episode_id).first()
    if episode is None:
        raise Http404("No such episode.")
    return episode


def drama_for(request: HttpRequest, drama_id: int) -> Drama:
    drama = dramas_visible(request).filter(pk=drama_id).first()
    if drama is None:
        raise Http404("No such drama.")
    return drama


def require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


# --- forms ----------------------------------------------------------------------------------------


class SubtitleUploadForm(forms.Form):
    """One subtitle file on one episode: its language (named), its kind and the file."""

    language = forms.ChoiceField(label="Language", required=False)
    other_language = forms.CharField(
        label="Or another language tag",
        required=False,
        max_length=16,
        help_text="A BCP 47 tag when the language is not listed (e.g. vi, id, ms, zh-Hant-TW).",
    )
    kind = forms.ChoiceField(label="Kind", choices=SubtitleKind.choices, initial=SubtitleKind.FULL)
    file = forms.FileField(label="Subtitle file", help_text="SRT, WebVTT or TTML/IMSC, at most 8 MiB.")

    def __init__(self, *args, languages: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        tags = sorted(set(languages) | set(LANGUAGE_NAMES), key=lambda tag: (tag not in languages, tag))
        self.fields["language"].choices = [("", "—")] + [(tag, language_choice_label(tag)) for tag in tags]  # type: ignore[attr-defined]

    def clean(self):
        cleaned = super().clean()
        typed = (cleaned.get("other_language") or "").strip()
        tag = normalize_tag(typed) if typed else cleaned.get("language")
        if not tag:
            raise forms.ValidationError("Choose the file's language, or type its tag.")
        if not is_valid_tag(tag):
            self.add_error("other_language", f"{typed!r} is not a BCP 47 language tag (e.g. en, zh-Hans, yue).")
        cleaned["tag"] = tag
        return cleaned


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern): cleans to a list."""

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class SubtitleBulkForm(forms.Form):
    """Many subtitle files on a drama, named ep001.th.srt …: loose files, a folder, or one zip."""

    files = MultipleFileField(  # type: ignore[assignment]
        label="Files",
        required=False,
        widget=MultipleFileInput(attrs={"multiple": True, "accept": ".srt,.vtt,.webvtt,.ttml,.dfxp,.xml,.imsc"}),
        help_text="Select several files (or drop them here).",
    )
    folder = MultipleFileField(
        label="Or a folder",
        required=False,
        widget=MultipleFileInput(attrs={"multiple": True, "webkitdirectory": True}),
        help_text="Every file of the folder is taken by its name.",
    )
    archive = forms.FileField(
        label="Or one zip",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
        help_text="At most 1,000 files and 256 MiB once expanded; archives inside it are refused.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.loose: list = []

    def clean(self):
        cleaned = super().clean()
        self.loose = [*(cleaned.get("files") or []), *(cleaned.get("folder") or [])]
        if not self.loose and not cleaned.get("archive"):
            raise forms.ValidationError("Choose subtitle files, a folder or a zip.")
        if self.loose and cleaned.get("archive"):
            raise forms.ValidationError("Upload either files or a zip, not both at once.")
        if len(self.loose) > MAX_BULK_UPLOAD_FILES:
            raise forms.ValidationError(f"{len(self.loose)} files; at most {MAX_BULK_UPLOAD_FILES} in one upload.")
        return cleaned


class WaiverForm(forms.Form):
    reason = forms.CharField(label="Why is it accepted?", max_length=MAX_WAIVER_REASON)


# --- the admin ------------------------------------------------------------------------------------


@admin.register(SubtitleVersion)
class SubtitleVersionAdmin(admin.ModelAdmin):
    """Every upload of every subtitle track; a version's page lists its findings on their cues."""

    list_display = ("version_label", "episode_link", "language_label", "kind_label", "status_badge", "counts",
                    "created_at")  # fmt: skip
    list_select_related = ("track__episode__drama",)
    list_filter = ("status", "track__kind", "track__language")
    search_fields = ("original_filename", "track__episode__drama__original_title")
    ordering = ("-created_at",)
    list_per_page = 100

    # -- scoping and permissions ----------------------------------------------------------------

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(track__episode__in=episodes_visible(request).values("pk"))
            .select_related("track__episode__drama", "uploaded_by")
        )

    def has_add_permission(self, request) -> bool:
        return False  # uploads go through the upload pages, which call the ingest service

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # versions are the record of what was uploaded and what went live

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("upload/<int:episode_id>/", view(self.upload_view), name="localization_subtitle_upload"),
            path("bulk/<int:drama_id>/", view(self.bulk_view), name="localization_subtitle_bulk"),
            path("coverage/<int:drama_id>/", view(self.coverage_view), name="localization_subtitle_coverage"),
            path(
                "<int:version_id>/waive/<int:finding_index>/",
                view(require_POST(self.waive_view)),
                name="localization_subtitle_waive",
            ),
            *super().get_urls(),
        ]

    # -- list columns ---------------------------------------------------------------------------

    @admin.display(description="Version", ordering="number")
    def version_label(self, obj: SubtitleVersion) -> str:
        return f"v{obj.number} {obj.original_filename}".strip()

    @admin.display(description="Episode")
    def episode_link(self, obj: SubtitleVersion) -> str:
        episode = obj.track.episode
        return format_html(
            '<a href="{}">{} E{}</a>',
            reverse("admin:localization_subtitle_coverage", args=[episode.drama_id]),
            episode.drama.original_title,
            f"{episode.number:03d}",
        )

    @admin.display(description="Language", ordering="track__language")
    def language_label(self, obj: SubtitleVersion) -> str:
        return language_choice_label(obj.track.language)

    @admin.display(description="Kind", ordering="track__kind")
    def kind_label(self, obj: SubtitleVersion) -> str:
        return obj.track.get_kind_display()

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj: SubtitleVersion) -> str:
        return format_html('<span class="status-badge status-{}">{}</span>', obj.status, obj.get_status_display())

    @admin.display(description="Cues / errors / warnings")
    def counts(self, obj: SubtitleVersion) -> str:
        return f"{obj.cue_count} / {obj.error_count} / {obj.warning_count}"

    # -- the version's page ---------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method != "GET":
            return HttpResponse(status=405, headers={"Allow": "GET"})
        version = self.get_object(request, object_id)
        if version is None:
            raise Http404("No such subtitle version.")
        if not self.has_view_or_change_permission(request, version):
            raise PermissionDenied
        return self.version_page(request, version)

    def version_page(self, request: HttpRequest, version: SubtitleVersion, waiver_form: WaiverForm | None = None,
                     waiver_index: int | None = None) -> TemplateResponse:  # fmt: skip
        track = version.track
        episode = track.episode
        reviews = subtitle_version_review(version=version)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"{episode.drama.original_title} E{episode.number:03d} — "
            f"{language_choice_label(track.language)}, {track.get_kind_display()}, version {version.number}",
            "version": version,
            "track": track,
            "episode": episode,
            "reviews": [
                {"review": review, "start": clock(review.start_ms), "end": clock(review.end_ms)} for review in reviews
            ],
            "language_name": language_choice_label(track.language),
            "direction": text_direction(track.language),
            "can_waive": request.user.has_perm(WAIVE_PERMISSION),
            "waiver_form": waiver_form,
            "waiver_index": waiver_index,
            "left_out": max(version.error_count + version.warning_count - len(version.findings or []), 0),
            "live": track.versions.filter(status=SubtitleStatus.LIVE).exclude(pk=version.pk).first(),
            "can_upload": request.user.has_perm(UPLOAD_PERMISSION),
        }
        return TemplateResponse(request, "admin/localization/subtitles/version.html", context)

    def waive_view(self, request: HttpRequest, version_id: int, finding_index: int) -> HttpResponse:
        require(request, WAIVE_PERMISSION)
        version = self.get_queryset(request).filter(pk=version_id).first()
        if version is None:
            raise Http404("No such subtitle version.")
        form = WaiverForm(request.POST)
        if not form.is_valid():
            return self.version_page(request, version, form, finding_index)
        try:
            waiver = subtitle_finding_waive(
                version=version,
                finding_index=finding_index,
                reason=form.cleaned_data["reason"],
                actor=request.user,  # type: ignore[arg-type]
            )
        except DomainError as error:
            messages.error(request, f"Not waived ({error.code}): {error.message}")
        else:
            messages.success(request, f"Warning {waiver.code} waived: {waiver.reason}")
        url = reverse("admin:localization_subtitleversion_change", args=[version.pk])
        return HttpResponseRedirect(f"{url}#finding-{finding_index}")

    # -- one upload -----------------------------------------------------------------------------

    def upload_view(self, request: HttpRequest, episode_id: int) -> HttpResponse:
        require(request, UPLOAD_PERMISSION)
        episode = episode_for(request, episode_id)
        coverage_languages = subtitle_languages_of(drama=episode.drama)
        initial = {"language": request.GET.get("language", ""), "kind": request.GET.get("kind", SubtitleKind.FULL)}
        posted = request.method == "POST"
        form = SubtitleUploadForm(
            request.POST if posted else None, request.FILES if posted else None,
            languages=coverage_languages, initial=initial,
        )  # fmt: skip
        if request.method == "POST" and form.is_valid():
            try:
                version = subtitle_ingest(
                    episode=episode, language=form.cleaned_data["tag"], kind=form.cleaned_data["kind"],
                    filename=form.cleaned_data["file"].name, data=form.cleaned_data["file"], actor=request.user,  # type: ignore[arg-type]
                )  # fmt: skip
            except DomainError as error:
                form.add_error("file", f"{error.message} ({error.code})")
            else:
                self.message_upload(request, version)
                return HttpResponseRedirect(reverse("admin:localization_subtitleversion_change", args=[version.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Upload subtitles — {episode.drama.original_title} E{episode.number:03d}",
            "episode": episode,
            "form": form,
        }
        return TemplateResponse(request, "admin/localization/subtitles/upload.html", context)

    def message_upload(self, request: HttpRequest, version: SubtitleVersion) -> None:
        url = reverse("admin:localization_subtitleversion_change", args=[version.pk])
        counts = f"{version.cue_count} cues, {version.error_count} errors, {version.warning_count} warnings"
        if version.status == SubtitleStatus.LIVE:
            text = format_html('<a href="{}">Version {}</a> is live: {}.', url, version.number, counts)
            messages.success(request, text)
        else:
            text = format_html(
                '<a href="{}">Version {}</a> was rejected: {}. The live version, if any, stays live.',
                url, version.number, counts,
            )  # fmt: skip
            messages.error(request, text)

    # -- bulk upload ----------------------------------------------------------------------------

    def bulk_view(self, request: HttpRequest, drama_id: int) -> HttpResponse:
        require(request, UPLOAD_PERMISSION)
        drama = drama_for(request, drama_id)
        posted = request.method == "POST"
        form = SubtitleBulkForm(request.POST if posted else None, request.FILES if posted else None)
        rows = None
        if request.method == "POST" and form.is_valid():
            try:
                files: list[BulkFile]
                if form.cleaned_data.get("archive"):
                    files = bulk_files_from_zip(bulk_zip_open(form.cleaned_data["archive"]))
                else:
                    files = bulk_files_from_uploads(form.loose)
                rows = subtitle_bulk_ingest(drama=drama, files=files, actor=request.user)  # type: ignore[arg-type]
            except SubtitleArchiveError as error:
                form.add_error("archive", f"{error.message} ({error.code})")
        summary = None
        if rows is not None:
            summary = {outcome: sum(1 for row in rows if row.outcome == outcome) for outcome in
                       ("live", "rejected", "refused")}  # fmt: skip
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Upload subtitles in bulk — {drama.original_title}",
            "drama": drama,
            "form": form,
            "rows": rows,
            "summary": summary,
        }
        return TemplateResponse(request, "admin/localization/subtitles/bulk.html", context)

    # -- coverage -------------------------------------------------------------------------------

    def coverage_view(self, request: HttpRequest, drama_id: int) -> HttpResponse:
        require(request, VIEW_PERMISSION)
        drama = drama_for(request, drama_id)
        coverage = subtitle_coverage(drama=drama)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Subtitles per language — {drama.original_title}",
            "drama": drama,
            "coverage": coverage,
            "languages": [(tag, language_choice_label(tag)) for tag in coverage.languages],
            "totals": [
                [(state, COVERAGE_LABELS[state], coverage.totals[tag][state]) for state in CoverageState]
                for tag in coverage.languages
            ],
            "labels": COVERAGE_LABELS,
            "can_upload": request.user.has_perm(UPLOAD_PERMISSION),
        }
        return TemplateResponse(request, "admin/localization/subtitles/coverage.html", context)


def subtitle_coverage_link(drama: Drama, text: str = "Subtitles per language") -> str:
    """A link to the drama's subtitle coverage page (for the catalogue admin's drama list and page)."""
    return format_html(
        '<a class="subtitle-coverage-link" href="{}">{}</a>',
        reverse("admin:localization_subtitle_coverage", args=[drama.pk]),
        text,
    )


def subtitle_episode_links(episode: Episode) -> str:
    """Links to upload subtitles on an episode and to its drama's subtitles per language (episode page)."""
    return format_html(
        '<a class="subtitle-upload-link" href="{}">Upload subtitles</a> · {}',
        reverse("admin:localization_subtitle_upload", args=[episode.pk]),
        subtitle_coverage_link(episode.drama),
    )


def subtitle_links_allowed(request: HttpRequest) -> tuple[bool, bool]:
    """Whether this viewer may open the subtitles per language, and upload subtitles: the catalogue's pages
    offer only the links that lead somewhere for them."""
    return request.user.has_perm(VIEW_PERMISSION), request.user.has_perm(UPLOAD_PERMISSION)
