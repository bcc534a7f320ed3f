"""The one error shape, documented on every operation with examples."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

# --- The one error shape, documented -------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """Every error of the API: a stable `code`, a human `detail`, and `fields` for invalid input."""

    code = serializers.CharField()
    detail = serializers.CharField()
    # The error shape's key is `fields`, a name Serializer also uses (this serializer only documents).
    fields = serializers.DictField(required=False, help_text="Per-field messages (code `invalid`).")  # type: ignore[assignment]


def error_example(code: str, detail: str, **extra) -> OpenApiExample:
    return OpenApiExample(code, value={"code": code, "detail": detail, **extra}, response_only=True)


def error_response(description: str, *examples: OpenApiExample) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description, examples=list(examples))


# Answered before any view, for every operation: a Host header not in ALLOWED_HOSTS, or malformed.
BAD_HOST_EXAMPLE = OpenApiExample(
    "invalid_host", value={"code": "invalid", "detail": "Bad Request."}, response_only=True
)
BAD_HOST_ERROR = error_response("The Host header is not one of the platform's configured hosts.", BAD_HOST_EXAMPLE)
STANDARD_ERRORS = {
    400: BAD_HOST_ERROR,
    401: error_response(
        "No key, or an unknown, revoked or expired key.",
        error_example("not_authenticated", "Authentication credentials were not provided."),
        error_example("authentication_failed", "This API key has been revoked."),
    ),
    403: error_response(
        "The key lacks the scope this endpoint requires.",
        error_example("permission_denied", "This API key lacks the scope(s): catalog:read."),
    ),
    405: error_response(
        "The method is not allowed on this endpoint.",
        error_example("method_not_allowed", 'Method "PUT" not allowed.'),
    ),
    406: error_response(
        "Only JSON is served.", error_example("not_acceptable", "Could not satisfy the request Accept header.")
    ),
    429: error_response(
        "Too many requests for this key; retry after `Retry-After` seconds.",
        error_example("throttled", "Request was throttled. Expected available in 12 seconds."),
    ),
    503: error_response(
        "The database is briefly unavailable (restarting, failing over); retry after `Retry-After` seconds.",
        error_example(
            "service_unavailable",
            "The service is briefly unavailable; retry after the number of seconds in Retry-After.",
        ),
    ),
}
NOT_FOUND_ERROR = error_response(
    "Missing, or not the caller's: the same body either way.", error_example("not_found", "Not found.")
)
INVALID_EXAMPLE = error_example(
    "invalid", "The request is invalid; see fields.", fields={"url": ["Enter a valid URL."]}
)
INVALID_ERROR = error_response(
    "Invalid input; `fields` names each problem. Also a Host header that is not the platform's.",
    INVALID_EXAMPLE,
    BAD_HOST_EXAMPLE,
)
BODY_ERRORS = {
    400: error_response(
        "Invalid input (`fields` names each problem), a JSON body nested too deep (`too_deep`), or a Host "
        "header that is not the platform's.",
        INVALID_EXAMPLE,
        error_example("too_deep", "The JSON body is nested deeper than 32 levels."),
        BAD_HOST_EXAMPLE,
    ),
    413: error_response(
        "The body is larger than the limit (2 MiB by default).",
        error_example("payload_too_large", "The request body is larger than 2097152 bytes."),
    ),
    415: error_response(
        "Bodies are JSON.", error_example("unsupported_media_type", 'Unsupported media type "text/plain" in request.')
    ),
}


class PartnerAutoSchema(AutoSchema):
    """Documents the errors every endpoint can answer, so each operation lists them with examples."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        extra: dict = dict(STANDARD_ERRORS)
        if self.method in ("POST", "PUT", "PATCH"):
            extra.update(BODY_ERRORS)
        if self.method == "GET" and self._is_list_view():
            extra[400] = INVALID_ERROR
        if "{" in self.path:
            extra[404] = NOT_FOUND_ERROR
        for status_code, response in extra.items():
            if str(status_code) not in responses:
                responses[str(status_code)] = self._get_response_for_code(
                    response, str(status_code), direction=direction
                )
        return responses


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """`Authorization: Api-Key <key>` in the schema, so the docs' Authorize button works."""

    target_class = "partners.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key migu_<prefix>_<secret>`",
        }
