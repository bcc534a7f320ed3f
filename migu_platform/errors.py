"""Domain errors: what went wrong, as a code, a message and per-field messages.

Services and selectors raise these; they know nothing of HTTP. The API's one exception handler
(migu_platform.api.error_responses) maps each kind of error to a status, and every app keeps its codes in an
enum of its own (`CatalogErrorCode`, `RightsErrorCode`, ...). "Missing" and "not yours" are one
error, NotFoundError, so a foreign tenant's object cannot be told from a missing one.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, TypeVar

from django.utils import timezone

T = TypeVar("T")


class ErrorCode(enum.StrEnum):
    """Codes shared by every app; apps add their own enums for their domain errors."""

    INVALID = "invalid"
    NOT_FOUND = "not_found"
    NOT_AUTHENTICATED = "not_authenticated"
    AUTHENTICATION_FAILED = "authentication_failed"
    PERMISSION_DENIED = "permission_denied"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    THROTTLED = "throttled"
    PARSE_ERROR = "parse_error"
    INVALID_CURSOR = "invalid_cursor"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    TOO_DEEP = "too_deep"
    SERVER_ERROR = "server_error"
    SERVICE_UNAVAILABLE = "service_unavailable"


class DomainError(Exception):
    """Bad input or a refused request: `code` (an enum member), a `message` for people, `fields`
    (per-field messages) and any `extra` facts worth returning (the conflicting window's id ...)."""

    code: enum.StrEnum = ErrorCode.INVALID

    def __init__(
        self,
        message: str,
        *,
        code: enum.StrEnum | None = None,
        fields: dict[str, list[str]] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.fields = fields
        self.extra = extra

    @property
    def detail(self) -> str:
        return self.message

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": str(self.code), "detail": self.message}
        if self.fields is not None:
            body["fields"] = self.fields
        body.update(self.extra)
        return body


class NotFoundError(DomainError):
    """Missing, or not the caller's: one error for both."""

    code = ErrorCode.NOT_FOUND

    def __init__(self, message: str = "Not found.", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)


class ConflictError(DomainError):
    """The request contradicts the current state (an overlap, a workflow step out of order)."""


class RefusedError(DomainError):
    """Understood and valid, but not allowed for this caller here and now (a territory not licensed)."""


class TooLargeError(DomainError):
    """An input beyond a configured size limit."""

    code = ErrorCode.PAYLOAD_TOO_LARGE


def moment_text(value: dt.datetime | None, *, open_end: str = "open end") -> str:
    """An instant as error messages write it for people: "2026-01-01 08:00 +08" in the time zone active for the
    request (the admin user's own, UTC on the API); `open_end` for None."""
    if value is None:
        return open_end
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z")


def invalid(field: str, message: str) -> DomainError:
    """Bad input in one field, in the project's `fields` shape."""
    return DomainError("The request is invalid; see fields.", code=ErrorCode.INVALID, fields={field: [message]})


def found(value: T | None) -> T:
    """`value`, or NotFoundError when the lookup found nothing (the access helpers' one answer)."""
    if value is None:
        raise NotFoundError()
    return value
