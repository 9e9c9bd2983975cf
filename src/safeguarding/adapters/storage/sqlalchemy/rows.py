"""What every part of the unit of work shares: its connection, key ring and dialect, and the
insert-or-ignore and upsert statements, built once per table.

Every repository of the unit of work (``…Rows``) derives from ``Rows``; ``SqlUnitOfWork``
makes each over the transaction's one connection.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

from safeguarding.adapters.storage.crypto import ContentCipher


class Rows:
    """The connection of one transaction, and the two conflict-aware writes."""

    def __init__(self, conn: Connection, cipher: ContentCipher) -> None:
        self.conn = conn
        self.cipher = cipher
        self._dialect = conn.dialect.name

    def _insert_ignoring(self, table: Table, rows: Sequence[dict[str, Any]]) -> int:
        if not rows:
            return 0
        # RETURNING counts what was inserted; rowcount is not reliable on every driver.
        statement = _statement(self._dialect, table, "ignore", ())
        return len(self.conn.execute(statement, list(rows)).all())

    def _upsert(self, table: Table, rows: Sequence[dict[str, Any]], keys: tuple[str, ...]) -> None:
        if rows:
            self.conn.execute(_statement(self._dialect, table, "upsert", keys), list(rows))


@functools.cache
def _statement(dialect: str, table: Table, kind: str, keys: tuple[str, ...]) -> Any:
    """Upsert and insert-or-ignore statements, built once per table (building them is costly)."""
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    if kind == "ignore":
        key = next(iter(table.primary_key.columns))
        return insert.on_conflict_do_nothing().returning(key)
    changed = {c.name: insert.excluded[c.name] for c in table.columns if c.name not in keys}
    return insert.on_conflict_do_update(index_elements=list(keys), set_=changed)
