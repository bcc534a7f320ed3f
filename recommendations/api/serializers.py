from rest_framework import serializers

from migu_platform.api.schema import ErrorSerializer
from partners.geography import validate_territories
from recommendations.models import PlaybackEventKind
from recommendations.services import MAX_EVENTS_PER_BATCH


class PlaybackEventInSerializer(serializers.Serializer):
    """One playback event. `id` is yours and makes the report idempotent."""

    id = serializers.CharField(max_length=64, help_text="Your unique id for this event (idempotency key).")
    kind = serializers.ChoiceField(choices=PlaybackEventKind.choices)
    occurred_at = serializers.DateTimeField()
    user_id = serializers.CharField(max_length=128, help_text="A pseudonymous user id (never e-mail or phone).")
    country = serializers.CharField(min_length=2, max_length=2, help_text="ISO 3166-1 alpha-2.")
    title_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    episode_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False, allow_null=True)
    channel_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False, allow_null=True)
    position_seconds = serializers.FloatField(min_value=0, max_value=86400, required=False, allow_null=True)
    amount_minor = serializers.IntegerField(min_value=0, max_value=10**9, required=False, allow_null=True)
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False, allow_blank=True)

    def validate_country(self, value: str) -> str:
        value = value.upper()
        from django.core.exceptions import ValidationError

        try:
            validate_territories([value])
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return value


class PlaybackEventBatchSerializer(serializers.Serializer):
    """The request body as documented; events are validated one by one by PlaybackEventInSerializer."""

    events = PlaybackEventInSerializer(
        many=True,
        max_length=MAX_EVENTS_PER_BATCH,  # type: ignore[call-arg]  # many=True passes it to ListSerializer
        help_text=f"Up to {MAX_EVENTS_PER_BATCH} events; each is validated on its own.",
    )


class RejectedEventSerializer(ErrorSerializer):
    index = serializers.IntegerField(help_text="The event's position in `events`.")
    id = serializers.CharField(allow_null=True)


class PlaybackEventBatchResultSerializer(serializers.Serializer):
    accepted = serializers.IntegerField(help_text="Events stored by this request.")
    duplicates = serializers.IntegerField(help_text="Events already stored before (same id); not stored again.")
    rejected = RejectedEventSerializer(many=True)
