"""Account endpoints: the caller, its channels, its API keys (self-service) and its webhooks."""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from migu_platform.api.conditional import PartnerCursorPagination
from migu_platform.api.params import object_id
from migu_platform.api.schema import error_example, error_response
from migu_platform.errors import DomainError
from partners.api.serializers import (
    ApiKeyCreateSerializer,
    ApiKeyIssuedSerializer,
    ApiKeySerializer,
    ChannelSerializer,
    MeSerializer,
    WebhookCreatedSerializer,
    WebhookCreateSerializer,
    WebhookDeliverySerializer,
    WebhookSerializer,
)
from partners.errors import PartnersErrorCode
from partners.models import ApiKeyScope, default_scopes
from partners.permissions import HasScope
from partners.selectors import (
    api_key_of,
    api_keys_of,
    channel_of,
    channels_of,
    webhook_deliveries_of,
    webhook_of,
    webhooks_of,
)
from partners.services import api_key_create, api_key_revoke
from partners.webhooks import webhook_create, webhook_delete, webhook_ping


class MeView(APIView):
    """The calling organization, the key in use and the organization's channels (any valid key)."""

    permission_classes = [HasScope]
    required_scopes = ()

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
    """The calling organization's channels (any valid key)."""

    permission_classes = [HasScope]
    required_scopes = ()
    serializer_class = ChannelSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ChannelSerializer.Meta.model.objects.none()
        return channels_of(organization=self.request.tenant)


@extend_schema(tags=["account"])
class ChannelDetailView(generics.RetrieveAPIView):
    """One of the calling organization's channels (404 for another tenant's)."""

    permission_classes = [HasScope]
    required_scopes = ()
    serializer_class = ChannelSerializer

    def get_object(self):
        return channel_of(organization=self.request.tenant, channel_id=object_id(self.kwargs["pk"]))


# --- API keys: self-service for the organization's admins, through a key with keys:manage ------

SCOPE_NOT_GRANTABLE = error_response(
    "A key can only issue keys with scopes it holds itself.",
    error_example("scope_not_grantable", "This key cannot grant: rights:write."),
)


@extend_schema_view(
    get=extend_schema(operation_id="api_keys_list", summary="List the organization's API keys"),
    post=extend_schema(
        operation_id="api_keys_create",
        summary="Issue a key (the raw key is in this response only)",
        request=ApiKeyCreateSerializer,
        responses={201: ApiKeyIssuedSerializer, 400: SCOPE_NOT_GRANTABLE},
        examples=[
            OpenApiExample(
                "Catalogue-only key", value={"name": "tv app", "scopes": ["catalog:read"]}, request_only=True
            )
        ],
    ),
)
@extend_schema(tags=["api keys"])
class ApiKeyListCreateView(generics.ListCreateAPIView):
    """The organization's API keys. Needs the `keys:manage` scope; the secret is shown once, at creation."""

    permission_classes = [HasScope]
    required_scopes = [ApiKeyScope.KEYS_MANAGE]
    serializer_class = ApiKeySerializer
    pagination_class = PartnerCursorPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiKeySerializer.Meta.model.objects.none()
        return api_keys_of(organization=self.request.tenant)

    def create(self, request, *args, **kwargs):
        serializer = ApiKeyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        scopes = sorted(set(data.get("scopes") or default_scopes()))
        # A key cannot mint a more powerful key than itself.
        beyond = sorted(set(scopes) - request.user.scopes)
        if beyond:
            raise DomainError(
                f"This key cannot grant: {', '.join(beyond)}.", code=PartnersErrorCode.SCOPE_NOT_GRANTABLE
            )
        issued = api_key_create(
            organization=request.tenant, name=data["name"], scopes=scopes, expires_at=data.get("expires_at")
        )
        body = ApiKeySerializer(issued.api_key).data | {"key": issued.raw_key}
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(operation_id="api_keys_retrieve"),
    delete=extend_schema(operation_id="api_keys_revoke", summary="Revoke a key (refused from the next request on)"),
)
@extend_schema(tags=["api keys"])
class ApiKeyDetailView(generics.RetrieveDestroyAPIView):
    """One key by its public prefix; DELETE revokes it (the row stays, for the audit trail)."""

    permission_classes = [HasScope]
    required_scopes = [ApiKeyScope.KEYS_MANAGE]
    serializer_class = ApiKeySerializer
    lookup_field = "prefix"

    def get_object(self):
        return api_key_of(organization=self.request.tenant, prefix=self.kwargs["prefix"])

    def perform_destroy(self, instance):
        api_key_revoke(api_key=instance)


# --- Webhooks ---------------------------------------------------------------------------------

WEBHOOK_ERRORS = {
    400: error_response(
        "Invalid input, or an endpoint that is not public HTTPS.",
        error_example("webhook_url_not_allowed", "Webhook endpoints must use https://."),
        error_example(
            "invalid", "The request is invalid; see fields.", fields={"events": ["This list may not be empty."]}
        ),
    ),
    409: error_response(
        "The URL is already registered, or the organization has the most webhooks it may have.",
        error_example("webhook_duplicate_url", "This URL is already registered.", url="https://example.com/hook"),
        error_example("webhook_limit_reached", "An organization may register at most 10 webhooks."),
    ),
}


@extend_schema_view(
    get=extend_schema(operation_id="webhooks_list"),
    post=extend_schema(
        operation_id="webhooks_create",
        request=WebhookCreateSerializer,
        responses={201: WebhookCreatedSerializer, **WEBHOOK_ERRORS},
        examples=[
            OpenApiExample(
                "Title changes",
                value={"url": "https://partner.example/migu/hooks", "events": ["title.available", "title.withdrawn"]},
                request_only=True,
            )
        ],
    ),
)
@extend_schema(tags=["webhooks"])
class WebhookListCreateView(generics.ListCreateAPIView):
    """The organization's webhooks (`webhooks:manage`).

    Each delivery is a JSON POST signed with the webhook's secret (shown once, at creation):
    `X-Migu-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>`, with
    `X-Migu-Event`, `X-Migu-Event-Id` (stable across retries) and `X-Migu-Delivery`. A 2xx answer ends a
    delivery; others are retried with exponential backoff (30 s × 2^(attempt-1), up to 8 attempts).
    """

    permission_classes = [HasScope]
    required_scopes = [ApiKeyScope.WEBHOOKS_MANAGE]
    serializer_class = WebhookSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookSerializer.Meta.model.objects.none()
        return webhooks_of(organization=self.request.tenant)

    def create(self, request, *args, **kwargs):
        serializer = WebhookCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        webhook = webhook_create(
            organization=request.tenant, url=data["url"], events=list(data["events"]), description=data["description"]
        )
        return Response(WebhookCreatedSerializer(webhook).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(operation_id="webhooks_retrieve"), delete=extend_schema(operation_id="webhooks_destroy")
)
@extend_schema(tags=["webhooks"])
class WebhookDetailView(generics.RetrieveDestroyAPIView):
    """One webhook; DELETE removes it and its delivery log."""

    permission_classes = [HasScope]
    required_scopes = [ApiKeyScope.WEBHOOKS_MANAGE]
    serializer_class = WebhookSerializer

    def get_object(self):
        return webhook_of(organization=self.request.tenant, webhook_id=object_id(self.kwargs["pk"]))

    def perform_destroy(self, instance):
        webhook_delete(webhook=instance)


@extend_schema_view(get=extend_schema(operation_id="webhooks_deliveries_list"))
@extend_schema(tags=["webhooks"])
class WebhookDeliveryListView(generics.ListAPIView):
    """The webhook's deliveries, newest first: status, attempts, last answer, next retry."""

    permission_classes = [HasScope]
    required_scopes = [ApiKeyScope.WEBHOOKS_MANAGE]
    serializer_class = WebhookDeliverySerializer
    pagination_class = PartnerCursorPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookDeliverySerializer.Meta.model.objects.none()
        return webhook_deliveries_of(organization=self.request.tenant, webhook_id=object_id(self.kwargs["pk"]))


class WebhookPingView(APIView):
    """Send a signed `ping` delivery to this webhook now, to test the receiver."""

    permission_classes = [HasScope]
    required_scopes = [ApiKeyScope.WEBHOOKS_MANAGE]

    @extend_schema(
        tags=["webhooks"], operation_id="webhooks_ping", request=None, responses={202: WebhookDeliverySerializer}
    )
    def post(self, request, pk):
        webhook = webhook_of(organization=request.tenant, webhook_id=object_id(pk))
        delivery = webhook_ping(webhook=webhook)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
