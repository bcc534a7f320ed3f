from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from partners.api.serializers import ChannelSerializer, MeSerializer
from partners.models import Channel
from partners.selectors import channel_of, channels_of


class MeView(APIView):
    """The calling organization, the key in use and the organization's channels."""

    @extend_schema(responses=MeSerializer, operation_id="me_retrieve", tags=["account"])
    def get(self, request):
        payload = {
            "organization": request.tenant,
            "api_key": request.auth,
            "channels": list(channels_of(organization=request.tenant)),
        }
        return Response(MeSerializer(payload).data)


@extend_schema(tags=["account"])
class ChannelListView(generics.ListAPIView):
    """The calling organization's channels."""

    serializer_class = ChannelSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no tenant
            return Channel.objects.none()
        return channels_of(organization=self.request.tenant)


@extend_schema(tags=["account"])
class ChannelDetailView(generics.RetrieveAPIView):
    """One of the calling organization's channels (404 for another tenant's)."""

    serializer_class = ChannelSerializer

    def get_object(self):
        return channel_of(organization=self.request.tenant, channel_id=self.kwargs["pk"])
