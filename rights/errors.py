"""The rights app's API error codes."""

from __future__ import annotations

import enum

from migu_platform.errors import ConflictError, DomainError


class RightsErrorCode(enum.StrEnum):
    RIGHTS_OVERLAP = "rights_overlap"
    NO_RIGHTS_IN = "no_rights_in"
    RIGHTS_IN_IN_USE = "rights_in_in_use"
    INVALID_STATE = "invalid_state"
    INVALID = "invalid"
    # Playback and delivery refusals: the caller holds a window for the title, but not here or not now.
    TERRITORY_NOT_LICENSED = "territory_not_licensed"
    OUTSIDE_WINDOW = "outside_window"


class RightsOverlapError(ConflictError):
    """An exclusive window would overlap another window out (or a window would overlap an exclusive one)."""

    code = RightsErrorCode.RIGHTS_OVERLAP


class NoRightsInError(ConflictError):
    """A window out reaches beyond what was acquired (territory, licence type, period or language)."""

    code = RightsErrorCode.NO_RIGHTS_IN


class RightsInInUseError(ConflictError):
    """Shrinking or revoking rights in would leave granted windows out without cover."""

    code = RightsErrorCode.RIGHTS_IN_IN_USE


class RightsStateError(ConflictError):
    """The window's state does not allow this change (e.g. editing a revoked window)."""

    code = RightsErrorCode.INVALID_STATE


class RightsValidationError(DomainError):
    """Bad input for a window, with messages per field (the project's `fields` shape)."""

    code = RightsErrorCode.INVALID
    fields: dict[str, list[str]]  # always given

    def __init__(self, fields: dict[str, list[str]], message: str = "The rights window is invalid; see fields."):
        super().__init__(message, fields=fields)


# What a refused playback tells the partner, by code (the API and the media delivery say the same).
PLAYBACK_REFUSALS: dict[RightsErrorCode, str] = {
    RightsErrorCode.TERRITORY_NOT_LICENSED: "You are not licensed to show this title in {territory}.",
    RightsErrorCode.OUTSIDE_WINDOW: (
        "Your window for this title in {territory} is not open now or does not cover this episode."
    ),
}
