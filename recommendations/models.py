"""The content–user–channel matching model's data: the playback events partners report."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models


class PlaybackEventKind(models.TextChoices):
    IMPRESSION = "impression", "Impression"
    PLAY = "play", "Play"
    PROGRESS = "progress", "Progress"
    COMPLETE = "complete", "Complete"
    UNLOCK = "unlock", "Unlock"


class PlaybackEvent(models.Model):
    """A playback event reported by a partner or operator; idempotent by (organization, event_id).

    `user_ref` is the partner's pseudonymous user id: never an e-mail or a phone number.
    """

    organization = models.ForeignKey("partners.Organization", on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=PlaybackEventKind.choices)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    user_ref = models.CharField(max_length=128)
    channel = models.ForeignKey("partners.Channel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    country = models.CharField(max_length=2)
    drama = models.ForeignKey("catalog.Drama", on_delete=models.CASCADE, related_name="+")
    episode = models.ForeignKey("catalog.Episode", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    position_seconds = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0)])
    amount_minor = models.PositiveIntegerField(
        null=True, blank=True, help_text="For unlocks: the price paid, in minor units of `currency`."
    )
    currency = models.CharField(max_length=3, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "event_id"], name="playback_event_unique_per_org"),
        ]
        indexes = [
            models.Index(fields=["organization", "occurred_at"]),
            models.Index(fields=["drama", "kind", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.drama_id} by {self.user_ref}"
