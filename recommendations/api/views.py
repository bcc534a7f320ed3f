from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from migu_platform.api.schema import error_example, error_response
from migu_platform.errors import DomainError, ErrorCode
from partners.models import ApiKeyScope
from partners.permissions import HasScope
from recommendations.api.serializers import (
    PlaybackEventBatchResultSerializer,
    PlaybackEventBatchSerializer,
    PlaybackEventInSerializer,
)
from recommendations.errors import EventsErrorCode
from recommendations.services import MAX_EVENTS_PER_BATCH, PlaybackEventIn, playback_events_record

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
                            "code": "unknown_title",
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
