"""One error shape for the whole API: {"code": ..., "detail": ..., ["fields": ...]}.

Domain code raises DomainError subclasses (each app keeps its codes in an enum); DRF's own
exceptions are mapped to the same shape here, once.
"""

from __future__ import annotations

import enum
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback


class ErrorCode(enum.StrEnum):
    """Codes shared by every endpoint; apps add their own enums for domain errors."""

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
    SERVER_ERROR = "server_error"


class DomainError(Exception):
    """A refusal of the domain, carrying its API code and HTTP status."""

    status_code = status.HTTP_400_BAD_REQUEST
    code: str = ErrorCode.INVALID.value

    def __init__(self, detail: str, *, code: str | enum.Enum | None = None, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code.value if isinstance(code, enum.Enum) else code
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "detail": self.detail, **self.extra}


class ConflictError(DomainError):
    status_code = status.HTTP_409_CONFLICT


class NotFoundError(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = ErrorCode.NOT_FOUND.value


_DRF_CODES: dict[type[exceptions.APIException], ErrorCode] = {
    exceptions.ValidationError: ErrorCode.INVALID,
    exceptions.ParseError: ErrorCode.PARSE_ERROR,
    exceptions.NotAuthenticated: ErrorCode.NOT_AUTHENTICATED,
    exceptions.AuthenticationFailed: ErrorCode.AUTHENTICATION_FAILED,
    exceptions.PermissionDenied: ErrorCode.PERMISSION_DENIED,
    exceptions.NotFound: ErrorCode.NOT_FOUND,
    exceptions.MethodNotAllowed: ErrorCode.METHOD_NOT_ALLOWED,
    exceptions.NotAcceptable: ErrorCode.NOT_ACCEPTABLE,
    exceptions.UnsupportedMediaType: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    exceptions.Throttled: ErrorCode.THROTTLED,
}

NOT_FOUND_BODY = {"code": ErrorCode.NOT_FOUND.value, "detail": "Not found."}


def error_body(code: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "detail": detail, **extra}


def _api_exception_code(exc: exceptions.APIException) -> str:
    for klass in type(exc).__mro__:
        if klass in _DRF_CODES:
            return _DRF_CODES[klass].value
    return ErrorCode.SERVER_ERROR.value if exc.status_code >= 500 else ErrorCode.INVALID.value


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DomainError):
        set_rollback()
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, Http404):
        # "Missing" and "not yours" must be indistinguishable: one fixed body.
        set_rollback()
        return Response(dict(NOT_FOUND_BODY), status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))

    code = _api_exception_code(exc)
    if isinstance(exc, exceptions.NotFound):
        body = dict(NOT_FOUND_BODY)
    elif isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body = error_body(code, "The request is invalid; see fields.", fields=fields)
    else:
        body = error_body(code, str(exc.detail))
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)
