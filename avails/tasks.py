"""Celery tasks of the avails app: a thin wrapper running an `avails_import` job."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from jobs.errors import JobErrorCode
from jobs.services import JobAttemptsExhausted, job_begin_attempt, job_fail, job_succeed
from jobs.tasks import JobTask

from .errors import AvailsErrorCode, AvailsImportStateError

logger = logging.getLogger(__name__)

SOFT_TIME_LIMIT = settings.MIGU_AVAILS_JOB_SOFT_TIME_LIMIT


@shared_task(
    name="avails.import_run",
    base=JobTask,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=SOFT_TIME_LIMIT + 60,
    ignore_result=True,
)
def avails_import_run(self, job_id: int) -> None:
    """Preview or apply a queued Avails upload (the job's params say which)."""
    from avails.models import AvailsImport, AvailsImportStatus
    from avails.services import avails_import_job_run

    try:
        job = job_begin_attempt(job_id=job_id, worker=self.request.hostname or "", task_id=self.request.id or "")
    except JobAttemptsExhausted:
        AvailsImport.objects.filter(pk=_upload_id(job_id), status=AvailsImportStatus.QUEUED).update(
            status=AvailsImportStatus.REFUSED
        )
        return
    if job is None:
        return
    try:
        record = avails_import_job_run(job=job)
    except AvailsImportStateError as error:
        AvailsImport.objects.filter(pk=job.params.get("avails_import_id"), status=AvailsImportStatus.QUEUED).update(
            status=AvailsImportStatus.REFUSED
        )
        job_fail(job=job, code=error.code, error=error.detail)
    except SoftTimeLimitExceeded:
        AvailsImport.objects.filter(pk=job.params.get("avails_import_id"), status=AvailsImportStatus.QUEUED).update(
            status=AvailsImportStatus.REFUSED
        )
        job_fail(
            job=job, code=JobErrorCode.TIME_LIMIT, error=f"The import ran past its {SOFT_TIME_LIMIT} s time limit."
        )
    else:
        if record is None:
            job_fail(job=job, code=AvailsErrorCode.IMPORT_STATE, error="The upload is gone or was already read.")
            return
        job_succeed(
            job=job, result={"avails_import_id": record.pk, "status": record.status, **record.report.get("counts", {})}
        )


def _upload_id(job_id: int) -> int:
    from jobs.models import Job

    job = Job.objects.filter(pk=job_id).first()
    return int(job.params.get("avails_import_id") or 0) if job else 0
