"""How the admin shows an episode's ladder (the episode list, the drama's episode table, the episode page).

Reads only what media.selectors.episodes_with_ladder_status() annotated on the episode: no query per row."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from jobs.models import ACTIVE_STATUSES, JobStatus
from media.models import LadderStatus


def episode_ladder_html(episode) -> SafeString | str:
    """The transcode under way (with its progress), the live ladder (its rungs and a preview link), or
    the last failure with its code; "—" for an episode without a master."""
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
        preview = reverse("admin:media_ladder_preview", args=[episode.pk])
        parts.append(
            format_html(
                '<span class="ladder-status ladder-ready">ready · {} rung{}</span> <a href="{}">preview ›</a>',
                episode.ladder_rungs,
                "" if episode.ladder_rungs == 1 else "s",
                preview,
            )
        )
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
