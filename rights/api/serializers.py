"""Shapes of /api/v1/rights-windows/: input validated here, rules applied by rights.services."""

from __future__ import annotations

from rest_framework import serializers

from catalog.models import Drama
from partners.models import Channel, Organization
from rights.models import LicenceType, RightsDirection, RightsStatus, RightsWindow


class RightsWindowSerializer(serializers.ModelSerializer):
    """A window as the API returns it (drama, licensee and channel must be select_related)."""

    licensee: serializers.SlugRelatedField[Organization] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    licensee_name = serializers.CharField(source="licensee.name", read_only=True)
    drama_title = serializers.CharField(source="drama.original_title", read_only=True)
    effective_territories = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = RightsWindow
        fields = [
            "id", "direction", "drama", "drama_title", "episode_start", "episode_end", "licensee", "licensee_name",
            "channel", "territories", "territory_exclusions", "effective_territories", "licence_type",
            "audio_languages", "subtitle_languages", "holdback_languages", "start", "end", "exclusive",
            "free_episode_count", "unlock_price", "currency", "status", "contract_id", "alid", "transaction_id",
            "live_since", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class _WindowTermsSerializer(serializers.Serializer):
    channel = serializers.PrimaryKeyRelatedField(queryset=Channel.objects.all(), required=False, allow_null=True)
    territories = serializers.ListField(child=serializers.CharField(max_length=16), max_length=300)
    territory_exclusions = serializers.ListField(child=serializers.CharField(max_length=16), required=False)
    licence_type = serializers.ChoiceField(choices=LicenceType.choices)
    audio_languages = serializers.ListField(child=serializers.CharField(max_length=16), required=False, max_length=50)
    subtitle_languages = serializers.ListField(
        child=serializers.CharField(max_length=16), required=False, max_length=50
    )
    holdback_languages = serializers.ListField(
        child=serializers.CharField(max_length=16), required=False, max_length=50
    )
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(required=False, allow_null=True)
    exclusive = serializers.BooleanField(required=False)
    episode_start = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    episode_end = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    free_episode_count = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=32767)
    unlock_price = serializers.DecimalField(
        max_digits=8, decimal_places=2, required=False, allow_null=True, min_value=0
    )
    currency = serializers.CharField(required=False, allow_blank=True, max_length=3)
    contract_id = serializers.CharField(required=False, allow_blank=True, max_length=100)
    alid = serializers.CharField(required=False, allow_blank=True, max_length=200)
    transaction_id = serializers.CharField(required=False, allow_blank=True, max_length=200)


class RightsWindowCreateSerializer(_WindowTermsSerializer):
    """POST body: a new window. `drama` must be one the caller may license; `licensee` is a slug."""

    direction = serializers.ChoiceField(choices=RightsDirection.choices, default=RightsDirection.OUT)
    drama = serializers.PrimaryKeyRelatedField(queryset=Drama.objects.none())
    licensee = serializers.SlugRelatedField(slug_field="slug", queryset=Organization.objects.filter(is_active=True))
    status = serializers.ChoiceField(
        choices=[RightsStatus.PENDING, RightsStatus.APPROVED], default=RightsStatus.APPROVED
    )

    def __init__(self, *args, dramas=None, **kwargs):
        super().__init__(*args, **kwargs)
        if dramas is not None:
            self.fields["drama"].queryset = dramas


class RightsWindowUpdateSerializer(_WindowTermsSerializer):
    """PATCH body: the terms to change; status `revoked` withdraws the window."""

    status = serializers.ChoiceField(
        choices=[RightsStatus.PENDING, RightsStatus.APPROVED, RightsStatus.REVOKED], required=False
    )

    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)
