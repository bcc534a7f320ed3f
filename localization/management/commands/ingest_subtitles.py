"""Bulk ingest: `manage.py ingest_subtitles DRAMA FOLDER-OR-ZIP` maps files such as ep001.th.srt and
ep001.th.forced.vtt to the drama's episodes, languages and kinds, and keeps each as a subtitle version.

The same plan and ingest as the admin's bulk upload (localization.services.subtitle_bulk_plan and
subtitle_bulk_ingest), and the same bounded zip reading (localization.subtitles.bundle). Each file that
cannot be matched, is refused or does not validate is reported, and the others go on; the command exits
non-zero when any failed.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.models import Drama
from localization.errors import SubtitleArchiveError, subtitle_invalid_error
from localization.services import SubtitleBulkRow, subtitle_bulk_ingest, subtitle_bulk_plan
from localization.subtitles.bundle import BulkFile, bulk_files_from_folder, bulk_files_from_zip


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
            self.ingest(drama_obj, bulk_files_from_folder(source), dry_run)
        elif source.is_file() and zipfile.is_zipfile(source):
            with zipfile.ZipFile(source) as archive:
                try:
                    files = bulk_files_from_zip(archive)
                except SubtitleArchiveError as error:
                    raise CommandError(f"{source}: {error.message} ({error.code})") from error
                self.ingest(drama_obj, files, dry_run)
        else:
            raise CommandError(f"{source} is neither a folder nor a zip file.")

    def ingest(self, drama: Drama, files: list[BulkFile], dry_run: bool) -> None:
        if dry_run:
            rows = subtitle_bulk_plan(drama=drama, files=files)
        else:
            rows = subtitle_bulk_ingest(drama=drama, files=files)
        failed = 0
        for row in rows:
            line = self.describe(row)
            if row.outcome in ("refused", "rejected"):
                failed += 1
                self.stderr.write(f"failed {line}")
            else:
                self.stdout.write(line)
        done = sum(1 for row in rows if row.outcome in ("planned", "live"))
        summary = f"{'would ingest' if dry_run else 'ingested'} {done} file(s); {failed} failed"
        if failed:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))

    @staticmethod
    def describe(row: SubtitleBulkRow) -> str:
        track = f"episode {row.episode.number} {row.language} {row.kind}" if row.episode else ""
        if row.outcome == "planned":
            return f"would ingest {row.name} as {track}"
        if row.outcome == "refused":
            return f"{row.name}: {row.message}"
        version = row.version
        assert version is not None  # live or rejected rows carry their version
        if row.outcome == "rejected":
            invalid = subtitle_invalid_error(version.findings)
            more = f" (and {version.error_count - 1} more errors)" if version.error_count > 1 else ""
            return f"{row.name}: rejected, {invalid.code}: {invalid.message}{more}"
        warnings = f", {version.warning_count} warning(s)" if version.warning_count else ""
        return (
            f"{row.name} → {track}: version {version.number} live, {version.cue_count} cues, "
            f"{version.encoding}{warnings}"
        )
