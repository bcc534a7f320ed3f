import orjson
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from localization.languages import is_valid_tag, normalize_tag
from migu_platform.api.conditional import etag_for_body, not_modified, validators_apply
from migu_platform.api.params import object_id
from migu_platform.api.schema import error_example, error_response
from migu_platform.errors import DomainError, ErrorCode, NotFoundError, invalid
from partners.models import ApiKeyScope
from partners.permissions import HasScope
from partners.selectors import channel_of
from recommendations.api.serializers import (
    ChannelRecommendationsSerializer,
    PlaybackEventBatchResultSerializer,
    PlaybackEventBatchSerializer,
    PlaybackEventInSerializer,
    UserRecommendationsSerializer,
)
from recommendations.errors import EventsErrorCode
from recommendations.selectors import channel_lineup, user_recommendations
from recommendations.services import MAX_EVENTS_PER_BATCH, PlaybackEventIn, playback_events_record

MAX_LIMIT = 50

EVENT_EXAMPLE = {
    "id": "evt-01J9Z3K8Q4",
    "kind": "play",
    "occurred_at": "2026-11-24T03:00:00Z",
    "user_id": "u_9f8e7d",
    "country": "TH",
    "title_id": 42,
    "episode_id": 4201,
    "channel_id": 7,
    "position_seconds": 0,
}


class PlaybackEventBatchView(APIView):
    """Report playback events in batches (impression, play, progress, complete, unlock)."""

    permission_classes = [HasScope]
    required_scopes = [ApiKeyScope.EVENTS_WRITE]

    @extend_schema(
        operation_id="events_create",
        tags=["events"],
        request=PlaybackEventBatchSerializer,
        responses={
            200: PlaybackEventBatchResultSerializer,
            400: error_response(
                "The body is not a batch (per-event problems are reported in `rejected` with a 200).",
                error_example("batch_too_large", f"A batch holds at most {MAX_EVENTS_PER_BATCH} events."),
                error_example(
                    "invalid", "The request is invalid; see fields.", fields={"events": ["Expected a list."]}
                ),
            ),
        },
        examples=[
            OpenApiExample("A batch", value={"events": [EVENT_EXAMPLE]}, request_only=True),
            OpenApiExample(
                "One kept, one duplicate, one rejected",
                value={
                    "accepted": 1,
                    "duplicates": 1,
                    "rejected": [
                        {
                            "index": 2,
                            "id": "evt-3",
                            "code": EventsErrorCode.UNKNOWN_TITLE,
                            "detail": "The event is invalid; see fields.",
                            "fields": {"title_id": ["No such title."]},
                        }
                    ],
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request):
        """Store each valid event once (idempotent by `id`); report the others by index, keep the rest."""
        events = request.data.get("events") if isinstance(request.data, dict) else None
        if not isinstance(events, list):
            raise DomainError(
                'The body is {"events": [...]}.', code=ErrorCode.INVALID, fields={"events": ["Expected a list."]}
            )
        if len(events) > MAX_EVENTS_PER_BATCH:
            raise DomainError(
                f"A batch holds at most {MAX_EVENTS_PER_BATCH} events.", code=EventsErrorCode.BATCH_TOO_LARGE
            )
        parsed: list[PlaybackEventIn] = []
        rejected = []
        for index, item in enumerate(events):
            serializer = PlaybackEventInSerializer(data=item if isinstance(item, dict) else {})
            if not isinstance(item, dict) or not serializer.is_valid():
                fields = serializer.errors if isinstance(item, dict) else {"non_field_errors": ["Expected an object."]}
                event_id = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else None
                rejected.append({"index": index, "id": event_id, "code": ErrorCode.INVALID.value, "fields": fields})
                continue
            data = serializer.validated_data
            parsed.append(
                PlaybackEventIn(
                    index=index,
                    event_id=data["id"],
                    kind=data["kind"],
                    occurred_at=data["occurred_at"],
                    user_ref=data["user_id"],
                    country=data["country"],
                    drama_id=data["title_id"],
                    channel_id=data.get("channel_id"),
                    episode_id=data.get("episode_id"),
                    position_seconds=data.get("position_seconds"),
                    amount_minor=data.get("amount_minor"),
                    currency=data.get("currency", ""),
                )
            )
        result = playback_events_record(organization=request.tenant, events=parsed, rejected=rejected)
        for row in result.rejected:
            row.setdefault("detail", "The event is invalid; see fields.")
        body = {"accepted": result.accepted, "duplicates": result.duplicates, "rejected": result.rejected}
        return Response(body, status=status.HTTP_200_OK)


# --- Recommendations -------------------------------------------------------------------------------

IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    str,
    location=OpenApiParameter.HEADER,
    description="An ETag from a previous answer: 304 if unchanged.",
)
TERRITORY = OpenApiParameter(
    "territory", str, description="Only titles you may show in this territory now (one of the channel's). "
    "Default: any of the channel's territories.", pattern="^[A-Za-z]{2}$",
)  # fmt: skip
LANG = OpenApiParameter("lang", str, description="BCP 47 language of titles. Default: the channel's first.")
LIMIT = OpenApiParameter("limit", int, description=f"How many titles (default 20, at most {MAX_LIMIT}).")
NOT_FOUND = error_response(
    "Missing, or not yours: the same body in both cases.", error_example("not_found", "Not found.")
)
BAD_QUERY = error_response(
    "A query parameter is invalid.",
    error_example("invalid", "The request is invalid; see fields.", fields={"territory": ["Not one of the channel's territories."]}),
)  # fmt: skip


def _limit(request) -> int:
    raw = request.query_params.get("limit")
    if raw is None:
        return 20
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise invalid("limit", f"A whole number from 1 to {MAX_LIMIT}.")
    return int(raw)


def _territory(request, channel) -> str | None:
    raw = request.query_params.get("territory")
    if raw is None:
        return None
    if raw.upper() not in channel.territories:
        raise invalid("territory", "Not one of the channel's territories.")
    return raw.upper()


def _language(request) -> str | None:
    raw = request.query_params.get("lang")
    if raw is None:
        return None
    if not is_valid_tag(raw):
        raise invalid("lang", "Not a BCP 47 language tag.")
    return normalize_tag(raw)


def _conditional(request, body: dict) -> HttpResponse:
    """Serialise once; 304 when the client's ETag is current."""
    payload = orjson.dumps(body)
    etag = etag_for_body(payload)
    unchanged = not_modified(request, etag=etag)
    if unchanged is not None:
        return unchanged
    return validators_apply(HttpResponse(payload, content_type="application/json"), etag=etag)


class RecommendationsView(APIView):
    permission_classes = [HasScope]
    required_scopes = [ApiKeyScope.CATALOG_READ]


class ChannelRecommendationsView(RecommendationsView):
    """The matching model's line-up for one of your channels: ranked titles with a demand index and why."""

    @extend_schema(
        operation_id="channels_recommendations",
        tags=["recommendations"],
        parameters=[TERRITORY, LANG, LIMIT, IF_NONE_MATCH],
        responses={200: ChannelRecommendationsSerializer, 304: OpenApiResponse(description="Not modified."),
                   400: BAD_QUERY, 404: NOT_FOUND},
    )  # fmt: skip
    def get(self, request, pk):
        """Titles you may show on this channel now, best first; every one re-checked against your rights as
        it is served. An empty list says why in `empty_reason`."""
        channel = channel_of(organization=request.tenant, channel_id=object_id(pk))
        read = channel_lineup(
            channel=channel, territory=_territory(request, channel), language=_language(request), limit=_limit(request)
        )
        return _conditional(request, read.as_dict())


class UserRecommendationsView(RecommendationsView):
    """Top titles for one of your users (your pseudonymous id) on one of your channels."""

    @extend_schema(
        operation_id="users_recommendations",
        tags=["recommendations"],
        parameters=[
            OpenApiParameter("channel", int, required=True, description="One of your channels."),
            TERRITORY, LANG, LIMIT, IF_NONE_MATCH,
        ],
        responses={200: UserRecommendationsSerializer, 304: OpenApiResponse(description="Not modified."),
                   400: BAD_QUERY, 404: NOT_FOUND},
    )  # fmt: skip
    def get(self, request, user_ref):
        """ "Continue watching" (titles started and not finished) and the user's top titles; a user with fewer
        than 3 events gets what their territory and language watch."""
        if not user_ref or len(user_ref) > 128:
            raise NotFoundError()
        raw_channel = request.query_params.get("channel")
        if raw_channel is None:
            raise invalid("channel", "Required: one of your channel ids.")
        channel = channel_of(organization=request.tenant, channel_id=object_id(raw_channel))
        read = user_recommendations(
            organization=request.tenant, user_ref=user_ref, channel=channel, territory=_territory(request, channel),
            language=_language(request), limit=_limit(request),
        )  # fmt: skip
        return _conditional(request, read.as_dict())
