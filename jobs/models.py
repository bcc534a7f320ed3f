"""Background jobs: one row per job, the source of truth for its state (not the broker)."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class JobKind(models.TextChoices):
    TRANSCODE = "transcode", "Transcode"
    QUALITY = "quality", "Quality measurement"
    SUBTITLES = "subtitles", "Subtitle packaging"
    DUB = "dub", "Dub packaging"
    MATCHING = "matching", "Matching run"
    WEBHOOK = "webhook", "Webhook delivery"
    AVAILS_IMPORT = "avails_import", "Avails import"
    MAINTENANCE = "maintenance", "Maintenance"
    TRANSLATION = "translation", "Machine translation"


class JobStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_STATUSES = (JobStatus.PENDING, JobStatus.RUNNING)
LOG_TAIL_MAX = 8000


class Job(models.Model):
    """A background job: what it works on, its status, progress, attempts and the end of its log.

    Workers redeliver a task after a crash; `attempts` counts deliveries so that a job ends FAILED
    after `max_attempts` instead of looping (the broker's retry counter does not see redeliveries).
    """

    kind = models.CharField(max_length=16, choices=JobKind.choices, db_index=True)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING, db_index=True)
    target_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.CASCADE)
    target_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    organization = models.ForeignKey(
        "partners.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="jobs"
    )
    params = models.JSONField(default=dict, blank=True)
    progress = models.FloatField(default=0.0, help_text="Percent complete, 0–100.")
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    error_code = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    log_tail = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    celery_task_id = models.CharField(max_length=64, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["target_type", "target_id", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES
