"""The avails app's error codes (row errors carry them; the import refuses a file with any)."""

from __future__ import annotations

import enum

from migu_platform.errors import ConflictError, DomainError


class AvailsErrorCode(enum.StrEnum):
    # The file as a whole
    UNKNOWN_FORMAT = "unknown_format"
    MALFORMED_XML = "malformed_xml"
    MALFORMED_XLSX = "malformed_xlsx"
    NOT_AVAILS = "not_avails"
    UNSUPPORTED_VERSION = "unsupported_version"
    DUPLICATE_TRANSACTION = "duplicate_transaction"
    # The XML's structure is not what its version's XSD allows (order, cardinality, required attributes)
    INVALID_STRUCTURE = "invalid_structure"
    # The file goes past a limit (avails/parsers/limits.py); refused before it is read whole
    FILE_TOO_LARGE = "file_too_large"
    ZIP_BOMB = "zip_bomb"
    SHEET_TOO_LARGE = "sheet_too_large"
    TOO_MANY_ROWS = "too_many_rows"
    CELL_TOO_LARGE = "cell_too_large"
    SHARED_STRINGS_TOO_LARGE = "shared_strings_too_large"
    XML_TOO_DEEP = "too_deep"
    XML_ENTITIES_REFUSED = "xml_entities_refused"
    TOO_MANY_ERRORS = "too_many_errors"
    # A field of a row
    INVALID = "invalid"
    REQUIRED = "required"
    INVALID_LANGUAGE = "invalid_language"
    UNKNOWN_TERRITORY = "unknown_territory"
    END_BEFORE_START = "end_before_start"
    # A row the platform cannot apply
    NO_LICENSEE = "no_licensee"
    UNSUPPORTED_LICENSE_TYPE = "unsupported_license_type"
    UNRESOLVED_DATE = "unresolved_date"
    WRONG_ORGANIZATION_KIND = "wrong_organization_kind"
    TRANSACTION_ELSEWHERE = "transaction_elsewhere"
    ROW_REFUSED_BY_DATABASE = "conflict"
    # An organization or drama the file names and the platform does not hold, with no choice made for it
    UNRESOLVED_NAME = "unresolved_name"
    # Warnings: the row is imported without the value
    END_CONDITION_KEPT_OPEN = "open_end"
    PRICE_WITHOUT_CURRENCY = "price_without_currency"
    # The upload
    IMPORT_STATE = "avails_import_state"
    # The confirm step's choices for what the file would create
    RESOLUTION_REQUIRED = "avails_resolution_required"
    RESOLUTION_INVALID = "avails_resolution_invalid"


class AvailsImportStateError(ConflictError):
    """An uploaded file that cannot be applied now (refused, already applied, or changed since its preview)."""

    code = AvailsErrorCode.IMPORT_STATE


class AvailsResolutionError(DomainError):
    """The confirm step's choices for the organizations and dramas a file would create are missing or
    wrong: no choice for a name, an object that does not exist or is of the wrong kind, or a choice form
    signed for another upload, another file or another user (tampered or replayed)."""

    code = AvailsErrorCode.RESOLUTION_INVALID
