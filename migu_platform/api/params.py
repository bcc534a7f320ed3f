"""Declared types of every path segment, query parameter and decoded cursor the API reads.

One layer: views read their inputs through these (or a FilterSet), never through isdigit() or hand
parsing, so a NUL byte, a lone surrogate, a superscript or another script's digits, an impossible date
or a wrong type inside a cursor is a 400 naming the parameter and never reaches the database.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

import orjson
from rest_framework import serializers

from migu_platform.errors import DomainError, ErrorCode, NotFoundError

MAX_BIGINT = 2**63 - 1
_ASCII_INTEGER = re.compile(r"-?[0-9]{1,19}")


def object_id(value: object) -> int:
    """A path id as a primary key; an id no row can have (beyond bigint, not a number) is simply not found,
    like any other missing id, and never reaches the database."""
    text = str(value)
    number = int(text) if _ASCII_INTEGER.fullmatch(text) else 0
    if not 0 < number <= MAX_BIGINT:
        raise NotFoundError()
    return number


class StrictIntegerField(serializers.IntegerField):
    """A whole number written in ASCII digits (query strings) or a JSON integer (cursors, bodies).

    int() alone takes "٣" (Arabic-Indic three), " 7 " and "1_000", and DRF's IntegerField takes 1.0
    and True; none of them is a number a client meant to send.
    """

    def __init__(self, *, text: bool = True, **kwargs: Any) -> None:
        self.text = text  # False inside JSON (cursors): "1" is not 1 there
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int | str) or (isinstance(data, str) and not self.text):
            self.fail("invalid")
        if isinstance(data, str) and not _ASCII_INTEGER.fullmatch(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """Text that PostgreSQL can hold and a response can echo: no NUL, no lone surrogate, no control
    characters (DRF's CharField refuses the first two; tabs and newlines are not parameters either)."""

    default_error_messages = {"control": "Control characters are not allowed."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if any(ord(char) < 32 or ord(char) == 127 for char in value):
            self.fail("control")
        return value


def query_params(serializer_class: type[serializers.Serializer], request) -> dict[str, Any]:
    """The request's query parameters validated by `serializer_class`; a 400 naming each bad one."""
    data = {name: request.query_params.get(name) for name in serializer_class().fields if name in request.query_params}
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise DomainError("The request is invalid; see fields.", code=ErrorCode.INVALID, fields=dict(serializer.errors))
    return dict(serializer.validated_data)


def cursor_invalid() -> DomainError:
    return DomainError("This cursor is not valid.", code=ErrorCode.INVALID_CURSOR)


def cursor_encode(payload: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


def cursor_decode(raw: str | None, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
    """A cursor the API handed out: base64 of a JSON object whose members `serializer_class` declares.
    Anything else (not base64, not an object, a member of the wrong type, an impossible date) is
    `invalid_cursor`; a missing cursor is the declared defaults."""
    payload: Any = {}
    if raw:
        try:
            if not raw.isascii():
                raise ValueError
            payload = orjson.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        except (ValueError, binascii.Error) as exc:  # orjson.JSONDecodeError is a ValueError
            raise cursor_invalid() from exc
        if not isinstance(payload, dict) or not set(payload) <= set(serializer_class().fields):
            raise cursor_invalid()
    serializer = serializer_class(data=payload)
    if not serializer.is_valid():
        raise cursor_invalid()
    return dict(serializer.validated_data)
