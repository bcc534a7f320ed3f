"""How the admin shows an episode's ladder (the episode list, the drama's episode table, the episode page).

Reads only what media.selectors.episodes_with_ladder_status() annotated on the episode: no query per row."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from jobs.models import ACTIVE_STATUSES, JobStatus
from media.models import LadderStatus

LADDER_PREVIEW_PERMISSION = "media.view_ladder"
MASTER_UPLOAD_PERMISSION = "media.add_master"


def episode_ladder_html(episode, *, preview: bool = True) -> SafeString | str:
    """The transcode under way (with its progress), the live ladder (its rungs, and a preview link unless
    `preview` is false), or the last failure with its code; "—" for an episode without a master."""
    job_status = getattr(episode, "transcode_status", None)
    ladder_status = getattr(episode, "ladder_status", None)
    if job_status in ACTIVE_STATUSES:
        progress = f"{getattr(episode, 'transcode_progress', 0) or 0:.0f}"
        return format_html(
            '<span class="ladder-status ladder-transcoding"><progress value="{}" max="100" style="width:5em">'
            "</progress> {}% transcoding</span>",
            progress,
            progress,
        )
    parts = []
    if ladder_status == LadderStatus.READY:
        ready = format_html(
            '<span class="ladder-status ladder-ready">ready · {} rung{}</span>',
            episode.ladder_rungs,
            "" if episode.ladder_rungs == 1 else "s",
        )
        if preview:
            url = reverse("admin:media_ladder_preview", args=[episode.pk])
            ready = format_html('{} <a href="{}">preview ›</a>', ready, url)
        parts.append(ready)
    if job_status == JobStatus.FAILED:
        parts.append(
            format_html(
                '<span class="ladder-status ladder-failed" style="color:#ba2121">{}transcode failed: {}</span>',
                "last " if parts else "",
                episode.transcode_error_code or "error",
            )
        )
    elif ladder_status and ladder_status != LadderStatus.READY and not parts:
        parts.append(format_html('<span class="ladder-status">{}</span>', ladder_status))
    if not parts:
        return "—"
    return format_html("{}", SafeString(" · ".join(parts)))


def ladder_preview_allowed(request: HttpRequest) -> bool:
    """Whether this viewer may open the preview player (the ladder columns link to it only then)."""
    return request.user.has_perm(LADDER_PREVIEW_PERMISSION)


def master_upload_allowed(request: HttpRequest) -> bool:
    """Whether this viewer may upload masters, one or in bulk (the catalogue's pages link there only then)."""
    return request.user.has_perm(MASTER_UPLOAD_PERMISSION)
