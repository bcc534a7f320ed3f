"""Storage helpers: the default Django storage (local filesystem or S3), used by key, never by user names."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.files import File
from django.core.files.storage import Storage, storages


def media_storage() -> Storage:
    # Looked up on each use so tests (and settings changes) switching STORAGES take effect.
    return storages["default"]


def storage_presigns(storage: Storage) -> bool:
    """True for object storage that hands out signed URLs (S3); False for the local filesystem."""
    return bool(getattr(storage, "querystring_auth", False)) and hasattr(storage, "bucket")


def storage_put(storage: Storage, name: str, path: Path) -> str:
    """Write a local file under exactly `name`, replacing what is there (never a suffixed duplicate)."""
    if not getattr(storage, "file_overwrite", False) and storage.exists(name):
        storage.delete(name)
    with path.open("rb") as handle:
        saved = storage.save(name, File(handle, name=path.name))
    if saved != name:
        storage.delete(saved)
        raise OSError(f"storage saved {name!r} as {saved!r}")
    return saved


def storage_walk(storage: Storage, prefix: str) -> Iterator[str]:
    """Every file key under `prefix` (recursively)."""
    try:
        directories, files = storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        yield f"{prefix}/{name}"
    for directory in directories:
        yield from storage_walk(storage, f"{prefix}/{directory}")


def storage_job_leftovers_delete(storage: Storage, *, root: str, job_id: int, keep: str) -> None:
    """Delete the builds under `root` that an earlier attempt of job `job_id` uploaded before its worker died
    (named `j<job id>-…`, never published), all but `keep`."""
    try:
        builds, _files = storage.listdir(root)
    except (FileNotFoundError, NotADirectoryError):
        return
    for build in builds:
        prefix = f"{root}/{build}"
        if build.startswith(f"j{job_id}-") and prefix != keep:
            storage_delete_prefix(storage, prefix)


def storage_delete_prefix(storage: Storage, prefix: str) -> int:
    deleted = 0
    for name in list(storage_walk(storage, prefix)):
        storage.delete(name)
        deleted += 1
    return deleted


def file_checksum(handle, chunk_size: int = 1024 * 1024) -> tuple[str, int]:
    """sha256 hex and size of a file object, read in chunks (a master never sits in memory)."""
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: handle.read(chunk_size), b""):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def storage_download(storage: Storage, name: str, path: Path) -> Path:
    """Stream the stored file `name` to the local `path` (its folder is created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with storage.open(name, "rb") as remote, path.open("wb") as local:
        shutil.copyfileobj(remote, local, 1024 * 1024)
    return path


@contextmanager
def storage_local_copy(storage: Storage, name: str, work_dir: Path) -> Iterator[Path]:
    """A local path of the stored file: the file itself on the filesystem, else a streamed download."""
    try:
        path = Path(storage.path(name))
    except NotImplementedError:
        path = storage_download(storage, name, work_dir / "source")
    yield path
