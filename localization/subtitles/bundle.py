"""The files of a bulk subtitle upload, from several uploaded files or from one zip, read one at a time.

A zip is read from its central directory and each member streamed, never extracted to disk: every
member's uncompressed size, the archive's total and its number of members are bounded before a byte
is inflated (zipfile never gives more than a member declares), and each read is bounded again as it
goes. Names that climb out of the archive (`../`, absolute paths, drive letters), archives inside the
archive and encrypted members are refused one by one; the other files go on.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from localization.errors import SubtitleArchiveError, SubtitleBulkErrorCode
from localization.subtitles.cues import MAX_FILE_BYTES, MIB

# A drama of 100 episodes in a handful of languages and kinds, with room to spare.
MAX_BULK_FILES = 1_000
# What a zip may expand to in all: subtitle files are a few KB each.
MAX_BULK_TOTAL_BYTES = 256 * MIB
# The upload itself (compressed).
MAX_BULK_ARCHIVE_BYTES = 64 * MIB
# A central directory entry: 46 bytes and the name (and extras); generous for names of subtitle files.
MAX_DIRECTORY_ENTRY_BYTES = 1024

ARCHIVE_SUFFIXES = frozenset(
    {".zip", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".7z", ".rar", ".zst", ".lz", ".lzma", ".cab", ".jar"}
)
ARCHIVE_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"7z\xbc\xaf\x27\x1c", b"Rar!")
_CHUNK = 64 * 1024


@dataclass
class BulkFile:
    """One file of a bulk upload: its name (no folders), its declared size, how to read it (at most
    MAX_FILE_BYTES + 1 bytes), and why it is refused before reading, if it is."""

    name: str
    size: int
    read: Callable[[], bytes]
    refused: tuple[SubtitleBulkErrorCode, str] | None = None


def bulk_files_from_uploads(uploads: Iterable[IO[bytes]]) -> list[BulkFile]:
    """Uploaded files (Django's UploadedFile: `name`, `size`, chunks), in the order given."""
    files = []
    for upload in uploads:
        name = PurePosixPath(str(getattr(upload, "name", "") or "").replace("\\", "/")).name
        size = int(getattr(upload, "size", 0) or 0)

        def read(upload: IO[bytes] = upload) -> bytes:
            upload.seek(0)
            return _read_bounded(upload, MAX_FILE_BYTES + 1)

        refused = None
        if _is_archive_name(name):
            refused = (SubtitleBulkErrorCode.NESTED_ARCHIVE, "An archive among the files: upload it on its own.")
        files.append(BulkFile(name=name, size=size, read=read, refused=refused))
    return files


def bulk_files_from_folder(folder: Path) -> list[BulkFile]:
    """The files of a folder (not its subfolders), by name; hidden files left out."""
    files = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue

        def read(path: Path = path) -> bytes:
            with path.open("rb") as handle:
                return _read_bounded(handle, MAX_FILE_BYTES + 1)

        refused = None
        if _is_archive_name(path.name):
            refused = (SubtitleBulkErrorCode.NESTED_ARCHIVE, "An archive in the folder: give it on its own.")
        files.append(BulkFile(name=path.name, size=path.stat().st_size, read=read, refused=refused))
    return files


def bulk_files_from_zip(
    archive: zipfile.ZipFile,
    *,
    max_files: int = MAX_BULK_FILES,
    max_total_bytes: int = MAX_BULK_TOTAL_BYTES,
    max_file_bytes: int = MAX_FILE_BYTES,
) -> list[BulkFile]:
    """The files of an open zip, each to be read streamed; SubtitleArchiveError when the archive as a
    whole is refused (too many members, expanding past `max_total_bytes`).

    Folders, macOS resource forks and hidden files are left out silently, as the command does.
    """
    infos = [info for info in archive.infolist() if not _is_clutter(info)]
    if len(infos) > max_files:
        raise SubtitleArchiveError(
            f"The zip holds {len(infos)} files; at most {max_files} are taken in one upload.",
            code=SubtitleBulkErrorCode.TOO_MANY_FILES,
        )
    declared = sum(info.file_size for info in infos)
    if declared > max_total_bytes:
        raise SubtitleArchiveError(
            f"The zip expands to {declared // MIB} MiB; at most {max_total_bytes // MIB} MiB are taken in one upload.",
            code=SubtitleBulkErrorCode.ARCHIVE_EXPANDS_TOO_MUCH,
        )
    budget = _Budget(max_total_bytes)
    return [_zip_member(archive, info, budget, max_file_bytes) for info in sorted(infos, key=lambda i: i.filename)]


def bulk_zip_open(
    upload: IO[bytes], *, max_archive_bytes: int = MAX_BULK_ARCHIVE_BYTES, max_files: int = MAX_BULK_FILES
) -> zipfile.ZipFile:
    """An uploaded zip opened for reading; SubtitleArchiveError when it is too large, lists too many
    members or is not a zip.

    The member count and the central directory's size are read from the end record first: zipfile
    builds an object per member of the central directory, which a small upload could make millions of.
    """
    size = getattr(upload, "size", None)
    if size is None:
        size = upload.seek(0, 2)
    if size > max_archive_bytes:
        raise SubtitleArchiveError(
            f"The zip is {size // MIB} MiB; at most {max_archive_bytes // MIB} MiB are taken in one upload.",
            code=SubtitleBulkErrorCode.ARCHIVE_TOO_LARGE,
        )
    try:
        upload.seek(0)
        end = zipfile._EndRecData(upload)  # type: ignore[attr-defined]  # stable since Python 2, zip64 included
        if end is None:
            raise zipfile.BadZipFile("no end of central directory record")
        members, directory_bytes = end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]  # type: ignore[attr-defined]
        if members > max_files or directory_bytes > max_files * MAX_DIRECTORY_ENTRY_BYTES:
            raise SubtitleArchiveError(
                f"The zip lists {members} files; at most {max_files} are taken in one upload.",
                code=SubtitleBulkErrorCode.TOO_MANY_FILES,
            )
        upload.seek(0)
        return zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error) as exc:
        raise SubtitleArchiveError(
            f"Not a zip file that can be read ({exc}).", code=SubtitleBulkErrorCode.NOT_A_ZIP
        ) from exc


@dataclass
class _Budget:
    left: int


def _zip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget, max_file_bytes: int) -> BulkFile:
    raw_name = info.filename
    name = PurePosixPath(raw_name.replace("\\", "/")).name

    def read() -> bytes:
        try:
            with archive.open(info) as handle:
                data = _read_bounded(handle, min(max_file_bytes, budget.left) + 1)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:
            raise SubtitleArchiveError(
                f"This file of the zip cannot be read ({exc}).", code=SubtitleBulkErrorCode.UNREADABLE
            ) from exc
        budget.left -= len(data)
        if budget.left < 0:
            raise SubtitleArchiveError(
                "The zip expands past the limit of one upload here.",
                code=SubtitleBulkErrorCode.ARCHIVE_EXPANDS_TOO_MUCH,
            )
        if data.startswith(ARCHIVE_MAGIC):
            raise SubtitleArchiveError(
                "An archive inside the zip: archives are not opened within archives.",
                code=SubtitleBulkErrorCode.NESTED_ARCHIVE,
            )
        return data

    refused: tuple[SubtitleBulkErrorCode, str] | None = None
    if _is_unsafe_path(raw_name):
        refused = (SubtitleBulkErrorCode.UNSAFE_PATH, f"The path {raw_name!r} points outside the archive.")
    elif _is_archive_name(name):
        refused = (SubtitleBulkErrorCode.NESTED_ARCHIVE, "An archive inside the zip: archives are not opened within.")
    elif info.flag_bits & 0x1:
        refused = (SubtitleBulkErrorCode.ENCRYPTED, "The file is encrypted in the zip.")
    elif info.file_size > max_file_bytes:
        refused = (
            SubtitleBulkErrorCode.FILE_TOO_LARGE,
            f"The file expands to {info.file_size // MIB} MiB; a subtitle file is at most {max_file_bytes // MIB} MiB.",
        )
    return BulkFile(name=name, size=info.file_size, read=read, refused=refused)


def _read_bounded(handle: IO[bytes], limit: int) -> bytes:
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = handle.read(min(_CHUNK, left))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _is_clutter(info: zipfile.ZipInfo) -> bool:
    name = PurePosixPath(info.filename.replace("\\", "/")).name
    return info.is_dir() or not name or name.startswith(".") or info.filename.startswith("__MACOSX/")


def _is_unsafe_path(name: str) -> bool:
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or (len(normalized) > 1 and normalized[1] == ":"):
        return True
    return ".." in normalized.split("/")


def _is_archive_name(name: str) -> bool:
    return PurePosixPath(name.lower()).suffix in ARCHIVE_SUFFIXES
