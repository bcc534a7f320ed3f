"""Error codes of playback event ingestion and of the matching model."""

from __future__ import annotations

import enum

from migu_platform.errors import DomainError


class EventsErrorCode(enum.StrEnum):
    BATCH_TOO_LARGE = "batch_too_large"
    UNKNOWN_TITLE = "unknown_title"
    UNKNOWN_EPISODE = "unknown_episode"
    UNKNOWN_CHANNEL = "unknown_channel"
    IN_THE_FUTURE = "in_the_future"


class MatchingErrorCode(enum.StrEnum):
    """Why a matching run failed, or why a line-up is empty."""

    NO_EVENTS = "no_events"
    ARTIFACT_INVALID = "artifact_invalid"
    TIME_LIMIT = "time_limit"
    RUN_FAILED = "run_failed"
    NO_MODEL = "no_model"
    NO_LICENSED_TITLE = "no_licensed_title"
    NO_TITLE_LICENSED_NOW = "no_title_licensed_now"
    NOT_A_CHANNEL_TERRITORY = "not_a_channel_territory"


class MatchingError(DomainError):
    """A matching run cannot complete, or a version cannot serve: `code` says why (the job ends FAILED with it)."""

    def __init__(self, code: MatchingErrorCode, message: str) -> None:
        super().__init__(message, code=code)
