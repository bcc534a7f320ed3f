"""Reads of the media pipeline."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from media.models import Ladder, LadderStatus, Master, Rendition


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


def ladders_for_episode(*, episode_id: int) -> QuerySet[Ladder]:
    return Ladder.objects.filter(episode_id=episode_id).prefetch_related(
        Prefetch("renditions", queryset=Rendition.objects.order_by("index"))
    )


def masters_for_episode(*, episode_id: int) -> QuerySet[Master]:
    return Master.objects.filter(episode_id=episode_id).order_by("-created_at")
