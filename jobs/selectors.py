"""Reads on job rows."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from jobs.models import Job


def jobs_for(*, target: models.Model, kind: str | None = None) -> QuerySet[Job]:
    qs = Job.objects.filter(target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk))
    return qs.filter(kind=kind) if kind else qs
