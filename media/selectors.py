"""Reads of the media pipeline."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast

from catalog.models import Drama, Episode
from jobs.models import ACTIVE_STATUSES, Job, JobKind
from media.errors import MediaErrorCode
from media.models import Ladder, LadderStatus, Master

# ep001.mp4, EP_12.mov, episode-3.mkv, E07.mp4, 012.mp4; ASCII digits only (not "ep١.mp4": int() would read it as 1)
EPISODE_FILE = re.compile(r"^(?:ep(?:isode)?|e)?[ _-]*0*(\d{1,4})(?:[ _-].*)?$", re.IGNORECASE | re.ASCII)
MASTER_EXTENSIONS = {".mp4", ".mov", ".m4v", ".mkv", ".webm", ".ts", ".mts"}


def ladder_ready_for(*, episode_id: int) -> Ladder | None:
    """The episode's live ladder, if any."""
    return Ladder.objects.filter(episode_id=episode_id, status=LadderStatus.READY).first()


def episode_number_from(name: str | PurePath) -> int | None:
    """The episode number a master's file name stands for (ep001.mp4 -> 1), or None."""
    match = EPISODE_FILE.match(PurePath(name).stem)
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None


@dataclass(frozen=True)
class MasterMatch:
    """A file name of a batch of masters and the episode it goes to, or why it goes nowhere."""

    name: str
    number: int | None = None
    episode: Episode | None = None
    code: str = ""
    detail: str = ""

    @property
    def accepted(self) -> bool:
        return self.episode is not None


def masters_match(*, drama: Drama, names: Iterable[str]) -> list[MasterMatch]:
    """Each file name of a batch matched to one of the drama's episodes (ep001.mp4 -> episode 1), in one query.

    A name is refused when it is not a video file named like ep001.mp4, when the drama has no such
    episode, or when an earlier name of the batch (in sorted order) already maps to the same episode.
    """
    names = list(names)
    numbers = {name: episode_number_from(name) if PurePath(name).suffix.lower() in MASTER_EXTENSIONS else None
               for name in names}  # fmt: skip
    wanted = {number for number in numbers.values() if number is not None}
    episodes = {e.number: e for e in Episode.objects.filter(drama=drama, number__in=wanted).select_related("drama")}
    taken: dict[int, str] = {}
    matches = {}
    for name in sorted(names):
        number = numbers[name]
        if number is None:
            matches[name] = MasterMatch(
                name=name, code=MediaErrorCode.NAME_NOT_UNDERSTOOD,
                detail=f"{name}: not a video file named like ep001.mp4 (MP4, MOV, M4V, MKV, WebM or MPEG-TS).",
            )  # fmt: skip
        elif number in taken:
            matches[name] = MasterMatch(
                name=name, number=number, code=MediaErrorCode.DUPLICATE_IN_BATCH,
                detail=f"{name} and {taken[number]} both map to episode {number}; only {taken[number]} is taken.",
            )  # fmt: skip
        elif number not in episodes:
            matches[name] = MasterMatch(
                name=name, number=number, code=MediaErrorCode.NO_SUCH_EPISODE,
                detail=f"{name}: the drama has no episode {number}.",
            )  # fmt: skip
        else:
            taken[number] = name
            matches[name] = MasterMatch(name=name, number=number, episode=episodes[number])
    return [matches[name] for name in names]


def episode_transcode_active(*, episode_id: int) -> Job | None:
    """The episode's transcode job that is pending or running, if any."""
    return (
        Job.objects.filter(kind=JobKind.TRANSCODE, params__episode_id=episode_id, status__in=ACTIVE_STATUSES)
        .order_by("-created_at")
        .first()
    )


def masters_with_transcode_status(queryset: QuerySet[Master]) -> QuerySet[Master]:
    """Annotate masters with their latest transcode job (id, status, progress, error) in the same query."""
    latest = Job.objects.filter(
        kind=JobKind.TRANSCODE,
        target_type=ContentType.objects.get_for_model(Master),
        target_id=Cast(OuterRef("pk"), CharField()),
    ).order_by("-created_at")
    return queryset.annotate(
        job_id=Subquery(latest.values("pk")[:1]),
        job_status=Subquery(latest.values("status")[:1]),
        job_progress=Subquery(latest.values("progress")[:1]),
        job_error_code=Subquery(latest.values("error_code")[:1]),
        job_error=Subquery(latest.values("error")[:1]),
    )


def episodes_with_ladder_status(queryset: QuerySet[Episode]) -> QuerySet[Episode]:
    """Annotate episodes with their ladder's state in the same query: the live (else latest) ladder's status
    and rung count, and the latest transcode job's status, progress and error code."""
    from django.db.models import Case, Count, IntegerField, Value, When

    ladders = Ladder.objects.filter(episode=OuterRef("pk")).order_by(
        Case(When(status=LadderStatus.READY, then=Value(0)), default=Value(1), output_field=IntegerField()),
        "-created_at",
    )
    # Through the episode's masters, so the lookup uses the jobs' (target_type, target_id, kind) index.
    master_ids = Master.objects.filter(episode=OuterRef(OuterRef("pk"))).values(as_text=Cast("pk", CharField()))
    jobs = Job.objects.filter(
        kind=JobKind.TRANSCODE, target_type=ContentType.objects.get_for_model(Master), target_id__in=master_ids
    ).order_by("-created_at")
    return queryset.annotate(
        ladder_id=Subquery(ladders.values("pk")[:1]),
        ladder_status=Subquery(ladders.values("status")[:1]),
        ladder_rungs=Subquery(ladders.annotate(n=Count("renditions")).values("n")[:1]),
        transcode_status=Subquery(jobs.values("status")[:1]),
        transcode_progress=Subquery(jobs.values("progress")[:1]),
        transcode_error_code=Subquery(jobs.values("error_code")[:1]),
    )
