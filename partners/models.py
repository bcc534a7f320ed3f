"""Tenants: organizations, their people, their outlets and their API keys."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from localization.languages import validate_language_tags
from partners.geography import validate_territories


class OrganizationKind(models.TextChoices):
    LICENSOR = "licensor", "Licensor (content owner or co-producer)"
    PARTNER = "partner", "Partner platform"
    OPERATOR = "operator", "Telecom operator"


class Organization(models.Model):
    """A tenant. Licensors own and acquire content; partners and operators license it out."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=64, unique=True)
    kind = models.CharField(max_length=16, choices=OrganizationKind.choices)
    territories = ArrayField(
        models.CharField(max_length=2),
        default=list,
        blank=True,
        validators=[validate_territories],
        help_text="Home territories, ISO 3166-1 alpha-2.",
    )
    languages = ArrayField(
        models.CharField(max_length=16),
        default=list,
        blank=True,
        validators=[validate_language_tags],
        help_text="Languages it serves, BCP 47 (e.g. en, th, zh-Hant-HK).",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "slug"])]

    def __str__(self) -> str:
        return self.name


class MembershipRole(models.TextChoices):
    ADMIN = "admin", "Admin (manages keys, webhooks and members)"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


class Membership(models.Model):
    """A user's role in an organization."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=MembershipRole.choices, default=MembershipRole.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="membership_unique_user_org")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"


class ChannelKind(models.TextChoices):
    APP = "app", "App"
    IPTV = "iptv", "IPTV channel"
    WEB = "web", "Web"
    FAST = "fast", "FAST channel"


class Channel(models.Model):
    """An outlet of a partner or operator, e.g. an app or an IPTV "Short Drama" channel."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="channels")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=64)
    kind = models.CharField(max_length=8, choices=ChannelKind.choices, default=ChannelKind.APP)
    territories = ArrayField(
        models.CharField(max_length=2), default=list, blank=True, validators=[validate_territories]
    )
    languages = ArrayField(
        models.CharField(max_length=16), default=list, blank=True, validators=[validate_language_tags]
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization__name", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "slug"], name="channel_unique_slug_per_org")]

    def __str__(self) -> str:
        return f"{self.name} ({self.organization.name})"


class ApiKeyScope(models.TextChoices):
    CATALOG_READ = "catalog:read", "Read the licensed catalogue"
    EVENTS_WRITE = "events:write", "Report playback events"
    WEBHOOKS_MANAGE = "webhooks:manage", "Manage webhooks"
    RIGHTS_READ = "rights:read", "Read rights windows"
    RIGHTS_WRITE = "rights:write", "Grant and edit rights windows"
    KEYS_MANAGE = "keys:manage", "Manage the organization's API keys"


def default_scopes() -> list[str]:
    return [ApiKeyScope.CATALOG_READ.value, ApiKeyScope.EVENTS_WRITE.value, ApiKeyScope.WEBHOOKS_MANAGE.value]


class ApiKey(models.Model):
    """An organization's API credential. Only a SHA-256 of the key is stored; the key is shown once.

    The key reads `migu_<prefix>_<secret>`; the prefix is public and identifies the key in lists.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(
        max_length=12, unique=True, editable=False, validators=[RegexValidator(r"^[A-Za-z0-9]+$")]
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = ArrayField(models.CharField(max_length=32, choices=ApiKeyScope.choices), default=default_scopes)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} (migu_{self.prefix}_…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, at=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (at or timezone.now())

    @property
    def is_usable(self) -> bool:
        return not self.is_revoked and not self.is_expired()


class WebhookEventType(models.TextChoices):
    TITLE_AVAILABLE = "title.available", "A title became available (a window started)"
    TITLE_UPDATED = "title.updated", "A title's metadata, episodes, artwork or localisations changed"
    TITLE_WITHDRAWN = "title.withdrawn", "A title was withdrawn (a window ended or was revoked)"
    EPISODE_READY = "episode.ready", "An episode's HLS ladder is ready for playback"
    PING = "ping", "A test delivery requested by the partner"


class Webhook(models.Model):
    """An organization's HTTPS endpoint that receives signed event deliveries.

    The secret signs every delivery (HMAC-SHA256 over "timestamp.body"); it is shown once, at creation,
    and kept in clear because signing needs it.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    events = ArrayField(models.CharField(max_length=32, choices=WebhookEventType.choices))
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=80, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["organization", "url"], name="webhook_unique_url_per_org")]

    def __str__(self) -> str:
        return f"{self.organization.name} → {self.url}"


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RETRYING = "retrying", "Retrying after a failed attempt"
    SUCCEEDED = "succeeded", "Delivered (2xx)"
    FAILED = "failed", "Failed after the last attempt"


class WebhookDelivery(models.Model):
    """One event sent to one webhook: the payload, each attempt's outcome and the next retry time."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=32, choices=WebhookEventType.choices)
    payload = models.JSONField()
    status = models.CharField(
        max_length=16, choices=WebhookDeliveryStatus.choices, default=WebhookDeliveryStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=8)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            # An event reaches each webhook once, however often it is published.
            models.UniqueConstraint(fields=["webhook", "event_id"], name="webhook_delivery_unique_event"),
            models.CheckConstraint(
                condition=models.Q(attempts__lte=models.F("max_attempts")), name="webhook_delivery_attempts_bounded"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.webhook_id} ({self.status})"


class WebhookFeedPosition(models.Model):
    """How far the webhook publisher has read a source of events (rights events, published ladders)."""

    source = models.CharField(max_length=32, unique=True)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.source} @ {self.last_id}"
