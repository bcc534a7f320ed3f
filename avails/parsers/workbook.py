"""A bounded, streaming reader of .xlsx workbooks: rows as tuples of cell values, one at a time.

openpyxl allocates a sheet's whole declared range (a cell declared at XFD1048576 is 17 billion
cells) and reads the shared strings whole; this reader walks the zip's XML parts with lxml's
iterparse, keeps only the current row, and checks every limit in avails.parsers.limits before the
thing it bounds is kept: zip members and compression ratio before a part is opened, the declared
dimension before the first row, each row and column number before its cell is stored, each string's
length before it joins the shared strings.

Values come back as openpyxl's would with data_only=False: str, int, float, bool, datetime for a
number in a date format, and "=<formula>" for a formula.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from avails.errors import AvailsErrorCode

from . import limits
from .limits import AvailsLimitExceeded

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


def _tag(name: str) -> str:
    return f"{{{MAIN_NS}}}{name}"


ROW, CELL, VALUE, FORMULA, INLINE, TEXT, PHONETIC = map(_tag, ("row", "c", "v", "f", "is", "t", "rPh"))
DIMENSION, SI, SST = _tag("dimension"), _tag("si"), _tag("sst")


class WorkbookError(Exception):
    """The bytes are not a readable workbook (not a zip, a part missing or malformed)."""


def column_index(letters: str) -> int:
    """'A' -> 1, 'AB' -> 28."""
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index


def cell_reference(ref: str) -> tuple[int, int]:
    """'AB12' -> (row 12, column 28); a malformed reference is a WorkbookError."""
    match = _CELL_REF.match(ref.strip())
    if not match:
        raise WorkbookError(f"'{ref[:20]}' is not a cell reference")
    return int(match[2]), column_index(match[1])


def _iterparse(source: IO[bytes], **kwargs: Any) -> Any:
    # No entities, no network, lxml's default caps on text size and depth (huge_tree off).
    return etree.iterparse(source, resolve_entities=False, no_network=True, huge_tree=False, **kwargs)


class WorkbookReader:
    """Opens the zip and checks its members; then sheets(), and rows(sheet) to stream one sheet."""

    def __init__(self, data: bytes):
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as error:
            raise WorkbookError(f"not a zip archive ({error})") from error
        self._check_members()
        self.epoch = CALENDAR_WINDOWS_1900
        self._sheets = self._read_workbook()
        self._strings: list[str] | None = None
        self._date_styles: set[int] | None = None

    def _check_members(self) -> None:
        infos = self.zip.infolist()
        if len(infos) > limits.MAX_ZIP_MEMBERS:
            raise AvailsLimitExceeded(
                AvailsErrorCode.ZIP_BOMB,
                "workbook",
                f"The workbook has {len(infos)} parts (at most {limits.MAX_ZIP_MEMBERS}).",
            )
        total = 0
        for info in infos:
            # zipfile never returns more than the declared file_size, so the declared sizes bound what is read.
            if info.file_size > limits.MAX_MEMBER_BYTES:
                raise AvailsLimitExceeded(
                    AvailsErrorCode.ZIP_BOMB,
                    "workbook",
                    f"Part {info.filename[:100]} is {info.file_size // limits.MIB} MiB uncompressed "
                    f"(at most {limits.MAX_MEMBER_BYTES // limits.MIB} MiB).",
                )
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > limits.RATIO_CHECK_FROM_BYTES and ratio > limits.MAX_COMPRESSION_RATIO:
                raise AvailsLimitExceeded(
                    AvailsErrorCode.ZIP_BOMB,
                    "workbook",
                    f"Part {info.filename[:100]} is compressed {ratio:.0f}:1 "
                    f"(at most {limits.MAX_COMPRESSION_RATIO}:1): a zip bomb, not a workbook.",
                )
            total += info.file_size
        if total > limits.MAX_UNCOMPRESSED_BYTES:
            raise AvailsLimitExceeded(
                AvailsErrorCode.ZIP_BOMB,
                "workbook",
                f"The workbook is {total // limits.MIB} MiB uncompressed "
                f"(at most {limits.MAX_UNCOMPRESSED_BYTES // limits.MIB} MiB).",
            )

    def _open(self, name: str) -> IO[bytes]:
        try:
            return self.zip.open(name)
        except KeyError as error:
            raise WorkbookError(f"part {name} is missing") from error

    def _parts(self, name: str) -> dict[str, tuple[str, str]]:
        """A part's relationships: id -> (type, target path in the zip)."""
        folder, base = posixpath.split(name)
        rels_name = posixpath.join(folder, "_rels", base + ".rels")
        if rels_name not in self.zip.namelist():
            return {}
        found = {}
        with self._open(rels_name) as stream:
            for _, element in _iterparse(stream, tag=f"{{{PKG_REL_NS}}}Relationship"):
                target = element.get("Target", "")
                path = (
                    target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
                )
                found[element.get("Id", "")] = (element.get("Type", "").rsplit("/", 1)[-1], path)
                element.clear()
        return found

    def _read_workbook(self) -> list[tuple[str, str]]:
        name = "xl/workbook.xml"
        relations = self._parts(name)
        sheets: list[tuple[str, str]] = []
        try:
            with self._open(name) as stream:
                for _, element in _iterparse(stream, tag=(_tag("sheet"), _tag("workbookPr"))):
                    if element.tag == _tag("workbookPr"):
                        if element.get("date1904") in ("1", "true"):
                            self.epoch = CALENDAR_MAC_1904
                        continue
                    if len(sheets) >= limits.MAX_SHEETS:
                        raise AvailsLimitExceeded(
                            AvailsErrorCode.SHEET_TOO_LARGE, "workbook", f"More than {limits.MAX_SHEETS} sheets."
                        )
                    kind, path = relations.get(element.get(f"{{{REL_NS}}}id", ""), ("", ""))
                    if kind == "worksheet":
                        sheets.append((element.get("name", "")[:100], path))
                    element.clear()
        except etree.XMLSyntaxError as error:
            raise WorkbookError(f"xl/workbook.xml: {error}") from error
        self.relations = relations
        return sheets

    def sheets(self) -> list[tuple[str, str]]:
        """(title, part) of each worksheet, in workbook order."""
        return list(self._sheets)

    def _part_of_kind(self, kind: str) -> str | None:
        # Some writers leave the relationship out; spreadsheet programs then look in the usual place.
        names = set(self.zip.namelist())
        path = next((p for k, p in self.relations.values() if k == kind), f"xl/{kind}.xml")
        return path if path in names else None

    @property
    def shared_strings(self) -> list[str]:
        if self._strings is None:
            self._strings = self._read_shared_strings()
        return self._strings

    def _read_shared_strings(self) -> list[str]:
        path = self._part_of_kind("sharedStrings")
        if path is None:
            return []
        strings: list[str] = []
        total = 0
        try:
            with self._open(path) as stream:
                for event, element in _iterparse(stream, events=("start", "end"), tag=(SST, SI)):
                    if event == "start":
                        if element.tag == SST:
                            declared = int(element.get("uniqueCount") or element.get("count") or 0)
                            if declared > limits.MAX_SHARED_STRINGS:
                                raise _too_many_strings(declared)
                        continue
                    text = "".join(t.text or "" for t in element.iter(TEXT) if t.getparent().tag != PHONETIC)
                    element.clear()
                    if len(text) > limits.MAX_CELL_CHARS:
                        raise AvailsLimitExceeded(
                            AvailsErrorCode.CELL_TOO_LARGE,
                            "sharedStrings",
                            f"Shared string {len(strings)} holds {len(text)} characters "
                            f"(a cell holds at most {limits.MAX_CELL_CHARS}).",
                        )
                    total += len(text)
                    if len(strings) >= limits.MAX_SHARED_STRINGS or total > limits.MAX_SHARED_STRINGS_CHARS:
                        raise _too_many_strings(len(strings) + 1, total)
                    strings.append(text)
                    while element.getprevious() is not None:
                        del element.getparent()[0]
        except etree.XMLSyntaxError as error:
            raise _xml_error(path, error) from error
        return strings

    @property
    def date_styles(self) -> set[int]:
        """Indices of the cell formats whose number format is a date."""
        if self._date_styles is None:
            self._date_styles = self._read_date_styles()
        return self._date_styles

    def _read_date_styles(self) -> set[int]:
        path = self._part_of_kind("styles")
        if path is None:
            return set()
        formats: dict[int, str] = {int(k): v for k, v in BUILTIN_FORMATS.items()}
        styles: set[int] = set()
        index = 0
        in_cell_xfs = False
        try:
            with self._open(path) as stream:
                for event, element in _iterparse(
                    stream, events=("start", "end"), tag=(_tag("numFmt"), _tag("cellXfs"), _tag("xf"))
                ):
                    if element.tag == _tag("cellXfs"):
                        in_cell_xfs = event == "start"
                    elif event == "end" and element.tag == _tag("numFmt"):
                        formats[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")[:200]
                    elif event == "end" and element.tag == _tag("xf") and in_cell_xfs:
                        if is_date_format(formats.get(int(element.get("numFmtId", "0")), "")):
                            styles.add(index)
                        index += 1
                    if event == "end":
                        element.clear()
        except (etree.XMLSyntaxError, ValueError) as error:
            raise WorkbookError(f"{path}: {error}") from error
        return styles

    def rows(self, part: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """(row number, values from column A) for each row holding a cell; limits checked on the way."""
        strings_needed = self.shared_strings  # read (and bounded) before the sheet
        date_styles = self.date_styles
        row_number = 0
        values: dict[int, Any] = {}
        next_column = 1
        try:
            with self._open(part) as stream:
                for event, element in _iterparse(stream, events=("start", "end"), tag=(DIMENSION, ROW, CELL)):
                    tag = element.tag
                    if tag == ROW:
                        if event == "start":
                            declared = element.get("r")
                            row_number = (
                                int(declared)
                                if declared and declared.isascii() and declared.isdigit()
                                else row_number + 1
                            )
                            _check_row(row_number)
                            values, next_column = {}, 1
                            continue
                        element.clear()
                        while element.getprevious() is not None:
                            del element.getparent()[0]
                        if values:
                            width = max(values)
                            yield row_number, tuple(values.get(i) for i in range(1, width + 1))
                    elif tag == CELL and event == "end":
                        ref = element.get("r")
                        if ref:
                            cell_row, column = cell_reference(ref)
                            if cell_row != row_number:
                                _check_row(cell_row)
                        else:
                            column = next_column
                        _check_column(column, ref or f"column {column}")
                        next_column = column + 1
                        value = self._cell_value(element, strings_needed, date_styles)
                        element.clear()
                        if value is not None:
                            values[column] = value
                    elif tag == DIMENSION and event == "end":
                        self._check_dimension(element.get("ref", ""))
        except etree.XMLSyntaxError as error:
            raise _xml_error(part, error) from error

    @staticmethod
    def _check_dimension(ref: str) -> None:
        # A declared range is only a claim, but one past the limits says what the sheet intends to be.
        last = ref.split(":")[-1]
        try:
            rows, columns = cell_reference(last)
        except WorkbookError:
            return  # a malformed dimension is ignored, as spreadsheet programs do
        if rows > limits.MAX_ROWS or columns > limits.MAX_COLUMNS:
            raise AvailsLimitExceeded(
                AvailsErrorCode.SHEET_TOO_LARGE,
                "dimension",
                f"The sheet declares the range {ref[:40]} ({rows} rows × {columns} columns); "
                f"an Avails sheet has at most {limits.MAX_ROWS} rows and {limits.MAX_COLUMNS} columns.",
            )

    def _cell_value(self, element: Any, strings: list[str], date_styles: set[int]) -> Any:
        kind = element.get("t", "n")
        formula = element.find(FORMULA)
        if formula is not None:
            return "=" + (formula.text or "")
        if kind == "inlineStr":
            inline = element.find(INLINE)
            text = (
                ""
                if inline is None
                else "".join(t.text or "" for t in inline.iter(TEXT) if t.getparent().tag != PHONETIC)
            )
            return _bounded(text)
        raw = element.findtext(VALUE)
        if raw is None:
            return None
        raw = _bounded(raw)
        if kind == "s":
            try:
                return strings[int(raw)]
            except (ValueError, IndexError) as error:
                raise WorkbookError(
                    f"cell {element.get('r', '')} names shared string {raw[:20]}, which does not exist"
                ) from error
        if kind in ("str", "e"):
            return raw
        if kind == "b":
            return raw.strip() in ("1", "true")
        if kind == "d":
            try:
                return datetime.fromisoformat(raw.strip())
            except ValueError:
                return raw
        try:
            number: int | float = float(raw) if any(c in raw for c in ".eE") else int(raw)
        except ValueError as error:
            raise WorkbookError(f"cell {element.get('r', '')} holds '{raw[:20]}', not a number") from error
        style = element.get("s")
        if style and style.isascii() and style.isdigit() and int(style) in date_styles:
            try:
                return from_excel(number, self.epoch)
            except (ValueError, OverflowError):
                return number
        return number


def _bounded(text: str) -> str:
    if len(text) > limits.MAX_CELL_CHARS:
        raise AvailsLimitExceeded(
            AvailsErrorCode.CELL_TOO_LARGE,
            "cell",
            f"A cell holds {len(text)} characters (at most {limits.MAX_CELL_CHARS}).",
        )
    return text


def _check_row(row: int) -> None:
    if row > limits.MAX_ROWS:
        raise AvailsLimitExceeded(
            AvailsErrorCode.TOO_MANY_ROWS, "row", f"Row {row} is past the last row an import reads ({limits.MAX_ROWS})."
        )


def _check_column(column: int, where: str) -> None:
    if column > limits.MAX_COLUMNS:
        raise AvailsLimitExceeded(
            AvailsErrorCode.SHEET_TOO_LARGE,
            "column",
            f"Cell {where[:20]} is past the last column an import reads ({limits.MAX_COLUMNS}).",
        )


def _too_many_strings(count: int, chars: int = 0) -> AvailsLimitExceeded:
    return AvailsLimitExceeded(
        AvailsErrorCode.SHARED_STRINGS_TOO_LARGE,
        "sharedStrings",
        f"The workbook's shared strings ({count} strings{f', {chars} characters' if chars else ''}) go past "
        f"{limits.MAX_SHARED_STRINGS} strings or {limits.MAX_SHARED_STRINGS_CHARS // limits.MIB} Mi characters.",
    )


def _xml_error(part: str, error: etree.XMLSyntaxError) -> Exception:
    # lxml refuses a text node over 10 MB and nesting over 256 without huge_tree: limits, not malformation.
    message = str(error)
    if "huge" in message.lower() or "too long" in message.lower():
        return AvailsLimitExceeded(AvailsErrorCode.CELL_TOO_LARGE, "cell", f"{part}: {message}")
    return WorkbookError(f"{part}: {message}")
