"""Hostile Avails files, built small: each is a few KB to a few MB on disk and huge once read naively.

Used by test_hostile_files.py, in this process and in a child process under a 512 MB address-space
limit (python -m avails.tests.hostile_files <folder> writes them all there).
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

from avails.tests.workbooks import GOOD_MOVIE_ROW, avails_workbook

SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _replace_parts(data: bytes, parts: dict[str, object]) -> bytes:
    """The workbook with some parts replaced; a part given as an iterable of chunks is streamed in."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename not in parts:
                target.writestr(info, source.read(info.filename))
        for name, content in parts.items():
            if isinstance(content, bytes):
                target.writestr(name, content)
            else:
                with target.open(name, "w", force_zip64=True) as stream:
                    for chunk in content:  # type: ignore[attr-defined]
                        stream.write(chunk)
    return out.getvalue()


def _base() -> bytes:
    return avails_workbook([GOOD_MOVIE_ROW])


def _sheet(body: bytes, dimension: str | None = None) -> bytes:
    dim = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
    return SHEET_HEAD + dim + b"<sheetData>" + body + b"</sheetData></worksheet>"


def huge_declared_dimension() -> bytes:
    """8 KB: one cell at XFD1048576, declared as the sheet's range (openpyxl allocates all of it)."""
    return _replace_parts(
        _base(), {SHEET: _sheet(b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', "A1:XFD1048576")}
    )


def far_cell_without_dimension() -> bytes:
    """The same far cell, with no dimension to warn of it."""
    return _replace_parts(_base(), {SHEET: _sheet(b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')})


def sparse_cells() -> bytes:
    """300k cells, one per row under a real header (about 2 MB; openpyxl's grid of them reached 5.3 GB)."""
    base = _base()
    sheet = zipfile.ZipFile(io.BytesIO(base)).read(SHEET)
    rows = b"".join(b'<row r="%d"><c r="AZ%d"><v>%d</v></c></row>' % (i, i, i) for i in range(5, 300_005))
    return _replace_parts(base, {SHEET: sheet.replace(b"</sheetData>", rows + b"</sheetData>")})


def wide_row() -> bytes:
    """One row with cells across 16,384 columns."""
    from openpyxl.utils import get_column_letter

    cells = b"".join(b'<c r="%s4"><v>1</v></c>' % get_column_letter(i).encode() for i in range(1, 16_385))
    return _replace_parts(_base(), {SHEET: _sheet(b'<row r="4">' + cells + b"</row>")})


def big_shared_string() -> bytes:
    """A 300 MB shared string in a file of about 300 KB: compressed 1000:1."""
    head = b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
    chunks = [head, *(b"A" * (1024 * 1024) for _ in range(300)), b"</t></si></sst>"]
    return _replace_parts(_base(), {STRINGS: chunks})


def long_shared_string() -> bytes:
    """One shared string of 40,000 characters (no compression trick): longer than any cell may be."""
    import random

    text = "".join(random.Random(1).choices("abcdefghijklmnopqrstuvwxyz ", k=40_000)).encode()
    body = b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
    return _replace_parts(_base(), {STRINGS: body + text + b"</t></si></sst>"})


def many_shared_strings_declared() -> bytes:
    """A shared-strings table declaring 5 million entries."""
    body = (
        b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'count="5000000" uniqueCount="5000000"><si><t>a</t></si></sst>'
    )
    return _replace_parts(_base(), {STRINGS: body})


def zip_bomb() -> bytes:
    """A sheet part of 60 MB of one repeated row, compressed about 500:1."""
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    count = 60 * 1024 * 1024 // len(row)
    chunks = [SHEET_HEAD, b"<sheetData>", *(row * 10_000 for _ in range(count // 10_000)), b"</sheetData></worksheet>"]
    return _replace_parts(_base(), {SHEET: chunks})


def not_a_zip() -> bytes:
    """A CSV renamed .xlsx."""
    return b"ALID,LicenseType\nmd:alid:org:migu:1,SVOD\n"


def broken_zip() -> bytes:
    """Starts like a zip and is not one."""
    return b"PK\x03\x04" + b"\x00" * 200


def no_avails_sheet() -> bytes:
    """A workbook whose sheets hold no Avails field names."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.title = "Instructions"
    workbook.active.append(["Read me"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_part_missing() -> bytes:
    """A workbook naming a sheet whose part is not in the zip (the Avails sheet under a name that leads nowhere)."""
    source = zipfile.ZipFile(io.BytesIO(_base()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != SHEET:
                target.writestr(info, source.read(info.filename))
    return out.getvalue()


def deep_xml() -> bytes:
    """Elements nested 1,000 deep."""
    return b"<a>" * 1000 + b"</a>" * 1000


def entity_expansion_xml() -> bytes:
    """A billion laughs."""
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    doc = f'<?xml version="1.0"?><!DOCTYPE AvailList [<!ENTITY l0 "ha">{entities}]><AvailList>&l9;</AvailList>'
    return doc.encode()


def external_entity_xml() -> bytes:
    """An entity naming a local file and one naming a URL."""
    return (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY f SYSTEM "file:///etc/passwd">'
        b'<!ENTITY u SYSTEM "http://127.0.0.1:9/x">]><r>&f;&u;</r>'
    )


def external_dtd_xml() -> bytes:
    """An Avails document that names an external DTD (fetching it would reach the network)."""
    return (
        b'<?xml version="1.0"?><!DOCTYPE AvailList SYSTEM "http://127.0.0.1:9/avails.dtd">'
        b'<avails:AvailList xmlns:avails="http://www.movielabs.com/schema/avails/v2.4/avails"/>'
    )


def xinclude_xml() -> bytes:
    """An XInclude of a local file inside a Transaction: never followed, refused as an element out of place."""
    from avails.tests.samples import sample_bytes

    data = sample_bytes("Avails_noErrors_v2.4.xml")
    include = b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/>'
    return data.replace(b"<avails:LicenseType>", include + b"<avails:LicenseType>", 1)


# name -> (file name, builder, the error code each must answer)
HOSTILE_FILES = {
    "huge_declared_dimension": ("dim.xlsx", huge_declared_dimension, "sheet_too_large"),
    "far_cell_without_dimension": ("far.xlsx", far_cell_without_dimension, "too_many_rows"),
    "sparse_cells": ("sparse.xlsx", sparse_cells, "too_many_errors"),
    "wide_row": ("wide.xlsx", wide_row, "sheet_too_large"),
    "big_shared_string": ("string.xlsx", big_shared_string, "zip_bomb"),
    "long_shared_string": ("long.xlsx", long_shared_string, "cell_too_large"),
    "many_shared_strings_declared": ("strings.xlsx", many_shared_strings_declared, "shared_strings_too_large"),
    "zip_bomb": ("bomb.xlsx", zip_bomb, "zip_bomb"),
    "not_a_zip": ("renamed.xlsx", not_a_zip, "malformed_xlsx"),
    "broken_zip": ("broken.xlsx", broken_zip, "malformed_xlsx"),
    "no_avails_sheet": ("other.xlsx", no_avails_sheet, "not_avails"),
    "sheet_part_missing": ("nosheet.xlsx", sheet_part_missing, "malformed_xlsx"),
    "deep_xml": ("deep.xml", deep_xml, "too_deep"),
    "entity_expansion_xml": ("laughs.xml", entity_expansion_xml, "xml_entities_refused"),
    "external_entity_xml": ("xxe.xml", external_entity_xml, "xml_entities_refused"),
    "external_dtd_xml": ("dtd.xml", external_dtd_xml, "xml_entities_refused"),
    "xinclude_xml": ("xinclude.xml", xinclude_xml, "invalid_structure"),
}


def main(folder: str) -> None:
    for file_name, build, _ in HOSTILE_FILES.values():
        Path(folder, file_name).write_bytes(build())


if __name__ == "__main__":
    main(sys.argv[1])
