"""An uploaded Avails file, what its dry run said would change, and whether it was applied."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AvailsImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued (a background job is reading it)"
    PREVIEWED = "previewed", "Previewed (dry run, nothing written)"
    APPLIED = "applied", "Applied"
    REFUSED = "refused", "Refused (errors; nothing written)"


class AvailsImport(models.Model):
    """An EMA Avails file uploaded by a rights manager, with the report of its dry run or import.

    The file is kept so the confirmed import reads exactly the bytes that were previewed.
    """

    file = models.FileField(upload_to="avails/%Y/%m/", max_length=500)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    direction = models.CharField(
        max_length=3,
        choices=[("out", "Rights out (granted)"), ("in", "Rights in (acquired)")],
        default="out",
    )
    default_licensee = models.ForeignKey(
        "partners.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="For rows that name no licensee (ServiceProvider / Licensee).",
    )
    status = models.CharField(max_length=10, choices=AvailsImportStatus.choices, default=AvailsImportStatus.PREVIEWED)
    report = models.JSONField(default=dict, blank=True)
    resolution = models.JSONField(
        default=dict,
        blank=True,
        help_text="What the confirm step chose for each organization and drama the file would create: "
        "an existing one's id, or create (until the confirm, the choices a re-preview was made with).",
    )
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "Avails import"
        constraints = [
            models.CheckConstraint(condition=models.Q(direction__in=["in", "out"]), name="availsimport_direction"),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_queued(self) -> bool:
        return self.status == AvailsImportStatus.QUEUED
