"""Celery tasks of the matching model (queue `matching`): thin wrappers around recommendations.matching."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction

from jobs.models import Job, JobKind, JobStatus
from jobs.services import JobAttemptsExhausted, job_begin_attempt, job_create, job_fail, job_succeed
from recommendations.errors import MatchingError, MatchingErrorCode

logger = logging.getLogger(__name__)

SOFT_TIME_LIMIT = 3 * 3600
HARD_TIME_LIMIT = SOFT_TIME_LIMIT + 300


@shared_task(
    name="recommendations.matching_run",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=HARD_TIME_LIMIT,
    ignore_result=True,
)
def matching_run_task(self, job_id: int) -> None:
    """Run the matching job; a redelivery after a lost worker is counted in the job row."""
    from recommendations.matching import matching_run

    try:
        job = job_begin_attempt(job_id=job_id, worker=self.request.hostname or "", task_id=self.request.id or "")
    except JobAttemptsExhausted:
        from recommendations.matching import matching_versions_abandon

        matching_versions_abandon(job_id=job_id, reason="no attempts were left")
        logger.warning("matching job %s: attempts exhausted, marked FAILED", job_id)
        return
    if job is None:
        return
    try:
        version = matching_run(job=job)
    except MatchingError as exc:
        job_fail(job=job, code=exc.code, error=exc.message)
    except SoftTimeLimitExceeded:
        job_fail(job=job, code=MatchingErrorCode.TIME_LIMIT, error=f"The run passed its {SOFT_TIME_LIMIT} s limit.")
    except Exception as exc:  # any failure ends the job visibly, the live model untouched
        logger.exception("matching job %s failed", job_id)
        job_fail(job=job, code=MatchingErrorCode.RUN_FAILED, error=f"{type(exc).__name__}: {exc}")
    else:
        job_succeed(job=job, result={"version_id": version.pk, "metrics": version.metrics})


def matching_job_enqueue(job: Job) -> None:
    matching_run_task.apply_async(args=[job.pk], queue="matching")


def matching_job_start(*, created_by=None) -> Job:
    """A matching job row, its task sent once the row is committed; an already pending or running job is
    returned instead of a second one."""
    with transaction.atomic():
        running = (
            Job.objects.select_for_update()
            .filter(kind=JobKind.MATCHING, status__in=[JobStatus.PENDING, JobStatus.RUNNING])
            .first()
        )
        if running is not None:
            return running
        job = job_create(kind=JobKind.MATCHING, created_by=created_by, max_attempts=2)
        transaction.on_commit(lambda: matching_job_enqueue(job))
    return job


@shared_task(name="recommendations.matching_nightly", ignore_result=True)
def matching_nightly() -> int:
    """Beat: start the nightly matching job."""
    return matching_job_start().pk


@shared_task(name="recommendations.matching_ensure_live", ignore_result=True)
def matching_ensure_live() -> int | None:
    """Beat: when no model is live yet (a new installation, the demo) and events exist, start a run."""
    from recommendations.models import MatchingModelVersion, PlaybackEvent

    if MatchingModelVersion.objects.filter(is_live=True).exists() or not PlaybackEvent.objects.exists():
        return None
    if Job.objects.filter(kind=JobKind.MATCHING, status=JobStatus.FAILED, finished_at__isnull=False).exists():
        return None  # a failed run says why in its job row; the nightly run or an operator tries again
    return matching_job_start().pk
