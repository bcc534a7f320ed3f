"""Bulk ingest: `manage.py ingest_masters DRAMA FOLDER` maps files such as ep001.mp4 to episode numbers."""

from __future__ import annotations

import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.models import Drama, Episode
from media.services import master_ingest

# ep001.mp4, EP_12.mov, episode-3.mkv, E07.mp4, 012.mp4
EPISODE_FILE = re.compile(r"^(?:ep(?:isode)?|e)?[ _-]*0*(\d{1,4})(?:[ _-].*)?$", re.IGNORECASE)
EXTENSIONS = {".mp4", ".mov", ".m4v", ".mkv", ".webm", ".ts", ".mts"}


def episode_number_from(path: Path) -> int | None:
    match = EPISODE_FILE.match(path.stem)
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None


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
        episodes = {e.number: e for e in Episode.objects.filter(drama=drama_obj)}
        by_number: dict[int, Path] = {}
        skipped: list[str] = []
        for path in sorted(folder.iterdir()):
            if path.name.startswith(".") or not path.is_file():
                continue
            number = episode_number_from(path) if path.suffix.lower() in EXTENSIONS else None
            if number is None:
                skipped.append(f"{path.name}: not a video file named like ep001.mp4")
            elif number in by_number:
                raise CommandError(f"{path.name} and {by_number[number].name} both map to episode {number}.")
            elif number not in episodes:
                skipped.append(f"{path.name}: the drama has no episode {number}")
            else:
                by_number[number] = path
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
