from rest_framework import serializers

from partners.models import ApiKey, Channel, Organization


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
