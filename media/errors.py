"""The media pipeline's error codes: rejections of a master, and refusals of playback."""

from __future__ import annotations

import enum

from migu_platform.errors import ConflictError, DomainError, RefusedError


class MediaErrorCode(enum.StrEnum):
    # Rejections of a master (the job ends FAILED with one of these codes).
    EMPTY_FILE = "empty_file"
    NOT_MEDIA = "not_media"
    CONTAINER_NOT_ALLOWED = "container_not_allowed"
    NO_VIDEO = "no_video"
    BAD_DIMENSIONS = "bad_dimensions"
    BAD_DURATION = "bad_duration"
    CORRUPT = "corrupt"
    # Failures of the machinery (not the master's fault; the job may be re-run).
    TRANSCODE_FAILED = "transcode_failed"
    TIME_LIMIT = "time_limit"
    MASTER_MISSING = "master_missing"
    STORAGE_FAILED = "storage_failed"
    # The volume is full or mounted read-only: final for this attempt (it does not clear in seconds);
    # the build is dropped, the live ladder stays, and the job is re-run once an operator has fixed it.
    STORAGE_FULL = "storage_full"
    STORAGE_READ_ONLY = "storage_read_only"
    QUALITY_FAILED = "quality_failed"
    # Refusals of one file of a bulk upload (the others go on).
    NAME_NOT_UNDERSTOOD = "name_not_understood"
    NO_SUCH_EPISODE = "no_such_episode"
    DUPLICATE_IN_BATCH = "duplicate_in_batch"
    ALREADY_TRANSCODING = "already_transcoding"
    UPLOAD_INCOMPLETE = "upload_incomplete"
    # Playback.
    NOT_READY = "not_ready"
    TOKEN_INVALID = "token_invalid"  # noqa: S105 (an error code)
    TOKEN_EXPIRED = "token_expired"  # noqa: S105 (an error code)


def storage_error_code(exc: BaseException) -> MediaErrorCode:
    """The code of a failed write: a full volume (or quota), a read-only one, else storage_failed."""
    import errno

    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return MediaErrorCode.STORAGE_FULL
        if exc.errno == errno.EROFS:
            return MediaErrorCode.STORAGE_READ_ONLY
    return MediaErrorCode.STORAGE_FAILED


class MasterRejectedError(DomainError):
    """The master cannot be transcoded: bad input, final (re-running it would fail the same way)."""


class TranscodeError(Exception):
    """ffmpeg or storage failed for a reason that is not the master's fault."""

    def __init__(self, detail: str, *, code: str = MediaErrorCode.TRANSCODE_FAILED.value, log: str = ""):
        super().__init__(detail)
        self.detail = detail
        self.code = code
        self.log = log


class LadderNotReadyError(ConflictError):
    """The episode has no finished ladder to play yet."""

    code = MediaErrorCode.NOT_READY


class PlaybackTokenError(RefusedError):
    """A playback token that is malformed, tampered with, foreign to the resource or expired."""

    code = MediaErrorCode.TOKEN_INVALID


class MasterUploadRefusedError(DomainError):
    """One file of a bulk upload is refused (its name, its episode, or an interrupted upload); nothing is kept."""

    code = MediaErrorCode.NAME_NOT_UNDERSTOOD
