"""The API's one error shape, {"code": ..., "detail": ..., ["fields": ...]}, and the one handler that
maps errors to it.

Domain errors (migu_platform.errors) carry no HTTP: the status comes from their kind here, once.
DRF's own exceptions map to the same shape and the shared codes.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from migu_platform.errors import (
    ConflictError,
    DomainError,
    ErrorCode,
    NotFoundError,
    RefusedError,
    TooLargeError,
)

# The status of each kind of domain error; a subclass takes its nearest listed ancestor's.
STATUS_BY_ERROR: dict[type[DomainError], int] = {
    NotFoundError: status.HTTP_404_NOT_FOUND,
    ConflictError: status.HTTP_409_CONFLICT,
    RefusedError: status.HTTP_403_FORBIDDEN,
    TooLargeError: status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    DomainError: status.HTTP_400_BAD_REQUEST,
}

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

NOT_FOUND_BODY = NotFoundError().as_dict()
SERVER_ERROR_BODY = {"code": ErrorCode.SERVER_ERROR.value, "detail": "Something went wrong on our side."}

# The database went away (restarted, failed over, out of connections): the request may be retried as is.
DATABASE_UNAVAILABLE = (DatabaseOperationalError, DatabaseInterfaceError)
SERVICE_UNAVAILABLE_BODY = {
    "code": ErrorCode.SERVICE_UNAVAILABLE.value,
    "detail": "The service is briefly unavailable; retry after the number of seconds in Retry-After.",
}
SERVICE_UNAVAILABLE_RETRY_AFTER = "5"


def service_unavailable_response() -> Response:
    return Response(
        dict(SERVICE_UNAVAILABLE_BODY),
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": SERVICE_UNAVAILABLE_RETRY_AFTER},
    )


def status_for(error: DomainError) -> int:
    for klass in type(error).__mro__:
        if klass in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[klass]
    return status.HTTP_400_BAD_REQUEST


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
        return Response(exc.as_dict(), status=status_for(exc))
    if isinstance(exc, DATABASE_UNAVAILABLE):
        # Not set_rollback(): the connection is gone, and Django discards it after the request
        # (CONN_HEALTH_CHECKS), so the next request reconnects.
        return service_unavailable_response()
    if isinstance(exc, Http404):
        # Django's own 404 (a router or a shortcut): the same fixed body as NotFoundError.
        set_rollback()
        return Response(dict(NOT_FOUND_BODY), status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]  # set by DRF on 401s
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]  # set by DRF on 429s

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
