"""The catalogue's API error codes."""

import enum

from migu_platform.errors import ConflictError, DomainError, RefusedError


class CatalogErrorCode(enum.StrEnum):
    INVALID_TRANSITION = "invalid_transition"
    NOT_READY = "not_ready"
    INVALID_EPISODE_NUMBERS = "invalid_episode_numbers"
    INVALID_EPISODE_STATUS = "invalid_episode_status"
    # A playback refusal: the episode exists and is licensed, but the licensor has withheld it.
    EPISODE_WITHHELD = "episode_withheld"
    # Identifier checks (field validation).
    INVALID_EIDR = "invalid_eidr"
    INVALID_EIDR_CHECK = "invalid_eidr_check"
    INVALID_ALID = "invalid_alid"


class DramaTransitionError(ConflictError):
    """A status change the workflow does not allow, with the reason(s)."""

    code = CatalogErrorCode.INVALID_TRANSITION


class EpisodeNumbersError(DomainError):
    code = CatalogErrorCode.INVALID_EPISODE_NUMBERS


class EpisodeStatusError(DomainError):
    """A status an episode cannot take."""

    code = CatalogErrorCode.INVALID_EPISODE_STATUS


class EpisodeWithheldError(RefusedError):
    """Playback of an episode its licensor has withheld (the API and the media delivery say the same)."""

    code = CatalogErrorCode.EPISODE_WITHHELD

    def __init__(self, number: int, **extra) -> None:
        super().__init__(EPISODE_WITHHELD_DETAIL.format(number=number), **extra)


EPISODE_WITHHELD_DETAIL = "Episode {number} has been withheld by the licensor and cannot be played."
