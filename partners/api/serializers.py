from rest_framework import serializers

from partners.models import ApiKey, ApiKeyScope, Channel, Organization, Webhook, WebhookDelivery, WebhookEventType


class ChannelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Channel
        fields = ["id", "name", "slug", "kind", "territories", "languages", "is_active"]


class ApiKeySummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiKey
        fields = ["name", "prefix", "scopes", "expires_at", "last_used_at", "created_at"]


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "kind", "territories", "languages"]


class MeSerializer(serializers.Serializer):
    organization = OrganizationSerializer()
    api_key = ApiKeySummarySerializer()
    channels = ChannelSerializer(many=True)


# --- API keys ---------------------------------------------------------------------------------


class ApiKeySerializer(serializers.ModelSerializer):
    """A key as listed: its public prefix identifies it; the secret is never shown again."""

    scopes = serializers.ListField(child=serializers.ChoiceField(choices=ApiKeyScope.choices))
    is_usable = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiKey
        fields = ["prefix", "name", "scopes", "expires_at", "revoked_at", "last_used_at", "created_at", "is_usable"]


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=ApiKeyScope.choices),
        required=False,
        max_length=len(ApiKeyScope.choices),
        help_text="Defaults to catalog:read, events:write, webhooks:manage. Only scopes the calling key holds.",
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class ApiKeyIssuedSerializer(ApiKeySerializer):
    key = serializers.CharField(help_text="The raw key. Shown once: store it now.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]


# --- Webhooks ---------------------------------------------------------------------------------

WEBHOOK_EVENT_CHOICES = [c for c in WebhookEventType.choices if c[0] != WebhookEventType.PING]


class WebhookSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=WEBHOOK_EVENT_CHOICES))

    class Meta:
        model = Webhook
        fields = ["id", "url", "events", "description", "is_active", "created_at"]


class WebhookCreateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500, help_text="https:// only.")
    events = serializers.MultipleChoiceField(choices=WEBHOOK_EVENT_CHOICES, allow_empty=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(help_text="Signs every delivery (X-Migu-Signature). Shown once: store it now.")

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "event_id", "event_type", "status", "attempts", "max_attempts", "response_status", "error",
            "duration_ms", "created_at", "last_attempt_at", "next_attempt_at", "delivered_at", "payload",
        ]  # fmt: skip
