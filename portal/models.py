"""The operator portal's data: daily rollups of playback events, the only rows its pages read.

Every rollup row is one day (in the organization's reporting time zone) of one cell, with counters and
the number of distinct viewers behind it. `portal.services.rollups_refresh` rebuilds whole days, so a
re-run gives the same rows and a late event is folded into its day by rebuilding that day.
"""

from __future__ import annotations

from django.db import models


class RollupCursor(models.Model):
    """How far the rollup job has read the events table: every event with an id up to `last_event_id`
    was received by `received_until` and is in the rollups ("data as of")."""

    name = models.CharField(max_length=32, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    received_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_event_id}"


class _DailyCounters(models.Model):
    impressions = models.PositiveIntegerField(default=0)
    starts = models.PositiveIntegerField(default=0, help_text="Episode starts (play events).")
    completes = models.PositiveIntegerField(default=0)
    unlocks = models.PositiveIntegerField(default=0)
    viewers = models.PositiveIntegerField(default=0, help_text="Distinct viewers with any event that day.")
    players = models.PositiveIntegerField(default=0, help_text="Distinct viewers who started an episode.")
    starters = models.PositiveIntegerField(default=0, help_text="Distinct (viewer, title) starting episode 1.")
    paywall_reached = models.PositiveIntegerField(
        default=0, help_text="Distinct (viewer, title) starting the last free episode the rights allow."
    )
    unlockers = models.PositiveIntegerField(default=0, help_text="Distinct (viewer, title) unlocking.")
    finishers = models.PositiveIntegerField(default=0, help_text="Distinct (viewer, title) starting the final episode.")

    class Meta:
        abstract = True


class DailyChannelRollup(_DailyCounters):
    """A day of an organization's events on one channel (none: reported without one), in one territory and
    the channel's language: the overview's KPIs and trend, and the territory × language heatmap."""

    organization = models.ForeignKey("partners.Organization", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    channel = models.ForeignKey(
        "partners.Channel", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    country = models.CharField(max_length=2)
    language = models.CharField(max_length=16)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "day", "channel", "country", "language"],
                name="portal_channel_rollup_cell",
                nulls_distinct=False,
            )
        ]
        # Every page asks "this tenant, these days": the unique index leads with both.

    def __str__(self) -> str:
        return f"{self.organization_id} {self.day} {self.channel_id} {self.country} {self.language}"


class DailyTitleRollup(_DailyCounters):
    """A day of one title's events on one channel in one territory: top titles, trope performance."""

    organization = models.ForeignKey("partners.Organization", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    channel = models.ForeignKey(
        "partners.Channel", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    country = models.CharField(max_length=2)
    language = models.CharField(max_length=16)
    drama = models.ForeignKey("catalog.Drama", on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "day", "channel", "country", "language", "drama"],
                name="portal_title_rollup_cell",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.day} {self.channel_id} {self.country} title {self.drama_id}"


class DailyEpisodeRollup(models.Model):
    """A day of one episode's starts on one channel in one territory: the drop-off curve and the funnel."""

    organization = models.ForeignKey("partners.Organization", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    channel = models.ForeignKey(
        "partners.Channel", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    country = models.CharField(max_length=2)
    drama = models.ForeignKey("catalog.Drama", on_delete=models.CASCADE, related_name="+", db_index=False)
    episode_number = models.PositiveIntegerField()
    viewers = models.PositiveIntegerField(default=0, help_text="Distinct viewers starting the episode.")
    completes = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "day", "channel", "country", "drama", "episode_number"],
                name="portal_episode_rollup_cell",
                nulls_distinct=False,
            )
        ]
        indexes = [models.Index(fields=["organization", "drama", "day"], name="portal_episode_rollup_title")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.day} title {self.drama_id} E{self.episode_number}"


class DailyRevenueRollup(models.Model):
    """A day of unlock revenue on one channel in one territory, per currency (amounts in minor units)."""

    organization = models.ForeignKey("partners.Organization", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    channel = models.ForeignKey(
        "partners.Channel", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    country = models.CharField(max_length=2)
    currency = models.CharField(max_length=3)
    unlocks = models.PositiveIntegerField(default=0)
    payers = models.PositiveIntegerField(default=0, help_text="Distinct viewers paying that day.")
    revenue_minor = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "day", "channel", "country", "currency"],
                name="portal_revenue_rollup_cell",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.day} {self.channel_id} {self.country} {self.currency}"
