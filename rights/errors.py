"""The rights app's API error codes."""

from __future__ import annotations

import enum

from migu_platform.api.errors import ConflictError, DomainError


class RightsErrorCode(enum.StrEnum):
    RIGHTS_OVERLAP = "rights_overlap"
    NO_RIGHTS_IN = "no_rights_in"
    RIGHTS_IN_IN_USE = "rights_in_in_use"
    INVALID_STATE = "invalid_state"
    INVALID = "invalid"


class RightsOverlapError(ConflictError):
    """An exclusive window would overlap another window out (or a window would overlap an exclusive one)."""

    code = RightsErrorCode.RIGHTS_OVERLAP.value


class NoRightsInError(ConflictError):
    """A window out reaches beyond what was acquired (territory, licence type, period or language)."""

    code = RightsErrorCode.NO_RIGHTS_IN.value


class RightsInInUseError(ConflictError):
    """Shrinking or revoking rights in would leave granted windows out without cover."""

    code = RightsErrorCode.RIGHTS_IN_IN_USE.value


class RightsStateError(ConflictError):
    """The window's state does not allow this change (e.g. editing a revoked window)."""

    code = RightsErrorCode.INVALID_STATE.value


class RightsValidationError(DomainError):
    """Bad input for a window, with messages per field (the project's `fields` shape)."""

    code = RightsErrorCode.INVALID.value

    def __init__(self, fields: dict[str, list[str]], detail: str = "The rights window is invalid; see fields."):
        super().__init__(detail, fields=fields)
        self.fields = fields
