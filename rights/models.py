"""Rights windows: what the content owner acquired (rights in) and granted (rights out).

A RightsWindow is the licence as people read and edit it. Each window is mirrored into one
RightsWindowTerritory row per effective territory: those rows carry the exclusion constraint that
makes overlapping exclusive windows impossible, and a btree index that serves availability reads
(reads never go through the GiST index, which is two orders of magnitude slower for catalogue
queries at scale).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, BigIntegerRangeField, DateTimeRangeField, IntegerRangeField
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Case, F, Func, Q, Value, When

from localization.languages import validate_language_tags
from partners.geography import validate_territories
from rights.errors import RightsErrorCode


class RightsDirection(models.TextChoices):
    IN = "in", "Rights in (acquired)"
    OUT = "out", "Rights out (granted)"


class LicenceType(models.TextChoices):
    """EMA Avails LicenseType vocabulary."""

    AVOD = "AVOD", "AVOD (ad-supported)"
    SVOD = "SVOD", "SVOD (subscription)"
    TVOD = "TVOD", "TVOD (transactional rental)"
    EST = "EST", "EST (electronic sell-through)"
    FVOD = "FVOD", "FVOD (free)"
    PVOD = "PVOD", "PVOD (premium rental)"
    POEST = "POEST", "POEST (pre-order sell-through)"
    DTD = "DTD", "DTD (direct to DVD)"
    FAST = "FAST", "FAST (free ad-supported streaming TV)"


class RightsStatus(models.TextChoices):
    PENDING = "pending", "Pending approval"
    APPROVED = "approved", "Approved"
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"


# A window is "in force" (its licensee may show it between start and end) in these states; an
# expired window is an approved one whose end has passed, so it still answers questions about the past.
IN_FORCE_STATUSES = (RightsStatus.APPROVED.value, RightsStatus.EXPIRED.value)


class RightsWindow(models.Model):
    """A licence: a drama (or an episode range), a licensee, territories, a licence type and a period.

    Rights in (direction "in") record what was acquired from a licensor (the licensee field names
    that licensor); rights out (direction "out") what is granted to a partner platform or operator,
    optionally for one of its channels. Rights out must lie within rights in (territory, licence
    type, period, languages). `start` is inclusive, `end` exclusive (null: open-ended); all UTC.
    Writes go through rights.services, which keep the territory rows in step.
    """

    direction = models.CharField(max_length=3, choices=RightsDirection.choices, default=RightsDirection.OUT)
    drama = models.ForeignKey("catalog.Drama", on_delete=models.PROTECT, related_name="rights_windows")
    episode_start = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="First episode covered (blank: from 1)."
    )
    episode_end = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Last episode covered (blank: to the end)."
    )
    licensee = models.ForeignKey(
        "partners.Organization",
        on_delete=models.PROTECT,
        related_name="rights_windows",
        help_text="Rights out: who may show it. Rights in: the licensor it was acquired from.",
    )
    channel = models.ForeignKey(
        "partners.Channel", null=True, blank=True, on_delete=models.PROTECT, related_name="rights_windows"
    )
    territories = ArrayField(
        models.CharField(max_length=2),
        validators=[validate_territories],
        help_text="ISO 3166-1 alpha-2 countries (region groups are expanded when granted).",
    )
    territory_exclusions = ArrayField(
        models.CharField(max_length=2), default=list, blank=True, validators=[validate_territories]
    )
    licence_type = models.CharField(max_length=8, choices=LicenceType.choices)
    audio_languages = ArrayField(
        models.CharField(max_length=16),
        default=list,
        blank=True,
        validators=[validate_language_tags],
        help_text="Allowed audio languages (empty: any).",
    )
    subtitle_languages = ArrayField(
        models.CharField(max_length=16),
        default=list,
        blank=True,
        validators=[validate_language_tags],
        help_text="Allowed subtitle languages (empty: any).",
    )
    holdback_languages = ArrayField(
        models.CharField(max_length=16),
        default=list,
        blank=True,
        validators=[validate_language_tags],
        help_text="Languages that may not be used, whatever the lists above say.",
    )
    start = models.DateTimeField(help_text="Inclusive, UTC.")
    end = models.DateTimeField(null=True, blank=True, help_text="Exclusive, UTC; blank: open-ended.")
    exclusive = models.BooleanField(default=False)
    free_episode_count = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Overrides the drama's free-episode count for this licensee."
    )
    unlock_price = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, help_text="ISO 4217, with unlock price.")
    status = models.CharField(max_length=10, choices=RightsStatus.choices, default=RightsStatus.APPROVED)
    contract_id = models.CharField(max_length=100, blank=True)
    alid = models.CharField("ALID", max_length=200, blank=True)
    transaction_id = models.CharField("TransactionID", max_length=200, blank=True)
    live_since = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the state job recorded the window's start."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["drama_id", "start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=F("start")), name="rightswindow_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(episode_start__isnull=True)
                | Q(episode_end__isnull=True)
                | Q(episode_end__gte=F("episode_start")),
                name="rightswindow_episode_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(unlock_price__isnull=True) | ~Q(currency=""), name="rightswindow_price_has_currency"
            ),
            models.UniqueConstraint(
                fields=["transaction_id"], condition=~Q(transaction_id=""), name="rightswindow_unique_transaction_id"
            ),
        ]
        indexes = [
            models.Index(fields=["licensee", "direction", "status"]),
            models.Index(fields=["status", "end"]),
            models.Index(fields=["status", "start"]),
            models.Index(fields=["alid"]),
        ]

    def __str__(self) -> str:
        # Names, not ids: lists that show windows select the drama and the licensee with them.
        end = self.end.date().isoformat() if self.end else "open end"
        return (
            f"Rights {self.direction}: {self.drama} → {self.licensee}, "
            f"{self.licence_type} {self.start.date().isoformat()} to {end}"
        )

    def episode_numbers(self) -> Q:
        """The episodes this window covers, as a filter on Episode.number."""
        covered = Q()
        if self.episode_start is not None:
            covered &= Q(number__gte=self.episode_start)
        if self.episode_end is not None:
            covered &= Q(number__lte=self.episode_end)
        return covered

    @property
    def effective_territories(self) -> list[str]:
        excluded = set(self.territory_exclusions)
        return [code for code in self.territories if code not in excluded]

    @property
    def is_in_force(self) -> bool:
        return self.status in IN_FORCE_STATUSES


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class Int4Range(Func):
    function = "INT4RANGE"
    output_field = IntegerRangeField()


class Int8Range(Func):
    function = "INT8RANGE"
    output_field = BigIntegerRangeField()


# "In force" as SQL, for the few hand-written queries a benchmark shows to pay (building the ORM query costs
# more than PostgreSQL takes to answer it). It is RightsWindowTerritoryQuerySet.in_force() word for word, over
# a territory row aliased `r`, with the named parameters %(licensee)s, %(territory)s and %(at)s; a test holds
# the two equal. It repeats the `rights_out_availability` index's predicate, so that index answers it.
IN_FORCE_SQL = (
    "r.direction = 'out' AND r.status IN ('approved', 'expired') "
    "AND r.licensee_id = %(licensee)s AND r.territory = %(territory)s "
    'AND r.start <= %(at)s AND (r."end" IS NULL OR r."end" > %(at)s)'
)
assert IN_FORCE_STATUSES == ("approved", "expired"), "keep IN_FORCE_SQL in step with IN_FORCE_STATUSES"


class RightsWindowTerritoryQuerySet(models.QuerySet["RightsWindowTerritory"]):
    def out_in_force_statuses(self) -> RightsWindowTerritoryQuerySet:
        """Rows of windows out that are or were in force (approved, or approved and since ended): the
        partial index's predicate, which every availability read starts from."""
        return self.filter(direction=RightsDirection.OUT, status__in=list(IN_FORCE_STATUSES))

    def in_force(
        self, *, licensee_id: int, at: dt.datetime, territory: str | None = None
    ) -> RightsWindowTerritoryQuerySet:
        """The rule at the heart of the product: rows of `licensee`'s windows out in force at instant `at`
        (start inclusive, end exclusive), in `territory` or, without one, wherever they are. Answered by
        the `rights_out_availability` index."""
        rows = self.out_in_force_statuses().filter(licensee_id=licensee_id, start__lte=at)
        if territory is not None:
            rows = rows.filter(territory=territory.upper())
        return rows.filter(Q(end__isnull=True) | Q(end__gt=at))


class RightsWindowTerritory(models.Model):
    """One territory of a window, denormalised: the unit the database checks and reads.

    The exclusion constraint refuses two rights-out rows for the same drama, territory and licence
    type whose episode ranges and periods overlap when either is exclusive. Exclusivity is encoded
    as a range: an exclusive row claims every slot (an unbounded int8 range), a non-exclusive row
    only its own id's slot, so two non-exclusive rows never collide while anything collides with
    an exclusive one.
    """

    window = models.ForeignKey(RightsWindow, on_delete=models.CASCADE, related_name="territory_rows")
    direction = models.CharField(max_length=3, choices=RightsDirection.choices)
    drama = models.ForeignKey("catalog.Drama", on_delete=models.CASCADE, related_name="+", db_index=False)
    licensee = models.ForeignKey("partners.Organization", on_delete=models.CASCADE, related_name="+", db_index=False)
    channel = models.ForeignKey(
        "partners.Channel", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    territory = models.CharField(max_length=2)
    licence_type = models.CharField(max_length=8, choices=LicenceType.choices)
    episode_start = models.PositiveIntegerField(null=True, blank=True)
    episode_end = models.PositiveIntegerField(null=True, blank=True)
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True)
    exclusive = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=RightsStatus.choices)
    blocking = models.BooleanField(
        default=False,
        help_text="Takes part in the overlap rule (a window out, not revoked). Reads never name this column, so "
        "the planner cannot answer them through the exclusion constraint's GiST index.",
    )

    objects = RightsWindowTerritoryQuerySet.as_manager()

    class Meta:
        constraints = [
            ExclusionConstraint(
                name="rights_out_no_exclusive_overlap",
                index_type="GIST",
                expressions=[
                    (F("drama"), "="),
                    (F("territory"), "="),
                    (F("licence_type"), "="),
                    (Int4Range(F("episode_start"), F("episode_end"), Value("[]")), "&&"),
                    (TsTzRange(F("start"), F("end"), Value("[)")), "&&"),
                    (
                        Case(
                            When(exclusive=True, then=Int8Range(Value(None), Value(None))),
                            default=Int8Range(F("id"), F("id") + 1),
                            output_field=BigIntegerRangeField(),
                        ),
                        "&&",
                    ),
                ],
                condition=Q(blocking=True),
                violation_error_code=RightsErrorCode.RIGHTS_OVERLAP,
            ),
        ]
        indexes = [
            # The read path: availability of a licensee in a territory (catalogue and point checks).
            models.Index(
                fields=["licensee", "territory", "drama", "start"],
                include=["end", "licence_type", "window", "channel"],
                condition=Q(direction="out", status__in=list(IN_FORCE_STATUSES)),
                name="rights_out_availability",
            ),
            # The no-rights-in check: what was acquired for a drama, per territory and type.
            models.Index(
                fields=["drama", "licence_type", "territory", "start"],
                include=["end"],
                condition=Q(direction="in"),
                name="rights_in_coverage",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.window_id}:{self.territory}"


class RightsEventKind(models.TextChoices):
    GRANTED = "granted", "Granted"
    UPDATED = "updated", "Updated"
    STARTED = "started", "Started"
    ENDED = "ended", "Ended"
    REVOKED = "revoked", "Revoked"


class RightsEvent(models.Model):
    """A change to a window that the partner changes feed and webhooks publish.

    Ids increase in commit order (events are written under a transaction-level advisory lock), so
    `id > cursor` never skips an event that committed late: a feed can use the id as its cursor.
    """

    kind = models.CharField(max_length=10, choices=RightsEventKind.choices)
    window = models.ForeignKey(RightsWindow, on_delete=models.PROTECT, related_name="events")
    direction = models.CharField(max_length=3, choices=RightsDirection.choices)
    drama = models.ForeignKey("catalog.Drama", on_delete=models.PROTECT, related_name="rights_events")
    licensee = models.ForeignKey("partners.Organization", on_delete=models.PROTECT, related_name="rights_events")
    channel = models.ForeignKey("partners.Channel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    territories = ArrayField(models.CharField(max_length=2), default=list, blank=True)
    licence_type = models.CharField(max_length=8, choices=LicenceType.choices)
    occurred_at = models.DateTimeField(help_text="When the change takes effect (a window's start or end, or now).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["licensee", "id"]), models.Index(fields=["drama", "id"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.drama} → {self.licensee}, {self.licence_type}"


class RightsAudit(models.Model):
    """Who changed a window, when, and what it looked like before and after."""

    window = models.ForeignKey(RightsWindow, on_delete=models.PROTECT, related_name="audits")
    action = models.CharField(max_length=10, choices=RightsEventKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_organization = models.ForeignKey(
        "partners.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200, help_text="The actor as shown to people (user, API key, system).")
    at = models.DateTimeField(auto_now_add=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["window", "at"])]
        verbose_name = "rights audit entry"
        verbose_name_plural = "rights audit trail"

    def __str__(self) -> str:
        return f"{self.get_action_display()} of “{self.window}” by {self.actor_label}"
