"""The catalogue's API error codes."""

import enum

from migu_platform.errors import ConflictError, DomainError


class CatalogErrorCode(enum.StrEnum):
    INVALID_TRANSITION = "invalid_transition"
    NOT_READY = "not_ready"
    INVALID_EPISODE_NUMBERS = "invalid_episode_numbers"
    # Identifier checks (field validation).
    INVALID_EIDR = "invalid_eidr"
    INVALID_EIDR_CHECK = "invalid_eidr_check"
    INVALID_ALID = "invalid_alid"


class DramaTransitionError(ConflictError):
    """A status change the workflow does not allow, with the reason(s)."""

    code = CatalogErrorCode.INVALID_TRANSITION


class EpisodeNumbersError(DomainError):
    code = CatalogErrorCode.INVALID_EPISODE_NUMBERS
