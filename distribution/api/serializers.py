"""Shapes of the title endpoints, for the OpenAPI description (the views emit plain dicts with orjson)."""

from rest_framework import serializers

from catalog.models import ArtworkKind, CreditRole, DramaFormat, PriceTier


class ArtworkOutSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ArtworkKind.choices)
    language = serializers.CharField(allow_blank=True, help_text="Blank: text-free artwork.")
    url = serializers.URLField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)


class TitleListItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    language = serializers.CharField(help_text="The language the texts are in (after the fallback chain).")
    title = serializers.CharField()
    title_medium = serializers.CharField(allow_blank=True, help_text="≤ 60 characters.")
    title_short = serializers.CharField(allow_blank=True, help_text="≤ 19 characters.")
    synopsis_short = serializers.CharField(allow_blank=True, help_text="≤ 190 characters.")
    original_title = serializers.CharField()
    original_language = serializers.CharField()
    format = serializers.ChoiceField(choices=DramaFormat.choices)
    production_year = serializers.IntegerField(allow_null=True)
    free_episode_count = serializers.IntegerField(help_text="The drama's default; see the detail for your window's.")
    unlock_price_tier = serializers.ChoiceField(choices=PriceTier.choices)
    genres = serializers.ListField(child=serializers.CharField())
    tropes = serializers.ListField(child=serializers.CharField())
    episode_count = serializers.IntegerField()
    artworks = ArtworkOutSerializer(many=True)
    updated_at = serializers.DateTimeField()


class TitlePageSerializer(serializers.Serializer):
    results = TitleListItemSerializer(many=True)
    next_cursor = serializers.CharField(
        allow_null=True, help_text="Pass as `cursor` for the next page; null at the end."
    )


class CreditOutSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=CreditRole.choices)
    name = serializers.CharField()
    latin_name = serializers.CharField(allow_blank=True)
    character_name = serializers.CharField(allow_blank=True)
    billing_order = serializers.IntegerField()


class EpisodeOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    title = serializers.CharField(allow_blank=True)
    synopsis = serializers.CharField(allow_blank=True)
    duration_seconds = serializers.IntegerField(allow_null=True)
    free = serializers.BooleanField(help_text="Watchable without unlocking under your window's terms.")
    subtitle_languages = serializers.ListField(
        child=serializers.CharField(),
        help_text="Subtitle languages (BCP 47) packaged for playback that your window allows; the master "
        "playlist lists the same.",
    )
    audio_languages = serializers.ListField(
        child=serializers.CharField(),
        help_text="Audio languages (BCP 47) your window allows of the original and the dubs packaged for "
        "playback; the master playlist's audio group lists the same.",
    )


class MonetisationSerializer(serializers.Serializer):
    licence_type = serializers.CharField()
    free_episode_count = serializers.IntegerField()
    unlock_price = serializers.CharField(allow_null=True, help_text="Decimal string, in `currency`.")
    currency = serializers.CharField(allow_null=True)
    unlock_price_tier = serializers.ChoiceField(choices=PriceTier.choices)
    window_start = serializers.DateTimeField()
    window_end = serializers.DateTimeField(allow_null=True)


class TitleDetailSerializer(TitleListItemSerializer):
    synopsis_medium = serializers.CharField(allow_blank=True)
    synopsis_long = serializers.CharField(allow_blank=True)
    credits = CreditOutSerializer(many=True)
    episodes = EpisodeOutSerializer(many=True)
    monetisation = MonetisationSerializer()
    audio_languages = serializers.ListField(child=serializers.CharField(), help_text="Only those you are licensed for.")
    subtitle_languages = serializers.ListField(
        child=serializers.CharField(), help_text="Only those you are licensed for."
    )


class EpisodeListSerializer(serializers.Serializer):
    title_id = serializers.IntegerField()
    results = EpisodeOutSerializer(many=True)


class ChangeSerializer(serializers.Serializer):
    title_id = serializers.IntegerField()
    change = serializers.ChoiceField(choices=["added", "updated", "withdrawn"])
    territories = serializers.ListField(
        child=serializers.CharField(), help_text="Where you may show the title now (empty: withdrawn everywhere)."
    )
    changed_at = serializers.DateTimeField()
    cursor = serializers.CharField(help_text="Resume after this change.")


class ChangePageSerializer(serializers.Serializer):
    results = ChangeSerializer(many=True)
    next_cursor = serializers.CharField(help_text="Resume from here (also when there is nothing new yet).")
    has_more = serializers.BooleanField()
