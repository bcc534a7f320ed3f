"""What every job task shares: whatever it raises, its Job row ends; a beat job ends rows whose worker
is gone.

Tasks that run a Job take `job_id` as their first argument and use JobTask as their base
(media.tasks.JOB_TASK_OPTIONS). Errors a task expects are turned into named failures by the task
itself; everything else reaches JobTask.on_failure, after the transient ones were retried.
"""

from __future__ import annotations

import logging

from billiard.exceptions import WorkerLostError
from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

logger = logging.getLogger(__name__)

# Worth another try: the database or the broker went away for a moment, a connection dropped.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


class JobTask(Task):
    """A task running one Job: transient errors are retried with backoff (each delivery counts as an
    attempt in the row, which bounds the loop); any other exception ends the row FAILED with a named
    code, the exception and the traceback's end in the log tail."""

    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = 5
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 3

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        if isinstance(exc, WorkerLostError):
            return  # redelivered (reject_on_worker_lost); the next delivery counts the attempt
        job_id = kwargs.get("job_id", args[0] if args else None)
        if job_id is None:
            return
        from jobs.services import job_fail_unexpected

        try:
            job_fail_unexpected(job_id=job_id, exc=exc, traceback=str(einfo))
        except Exception:  # the database itself may be what failed; the heartbeat sweep ends the row then
            logger.exception("job %s: could not record its failure", job_id)


@shared_task(name="jobs.stalled_fail", ignore_result=True, soft_time_limit=50, time_limit=60)
def stalled_jobs_fail() -> int:
    """Beat job: end FAILED the running jobs whose heartbeat stopped (their worker is gone)."""
    from jobs.services import jobs_stalled_fail

    return len(jobs_stalled_fail())
