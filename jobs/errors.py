"""Why a background job ended FAILED when no app's own code says so (apps keep theirs in their errors.py)."""

from __future__ import annotations

import enum


class JobErrorCode(enum.StrEnum):
    ATTEMPTS_EXHAUSTED = "attempts_exhausted"
    TIME_LIMIT = "time_limit"
    WORKER_LOST = "worker_lost"
    STORAGE_FULL = "storage_full"
    STORAGE_READ_ONLY = "storage_read_only"
    STORAGE_NOT_WRITABLE = "storage_not_writable"
    FILE_MISSING = "file_missing"
    STORAGE_ERROR = "storage_error"
    UNEXPECTED_ERROR = "unexpected_error"
