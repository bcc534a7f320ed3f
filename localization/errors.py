"""Error codes of the localization app, and the subtitle errors."""

from __future__ import annotations

import enum
from typing import Any

from migu_platform.errors import DomainError, TooLargeError


class LocalizationErrorCode(enum.StrEnum):
    INVALID_LANGUAGE = "invalid_language"


class SubtitleErrorCode(enum.StrEnum):
    """Codes of subtitle findings: refusals of the whole file, errors and warnings on a cue or a line."""

    # The file as a whole (refused: nothing of it is read as cues)
    FILE_TOO_LARGE = "file_too_large"
    EMPTY_FILE = "empty_file"
    UNKNOWN_ENCODING = "unknown_encoding"
    NUL_BYTES = "nul_bytes"
    UNKNOWN_FORMAT = "unknown_format"
    MALFORMED_XML = "malformed_xml"
    XML_ENTITIES_REFUSED = "xml_entities_refused"
    XML_TOO_DEEP = "xml_too_deep"
    NOT_TTML = "not_ttml"
    NO_CUES = "no_cues"
    TOO_MANY_CUES = "too_many_cues"
    # A cue (error: the file cannot go live)
    BAD_TIMESTAMP = "bad_timestamp"
    NEGATIVE_TIME = "negative_time"
    END_BEFORE_START = "end_before_start"
    BEYOND_EPISODE = "beyond_episode"
    MARKUP_NOT_ALLOWED = "markup_not_allowed"
    MISSING_TIMING = "missing_timing"
    # Tolerated, with a warning
    NOT_UTF8 = "not_utf8"
    DECLARED_ENCODING_WRONG = "declared_encoding_wrong"
    LANGUAGE_SCRIPT_MISMATCH = "language_script_mismatch"
    BYTE_ORDER_MARK = "byte_order_mark"
    CRLF = "crlf"
    MILLISECOND_SEPARATOR = "millisecond_separator"
    MISSING_CUE_NUMBER = "missing_cue_number"
    TRAILING_TEXT = "trailing_text"
    BLANK_LINE_IN_CUE = "blank_line_in_cue"
    MISSING_BLANK_LINE = "missing_blank_line"
    MISSING_HEADER = "missing_header"
    STYLING_DROPPED = "styling_dropped"
    OUT_OF_ORDER = "out_of_order"
    EMPTY_CUE = "empty_cue"
    ARABIC_VISUAL_ORDER = "arabic_visual_order"
    # Quality control (severity set by the profile)
    CHARS_PER_LINE = "chars_per_line"
    TOO_MANY_LINES = "too_many_lines"
    READING_SPEED = "reading_speed"
    DURATION_TOO_SHORT = "duration_too_short"
    DURATION_TOO_LONG = "duration_too_long"
    GAP_TOO_SHORT = "gap_too_short"
    OVERLAP = "overlap"
    # Uploads
    INVALID_KIND = "invalid_subtitle_kind"


class SubtitleWaiverErrorCode(enum.StrEnum):
    """Why a finding could not be waived (errors block publishing and are never waived)."""

    FINDING_NOT_FOUND = "finding_not_found"
    ERROR_NOT_WAIVABLE = "error_not_waivable"
    ALREADY_WAIVED = "finding_already_waived"
    REASON_REQUIRED = "waiver_reason_required"


class SubtitleBulkErrorCode(enum.StrEnum):
    """Why a bulk upload, or one file of it, was refused before it was ingested."""

    # The upload as a whole
    NOT_A_ZIP = "not_a_zip"
    ARCHIVE_TOO_LARGE = "archive_too_large"
    TOO_MANY_FILES = "too_many_files"
    ARCHIVE_EXPANDS_TOO_MUCH = "archive_expands_too_much"
    ARCHIVE_CORRUPT = "archive_corrupt"
    # One file of it
    NAME_NOT_UNDERSTOOD = "name_not_understood"
    NO_SUCH_EPISODE = "no_such_episode"
    DUPLICATE_IN_UPLOAD = "duplicate_in_upload"
    FILE_TOO_LARGE = "file_too_large"
    UNSAFE_PATH = "unsafe_path"
    NESTED_ARCHIVE = "nested_archive"
    ENCRYPTED = "encrypted_member"
    UNREADABLE = "unreadable_member"


class SubtitlePackagingErrorCode(enum.StrEnum):
    """Why a subtitle packaging job ended FAILED (the rendition served before, if any, stays served)."""

    VERSION_MISSING = "subtitle_version_missing"
    WEBVTT_MISSING = "subtitle_webvtt_missing"
    LADDER_UNREADABLE = "ladder_unreadable"
    STORAGE_FAILED = "storage_failed"
    TIME_LIMIT = "time_limit"


class SubtitleRefusedError(DomainError):
    """The file cannot be read as subtitles at all (its encoding, size, markup or XML); `line` names where."""

    def __init__(self, message: str, *, code: SubtitleErrorCode, line: int | None = None) -> None:
        super().__init__(message, code=code, line=line)
        self.line = line


class SubtitleTooLargeError(TooLargeError):
    """A subtitle file over the size limit, refused before it is read whole."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code=SubtitleErrorCode.FILE_TOO_LARGE)


class SubtitleInvalidError(DomainError):
    """Subtitles with error findings: the first one's code and line, and every finding in `findings`."""

    def __init__(
        self, message: str, *, code: SubtitleErrorCode, line: int | None = None, findings: list[dict] | None = None
    ) -> None:
        super().__init__(message, code=code, line=line, findings=findings or [])
        self.line = line
        self.findings = findings or []


def subtitle_invalid_error(findings: list[dict]) -> SubtitleInvalidError:
    """The typed error for subtitles with error findings (each a dict: code, severity, message, line,
    cue): the first error's code and line, its message, and every finding."""
    first = next(finding for finding in findings if finding["severity"] == "error")
    where = f"line {first['line']}: " if first.get("line") is not None else ""
    return SubtitleInvalidError(
        f"{where}{first['message']}", code=SubtitleErrorCode(first["code"]), line=first.get("line"), findings=findings
    )


class SubtitleArchiveError(DomainError):
    """A bulk upload refused as a whole (not a zip, too many files, expands past the limit); nothing of it
    was ingested."""

    def __init__(self, message: str, *, code: SubtitleBulkErrorCode) -> None:
        super().__init__(message, code=code)


class SubtitlePackagingError(DomainError):
    """Subtitles could not be packaged against a ladder: its files unreadable, the version's WebVTT gone,
    storage refusing writes. Nothing of the attempt is published."""

    def __init__(self, message: str, *, code: SubtitlePackagingErrorCode, **extra: Any) -> None:
        super().__init__(message, code=code, **extra)


class TranslationErrorCode(enum.StrEnum):
    """Why machine translation, an approval or a translators' file was refused."""

    PROVIDER_OFF = "translation_provider_off"
    PROVIDER_UNREACHABLE = "translation_provider_unreachable"
    PROVIDER_RATE_LIMITED = "translation_provider_rate_limited"
    PROVIDER_FAILED = "translation_provider_failed"
    PROVIDER_REFUSED = "translation_provider_refused"
    PROVIDER_BAD_RESPONSE = "translation_provider_bad_response"
    PAIR_UNSUPPORTED = "translation_pair_unsupported"
    NO_SOURCE = "translation_no_source"
    NOT_ALLOWED = "translation_not_allowed"
    # Translators' files (CSV, XLIFF)
    FILE_TOO_LARGE = "translation_file_too_large"
    FILE_UNREADABLE = "translation_file_unreadable"
    FILE_WRONG_DRAMA = "translation_file_wrong_drama"
    FILE_WRONG_LANGUAGE = "translation_file_wrong_language"
    FILE_UNKNOWN_ID = "translation_file_unknown_id"
    FILE_TOO_LONG = "translation_file_text_too_long"
    XML_ENTITIES_REFUSED = "translation_xml_entities_refused"


class TranslationError(DomainError):
    """Machine translation or a translators' file went wrong; `code` says how."""

    def __init__(self, message: str, *, code: TranslationErrorCode, **extra: Any) -> None:
        super().__init__(message, code=code, **extra)


class TranslationProviderError(TranslationError):
    """The provider answered wrongly or not at all; `transient` when trying again later may help."""

    def __init__(self, message: str, *, code: TranslationErrorCode, transient: bool = False, **extra: Any) -> None:
        super().__init__(message, code=code, **extra)
        self.transient = transient


class DubErrorCode(enum.StrEnum):
    """Codes of dub findings (errors refuse the upload, warnings are kept on the version) and refusals."""

    # The file as a whole
    FILE_TOO_LARGE = "dub_file_too_large"
    EMPTY_FILE = "dub_empty_file"
    NOT_AUDIO = "dub_not_audio"
    CONTAINER_NOT_ALLOWED = "dub_container_not_allowed"
    NO_AUDIO = "dub_no_audio"
    TRUNCATED = "dub_truncated"
    # Checks against the episode (errors)
    DURATION_MISMATCH = "dub_duration_mismatch"
    SILENT = "dub_silent"
    # Warnings
    CLIPPING = "dub_clipping"
    CHANNELS_DOWNMIXED = "dub_channels_downmixed"
    LOW_SAMPLE_RATE = "dub_low_sample_rate"
    DURATION_UNCHECKED = "dub_duration_unchecked"


class DubPackagingErrorCode(enum.StrEnum):
    """Why a dub packaging job ended FAILED (the rendition served before, if any, stays served)."""

    VERSION_MISSING = "dub_version_missing"
    SOURCE_MISSING = "dub_source_missing"
    LADDER_AUDIO_MUXED = "ladder_audio_muxed"
    ENCODE_FAILED = "dub_encode_failed"
    STORAGE_FAILED = "storage_failed"
    TIME_LIMIT = "time_limit"


class DubTooLargeError(TooLargeError):
    """A dub file over the size limit, refused while it is streamed to storage (nothing is kept)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code=DubErrorCode.FILE_TOO_LARGE)


class DubPackagingError(DomainError):
    """A dub could not be packaged against a ladder: its source unreadable, the encode failing, storage
    refusing writes. Nothing of the attempt is published."""

    def __init__(self, message: str, *, code: DubPackagingErrorCode, **extra: Any) -> None:
        super().__init__(message, code=code, **extra)
