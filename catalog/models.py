"""The catalogue: dramas (series), their episodes, credits, artwork and identifiers."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from catalog.identifiers import validate_alid, validate_eidr
from localization.languages import validate_language_tag


class Genre(models.Model):
    """A genre of the controlled list (romance, fantasy, urban, ...)."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Trope(models.Model):
    """A short-drama trope of the controlled vocabulary (rebirth, revenge, time travel, ...)."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SourceWorkKind(models.TextChoices):
    NOVEL = "novel", "Novel"
    WEB_NOVEL = "web_novel", "Web novel"
    COMIC = "comic", "Comic / manhua"
    ORIGINAL = "original", "Original screenplay"


class SourceWork(models.Model):
    """The work a drama adapts (most short dramas adapt web novels)."""

    title = models.CharField(max_length=300)
    author = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=16, choices=SourceWorkKind.choices, default=SourceWorkKind.WEB_NOVEL)
    original_language = models.CharField(max_length=16, default="zh-Hans", validators=[validate_language_tag])
    publisher = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return f"{self.title} ({self.author})" if self.author else self.title


class Person(models.Model):
    """Cast and crew, named as credited in the original and (optionally) in Latin script."""

    name = models.CharField(max_length=200, help_text="Name as credited in the original language.")
    latin_name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return f"{self.name} ({self.latin_name})" if self.latin_name else self.name


class DramaFormat(models.TextChoices):
    VERTICAL = "vertical", "Vertical 9:16 (micro-drama)"
    HORIZONTAL = "horizontal", "Horizontal 16:9"


class DramaStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    READY = "ready", "Ready"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class PriceTier(models.TextChoices):
    FREE = "free", "Free"
    T1 = "T1", "Tier 1 (≈ USD 0.49 per episode)"
    T2 = "T2", "Tier 2 (≈ USD 0.99 per episode)"
    T3 = "T3", "Tier 3 (≈ USD 1.99 per episode)"
    T4 = "T4", "Tier 4 (≈ USD 2.99 per episode)"


class Drama(models.Model):
    """A series: the unit that is localised, licensed and published.

    Status moves draft → ready → published → retired (and back to draft from ready or retired);
    the rules live in catalog.services.
    """

    owner = models.ForeignKey(
        "partners.Organization",
        on_delete=models.PROTECT,
        related_name="dramas",
        limit_choices_to={"kind": "licensor"},
        help_text="The licensor that holds this title.",
    )
    original_title = models.CharField(max_length=300)
    original_language = models.CharField(max_length=16, default="zh-Hans", validators=[validate_language_tag])
    format = models.CharField(max_length=16, choices=DramaFormat.choices, default=DramaFormat.VERTICAL)
    genres = models.ManyToManyField(Genre, blank=True, related_name="dramas")
    tropes = models.ManyToManyField(Trope, blank=True, related_name="dramas")
    source_work = models.ForeignKey(SourceWork, null=True, blank=True, on_delete=models.SET_NULL, related_name="dramas")
    production_year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1950), MaxValueValidator(2100)]
    )
    eidr = models.CharField(
        "EIDR ID", max_length=34, blank=True, validators=[validate_eidr], help_text="10.5240/XXXX-XXXX-XXXX-XXXX-XXXX-C"
    )
    alid = models.CharField("ALID", max_length=200, blank=True, validators=[validate_alid])
    free_episode_count = models.PositiveSmallIntegerField(
        default=10, help_text="Episodes free to watch before unlocking (default for every licensee)."
    )
    unlock_price_tier = models.CharField(max_length=8, choices=PriceTier.choices, default=PriceTier.T1)
    status = models.CharField(max_length=16, choices=DramaStatus.choices, default=DramaStatus.DRAFT, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["original_title"]
        constraints = [
            models.UniqueConstraint(fields=["eidr"], condition=~models.Q(eidr=""), name="drama_unique_eidr"),
            models.UniqueConstraint(fields=["alid"], condition=~models.Q(alid=""), name="drama_unique_alid"),
        ]
        indexes = [models.Index(fields=["status", "format"])]

    def __str__(self) -> str:
        return self.original_title


class EpisodeStatus(models.TextChoices):
    AVAILABLE = "available", "Available"
    WITHHELD = "withheld", "Withheld"


class Episode(models.Model):
    """One episode of a drama: a number, a duration and (once uploaded) a master file.

    Its status says whether partners see it: a withheld episode (pulled back, or not finished) is left out
    of what partners read and cannot be played. It changes only through catalog.services.episode_status_set.
    """

    drama = models.ForeignKey(Drama, on_delete=models.CASCADE, related_name="episodes")
    number = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    original_title = models.CharField(max_length=300, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    master = models.FileField(upload_to="masters/%Y/%m/", blank=True, max_length=500)
    cliffhanger_timecodes = ArrayField(
        models.FloatField(validators=[MinValueValidator(0)]),
        default=list,
        blank=True,
        help_text="Seconds into the episode where a cliffhanger lands (for unlock prompts).",
    )
    status = models.CharField(
        max_length=16, choices=EpisodeStatus.choices, default=EpisodeStatus.AVAILABLE, editable=False
    )
    withheld_reason = models.CharField(max_length=300, blank=True, editable=False)
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["drama", "number"]
        constraints = [models.UniqueConstraint(fields=["drama", "number"], name="episode_unique_number")]

    def __str__(self) -> str:
        return f"{self.drama} — E{self.number:03d}"


class CreditRole(models.TextChoices):
    DIRECTOR = "director", "Director"
    WRITER = "writer", "Screenwriter"
    PRODUCER = "producer", "Producer"
    ACTOR = "actor", "Actor"


class Credit(models.Model):
    """A person's role in a drama, in billing order."""

    drama = models.ForeignKey(Drama, on_delete=models.CASCADE, related_name="credits")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="credits")
    role = models.CharField(max_length=16, choices=CreditRole.choices)
    character_name = models.CharField(max_length=200, blank=True)
    billing_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["drama", "billing_order", "id"]
        constraints = [models.UniqueConstraint(fields=["drama", "person", "role"], name="credit_unique_person_role")]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_role_display()}"


class ArtworkKind(models.TextChoices):
    COVER_9x16 = "cover_9x16", "Cover 9:16"
    POSTER_2x3 = "poster_2x3", "Poster 2:3"
    BANNER_16x9 = "banner_16x9", "Banner 16:9"


ARTWORK_ASPECTS: dict[str, tuple[int, int]] = {
    ArtworkKind.COVER_9x16: (9, 16),
    ArtworkKind.POSTER_2x3: (2, 3),
    ArtworkKind.BANNER_16x9: (16, 9),
}


class Artwork(models.Model):
    """An image of a drama per kind and language (blank language: text-free, for everyone)."""

    drama = models.ForeignKey(Drama, on_delete=models.CASCADE, related_name="artworks")
    kind = models.CharField(max_length=16, choices=ArtworkKind.choices)
    language = models.CharField(max_length=16, blank=True, validators=[validate_language_tag])
    image = models.ImageField(upload_to="artwork/%Y/%m/", width_field="width", height_field="height", max_length=500)
    width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["drama", "kind", "language"]
        constraints = [
            models.UniqueConstraint(fields=["drama", "kind", "language"], name="artwork_unique_kind_language")
        ]

    def __str__(self) -> str:
        return f"{self.drama} — {self.get_kind_display()} [{self.language or 'neutral'}]"


class ExternalIdScheme(models.TextChoices):
    EIDR = "eidr", "EIDR"
    ALID = "alid", "ALID"
    PARTNER = "partner", "Partner's own ID"
    ISAN = "isan", "ISAN"


class ExternalId(models.Model):
    """Another system's identifier for a drama, e.g. a partner's own content id."""

    drama = models.ForeignKey(Drama, on_delete=models.CASCADE, related_name="external_ids")
    scheme = models.CharField(max_length=16, choices=ExternalIdScheme.choices)
    value = models.CharField(max_length=200)
    organization = models.ForeignKey(
        "partners.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="external_ids",
        help_text="For partner IDs: whose ID this is.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "value", "organization"],
                name="external_id_unique",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=~models.Q(scheme="partner") | models.Q(organization__isnull=False),
                name="external_id_partner_needs_org",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.scheme == ExternalIdScheme.EIDR:
            validate_eidr(self.value)
        elif self.scheme == ExternalIdScheme.ALID:
            validate_alid(self.value)
        elif self.scheme == ExternalIdScheme.PARTNER and self.organization_id is None:
            raise ValidationError({"organization": "A partner ID names the partner it belongs to."})
