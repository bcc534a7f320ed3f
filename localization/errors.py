"""Error codes of the localization app."""

from __future__ import annotations

import enum


class LocalizationErrorCode(enum.StrEnum):
    INVALID_LANGUAGE = "invalid_language"
