"""Celery tasks of the localization app (queue `default`; dubs on `transcode`): thin wrappers around localization.services."""

from __future__ import annotations

import logging
import time

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from jobs.services import JobAttemptsExhausted, job_begin_attempt, job_fail, job_log_append, job_succeed
from localization.errors import (
    DubPackagingError,
    DubPackagingErrorCode,
    SubtitlePackagingError,
    SubtitlePackagingErrorCode,
)
from localization.models import (
    DubRendition,
    DubRenditionStatus,
    DubStatus,
    DubVersion,
    SubtitleRendition,
    SubtitleRenditionStatus,
    SubtitleStatus,
    SubtitleVersion,
)
from media.models import Ladder, LadderStatus
from media.tasks import JOB_TASK_OPTIONS

logger = logging.getLogger(__name__)

SOFT_TIME_LIMIT = settings.SUBTITLE_PACKAGING_SOFT_TIME_LIMIT
# The media jobs' options (acks late, redelivered when the worker is lost, attempts counted in the job
# row), with limits for a job of seconds rather than hours.
PACKAGING_TASK_OPTIONS = {
    **JOB_TASK_OPTIONS,
    "soft_time_limit": SOFT_TIME_LIMIT,
    "time_limit": settings.SUBTITLE_PACKAGING_TIME_LIMIT,
}


@shared_task(name="localization.package_subtitles", **PACKAGING_TASK_OPTIONS)
def package_subtitles(self, job_id: int) -> None:
    """Package the job's subtitle version against its ladder (HLS WebVTT segments and sidecars)."""
    from localization.services import subtitle_package

    try:
        job = job_begin_attempt(job_id=job_id, worker=self.request.hostname or "", task_id=self.request.id or "")
    except JobAttemptsExhausted:
        SubtitleRendition.objects.filter(job_id=job_id, status=SubtitleRenditionStatus.BUILDING).update(
            status=SubtitleRenditionStatus.FAILED
        )
        logger.warning("subtitle packaging job %s: attempts exhausted, marked FAILED", job_id)
        return
    if job is None:
        logger.info("subtitle packaging job %s is gone or finished; nothing to do", job_id)
        return
    version_id, ladder_id = job.params.get("version_id"), job.params.get("ladder_id")
    # Only a live version on a READY ladder is worth packaging (checked again when publishing): two lookups
    # that also tell the usual case from the rest, so the job's bookkeeping stays small next to its work.
    version = SubtitleVersion.objects.select_related("track").filter(pk=version_id, status=SubtitleStatus.LIVE).first()
    ladder = Ladder.objects.filter(pk=ladder_id, status=LadderStatus.READY).first()
    if version is None or ladder is None:
        if SubtitleVersion.objects.filter(pk=version_id).exists() and Ladder.objects.filter(pk=ladder_id).exists():
            job_succeed(job=job, result={"skipped": "the version is no longer live or the ladder no longer ready"})
            return
        job_fail(
            job=job,
            code=SubtitlePackagingErrorCode.VERSION_MISSING,
            error="The subtitle version or the ladder of this job no longer exists.",
        )
        return
    started = time.monotonic()
    try:
        rendition = subtitle_package(job=job, version=version, ladder=ladder)
    except SubtitlePackagingError as exc:
        if exc.code == SubtitlePackagingErrorCode.STORAGE_FAILED and job.attempts < job.max_attempts:
            # Storage hiccups pass: try again later (the job row counts this attempt).
            job_log_append(job=job, text=f"{exc.message}; retrying")
            raise self.retry(countdown=10 * job.attempts, max_retries=None) from exc
        job_fail(job=job, code=str(exc.code), error=exc.message)
    except SoftTimeLimitExceeded:
        job_fail(
            job=job,
            code=SubtitlePackagingErrorCode.TIME_LIMIT,
            error=f"The packaging ran past its {SOFT_TIME_LIMIT} s time limit.",
        )
    else:
        if rendition is None:
            job_succeed(job=job, result={"skipped": "the version or the ladder was replaced meanwhile"})
        else:
            job_succeed(
                job=job,
                result={"rendition_id": rendition.pk, "storage_prefix": rendition.storage_prefix,
                        "segments": rendition.segment_count, "mpegts": rendition.mpegts,
                        # the work itself, against which the job's wall time (with its bookkeeping) is held
                        "packaging_seconds": round(time.monotonic() - started, 4)},
            )  # fmt: skip


TRANSLATION_SOFT_TIME_LIMIT = settings.TRANSLATION_SOFT_TIME_LIMIT
TRANSLATION_TASK_OPTIONS = {
    **JOB_TASK_OPTIONS,
    "soft_time_limit": TRANSLATION_SOFT_TIME_LIMIT,
    "time_limit": settings.TRANSLATION_TIME_LIMIT,
}


@shared_task(name="localization.translate_drama", **TRANSLATION_TASK_OPTIONS)
def translate_drama(self, job_id: int) -> None:
    """Machine-translate what is missing of the job's drama in the job's language, progress per item."""
    from catalog.models import Drama
    from jobs.services import job_progress
    from localization.errors import TranslationError, TranslationErrorCode, TranslationProviderError
    from localization.translation.providers import translation_provider
    from localization.translation.services import drama_machine_translate

    try:
        job = job_begin_attempt(job_id=job_id, worker=self.request.hostname or "", task_id=self.request.id or "")
    except JobAttemptsExhausted:
        logger.warning("translation job %s: attempts exhausted, marked FAILED", job_id)
        return
    if job is None:
        logger.info("translation job %s is gone or finished; nothing to do", job_id)
        return
    drama = Drama.objects.filter(pk=job.params.get("drama_id")).first()
    if drama is None:
        job_fail(job=job, code=TranslationErrorCode.NO_SOURCE, error="The drama of this job no longer exists.")
        return

    def progress(done: int, total: int, note: str) -> None:
        job_progress(job=job, percent=100.0 * done / total, log_line=f"{done}/{total} {note}")

    try:
        result = drama_machine_translate(
            drama=drama, language=job.params["language"], provider=translation_provider(), actor=job.created_by,
            progress=progress,
        )  # fmt: skip
    except TranslationProviderError as exc:
        if exc.transient and job.attempts < job.max_attempts:
            job_log_append(job=job, text=f"{exc.message}; retrying")
            raise self.retry(countdown=30 * job.attempts, max_retries=None) from exc
        job_fail(job=job, code=str(exc.code), error=exc.message)
    except TranslationError as exc:
        job_fail(job=job, code=str(exc.code), error=exc.message)
    except SoftTimeLimitExceeded:
        job_fail(
            job=job,
            code="time_limit",
            error=f"The translation ran past its {TRANSLATION_SOFT_TIME_LIMIT} s time limit.",
        )
    else:
        job_succeed(job=job, result=result.as_dict())


DUB_SOFT_TIME_LIMIT = settings.DUB_PACKAGING_SOFT_TIME_LIMIT
DUB_TASK_OPTIONS = {
    **JOB_TASK_OPTIONS,
    "soft_time_limit": DUB_SOFT_TIME_LIMIT,
    "time_limit": settings.DUB_PACKAGING_TIME_LIMIT,
}


# Routed to the `transcode` queue (settings.CELERY_TASK_ROUTES): it runs ffmpeg over a whole episode's
# audio, work of the media workers, not of the default queue's short jobs.
@shared_task(name="localization.package_dub", **DUB_TASK_OPTIONS)
def package_dub(self, job_id: int) -> None:
    """Package the job's dub version against its ladder (loudness-normalised AAC in fMP4 HLS segments)."""
    from localization.dubs.services import dub_package

    try:
        job = job_begin_attempt(job_id=job_id, worker=self.request.hostname or "", task_id=self.request.id or "")
    except JobAttemptsExhausted:
        DubRendition.objects.filter(job_id=job_id, status=DubRenditionStatus.BUILDING).update(
            status=DubRenditionStatus.FAILED
        )
        logger.warning("dub packaging job %s: attempts exhausted, marked FAILED", job_id)
        return
    if job is None:
        logger.info("dub packaging job %s is gone or finished; nothing to do", job_id)
        return
    version_id, ladder_id = job.params.get("version_id"), job.params.get("ladder_id")
    version = DubVersion.objects.select_related("track").filter(pk=version_id, status=DubStatus.LIVE).first()
    ladder = Ladder.objects.select_related("episode").filter(pk=ladder_id, status=LadderStatus.READY).first()
    if version is None or ladder is None:
        if DubVersion.objects.filter(pk=version_id).exists() and Ladder.objects.filter(pk=ladder_id).exists():
            job_succeed(job=job, result={"skipped": "the version is no longer live or the ladder no longer ready"})
            return
        job_fail(
            job=job,
            code=DubPackagingErrorCode.VERSION_MISSING,
            error="The dub version or the ladder of this job no longer exists.",
        )
        return
    started = time.monotonic()
    try:
        rendition = dub_package(job=job, version=version, ladder=ladder)
    except DubPackagingError as exc:
        if exc.code == DubPackagingErrorCode.STORAGE_FAILED and job.attempts < job.max_attempts:
            job_log_append(job=job, text=f"{exc.message}; retrying")
            raise self.retry(countdown=10 * job.attempts, max_retries=None) from exc
        job_fail(job=job, code=str(exc.code), error=exc.message, log_tail=exc.extra.get("log") or None)
    except SoftTimeLimitExceeded:
        job_fail(
            job=job,
            code=DubPackagingErrorCode.TIME_LIMIT,
            error=f"The packaging ran past its {DUB_SOFT_TIME_LIMIT} s time limit.",
        )
    else:
        if rendition is None:
            job_succeed(job=job, result={"skipped": "the version or the ladder was replaced meanwhile"})
        else:
            job_succeed(
                job=job,
                result={"rendition_id": rendition.pk, "storage_prefix": rendition.storage_prefix,
                        "segments": rendition.segment_count, "loudness_input_i": rendition.loudness.get("input_i"),
                        "packaging_seconds": round(time.monotonic() - started, 4)},
            )  # fmt: skip
