"""`manage.py ingest_master --episode ID PATH [--wait]`: ingest one master and optionally follow its transcode."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.models import Episode
from jobs.models import Job, JobStatus
from media.services import master_ingest


class Command(BaseCommand):
    help = "Ingest one episode master; with --wait, follow the transcode job until it ends."

    def add_arguments(self, parser):
        parser.add_argument("--episode", type=int, required=True, help="Episode id")
        parser.add_argument("path", type=Path)
        parser.add_argument("--wait", action="store_true", help="Wait for the transcode and report its outcome.")
        parser.add_argument("--timeout", type=float, default=4 * 3600)

    def handle(self, *args, episode: int, path: Path, wait: bool, timeout: float, **options):
        episode_obj = Episode.objects.select_related("drama").filter(pk=episode).first()
        if episode_obj is None:
            raise CommandError(f"No episode with id {episode}.")
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        with path.open("rb") as handle:
            master, job = master_ingest(episode=episode_obj, file=handle, original_filename=path.name)
        self.stdout.write(f"master {master.pk} stored; transcode job {job.pk} queued")
        if not wait:
            return
        deadline, last = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            row = Job.objects.get(pk=job.pk)
            if (row.status, round(row.progress)) != last:
                last = (row.status, round(row.progress))
                self.stdout.write(f"{row.status} {row.progress:.0f}% (attempt {row.attempts})")
            if row.status == JobStatus.SUCCEEDED:
                self.stdout.write(self.style.SUCCESS(f"ladder ready: {row.result}"))
                return
            if row.status in (JobStatus.FAILED, JobStatus.CANCELLED):
                raise CommandError(f"transcode failed [{row.error_code}]: {row.error}")
            time.sleep(0.5)
        raise CommandError(f"gave up waiting after {timeout:.0f} s; job {job.pk} is {row.status}")
