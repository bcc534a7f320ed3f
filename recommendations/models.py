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
            # A user's own events: "continue watching" and folding a new user in at serve time.
            models.Index(fields=["organization", "user_ref", "occurred_at"], name="playback_event_user"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.drama} by {self.user_ref}"


class MatchingModelStatus(models.TextChoices):
    TRAINING = "training", "Training"
    READY = "ready", "Ready"
    LIVE = "live", "Live"
    RETIRED = "retired", "Retired"
    FAILED = "failed", "Failed"


class MatchingModelVersion(models.Model):
    """One trained matching model: the data window it learnt from, its parameters (the blend chosen by
    offline evaluation among them), its metrics, and its artifact in storage (factors, features, popularity).

    At most one version is live (a partial unique constraint): the switch from one to the next, and a
    rollback, is one transaction, so readers see the old line-ups or the new ones, never a mix. A run that
    dies before the switch leaves the previous version live.
    """

    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(
        max_length=16, choices=MatchingModelStatus.choices, default=MatchingModelStatus.TRAINING, db_index=True
    )
    is_live = models.BooleanField(default=False)
    data_since = models.DateTimeField(help_text="First instant of the events it learnt from.")
    data_until = models.DateTimeField(help_text="End (exclusive) of the events it learnt from.")
    period_start = models.DateTimeField(help_text="Start of the period its line-ups are scheduled for.")
    period_end = models.DateTimeField(help_text="End (exclusive) of that period.")
    params = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    artifact = models.CharField(max_length=500, blank=True, help_text="Name of the artifact in media storage.")
    artifact_sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_live"], condition=models.Q(is_live=True), name="matching_model_one_live"
            ),
        ]

    def __str__(self) -> str:
        return f"matching model v{self.pk} ({self.status})"


class ChannelLineup(models.Model):
    """A channel's ranked line-up computed by one model version: titles with demand index and reasons.

    `entries` is a list of {"title_id", "rank", "score", "demand_index", "reasons"} in rank order; an
    empty list comes with `empty_reason` saying why. Served only after a re-check against the rights rule.
    """

    version = models.ForeignKey(MatchingModelVersion, on_delete=models.CASCADE, related_name="lineups")
    organization = models.ForeignKey("partners.Organization", on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey("partners.Channel", on_delete=models.CASCADE, related_name="+")
    entries = models.JSONField(default=list, blank=True)
    empty_reason = models.CharField(max_length=64, blank=True)
    audience_users = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["channel_id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "channel"], name="channel_lineup_unique_per_version"),
        ]

    def __str__(self) -> str:
        return f"Line-up of {self.channel} by matching model v{self.version_id}"


class UserRecommendation(models.Model):
    """A known user's ranked titles from one model version (before any channel's rights filter):
    `items` is a list of [title_id, score], best first."""

    version = models.ForeignKey(MatchingModelVersion, on_delete=models.CASCADE, related_name="user_recommendations")
    organization = models.ForeignKey("partners.Organization", on_delete=models.CASCADE, related_name="+")
    user_ref = models.CharField(max_length=128)
    items = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["version", "organization", "user_ref"], name="user_recommendation_unique_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"recommendations for {self.user_ref} by model v{self.version_id}"
