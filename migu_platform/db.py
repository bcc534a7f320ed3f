"""Server-side prepared statements for the few queries every partner request runs.

For a query that PostgreSQL answers from an index in a fraction of a millisecond, planning it costs as
much as running it. `execute_prepared` prepares a statement once per database session (PREPARE) and
runs it by name afterwards (EXECUTE), so only the first request of a connection plans it. Prepared
statements outlive transactions, including rolled-back ones, and die with the session.

Setting MIGU_DB_PREPARED_STATEMENTS (default True): turn off behind a pooler that shares sessions
between clients in transaction mode (PgBouncer), where a session's statements are not yours.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from functools import cache

from django.conf import settings
from django.db import connection

_NAMED = re.compile(r"%\((\w+)\)s")


@cache
def _numbered(sql: str) -> tuple[str, tuple[str, ...]]:
    """`sql` with $1, $2 ... for its %(name)s placeholders, and the names in that order (parsed once)."""
    names = tuple(sorted(set(_NAMED.findall(sql))))
    position = {name: n for n, name in enumerate(names, start=1)}
    return _NAMED.sub(lambda m: f"${position[m.group(1)]}", sql), names


def statement_name(prefix: str, sql: str) -> str:
    """The name of the statement preparing `sql`: `prefix` (what it reads) and a hash of the text, so that each
    form of a query (each combination of its filters) is prepared once under a name of its own."""
    return f"{prefix}_{hashlib.blake2b(sql.encode(), digest_size=6).hexdigest()}"


def _prepared_names() -> set[str]:
    """The statements prepared on the current session (a new session starts with none)."""
    raw = connection.connection
    state = getattr(connection, "_migu_prepared", None)
    if state is None or state[0] is not raw:
        state = (raw, set())
        connection._migu_prepared = state  # type: ignore[attr-defined]  # kept on the connection wrapper
    return state[1]


def execute_prepared(cursor, name: str, sql: str, params: Mapping[str, object]) -> None:
    """Run `sql` (with %(name)s placeholders) on `cursor`, a cursor of the default connection, as the
    prepared statement `name`."""
    if not settings.MIGU_DB_PREPARED_STATEMENTS:
        cursor.execute(sql, params)
        return
    numbered, names = _numbered(sql)
    prepared = _prepared_names()
    if name not in prepared:
        cursor.execute(f"PREPARE {name} AS {numbered}")
        prepared.add(name)
    placeholders = ", ".join(["%s"] * len(names))
    cursor.execute(f"EXECUTE {name} ({placeholders})" if names else f"EXECUTE {name}", [params[n] for n in names])
