"""Dubs in the admin: an upload form (episode, language, file) and a read-only view of every version with
what its checks found. Calls localization.dubs.services; holds no rules."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join

from catalog.models import Episode
from localization.dubs.services import dub_first_error, dub_ingest
from localization.models import DubStatus, DubVersion
from migu_platform.errors import DomainError


class DubUploadForm(forms.Form):
    episode = forms.ModelChoiceField(queryset=Episode.objects.select_related("drama").order_by("drama", "number"))
    language = forms.CharField(max_length=16, help_text="BCP 47: en, th, yue (Cantonese), es-419 …")
    file = forms.FileField(help_text="WAV, AAC or MP4/M4A, the length of the episode.")


@admin.register(DubVersion)
class DubVersionAdmin(admin.ModelAdmin):
    list_display = ("track", "number", "status", "duration_seconds", "channels", "sample_rate", "peak_db",
                    "error_count", "warning_count", "created_at")  # fmt: skip
    list_filter = ("status", "track__language")
    search_fields = ("track__episode__drama__original_title", "track__language", "original_filename")
    readonly_fields = ("findings_list",)
    exclude = ("findings",)
    change_list_template = "admin/localization/dubversion/change_list.html"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Findings")
    def findings_list(self, obj: DubVersion) -> str:
        return format_html_join(
            "\n", "<div>{} <code>{}</code>: {}</div>", ((f["severity"], f["code"], f["message"]) for f in obj.findings)
        )

    def get_urls(self):
        upload = path("upload/", self.admin_site.admin_view(self.upload_view), name="localization_dubversion_upload")
        return [upload, *super().get_urls()]

    def upload_view(self, request):
        """Upload a dub for an episode: its checks' verdict is shown, the version listed."""
        if not request.user.has_perm("localization.add_dubversion"):
            raise PermissionDenied
        form = DubUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                version = dub_ingest(episode=form.cleaned_data["episode"], language=form.cleaned_data["language"],
                                     filename=upload.name, file=upload, actor=request.user)  # fmt: skip
            except DomainError as exc:
                form.add_error(None, f"{exc.message} ({exc.code})")
            else:
                if version.status == DubStatus.LIVE:
                    messages.success(request, f"{version} is live; it is being packaged for playback.")
                else:
                    first = dub_first_error(version) or {"message": "", "code": ""}
                    messages.error(request, f"{version} was refused: {first['message']} ({first['code']}). "
                                   "The live version, if any, stays live.")  # fmt: skip
                return HttpResponseRedirect(reverse("admin:localization_dubversion_change", args=[version.pk]))
        context = {**self.admin_site.each_context(request), "form": form, "title": "Upload a dub",
                   "opts": self.model._meta}  # fmt: skip
        return TemplateResponse(request, "admin/localization/dubversion/upload.html", context)
