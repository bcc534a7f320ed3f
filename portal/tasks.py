"""Celery tasks of the operator portal: thin wrappers around services."""

from __future__ import annotations

import logging

from celery import shared_task

from portal.services import rollups_refresh

logger = logging.getLogger(__name__)


@shared_task(name="portal.rollups_refresh", soft_time_limit=1500, time_limit=1800)
def rollups_refresh_task() -> dict[str, int]:
    """Beat job: fold newly received playback events into the portal's daily rollups."""
    result = rollups_refresh()
    if result.events:
        logger.info("portal rollups: %d events over %d days in %.1fs", result.events, result.days, result.seconds)
    return {"events": result.events, "days": result.days, "last_event_id": result.last_event_id}
