"""The avails app's error codes (row errors carry them; the import refuses a file with any)."""

from __future__ import annotations

import enum

from migu_platform.errors import ConflictError


class AvailsErrorCode(enum.StrEnum):
    INVALID = "invalid"
    REQUIRED = "required"
    NO_LICENSEE = "no_licensee"
    UNSUPPORTED_LICENSE_TYPE = "unsupported_license_type"
    UNRESOLVED_DATE = "unresolved_date"
    WRONG_ORGANIZATION_KIND = "wrong_organization_kind"
    TRANSACTION_ELSEWHERE = "transaction_elsewhere"
    IMPORT_STATE = "avails_import_state"


class AvailsImportStateError(ConflictError):
    """An uploaded file that cannot be applied now (refused, already applied, or changed since its preview)."""

    code = AvailsErrorCode.IMPORT_STATE
