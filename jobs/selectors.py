"""Reads on job rows."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from jobs.models import Job, JobStatus


def jobs_for(*, target: models.Model, kind: str | None = None) -> QuerySet[Job]:
    qs = Job.objects.filter(target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk))
    return qs.filter(kind=kind) if kind else qs


def job_progress_of(job: Job) -> float:
    """A running job's progress: its row's, or what it noted from inside a transaction, whichever is further."""
    if job.status != JobStatus.RUNNING:
        return job.progress
    from django.core.cache import cache

    from jobs.services import job_progress_cache_key

    try:
        noted = cache.get(job_progress_cache_key(job.pk))
    except Exception:
        noted = None
    return max(job.progress, noted or 0.0)
