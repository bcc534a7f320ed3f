from rest_framework import serializers

from migu_platform.api.params import StrictCharField
from migu_platform.api.schema import ErrorSerializer
from partners.geography import validate_territories
from recommendations.models import PlaybackEventKind
from recommendations.services import MAX_EVENTS_PER_BATCH


class PlaybackEventInSerializer(serializers.Serializer):
    """One playback event. `id` is yours and makes the report idempotent."""

    id = StrictCharField(max_length=64, help_text="Your unique id for this event (idempotency key).")
    kind = serializers.ChoiceField(choices=PlaybackEventKind.choices)
    occurred_at = serializers.DateTimeField()
    user_id = StrictCharField(max_length=128, help_text="A pseudonymous user id (never e-mail or phone).")
    country = StrictCharField(min_length=2, max_length=2, help_text="ISO 3166-1 alpha-2.")
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


# --- Recommendations: these describe the JSON the views build (orjson) for the OpenAPI schema. --------


class NearestTitleSerializer(serializers.Serializer):
    title_id = serializers.IntegerField()
    similarity = serializers.FloatField()


class TropeLiftSerializer(serializers.Serializer):
    trope = serializers.CharField()
    lift = serializers.FloatField(help_text="The audience's share of watching on this trope ÷ the catalogue's.")


class TerritoryPopularitySerializer(serializers.Serializer):
    territory = serializers.CharField()
    language = serializers.CharField()
    rank = serializers.IntegerField()
    share = serializers.FloatField(help_text="Share of that territory × language's viewers who watched it.")


class ReasonsSerializer(serializers.Serializer):
    nearest_watched = NearestTitleSerializer(
        many=True, help_text="Titles the channel's audience watched nearest to it."
    )
    tropes = TropeLiftSerializer(many=True, help_text="Its tropes the audience over-watches.")
    languages = serializers.ListField(child=serializers.CharField(), help_text="Its languages the channel serves.")
    popularity = TerritoryPopularitySerializer(many=True)
    cold_title = serializers.BooleanField(help_text="Nobody watched it yet: its content features carried it.")
    part_ranks = serializers.DictField(child=serializers.IntegerField(), help_text="Its rank in each model part.")


class LineupTitleSerializer(serializers.Serializer):
    title_id = serializers.IntegerField()
    title = serializers.CharField()
    rank = serializers.IntegerField()
    demand_index = serializers.FloatField(help_text="Expected demand on this channel; 100 = the channel's average.")
    primary_trope = serializers.CharField()
    reasons = ReasonsSerializer()


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateTimeField(allow_null=True)
    end = serializers.DateTimeField(allow_null=True)


class ChannelRecommendationsSerializer(serializers.Serializer):
    channel_id = serializers.IntegerField()
    model_version = serializers.IntegerField(allow_null=True)
    generated_at = serializers.DateTimeField(allow_null=True)
    period = PeriodSerializer(help_text="The period the line-up was scheduled for.")
    results = LineupTitleSerializer(many=True)
    empty_reason = serializers.ChoiceField(
        choices=["no_model", "no_licensed_title", "no_title_licensed_now"], allow_null=True,
        help_text="Why `results` is empty; null otherwise.",
    )  # fmt: skip


class ContinueWatchingSerializer(serializers.Serializer):
    title_id = serializers.IntegerField()
    title = serializers.CharField()
    next_episode = serializers.IntegerField()
    episodes = serializers.IntegerField()
    last_watched_at = serializers.DateTimeField()


class UserTitleSerializer(serializers.Serializer):
    title_id = serializers.IntegerField()
    title = serializers.CharField()
    rank = serializers.IntegerField()
    score = serializers.FloatField()


class UserRecommendationsSerializer(serializers.Serializer):
    user_id = serializers.CharField()
    channel_id = serializers.IntegerField()
    model_version = serializers.IntegerField(allow_null=True)
    source = serializers.ChoiceField(  # type: ignore[assignment]  # a field named like Field.source
        choices=["model", "folded_in", "popularity", "lineup"],
        help_text="model: ranked by the last training; folded_in: a newer user placed in the model now; "
        "popularity: a cold user (fewer than 3 events); lineup: the model's artifact is unavailable.",
    )
    continue_watching = ContinueWatchingSerializer(many=True)
    results = UserTitleSerializer(many=True)
    empty_reason = serializers.CharField(allow_null=True)
