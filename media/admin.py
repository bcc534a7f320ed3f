"""Content managers' media screens: upload a master (streamed to storage), watch its transcode, see the
ladder's renditions with their measured quality. Every write goes through media.services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.urls import path, reverse
from django.utils.html import format_html

from catalog.models import Episode
from media import admin_views
from media.models import Ladder, LadderStatus, Master, Rendition
from media.selectors import masters_with_transcode_status as _with_transcode_status
from media.services import master_ingest, transcode_job_create
from migu_platform.admin_extensions import AutocompleteGuardMixin, admin_inline_attach
from migu_platform.admin_text import person_name


def transcode_status_html(master: Master) -> str:
    status = getattr(master, "job_status", None)
    if status is None:
        return "—"
    progress = getattr(master, "job_progress", 0) or 0
    # job_id, job_error_code and job_error are annotated by _with_transcode_status(), as job_status is.
    job_link = format_html('<a href="/admin/jobs/job/{}/change/">job #{}</a>', master.job_id, master.job_id)  # type: ignore[attr-defined]
    if status == "failed":
        return format_html(
            '<span style="color:#ba2121">Failed:</span> {} <small class="error-code">(code: {})</small> ({})',
            master.job_error,  # type: ignore[attr-defined]
            master.job_error_code,  # type: ignore[attr-defined]
            job_link,
        )
    return format_html(
        '<progress value="{}" max="100" style="width:8em"></progress> {}% {} ({})',
        f"{progress:.0f}", f"{progress:.0f}", status, job_link,
    )  # fmt: skip


class MasterUploadForm(forms.ModelForm):
    """The episode and the file; the file streams to storage under a generated key (see master_ingest)."""

    upload = forms.FileField(
        label="Master file",
        help_text="MP4/MOV, Matroska/WebM or MPEG-TS. Large files stream to storage; the transcode starts after upload.",
    )

    class Meta:
        model = Master
        fields = ["episode"]


@admin.register(Master)
class MasterAdmin(AutocompleteGuardMixin, admin.ModelAdmin):
    list_display = ["episode", "original_filename", "size_mb", "status", "flags", "transcode", "created_at"]
    list_filter = ["status", "rejection_code"]
    search_fields = ["original_filename", "episode__drama__original_title", "checksum_sha256"]
    list_select_related = ["episode__drama"]
    autocomplete_fields = ["episode"]
    actions = ["retranscode"]
    readonly_fields = [
        "episode", "file", "original_filename", "size_bytes", "checksum_sha256", "status", "rejection_code",
        "rejection_reason", "warnings", "transcode", "probe", "uploaded_by_name", "created_at",
    ]  # fmt: skip

    def get_queryset(self, request):
        return _with_transcode_status(super().get_queryset(request))

    def get_urls(self):
        view = self.admin_site.admin_view
        bulk = "bulk/<int:drama_id>/"
        return [
            path(bulk, view(admin_views.masters_bulk_page), name="media_master_bulk"),
            path(f"{bulk}match/", view(admin_views.masters_bulk_match), name="media_master_bulk_match"),
            path(f"{bulk}upload/", view(admin_views.masters_bulk_upload), name="media_master_bulk_upload"),
            path(f"{bulk}status/", view(admin_views.masters_bulk_status), name="media_master_bulk_status"),
            path(f"{bulk}rerun/<int:master_id>/", view(admin_views.masters_bulk_rerun), name="media_master_bulk_rerun"),
            *super().get_urls(),
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = MasterUploadForm
            kwargs["fields"] = ["episode", "upload"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        return ["episode", "upload"] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return
        upload = form.cleaned_data["upload"]
        master, job = master_ingest(
            episode=form.cleaned_data["episode"], file=upload, original_filename=upload.name, uploaded_by=request.user
        )
        obj.pk, obj.file, obj._state.adding = master.pk, master.file, False
        messages.info(request, f"Stored {master} for “{master.episode}”; its transcode is queued (job #{job.pk}).")

    def has_change_permission(self, request, obj=None):
        # The detail page is read-only; masters are replaced by uploading another one.
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description="uploaded by")
    def uploaded_by_name(self, obj: Master) -> str:
        # A name, not a link: the user's own page is for those who manage users.
        return person_name(obj.uploaded_by)

    @admin.display(description="size (MB)", ordering="size_bytes")
    def size_mb(self, obj: Master) -> str:
        return f"{obj.size_bytes / 1e6:.1f}"

    @admin.display(description="flags")
    def flags(self, obj: Master) -> str:
        if obj.rejection_code:
            return format_html(
                '<span style="color:#ba2121">{}</span> <small class="error-code">(code: {})</small>',
                obj.rejection_reason,
                obj.rejection_code,
            )
        return "; ".join(obj.warnings) or "—"

    @admin.display(description="transcode")
    def transcode(self, obj: Master) -> str:
        return transcode_status_html(obj)

    @admin.action(description="Transcode the selected masters again", permissions=["add"])
    def retranscode(self, request, queryset):
        masters = list(queryset.select_related("episode__drama"))
        for master in masters:
            transcode_job_create(master=master, created_by=request.user)
        self.message_user(request, "Transcoding again: " + "; ".join(str(master) for master in masters) + ".")


class RenditionInline(admin.TabularInline):
    model = Rendition
    extra = 0
    can_delete = False
    fields = ["index", "width", "height", "video_bitrate", "bandwidth", "codecs", "segment_count", "size_bytes",
              "vmaf", "ssim", "psnr"]  # fmt: skip
    readonly_fields = fields  # type: ignore[assignment]  # plain field names, no groups

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ladder)
class LadderAdmin(admin.ModelAdmin):
    list_display = ["episode", "profile", "status", "rungs", "quality", "published_at"]
    list_filter = ["status", "profile"]
    list_select_related = ["episode__drama"]
    search_fields = ["episode__drama__original_title", "source_checksum"]
    inlines = [RenditionInline]
    readonly_fields = [
        "episode", "master", "profile", "source_checksum", "status", "storage_prefix", "duration_seconds",
        "poster", "sprite", "thumbnails_vtt", "quality_metric", "job", "published_at", "created_at",
    ]  # fmt: skip

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("renditions")

    def get_urls(self):
        preview = self.admin_site.admin_view(admin_views.ladder_preview)
        return [path("preview/<int:episode_id>/", preview, name="media_ladder_preview"), *super().get_urls()]

    def get_readonly_fields(self, request, obj=None):
        return ["preview", *self.readonly_fields]

    @admin.display(description="preview")
    def preview(self, obj: Ladder) -> str:
        if obj.status != LadderStatus.READY:
            return "— (only the live ladder plays)"
        return format_html('<a href="{}">Play it ›</a>', reverse("admin:media_ladder_preview", args=[obj.episode_id]))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="rungs")
    def rungs(self, obj: Ladder) -> str:
        return ", ".join(f"{r.width}×{r.height}" for r in obj.renditions.all())

    @admin.display(description="quality per rung")
    def quality(self, obj: Ladder) -> str:
        parts = []
        for r in obj.renditions.all():
            if r.vmaf is not None:
                parts.append(f"{r.height}p VMAF {r.vmaf:.1f}")
            elif r.ssim is not None:
                parts.append(f"{r.height}p SSIM {r.ssim:.3f}")
        return ", ".join(parts) or "—"


class EpisodeMediaInline(admin.TabularInline):
    """Masters of an episode with their transcode status; for the Episode admin's `inlines`."""

    model = Master
    extra = 0
    can_delete = False
    fields = ["original_filename", "status", "flags", "transcode", "created_at"]
    readonly_fields = fields  # type: ignore[assignment]  # plain field names, no groups
    show_change_link = True
    verbose_name_plural = "masters and transcodes"

    def get_queryset(self, request):
        return _with_transcode_status(super().get_queryset(request))

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="flags")
    def flags(self, obj: Master) -> str:
        return MasterAdmin.flags(None, obj)  # type: ignore[arg-type]  # flags() does not use self

    @admin.display(description="transcode")
    def transcode(self, obj: Master) -> str:
        return transcode_status_html(obj)


admin_inline_attach(Episode, EpisodeMediaInline, "original_title")
