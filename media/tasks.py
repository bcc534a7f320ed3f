"""Celery tasks of the media pipeline (queue `transcode`): thin wrappers around media.services."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from jobs.services import JobAttemptsExhausted, job_begin_attempt, job_fail, job_log_append, job_succeed
from jobs.tasks import JobTask
from media.errors import MasterRejectedError, MediaErrorCode, TranscodeError
from media.models import Ladder, LadderStatus, Master

logger = logging.getLogger(__name__)

SOFT_TIME_LIMIT = settings.MEDIA_TRANSCODE_SOFT_TIME_LIMIT
HARD_TIME_LIMIT = settings.MEDIA_TRANSCODE_TIME_LIMIT


# Every media job: acknowledged once done, re-queued when its worker is lost (the job row counts the
# attempts), and bounded in time.
JOB_TASK_OPTIONS = {
    "base": JobTask,  # whatever the task raises, its Job row ends (after retries of transient errors)
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "soft_time_limit": SOFT_TIME_LIMIT,
    "time_limit": HARD_TIME_LIMIT,
    "ignore_result": True,
}


@shared_task(name="media.transcode_master", **JOB_TASK_OPTIONS)
def transcode_master(self, job_id: int) -> None:
    """Transcode the job's master into its HLS ladder. Redeliveries are counted in the job row."""
    from media.services import master_transcode

    try:
        job = job_begin_attempt(job_id=job_id, worker=self.request.hostname or "", task_id=self.request.id or "")
    except JobAttemptsExhausted:
        # The job row is already FAILED; close the ladder this job was building.
        Ladder.objects.filter(job_id=job_id, status=LadderStatus.BUILDING).update(status=LadderStatus.FAILED)
        logger.warning("transcode job %s: attempts exhausted, marked FAILED", job_id)
        return
    if job is None:
        logger.info("transcode job %s is gone or finished; nothing to do", job_id)
        return
    master = Master.objects.filter(pk=job.params.get("master_id")).first()
    if master is None:
        job_fail(job=job, code=MediaErrorCode.MASTER_MISSING, error="The master of this job no longer exists.")
        return
    try:
        ladder = master_transcode(job=job, master=master)
    except MasterRejectedError as exc:
        job_fail(job=job, code=exc.code, error=exc.detail, log_tail=_tail(job, exc.extra.get("log", "")))
    except TranscodeError as exc:
        # A full or read-only volume is not retried: it stays so until someone acts (then: re-run).
        if exc.code == MediaErrorCode.STORAGE_FAILED and job.attempts < job.max_attempts:
            # Storage hiccups are transient: try again later (the job row counts this attempt).
            job_log_append(job=job, text=f"{exc.detail}; retrying")
            raise self.retry(countdown=30 * job.attempts, max_retries=None) from exc
        job_fail(job=job, code=exc.code, error=exc.detail, log_tail=_tail(job, exc.log))
    except SoftTimeLimitExceeded:
        job_fail(
            job=job, code=MediaErrorCode.TIME_LIMIT, error=f"The transcode ran past its {SOFT_TIME_LIMIT} s time limit."
        )
    else:
        job_succeed(job=job, result={"ladder_id": ladder.pk, "storage_prefix": ladder.storage_prefix})


@shared_task(name="media.measure_ladder_quality", **JOB_TASK_OPTIONS)
def measure_ladder_quality(self, job_id: int) -> None:
    """Measure a published ladder's rungs against its master (VMAF or SSIM) and store the scores."""
    from media.services import ladder_quality_measure_stored

    try:
        job = job_begin_attempt(job_id=job_id, worker=self.request.hostname or "", task_id=self.request.id or "")
    except JobAttemptsExhausted:
        logger.warning("quality job %s: attempts exhausted, marked FAILED", job_id)
        return
    if job is None:
        return
    ladder = Ladder.objects.select_related("master", "episode").filter(pk=job.params.get("ladder_id")).first()
    if ladder is None or not ladder.storage_prefix:
        job_fail(job=job, code=MediaErrorCode.MASTER_MISSING, error="The ladder or its files no longer exist.")
        return
    try:
        renditions = ladder_quality_measure_stored(job=job, ladder=ladder)
    except TranscodeError as exc:
        job_fail(job=job, code=exc.code, error=exc.detail, log_tail=_tail(job, exc.log))
    except SoftTimeLimitExceeded:
        job_fail(job=job, code=MediaErrorCode.TIME_LIMIT, error=f"The measurement ran past {SOFT_TIME_LIMIT} s.")
    else:
        scores = {f"{r.width}x{r.height}": {"vmaf": r.vmaf, "ssim": r.ssim, "psnr": r.psnr} for r in renditions}
        job_succeed(job=job, result={"ladder_id": ladder.pk, "scores": scores})


def _tail(job, log: str) -> str:
    job.refresh_from_db(fields=["log_tail"])
    return (job.log_tail + ("\n" + log.strip() if log.strip() else "")).strip()


@shared_task(name="media.superseded_ladders_purge", ignore_result=True)
def superseded_ladders_purge() -> int:
    """Beat job: delete the files of ladders superseded longer than MEDIA_SUPERSEDED_KEEP_SECONDS."""
    from media.services import superseded_ladders_purge as purge

    return len(purge())


@shared_task(name="media.webhooks_publish", ignore_result=True)
def ladders_webhooks_publish() -> None:
    """Beat job (queue `default`): published ladders become episode.ready webhook deliveries."""
    from media.services import ladders_ready_webhooks_publish

    ladders_ready_webhooks_publish()
