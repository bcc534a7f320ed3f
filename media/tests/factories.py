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


def licensed_to(organization, episode, *, territories=("TH",), **window):
    """Rights in from the drama's owner and a window out to `organization` (open now) for the episode's drama."""
    from rights.services import rights_window_grant
    from rights.tests.factories import at, grant_out

    drama = episode.drama
    rights_window_grant(
        drama=drama, licensee=drama.owner, direction="in", territories=["WW"], licence_type="AVOD", start=at(-3650)
    )
    window.setdefault("start", at(-1))
    return grant_out(drama, organization, territories=list(territories), **window)
