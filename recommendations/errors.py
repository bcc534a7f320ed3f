"""Error codes of playback event ingestion."""

from __future__ import annotations

import enum


class EventsErrorCode(enum.StrEnum):
    BATCH_TOO_LARGE = "batch_too_large"
    UNKNOWN_TITLE = "unknown_title"
    UNKNOWN_EPISODE = "unknown_episode"
    UNKNOWN_CHANNEL = "unknown_channel"
    IN_THE_FUTURE = "in_the_future"
