from __future__ import annotations

from pathlib import Path

from catalog.tests.factories import DramaFactory, EpisodeFactory
from jobs.models import Job
from media.models import Master
from media.services import master_ingest


def episode_make(*, format: str = "vertical", number: int = 1):
    return EpisodeFactory(drama=DramaFactory(format=format), number=number)


def master_upload(episode, path: Path) -> tuple[Master, Job]:
    """Ingest a local file as the episode's master (the job is created; its task is sent on commit)."""
    with path.open("rb") as handle:
        return master_ingest(episode=episode, file=handle, original_filename=path.name)
