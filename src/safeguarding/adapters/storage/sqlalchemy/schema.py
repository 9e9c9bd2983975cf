"""What every table shares: the metadata with its naming convention, and the column types
that read the same on SQLite and PostgreSQL."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

import pydantic_core
from sqlalchemy import DateTime, Dialect, MetaData, String, TypeDecorator, bindparam

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on SQLite (which stores naive text) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Id = String(128)


def expanding_ids() -> Any:
    """The ``:ids`` parameter of a prepared ``IN`` query, expanded to the list given."""
    return bindparam("ids", expanding=True)


class EncodedJson(str):
    """JSON text already encoded (``model_dump_json``), written to a JSON column as it is:
    a decision encoded by pydantic in one step costs a fifth of a dict built and dumped."""


def json_text(value: Any) -> str:
    """A JSON column's value as text, by pydantic's Rust encoder."""
    if isinstance(value, EncodedJson):
        return str(value)
    return pydantic_core.to_json(value).decode()


# The JSON columns (decisions, conversation state, account facts) are read and written for
# every event; the json module's codec was a tenth of a batch's time.
FAST_JSON: dict[str, Any] = {
    "json_serializer": json_text,
    # Keys only: a cache of values would keep every id and text it met alive (a leak).
    "json_deserializer": functools.partial(pydantic_core.from_json, cache_strings="keys"),
}
