"""Path parameters every API shares."""

from __future__ import annotations

from migu_platform.errors import NotFoundError

MAX_BIGINT = 2**63 - 1


def object_id(value: object) -> int:
    """A path id as a primary key; an id no row can have (beyond bigint, not a number) is simply not found,
    like any other missing id, and never reaches the database."""
    try:
        number = int(str(value)) if str(value).isascii() else 0
    except ValueError:
        number = 0
    if not 0 < number <= MAX_BIGINT:
        raise NotFoundError()
    return number
