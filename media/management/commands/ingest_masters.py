"""Bulk ingest: `manage.py ingest_masters DRAMA FOLDER` maps files such as ep001.mp4 to episode numbers."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.models import Drama
from media.errors import MediaErrorCode
from media.selectors import MASTER_EXTENSIONS as EXTENSIONS
from media.selectors import episode_number_from, masters_match
from media.services import master_ingest

__all__ = ["EXTENSIONS", "Command", "episode_number_from"]  # the file-name rules live in media.selectors


class Command(BaseCommand):
    help = "Ingest every master in FOLDER for the drama (by id), matching file names like ep001.mp4 to episodes."

    def add_arguments(self, parser):
        parser.add_argument("drama", help="Drama id")
        parser.add_argument("folder", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Show the mapping without ingesting.")

    def handle(self, *args, drama, folder: Path, dry_run: bool, **options):
        drama_obj = Drama.objects.filter(pk=drama).first() if str(drama).isdigit() else None
        if drama_obj is None:
            raise CommandError(f"No drama with id {drama!r}.")
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.")
        paths = {p.name: p for p in sorted(folder.iterdir()) if not p.name.startswith(".") and p.is_file()}
        by_number: dict[int, Path] = {}
        skipped: list[str] = []
        episodes = {}
        for match in masters_match(drama=drama_obj, names=paths):
            if match.code == MediaErrorCode.DUPLICATE_IN_BATCH:
                raise CommandError(match.detail)
            if match.episode is None:
                skipped.append(match.detail)
            else:
                by_number[match.episode.number] = paths[match.name]
                episodes[match.episode.number] = match.episode
        for line in skipped:
            self.stderr.write(f"skipped {line}")
        for number, path in sorted(by_number.items()):
            if dry_run:
                self.stdout.write(f"would ingest {path.name} as episode {number}")
                continue
            with path.open("rb") as handle:
                master, job = master_ingest(episode=episodes[number], file=handle, original_filename=path.name)
            self.stdout.write(f"episode {number}: {path.name} → master {master.pk}, transcode job {job.pk}")
        verb = "would ingest" if dry_run else "ingested"
        self.stdout.write(self.style.SUCCESS(f"{verb} {len(by_number)} master(s); skipped {len(skipped)}"))
