"""Reads of the media pipeline."""

from __future__ import annotations

from collections.abc import Iterable

from media.models import Ladder, LadderStatus


def episode_ids_ready(*, episode_ids: Iterable[int]) -> set[int]:
    """Which of these episodes have a playable (READY) ladder, in one query."""
    ids = list(episode_ids)
    if not ids:
        return set()
    return set(
        Ladder.objects.filter(episode_id__in=ids, status=LadderStatus.READY).values_list("episode_id", flat=True)
    )


def ladder_ready_for(*, episode_id: int) -> Ladder | None:
    """The episode's live ladder, if any."""
    return Ladder.objects.filter(episode_id=episode_id, status=LadderStatus.READY).first()
