"""Bulk ingest: `manage.py ingest_subtitles DRAMA FOLDER-OR-ZIP` maps files such as ep001.th.srt and
ep001.th.forced.vtt to the drama's episodes, languages and kinds, and keeps each as a subtitle version.

Episode numbers are read as ingest_masters reads them (ep001, EP_12, episode-3, E07, 012). Each file
that cannot be matched, is refused or does not validate is reported, and the others go on; the command
exits non-zero when any failed.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.core.management.base import BaseCommand, CommandError

from catalog.models import Drama, Episode
from localization.errors import SubtitleTooLargeError, subtitle_invalid_error
from localization.models import SubtitleStatus
from localization.services import subtitle_ingest
from localization.subtitles.cues import MAX_FILE_BYTES
from localization.subtitles.names import subtitle_file_name_parse
from migu_platform.errors import DomainError


@dataclass
class _Upload:
    name: str
    size: int
    read: Callable[[], bytes]  # at most MAX_FILE_BYTES + 1 of them


def _folder_files(folder: Path) -> Iterator[_Upload]:
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue

        def read(path: Path = path) -> bytes:
            with path.open("rb") as handle:
                return handle.read(MAX_FILE_BYTES + 1)

        yield _Upload(path.name, path.stat().st_size, read)


def _zip_files(archive: zipfile.ZipFile) -> Iterator[_Upload]:
    for info in sorted(archive.infolist(), key=lambda i: i.filename):
        name = PurePosixPath(info.filename).name
        if info.is_dir() or name.startswith(".") or info.filename.startswith("__MACOSX/"):
            continue

        def read(info: zipfile.ZipInfo = info) -> bytes:
            # Read no further than the limit, whatever size the archive declares.
            with archive.open(info) as handle:
                return handle.read(MAX_FILE_BYTES + 1)

        yield _Upload(name, info.file_size, read)


class Command(BaseCommand):
    help = (
        "Ingest every subtitle file in FOLDER or ZIP for the drama (by id): ep001.th.srt, ep001.th.forced.vtt, "
        "ep001.zh-Hans.sdh.ttml. Reports each file that fails and goes on with the others."
    )

    def add_arguments(self, parser):
        parser.add_argument("drama", help="Drama id")
        parser.add_argument("source", type=Path, help="A folder or a .zip of subtitle files")
        parser.add_argument("--dry-run", action="store_true", help="Show the mapping without ingesting.")

    def handle(self, *args, drama, source: Path, dry_run: bool, **options):
        drama_obj = Drama.objects.filter(pk=drama).first() if str(drama).isdigit() else None
        if drama_obj is None:
            raise CommandError(f"No drama with id {drama!r}.")
        if source.is_dir():
            self.ingest(drama_obj, _folder_files(source), dry_run)
        elif source.is_file() and zipfile.is_zipfile(source):
            with zipfile.ZipFile(source) as archive:
                self.ingest(drama_obj, _zip_files(archive), dry_run)
        else:
            raise CommandError(f"{source} is neither a folder nor a zip file.")

    def ingest(self, drama: Drama, uploads: Iterator[_Upload], dry_run: bool) -> None:
        episodes = {e.number: e for e in Episode.objects.filter(drama=drama).select_related("drama")}
        failed: list[str] = []
        matched: dict[tuple[int, str, str], list[_Upload]] = {}
        for upload in uploads:
            parsed = subtitle_file_name_parse(upload.name)
            if isinstance(parsed, str):
                failed.append(f"{upload.name}: {parsed}")
            elif parsed.episode not in episodes:
                failed.append(f"{upload.name}: the drama has no episode {parsed.episode}")
            else:
                matched.setdefault((parsed.episode, parsed.language, parsed.kind), []).append(upload)
        for line in failed:
            self.stderr.write(f"failed {line}")
        ingested = 0
        for (number, language, kind), found in sorted(matched.items()):
            track = f"episode {number} {language} {kind}"
            if len(found) > 1:
                names = " and ".join(upload.name for upload in found)
                failed.append(f"{names}: all for {track}; none ingested")
                self.stderr.write(f"failed {failed[-1]}")
                continue
            upload = found[0]
            if dry_run:
                self.stdout.write(f"would ingest {upload.name} as {track}")
                continue
            try:
                if upload.size > MAX_FILE_BYTES:  # refused before a byte is read
                    raise SubtitleTooLargeError(
                        f"The file is over {MAX_FILE_BYTES // 1024 // 1024} MiB; a subtitle file is far smaller."
                    )
                version = subtitle_ingest(
                    episode=episodes[number], language=language, kind=kind, filename=upload.name, data=upload.read()
                )
            except DomainError as error:
                failed.append(f"{upload.name}: {error.message}")
                self.stderr.write(f"failed {failed[-1]}")
                continue
            if version.status == SubtitleStatus.REJECTED:
                invalid = subtitle_invalid_error(version.findings)
                more = f" (and {version.error_count - 1} more errors)" if version.error_count > 1 else ""
                failed.append(f"{upload.name}: rejected, {invalid.code}: {invalid.message}{more}")
                self.stderr.write(f"failed {failed[-1]}")
                continue
            ingested += 1
            warnings = f", {version.warning_count} warning(s)" if version.warning_count else ""
            self.stdout.write(
                f"{upload.name} → {track}: version {version.number} live, {version.cue_count} cues, "
                f"{version.encoding}{warnings}"
            )
        verb = "would ingest" if dry_run else "ingested"
        summary = f"{verb} {len(matched) if dry_run else ingested} file(s); {len(failed)} failed"
        if failed:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
