"""Celery tasks of the localization app (queue `default`; dubs on `transcode`): thin wrappers around localization.services."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db.models import FilteredRelation, Q

from jobs.errors import JobErrorCode
from jobs.models import Job
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


@dataclass(frozen=True)
class Packaging:
    """What tells the packaging of subtitles from that of dubs; the job's course is packaging_task_run."""

    noun: str
    version_model: type[SubtitleVersion] | type[DubVersion]
    live_status: str
    rendition_model: type[SubtitleRendition] | type[DubRendition]
    rendition_statuses: type[SubtitleRenditionStatus] | type[DubRenditionStatus]
    error: type[SubtitlePackagingError] | type[DubPackagingError]
    codes: type[SubtitlePackagingErrorCode] | type[DubPackagingErrorCode]
    soft_time_limit: int
    # package(job=, version=, ladder=) -> the published rendition, or None when replaced meanwhile
    package: Callable[..., Any]
    # the job's result for a published rendition (packaging_seconds is added)
    result: Callable[[Any], dict[str, Any]]


# The version's track, and the ladder joined through the FilteredRelation below (a name the type checker's
# Django plugin does not know, hence given as a value).
_PACKAGING_RELATED = ("track", "job_ladder__episode")


def packaging_inputs(*, packaging: Packaging, job: Job) -> tuple[Any, Ladder | None]:
    """The job's version (with its track) and ladder (with its episode), whatever their status, in one
    query, so that the unusual cases are told apart without another; None for either when it is gone. The
    ladder is looked for among the version's episode's (the job's params always pair them so)."""
    ladder_id = job.params.get("ladder_id")
    version: Any = (
        packaging.version_model._default_manager.annotate(
            job_ladder=FilteredRelation("track__episode__ladders", condition=Q(track__episode__ladders__pk=ladder_id))
        )
        .select_related(*_PACKAGING_RELATED)
        .filter(pk=job.params.get("version_id"))
        .first()
    )
    # No ladder joined leaves the attribute unset rather than None.
    return version, getattr(version, "job_ladder", None)


def packaging_task_run(*, task: Task, job_id: int, packaging: Packaging) -> None:
    """The course of a packaging job: count the attempt, load the version and the ladder, package, record
    the end. Only a live version on a READY ladder is packaged (checked again when publishing); anything
    else ends the job without another query. Storage failures are retried while attempts remain; every
    other failure ends the job FAILED with its code, and nothing of the attempt is published."""
    try:
        job = job_begin_attempt(job_id=job_id, worker=task.request.hostname or "", task_id=task.request.id or "")
    except JobAttemptsExhausted:
        packaging.rendition_model._default_manager.filter(
            job_id=job_id, status=packaging.rendition_statuses.BUILDING
        ).update(status=packaging.rendition_statuses.FAILED)
        logger.warning("%s packaging job %s: attempts exhausted, marked FAILED", packaging.noun, job_id)
        return
    if job is None:
        logger.info("%s packaging job %s is gone or finished; nothing to do", packaging.noun, job_id)
        return
    version, ladder = packaging_inputs(packaging=packaging, job=job)
    if version is None or ladder is None:
        job_fail(
            job=job,
            code=packaging.codes.VERSION_MISSING,
            error=f"The {packaging.noun} version or the ladder of this job no longer exists.",
        )
        return
    if version.status != packaging.live_status or ladder.status != LadderStatus.READY:
        job_succeed(job=job, result={"skipped": "the version is no longer live or the ladder no longer ready"})
        return
    started = time.monotonic()
    try:
        rendition = packaging.package(job=job, version=version, ladder=ladder)
    except packaging.error as exc:
        if exc.code == packaging.codes.STORAGE_FAILED and job.attempts < job.max_attempts:
            # Storage hiccups pass: try again later (the job row counts this attempt).
            job_log_append(job=job, text=f"{exc.message}; retrying")
            raise task.retry(countdown=10 * job.attempts, max_retries=None) from exc
        job_fail(job=job, code=str(exc.code), error=exc.message, log_tail=exc.extra.get("log") or None)
    except SoftTimeLimitExceeded:
        job_fail(
            job=job,
            code=packaging.codes.TIME_LIMIT,
            error=f"The packaging ran past its {packaging.soft_time_limit} s time limit.",
        )
    else:
        if rendition is None:
            job_succeed(job=job, result={"skipped": "the version or the ladder was replaced meanwhile"})
        else:
            # the work itself, against which the job's wall time (with its bookkeeping) is held
            seconds = round(time.monotonic() - started, 4)
            job_succeed(job=job, result={**packaging.result(rendition), "packaging_seconds": seconds})


def _subtitle_package(**kwargs: Any) -> SubtitleRendition | None:
    from localization.services import subtitle_package

    return subtitle_package(**kwargs)


SUBTITLE_PACKAGING = Packaging(
    noun="subtitle",
    version_model=SubtitleVersion,
    live_status=SubtitleStatus.LIVE,
    rendition_model=SubtitleRendition,
    rendition_statuses=SubtitleRenditionStatus,
    error=SubtitlePackagingError,
    codes=SubtitlePackagingErrorCode,
    soft_time_limit=SOFT_TIME_LIMIT,
    package=_subtitle_package,
    result=lambda rendition: {
        "rendition_id": rendition.pk,
        "storage_prefix": rendition.storage_prefix,
        "segments": rendition.segment_count,
        "mpegts": rendition.mpegts,
    },
)


@shared_task(name="localization.package_subtitles", **PACKAGING_TASK_OPTIONS)
def package_subtitles(self, job_id: int) -> None:
    """Package the job's subtitle version against its ladder (HLS WebVTT segments and sidecars)."""
    packaging_task_run(task=self, job_id=job_id, packaging=SUBTITLE_PACKAGING)


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
            code=JobErrorCode.TIME_LIMIT,
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


def _dub_package(**kwargs: Any) -> DubRendition | None:
    from localization.dubs.services import dub_package

    return dub_package(**kwargs)


DUB_PACKAGING = Packaging(
    noun="dub",
    version_model=DubVersion,
    live_status=DubStatus.LIVE,
    rendition_model=DubRendition,
    rendition_statuses=DubRenditionStatus,
    error=DubPackagingError,
    codes=DubPackagingErrorCode,
    soft_time_limit=DUB_SOFT_TIME_LIMIT,
    package=_dub_package,
    result=lambda rendition: {
        "rendition_id": rendition.pk,
        "storage_prefix": rendition.storage_prefix,
        "segments": rendition.segment_count,
        "loudness_input_i": rendition.loudness.get("input_i"),
    },
)


# Routed to the `transcode` queue (settings.CELERY_TASK_ROUTES): it runs ffmpeg over a whole episode's
# audio, work of the media workers, not of the default queue's short jobs.
@shared_task(name="localization.package_dub", **DUB_TASK_OPTIONS)
def package_dub(self, job_id: int) -> None:
    """Package the job's dub version against its ladder (loudness-normalised AAC in fMP4 HLS segments)."""
    packaging_task_run(task=self, job_id=job_id, packaging=DUB_PACKAGING)
