"""Job rows in the admin: what runs, how far it got, why it failed, and a re-run for failed jobs.

Jobs are written by workers through jobs.services; here they are read-only except for re-running.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.contrib import admin, messages
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html
from django.utils.translation import ngettext

from catalog.models import Episode
from jobs.models import Job, JobStatus
from jobs.runners import job_can_rerun, job_enqueue
from jobs.selectors import job_progress_of
from jobs.services import job_retry
from migu_platform.admin_text import person_name

RERUNNABLE_STATUSES = (JobStatus.FAILED, JobStatus.CANCELLED)


# Who is looking at the job pages. Their cells are drawn when the response renders, and whether a target is a
# link depends on the viewer's permissions: the views set it and render before they return.
_viewer: ContextVar[HttpRequest | None] = ContextVar("job_admin_viewer", default=None)


def admin_link(obj, *, request: HttpRequest | None = None) -> str:
    """A link to `obj`'s admin page when it has one that the viewer may open, else its name."""
    if obj is None:
        return "—"
    model_admin = admin.site._registry.get(type(obj))
    if model_admin is None or (request is not None and not model_admin.has_view_permission(request, obj)):
        return str(obj)
    try:
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return str(obj)
    return format_html('<a href="{}">{}</a>', url, obj)


def job_label(job: Job) -> str:
    """A job as people know it: what it works on ("Transcode of “Rebirth — E003” (job #12)")."""
    target = job.target if job.target_type_id else None
    if target is None:
        return f"{job.get_kind_display()} job #{job.pk}"
    return f"{job.get_kind_display()} of “{target}” (job #{job.pk})"


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "status_badge",
        "progress_bar",
        "attempt_count",
        "target_link",
        "organization",
        "error_code",
        "created_at",
        "finished_at",
    )
    list_display_links = ("id", "kind")
    list_filter = ("status", "kind", "error_code")
    search_fields = ("error_code", "error", "target_id", "celery_task_id")
    search_help_text = "Search error codes and messages, target ids or task ids."
    list_select_related = ("organization", "target_type")
    date_hierarchy = "created_at"
    actions = ("rerun",)
    fieldsets = (
        (None, {"fields": (("kind", "status_badge"), "progress_bar", "attempt_count", "target_link", "organization")}),
        ("Failure", {"fields": ("error_code", "error_display")}),
        ("Log", {"fields": ("log_display",)}),
        (
            "Run",
            {
                "fields": (
                    "params",
                    "result",
                    ("celery_task_id", "worker"),
                    ("created_by_name", "created_at"),
                    ("started_at", "heartbeat_at", "finished_at"),
                ),
                "classes": ("collapse",),
            },
        ),
    )

    def get_queryset(self, request):
        # One query per kind of target, not one per row; an episode's name includes its drama's.
        targets = GenericPrefetch("target", [Episode.objects.select_related("drama")])
        return super().get_queryset(request).prefetch_related(targets)

    def get_readonly_fields(self, request, obj=None):
        return [name for fieldset in self.fieldsets for row in fieldset[1]["fields"] for name in _names(row)]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # The row is the job's record (what ran, why it failed); workers may still be writing to it.
        return False

    def get_urls(self):
        return [
            path("<path:object_id>/rerun/", self.admin_site.admin_view(self.rerun_view), name="jobs_job_rerun"),
            *super().get_urls(),
        ]

    def _rendered_for(self, request: HttpRequest, view: Callable[[], HttpResponse]) -> HttpResponse:
        token = _viewer.set(request)
        try:
            response = view()
            if isinstance(response, TemplateResponse):
                response.render()
            return response
        finally:
            _viewer.reset(token)

    def changelist_view(self, request, extra_context=None):
        return self._rendered_for(request, lambda: super(JobAdmin, self).changelist_view(request, extra_context))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self._rendered_for(request, lambda: self._change_view(request, object_id, form_url, extra_context))

    def _change_view(self, request, object_id, form_url="", extra_context=None):
        job = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_rerun": job is not None
            and job.status in RERUNNABLE_STATUSES
            and self.has_change_permission(request, job),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def rerun_view(self, request, object_id):
        """The job page's "Re-run" button: the same as the list action, for one job."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        job = self.get_object(request, object_id)
        if job is None:
            raise Http404
        if not self.has_change_permission(request, job):
            raise PermissionDenied
        self._rerun(request, [job])
        return HttpResponseRedirect(reverse("admin:jobs_job_change", args=[job.pk]))

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj: Job) -> str:
        return format_html('<span class="status-badge job-{}">{}</span>', obj.status, obj.get_status_display())

    @admin.display(description="Progress", ordering="progress")
    def progress_bar(self, obj: Job) -> str:
        percent = round(job_progress_of(obj))
        return format_html(
            '<span class="job-progress"><progress max="100" value="{}" class="job-{}">{}%</progress>'
            '<span class="job-progress-value">{}%</span></span>',
            percent,
            obj.status,
            percent,
            percent,
        )

    @admin.display(description="Attempts", ordering="attempts")
    def attempt_count(self, obj: Job) -> str:
        return f"{obj.attempts} / {obj.max_attempts}"

    @admin.display(description="Target")
    def target_link(self, obj: Job) -> str:
        if not obj.target_type_id:
            return "—"
        target = obj.target
        if target is None:
            return f"{obj.target_type.name} #{obj.target_id} (deleted)"  # type: ignore[union-attr]  # target_type_id is set
        return admin_link(target, request=_viewer.get())

    @admin.display(description="Created by")
    def created_by_name(self, obj: Job) -> str:
        # A name, not a link: the user's own page is for those who manage users.
        return person_name(obj.created_by)

    @admin.display(description="Error")
    def error_display(self, obj: Job) -> str:
        return format_html('<pre class="job-text">{}</pre>', obj.error) if obj.error else "—"

    @admin.display(description="Log tail")
    def log_display(self, obj: Job) -> str:
        return format_html('<pre class="job-text job-log">{}</pre>', obj.log_tail) if obj.log_tail else "—"

    @admin.action(description="Re-run selected failed jobs", permissions=["change"])
    def rerun(self, request, queryset):
        self._rerun(request, queryset)

    def _rerun(self, request, jobs) -> None:
        started: list[Job] = []
        for job in jobs:
            if job.status not in RERUNNABLE_STATUSES:
                self.message_user(
                    request,
                    f"{job_label(job)} is {job.get_status_display().lower()}; "
                    "only failed or cancelled jobs can be re-run.",
                    messages.WARNING,
                )
                continue
            if not job_can_rerun(job):
                self.message_user(
                    request,
                    f"{job_label(job)} cannot be re-run from here: nothing runs "
                    f"“{job.kind}” jobs on demand. Start it again from where it was created.",
                    messages.ERROR,
                )
                continue
            with transaction.atomic():
                job_enqueue(job_retry(job=job))
            started.append(job)
        if started:
            self.message_user(
                request,
                ngettext("Queued %(n)d job again: %(jobs)s.", "Queued %(n)d jobs again: %(jobs)s.", len(started))
                % {"n": len(started), "jobs": "; ".join(job_label(job) for job in started)},
                messages.SUCCESS,
            )


def _names(row) -> tuple[str, ...]:
    return tuple(row) if isinstance(row, list | tuple) else (row,)
