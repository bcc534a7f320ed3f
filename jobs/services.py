"""Writes on job rows. Workers call these; the row is what the admin and the API show."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone

from jobs.errors import JobErrorCode
from jobs.models import LOG_TAIL_MAX, Job, JobStatus
from partners.models import Organization

logger = logging.getLogger(__name__)


class JobAttemptsExhausted(Exception):
    """The job was delivered more times than it may run; it has been marked FAILED."""


def job_create(
    *,
    kind: str,
    target: models.Model | None = None,
    organization: Organization | None = None,
    params: dict[str, Any] | None = None,
    max_attempts: int = 3,
    created_by: User | None = None,
) -> Job:
    """A PENDING job row for `target`; enqueue its task with transaction.on_commit."""
    job = Job(
        kind=kind,
        organization=organization,
        params=params or {},
        max_attempts=max_attempts,
        created_by=created_by,
    )
    if target is not None:
        job.target_type = ContentType.objects.get_for_model(target)
        job.target_id = str(target.pk)
    job.save()
    return job


def job_begin_attempt(*, job_id: int, worker: str = "", task_id: str = "") -> Job | None:
    """Count a delivery of the job and mark it RUNNING.

    Returns None when the job is gone or already finished (a duplicate delivery: do nothing).
    Raises JobAttemptsExhausted, after marking the job FAILED, when this delivery is one too many
    (the worker died during each earlier attempt).
    """
    # The job starts when its attempt is counted. The worker's connection check (Django's health check of a
    # reused connection, or a new connection) comes before, as the broker's delivery does: the worker's
    # overhead, shown by created_at → finished_at, not the job's.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    now = timezone.now()
    job = _job_attempt_count(job_id=job_id, now=now, worker=worker[:200], task_id=task_id[:64])
    if job is not None:
        return job
    # Not counted: the job is gone, finished, or out of attempts. Looked at again under its row lock.
    exhausted_reason = None
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status not in (JobStatus.PENDING, JobStatus.RUNNING):
            return None
        now = timezone.now()
        if job.attempts >= job.max_attempts:
            exhausted_reason = (
                f"Gave up after {job.attempts} attempt(s): the worker was lost each time "
                "(killed, out of memory, or over the time limit)."
            )
            job.status = JobStatus.FAILED
            job.error_code = JobErrorCode.ATTEMPTS_EXHAUSTED
            job.error = exhausted_reason
            job.finished_at = now
            job.save(update_fields=["status", "error_code", "error", "finished_at"])
        else:
            # Reset meanwhile (a re-run between the two statements): counted here, under the lock.
            job.attempts = F("attempts") + 1
            job.status = JobStatus.RUNNING
            job.started_at = job.started_at or now
            job.heartbeat_at = now
            job.worker = worker[:200]
            job.celery_task_id = task_id[:64]
            job.progress = 0.0
            job.save(
                update_fields=[
                    "attempts",
                    "status",
                    "started_at",
                    "heartbeat_at",
                    "worker",
                    "celery_task_id",
                    "progress",
                ]
            )
    # Raised once the block has committed, so the FAILED mark stays.
    if exhausted_reason is not None:
        raise JobAttemptsExhausted(exhausted_reason)
    job.refresh_from_db()
    return job


# The usual delivery in one statement: count the attempt and mark the job RUNNING if it is active with
# attempts left, returning the row as updated. The UPDATE takes the row lock, so two deliveries racing
# count two attempts; outside a transaction it commits on its own, before the work starts. The ORM's
# update() returns no row, hence the SQL: the same columns as the save() in job_begin_attempt (a test
# holds the instance returned equal to the row stored).
_ATTEMPT_COUNT_SQL = (
    "UPDATE jobs_job SET attempts = attempts + 1, status = %s, started_at = COALESCE(started_at, %s), "
    "heartbeat_at = %s, worker = %s, celery_task_id = %s, progress = 0 "
    "WHERE id = %s AND status IN (%s, %s) AND attempts < max_attempts RETURNING *"
)


def _job_attempt_count(*, job_id: int, now: datetime, worker: str, task_id: str) -> Job | None:
    params = [JobStatus.RUNNING, now, now, worker, task_id, job_id, JobStatus.PENDING, JobStatus.RUNNING]
    return next(iter(Job.objects.raw(_ATTEMPT_COUNT_SQL, params)), None)


def job_progress(*, job: Job, percent: float, log_line: str | None = None) -> None:
    """Record progress (and heartbeat) with one UPDATE; cheap enough to call every second."""
    updates: dict[str, Any] = {"progress": max(0.0, min(100.0, percent)), "heartbeat_at": timezone.now()}
    Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(**updates)
    job.progress = updates["progress"]
    if log_line:
        job_log_append(job=job, text=log_line)


def job_progress_note(*, job: Job, percent: float) -> None:
    """Progress reported from inside a long transaction, where the row's UPDATE would stay unseen until
    the commit (or vanish with a rollback): kept in the cache for the admin (jobs.selectors.job_progress_of).
    The cache may be down; progress is then only shown at the end."""
    from django.core.cache import cache

    try:
        cache.set(job_progress_cache_key(job.pk), max(0.0, min(100.0, percent)), timeout=3600)
    except Exception:  # progress is a nicety; the job goes on without it
        logger.warning("job %s: progress not noted (cache unavailable)", job.pk)
    job.progress = percent


def job_progress_cache_key(job_id: int) -> str:
    return f"jobs:progress:{job_id}"


def job_log_append(*, job: Job, text: str) -> None:
    """Append to the job's log tail, keeping its last LOG_TAIL_MAX characters."""
    with transaction.atomic():
        current = Job.objects.select_for_update().values_list("log_tail", flat=True).get(pk=job.pk)
        tail = (current + ("\n" if current else "") + text.rstrip())[-LOG_TAIL_MAX:]
        Job.objects.filter(pk=job.pk).update(log_tail=tail)
    job.log_tail = tail


def job_succeed(*, job: Job, result: dict[str, Any] | None = None) -> Job:
    """End the job SUCCEEDED with its result, in one UPDATE (the instance gets the same values)."""
    updates: dict[str, Any] = {
        "status": JobStatus.SUCCEEDED, "progress": 100.0, "result": result or {}, "finished_at": timezone.now(),
        "error_code": "", "error": "",
    }  # fmt: skip
    Job.objects.filter(pk=job.pk).update(**updates)
    for name, value in updates.items():
        setattr(job, name, value)
    return job


def job_fail(*, job: Job, code: str, error: str, log_tail: str | None = None) -> Job:
    """End the job FAILED with a typed code and a human reason, in one UPDATE (the instance gets the same
    values)."""
    updates: dict[str, Any] = {
        "status": JobStatus.FAILED,
        "error_code": code[:64],
        "error": error,
        "finished_at": timezone.now(),
    }
    if log_tail is not None:
        updates["log_tail"] = log_tail[-LOG_TAIL_MAX:]
    Job.objects.filter(pk=job.pk).update(**updates)
    for name, value in updates.items():
        setattr(job, name, value)
    return job


def job_error_code(exc: BaseException) -> str:
    """A named code for an exception the task did not expect: storage conditions by their errno,
    time limits, else `unexpected_error`."""
    import errno

    from celery.exceptions import TimeLimitExceeded

    if isinstance(exc, TimeLimitExceeded):
        return JobErrorCode.TIME_LIMIT
    if isinstance(exc, OSError):
        return {
            errno.ENOSPC: JobErrorCode.STORAGE_FULL,
            errno.EDQUOT: JobErrorCode.STORAGE_FULL,
            errno.EROFS: JobErrorCode.STORAGE_READ_ONLY,
            errno.EACCES: JobErrorCode.STORAGE_NOT_WRITABLE,
            errno.EPERM: JobErrorCode.STORAGE_NOT_WRITABLE,
            errno.ENOENT: JobErrorCode.FILE_MISSING,
        }.get(exc.errno or 0, JobErrorCode.STORAGE_ERROR)
    return JobErrorCode.UNEXPECTED_ERROR


def job_fail_unexpected(*, job_id: int, exc: BaseException, traceback: str = "") -> Job | None:
    """End a still-active job FAILED after an exception its task did not handle (JobTask.on_failure)."""
    job = Job.objects.filter(pk=job_id, status__in=[JobStatus.PENDING, JobStatus.RUNNING]).first()
    if job is None:
        return None
    reason = f"{type(exc).__name__}: {exc}"[:2000]
    tail = "\n".join(line for line in (job.log_tail, traceback.strip()[-4000:]) if line)
    return job_fail(job=job, code=job_error_code(exc), error=reason, log_tail=tail)


def jobs_stalled_fail(*, older_than: timedelta | None = None) -> list[int]:
    """End FAILED (`worker_lost`) the RUNNING jobs whose last heartbeat is older than
    MIGU_JOB_HEARTBEAT_TIMEOUT_SECONDS: the worker died without a redelivery that would end them."""
    from django.conf import settings

    older_than = older_than or timedelta(seconds=settings.MIGU_JOB_HEARTBEAT_TIMEOUT_SECONDS)
    now = timezone.now()
    stalled = Job.objects.filter(status=JobStatus.RUNNING).filter(
        models.Q(heartbeat_at__lt=now - older_than)
        | models.Q(heartbeat_at__isnull=True, started_at__lt=now - older_than)
    )
    ids = list(stalled.values_list("pk", flat=True))
    if ids:
        Job.objects.filter(pk__in=ids, status=JobStatus.RUNNING).update(
            status=JobStatus.FAILED,
            error_code=JobErrorCode.WORKER_LOST,
            error=f"No heartbeat for over {int(older_than.total_seconds())} s: the worker running it is gone.",
            finished_at=now,
        )
    return ids


def job_retry(*, job: Job) -> Job:
    """Reset a finished job for another run (the admin's re-run action); the caller enqueues it."""
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.PENDING, progress=0.0, attempts=0, error_code="", error="", finished_at=None,
        started_at=None, result={},
    )  # fmt: skip
    job.refresh_from_db()
    return job
