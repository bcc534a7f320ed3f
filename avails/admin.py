"""Rights managers' Avails upload: upload, dry-run preview of what would change, then confirm."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from jobs.models import JobKind
from jobs.selectors import job_progress_of, jobs_for
from migu_platform.admin_text import error_message, person_name
from partners.geography import country_name

from .errors import AvailsImportStateError, AvailsResolutionError
from .forms import AvailsUploadForm
from .models import AvailsImport, AvailsImportStatus
from .services import (
    avails_import_confirm,
    avails_import_preview,
    avails_import_repreview,
    avails_import_resolution_token,
)

ROWS_PER_PAGE = 100
ROW_ACTIONS = ("created", "updated", "unchanged", "revoked", "error")


def _row_for_display(outcome: dict[str, Any]) -> dict[str, Any]:
    """A report row as the preview shows it: territories named, instants as datetimes (shown in the
    current time zone by the template)."""
    row = dict(outcome)
    row["territory_names"] = [(code, country_name(code)) for code in outcome.get("territories", [])]
    row["exclusion_names"] = [(code, country_name(code)) for code in outcome.get("territory_exclusions", [])]
    row["start_at"] = datetime.fromisoformat(outcome["start"]) if outcome.get("start") else None
    row["end_at"] = datetime.fromisoformat(outcome["end"]) if outcome.get("end") else None
    return row


@admin.register(AvailsImport)
class AvailsImportAdmin(admin.ModelAdmin):
    list_display = (
        "original_name",
        "status",
        "direction",
        "created_count",
        "updated_count",
        "unchanged_count",
        "error_count",
        "uploaded_by_name",
        "created_at",
        "preview_link",
    )
    list_filter = ("status", "direction")
    list_select_related = ("uploaded_by",)
    search_fields = ("original_name", "sha256")
    # The uploader as a name, not a link to the user's page (for those who manage users only).
    readonly_fields = [f.name if f.name != "uploaded_by" else "uploaded_by_name" for f in AvailsImport._meta.fields]
    exclude = ("uploaded_by",)

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # an upload's record is what happened; it is not edited

    @admin.display(description="Uploaded by", ordering="uploaded_by__username")
    def uploaded_by_name(self, obj: AvailsImport) -> str:
        return person_name(obj.uploaded_by)

    @admin.display(description="Report")
    def preview_link(self, obj: AvailsImport) -> str:
        return format_html('<a href="{}">report</a>', reverse("admin:avails_availsimport_preview", args=[obj.pk]))

    def get_urls(self):
        urls = super().get_urls()
        own = [
            path(
                "<int:pk>/preview/", self.admin_site.admin_view(self.preview_view), name="avails_availsimport_preview"
            ),
            path(
                "<int:pk>/confirm/", self.admin_site.admin_view(self.confirm_view), name="avails_availsimport_confirm"
            ),
            path(
                "<int:pk>/repreview/",
                self.admin_site.admin_view(self.repreview_view),
                name="avails_availsimport_repreview",
            ),
        ]
        return own + urls

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = AvailsUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            record = avails_import_preview(
                upload_name=upload.name,
                data=upload.read(),
                direction=form.cleaned_data["direction"],
                default_licensee=form.cleaned_data["default_licensee"],
                user=request.user,
            )
            return HttpResponseRedirect(reverse("admin:avails_availsimport_preview", args=[record.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Upload EMA Avails",
            "form": form,
        }
        return TemplateResponse(request, "admin/avails/availsimport/upload.html", context)

    def preview_view(self, request, pk: int):
        record = get_object_or_404(AvailsImport, pk=pk)
        if not self.has_view_permission(request, record):
            raise PermissionDenied
        report = record.report or {}
        problems = report.get("problems", [])
        job = jobs_for(target=record, kind=JobKind.AVAILS_IMPORT).first() if record.is_queued else None
        outcomes = report.get("outcomes", [])
        action = request.GET.get("action", "")
        if action in ROW_ACTIONS:
            outcomes = [o for o in outcomes if o.get("action") == action]
        else:
            action = ""
        rows = Paginator(outcomes, ROWS_PER_PAGE).get_page(request.GET.get("page"))
        can_confirm = record.status == AvailsImportStatus.PREVIEWED and self.has_add_permission(request)
        unknown_organizations = report.get("unknown_organizations", [])
        unknown_dramas = report.get("unknown_dramas", [])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Avails {record.get_status_display().lower()}: {record.original_name}",
            "record": record,
            "report": report,
            "counts": report.get("counts", {}),
            "rows": rows,
            "row_list": [_row_for_display(outcome) for outcome in rows.object_list],
            "row_filter": action,
            "row_actions": ROW_ACTIONS,
            "time_zone": timezone.get_current_timezone_name(),
            "errors": [p for p in problems if p.get("severity") == "error"],
            "warnings": [p for p in problems if p.get("severity") == "warning"],
            "can_confirm": can_confirm,
            "unknown_organizations": unknown_organizations,
            "unknown_dramas": unknown_dramas,
            "new_names_count": len(unknown_organizations) + len(unknown_dramas),
            "resolution_token": (
                avails_import_resolution_token(avails_import_record=record, user=request.user)
                if can_confirm and (unknown_organizations or unknown_dramas)
                else ""
            ),
            # A queued upload is read by a background job: its progress, and the page reloads until it ends.
            "job": job,
            "job_progress": round(job_progress_of(job)) if job else None,
        }
        return TemplateResponse(request, "admin/avails/availsimport/preview.html", context)

    def confirm_view(self, request, pk: int):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_add_permission(request):
            raise PermissionDenied
        record = get_object_or_404(AvailsImport, pk=pk)
        report = record.report or {}
        if request.POST.get("repreview"):
            return self.repreview_view(request, pk)
        try:
            record = avails_import_confirm(
                avails_import_record=record,
                user=request.user,
                resolution_token=request.POST.get("resolution_token", ""),
                organization_choices=_form_choices(request, report)[0],
                drama_choices=_form_choices(request, report)[1],
                create_unmapped_organizations=request.POST.get("create-unmapped-organizations") == "on",
                create_unmapped_dramas=request.POST.get("create-unmapped-dramas") == "on",
            )
        except (AvailsImportStateError, AvailsResolutionError) as error:
            messages.error(request, error_message(error))
        else:
            if record.is_queued:
                messages.info(request, f"Importing {record.original_name} in the background; this page follows it.")
            elif record.status == AvailsImportStatus.APPLIED:
                messages.success(
                    request,
                    f"Imported {record.original_name}: {record.created_count} created, {record.updated_count} updated, "
                    f"{record.unchanged_count} unchanged.",
                )
            else:
                messages.error(request, f"Nothing was imported: {record.error_count} error(s); see the report.")
        return HttpResponseRedirect(reverse("admin:avails_availsimport_preview", args=[record.pk]))

    def repreview_view(self, request, pk: int):
        """The preview again with the existing organizations and dramas picked so far (the confirm form's
        "Apply my choices and preview again")."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_add_permission(request):
            raise PermissionDenied
        record = get_object_or_404(AvailsImport, pk=pk)
        organization_choices, drama_choices = _form_choices(request, record.report or {})
        try:
            record = avails_import_repreview(
                avails_import_record=record,
                user=request.user,
                resolution_token=request.POST.get("resolution_token", ""),
                organization_choices=organization_choices,
                drama_choices=drama_choices,
            )
        except (AvailsImportStateError, AvailsResolutionError) as error:
            messages.error(request, error_message(error))
        else:
            if record.is_queued:
                messages.info(request, f"Previewing {record.original_name} again in the background with your choices.")
            else:
                messages.info(request, "Previewed again with your choices; check the rows, then confirm.")
        return HttpResponseRedirect(reverse("admin:avails_availsimport_preview", args=[record.pk]))


def _form_choices(request, report: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The choice form's picks, in the preview's order of names."""
    return (
        [request.POST.get(f"organization-{i}", "") for i in range(len(report.get("unknown_organizations", [])))],
        [request.POST.get(f"drama-{i}", "") for i in range(len(report.get("unknown_dramas", [])))],
    )
