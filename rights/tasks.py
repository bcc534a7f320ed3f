"""Celery tasks of the rights app: thin wrappers around services."""

from __future__ import annotations

import logging

from celery import shared_task

from rights.services import rights_events_webhooks_publish, rights_windows_advance

logger = logging.getLogger(__name__)


@shared_task(name="rights.windows_advance", soft_time_limit=240, time_limit=300)
def rights_windows_advance_task() -> dict[str, int]:
    """Beat job: record window starts and ends as events, expire ended windows (runs every minute)."""
    counts = rights_windows_advance()
    if counts["started"] or counts["ended"]:
        logger.info("rights windows advanced: %(started)d started, %(ended)d ended", counts)
    return counts


@shared_task(name="rights.webhooks_publish", ignore_result=True)
def rights_webhooks_publish_task() -> None:
    """Beat job: new rights events out become title.available / updated / withdrawn webhook deliveries."""
    rights_events_webhooks_publish()
