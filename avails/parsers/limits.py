"""What an Avails file may hold, checked while reading and before anything is allocated for it.

A hostile file is small on the wire and huge once read: a workbook declaring a cell at XFD1048576,
300k sparse cells, a 300 MB shared string compressed 1000:1, XML nested thousands deep. Each bound
below is refused with its own AvailsErrorCode, and the whole file is refused (nothing is written).
The defaults keep one import's memory well under 512 MB; a real EMA file is far inside them.
"""

from __future__ import annotations

from avails.errors import AvailsErrorCode

MIB = 1024 * 1024

MAX_FILE_BYTES = 64 * MIB  # the upload, XML or workbook
MAX_TRANSACTIONS = 50_000  # XML Transactions or spreadsheet rows, each one AvailRecord in memory
MAX_ERRORS = 1_000  # reading stops there: the report lists these, and the file needs fixing anyway

# Workbooks (.xlsx: a zip of XML parts)
MAX_ZIP_MEMBERS = 1_000
MAX_MEMBER_BYTES = 64 * MIB  # one part, uncompressed
MAX_UNCOMPRESSED_BYTES = 128 * MIB  # all parts, uncompressed
MAX_COMPRESSION_RATIO = 100  # above this (for parts over 1 MiB) the zip is a bomb, not a workbook
RATIO_CHECK_FROM_BYTES = 1 * MIB
MAX_SHEETS = 64
MAX_ROWS = MAX_TRANSACTIONS + 100  # a template's header rows and comments
MAX_COLUMNS = 256  # the v1.9 template has under 80
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_SHARED_STRINGS = 1_000_000
MAX_SHARED_STRINGS_CHARS = 32 * MIB

# XML
MAX_XML_DEPTH = 32  # an EMA Avails document is under 10 deep


class AvailsLimitExceeded(Exception):
    """The file goes past one of the limits above; it is refused as a whole."""

    def __init__(self, code: AvailsErrorCode, field: str, reason: str, location: str = "file"):
        super().__init__(reason)
        self.code = code
        self.field = field
        self.reason = reason
        self.location = location
