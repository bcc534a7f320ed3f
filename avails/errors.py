"""The avails app's error codes (row errors carry them; the import refuses a file with any)."""

from __future__ import annotations

import enum


class AvailsErrorCode(enum.StrEnum):
    INVALID = "invalid"
    REQUIRED = "required"
    NO_LICENSEE = "no_licensee"
    UNSUPPORTED_LICENSE_TYPE = "unsupported_license_type"
    UNRESOLVED_DATE = "unresolved_date"
    WRONG_ORGANIZATION_KIND = "wrong_organization_kind"
    TRANSACTION_ELSEWHERE = "transaction_elsewhere"
