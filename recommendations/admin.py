"""The matching model in the admin: versions (run now, roll back) and each channel's line-up with its reasons.

Versions are written by the matching job (recommendations.matching); here they are read, started and
switched, never edited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join

from catalog.models import Drama
from migu_platform.admin_text import error_message
from recommendations.errors import MatchingError
from recommendations.matching import matching_version_activate
from recommendations.models import ChannelLineup, MatchingModelVersion, PlaybackEvent
from recommendations.tasks import matching_job_start


@admin.register(MatchingModelVersion)
class MatchingModelVersionAdmin(admin.ModelAdmin):
    list_display = ("id", "status", "is_live", "data_since", "data_until", "period_start", "summary", "created_at")
    list_filter = ("status", "is_live")
    actions = ["make_live"]
    change_list_template = "admin/recommendations/matchingmodelversion/change_list.html"
    readonly_fields = [f.name for f in MatchingModelVersion._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: MatchingModelVersion | None = None) -> bool:
        return False

    @admin.display(description="data")
    def summary(self, version: MatchingModelVersion) -> str:
        metrics = version.metrics or {}
        if not metrics:
            return version.error[:80] or "—"
        return (
            f"{metrics.get('users', 0)} users × {metrics.get('titles', 0)} titles, "
            f"{metrics.get('interactions', 0)} interactions; blend {version.params.get('blend_weights', {})}"
        )

    def get_urls(self) -> list[URLPattern]:
        run = path("run/", self.admin_site.admin_view(self.run_view), name="recommendations_matchingmodelversion_run")
        return [run, *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "can_run_matching": self.has_change_permission(request)}
        return super().changelist_view(request, extra_context)

    def run_view(self, request: HttpRequest) -> HttpResponse:
        """Start a matching run (on the matching queue), or point at the one already pending or running."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        job = matching_job_start(created_by=request.user)
        job_url = reverse("admin:jobs_job_change", args=[job.pk])
        self.message_user(
            request,
            format_html('Matching job <a href="{}">#{}</a> is {}; its version appears here when it ends.',
                        job_url, job.pk, job.get_status_display().lower()),
            messages.SUCCESS,
        )  # fmt: skip
        return redirect("admin:recommendations_matchingmodelversion_changelist")

    @admin.action(description="Make the selected version live (roll back or forward)", permissions=["change"])
    def make_live(self, request: HttpRequest, queryset: QuerySet[MatchingModelVersion]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version.", messages.ERROR)
            return
        try:
            version = matching_version_activate(version=queryset.get())
        except MatchingError as exc:
            self.message_user(request, error_message(exc), messages.ERROR)
            return
        self.message_user(request, f"Version {version.pk} is live.", messages.SUCCESS)


@admin.register(ChannelLineup)
class ChannelLineupAdmin(admin.ModelAdmin):
    list_display = ("channel", "version", "titles", "audience_users", "empty_reason", "computed_at")
    list_filter = ("version__is_live", "channel__organization")
    list_select_related = ("channel__organization", "version")
    search_fields = ("channel__name", "channel__slug", "channel__organization__name")
    fields = ("channel", "version", "audience_users", "empty_reason", "computed_at", "lineup")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ChannelLineup | None = None) -> bool:
        return False

    @admin.display(description="titles")
    def titles(self, lineup: ChannelLineup) -> int:
        return len(lineup.entries)

    @admin.display(description="line-up and why")
    def lineup(self, lineup: ChannelLineup) -> str:
        if not lineup.entries:
            return f"Empty: {lineup.empty_reason or 'no titles'}"
        ids = {e["title_id"] for e in lineup.entries}
        for entry in lineup.entries:
            ids.update(n["title_id"] for n in entry["reasons"].get("nearest_watched", []))
        names = dict(Drama.objects.filter(pk__in=ids).values_list("pk", "original_title"))

        def why(entry: dict) -> str:
            reasons = entry["reasons"]
            parts = []
            if reasons.get("nearest_watched"):
                parts.append("near " + ", ".join(names.get(n["title_id"], "?") for n in reasons["nearest_watched"]))
            if reasons.get("tropes"):
                parts.append("tropes " + ", ".join(f"{t['trope']} ×{t['lift']}" for t in reasons["tropes"]))
            if reasons.get("languages"):
                parts.append("in " + ", ".join(reasons["languages"]))
            if reasons.get("popularity"):
                best = reasons["popularity"][0]
                parts.append(f"#{best['rank']} in {best['territory']}")
            if reasons.get("cold_title"):
                parts.append("new title: carried by its content")
            return "; ".join(parts)

        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    e["rank"],
                    names.get(e["title_id"], e["title_id"]),
                    e["demand_index"],
                    e.get("primary_trope", ""),
                    why(e),
                )
                for e in lineup.entries
            ),
        )
        return format_html(
            "<table><thead><tr><th>#</th><th>title</th><th>demand (100 = channel average)</th>"
            "<th>primary trope</th><th>why</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )


@admin.register(PlaybackEvent)
class PlaybackEventAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "organization", "kind", "user_ref", "drama", "episode", "country", "channel")
    list_filter = ("kind",)
    list_select_related = ("organization", "drama", "episode__drama", "channel__organization")
    search_fields = ("user_ref", "event_id")
    readonly_fields = [f.name for f in PlaybackEvent._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PlaybackEvent | None = None) -> bool:
        return False
