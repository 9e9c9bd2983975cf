"""The hash-bank part of the unit of work (``ports.store.BankStore``), kept apart for size."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, text, update

from safeguarding.adapters.storage.sqlalchemy import tables as t
from safeguarding.adapters.storage.sqlalchemy.rows import Rows
from safeguarding.domain.banks import (
    Bank,
    BankChange,
    BankEntry,
    BankKind,
    BankVersion,
    EntryState,
    HashType,
)

_LIVE = t.bank_hashes.c.removed_version.is_(None)
_INSERT_CHUNK = 5_000
_h = t.bank_hashes.c
_ENTRY = (_h.entry_id, _h.bank, _h.hash_type, _h.value, _h.added_version)


class BankRows(Rows):
    """Bank rows to and from domain objects."""

    def listed(self) -> list[Bank]:
        rows = self.conn.execute(select(t.banks).order_by(t.banks.c.name))
        return [_bank(row) for row in rows]

    def get(self, name: str) -> Bank | None:
        row = self.conn.execute(select(t.banks).where(t.banks.c.name == name)).first()
        return _bank(row) if row else None

    def put(self, bank: Bank) -> None:
        row = bank.model_dump(mode="python")
        row["kind"] = bank.kind.value
        row["harm"] = bank.harm.value
        found = self.conn.execute(
            update(t.banks).where(t.banks.c.name == bank.name).values(**row)
        ).rowcount
        if not found:
            self.conn.execute(t.banks.insert().values(**row))

    def delete(self, name: str) -> int:
        """Remove a bank with its versions and hashes; returns how many hashes went."""
        gone = self.conn.execute(delete(t.bank_hashes).where(t.bank_hashes.c.bank == name))
        self.conn.execute(delete(t.bank_versions).where(t.bank_versions.c.bank == name))
        self.conn.execute(delete(t.banks).where(t.banks.c.name == name))
        return int(gone.rowcount or 0)

    def versions(self, name: str) -> list[BankVersion]:
        v = t.bank_versions.c
        rows = self.conn.execute(select(t.bank_versions).where(v.bank == name).order_by(v.version))
        return [BankVersion.model_validate(row._asdict()) for row in rows]

    def version_add(self, version: BankVersion) -> None:
        self.conn.execute(t.bank_versions.insert().values(**version.model_dump()))

    def hashes_live(self, name: str) -> dict[tuple[HashType, str], int]:
        h = t.bank_hashes.c
        rows = self.conn.execute(
            select(h.entry_id, h.hash_type, h.value).where(h.bank == name, _LIVE)
        )
        return {(HashType(row.hash_type), row.value): row.entry_id for row in rows}

    def hashes_at(self, name: str, version: int) -> set[tuple[HashType, str]]:
        h = t.bank_hashes.c
        alive = or_(h.removed_version.is_(None), h.removed_version > version)
        rows = self.conn.execute(
            select(h.hash_type, h.value).where(h.bank == name, h.added_version <= version, alive)
        )
        return {(HashType(row.hash_type), row.value) for row in rows}

    def hashes_add(self, name: str, version: int, hashes: Collection[tuple[HashType, str]]) -> None:
        rows = [
            {"bank": name, "hash_type": kind.value, "value": value, "added_version": version}
            for kind, value in hashes
        ]
        for at in range(0, len(rows), _INSERT_CHUNK):
            self.conn.execute(t.bank_hashes.insert(), rows[at : at + _INSERT_CHUNK])

    def hashes_remove(self, name: str, version: int, entry_ids: Collection[int]) -> None:
        h = t.bank_hashes.c
        ids = list(entry_ids)
        for at in range(0, len(ids), _INSERT_CHUNK):
            self.conn.execute(
                update(t.bank_hashes)
                .where(and_(h.bank == name, h.entry_id.in_(ids[at : at + _INSERT_CHUNK])))
                .values(removed_version=version)
            )

    def entries_live(self) -> list[BankEntry]:
        return [entry for chunk in self.entries_chunks(_INSERT_CHUNK) for entry in chunk]

    def entries_chunks(self, size: int) -> Iterator[list[BankEntry]]:
        """Every live hash in entry order, ``size`` rows at a time: the driver streams them
        (a server-side cursor on PostgreSQL), so no more than a chunk is held at once."""
        h = t.bank_hashes.c
        rows = self.conn.execution_options(yield_per=size).execute(
            select(*_ENTRY).where(_LIVE).order_by(h.entry_id)
        )
        for part in rows.partitions():
            yield [_entry(row) for row in part]

    def entries_touched(self, changes: Sequence[BankChange]) -> list[EntryState]:
        """The rows a version added or removed, and the entries switched, as they are now."""
        h = t.bank_hashes.c
        versions = [
            and_(
                h.bank == c.bank, or_(h.added_version == c.version, h.removed_version == c.version)
            )
            for c in changes
            if c.version is not None
        ]
        switched = sorted({c.entry_id for c in changes if c.entry_id is not None})
        found: dict[int, EntryState] = {}
        query = select(*_ENTRY, h.removed_version, h.disable_until_ts)
        wheres = [*versions] + [
            h.entry_id.in_(switched[at : at + _INSERT_CHUNK])
            for at in range(0, len(switched), _INSERT_CHUNK)
        ]
        for where in wheres:
            for row in self.conn.execute(query.where(where)):
                live = row.removed_version is None
                found[row.entry_id] = EntryState(_entry(row), live, row.disable_until_ts)
        return [found[entry_id] for entry_id in sorted(found)]

    def entry_get(self, name: str, entry_id: int) -> BankEntry | None:
        """One live hash of a bank by its entry id (None when gone or in another bank)."""
        h = t.bank_hashes.c
        row = self.conn.execute(
            select(h.entry_id, h.bank, h.hash_type, h.value, h.added_version).where(
                h.bank == name, h.entry_id == entry_id, _LIVE
            )
        ).first()
        if row is None:
            return None
        kind = HashType(row.hash_type)
        return BankEntry(row.entry_id, row.bank, kind, row.value, row.added_version)

    def entries_switched_off(self) -> dict[int, int]:
        h = t.bank_hashes.c
        rows = self.conn.execute(
            select(h.entry_id, h.disable_until_ts).where(_LIVE, h.disable_until_ts != 1)
        )
        return {row.entry_id: row.disable_until_ts for row in rows}

    def entry_switch(self, entry_id: int, disable_until_ts: int) -> None:
        h = t.bank_hashes.c
        self.conn.execute(
            update(t.bank_hashes)
            .where(h.entry_id == entry_id)
            .values(disable_until_ts=disable_until_ts)
        )

    def revision(self) -> int:
        found = self.conn.execute(select(func.max(t.bank_changes.c.change_id))).scalar()
        return int(found or 0)

    def revision_at(self) -> datetime | None:
        """When the banks last changed (None before the first change)."""
        c = t.bank_changes.c
        latest = select(c.at).order_by(c.change_id.desc()).limit(1)
        return self.conn.execute(latest).scalar()  # type: ignore[no-any-return]

    def revision_bump(self, at: datetime, change: BankChange | None = None) -> int:
        if self.conn.dialect.name == "postgresql":
            # Change ids must become visible in their order, or a process that saw 7 would
            # never look at a 6 committed after it: one bank writer at a time from here on
            # (readers go on; the lock ends with the transaction).
            self.conn.execute(text("LOCK TABLE bank_changes IN EXCLUSIVE MODE"))
        row: dict[str, Any] = {"at": at}
        if change is not None:
            row |= {
                "bank": change.bank,
                "version": change.version,
                "entry_id": change.entry_id,
                "hashes": change.hashes,
            }
        self.conn.execute(t.bank_changes.insert().values(**row))
        return self.revision()

    def changes_since(self, revision: int) -> list[BankChange]:
        c = t.bank_changes.c
        rows = self.conn.execute(
            select(c.change_id, c.bank, c.version, c.entry_id, c.hashes)
            .where(c.change_id > revision)
            .order_by(c.change_id)
        )
        return [BankChange(**row._asdict()) for row in rows]


def _entry(row: Any) -> BankEntry:
    kind = _TYPES[row.hash_type]
    return BankEntry(row.entry_id, row.bank, kind, row.value, row.added_version)


_TYPES = {kind.value: kind for kind in HashType}


def _bank(row: Any) -> Bank:
    data = row._asdict()
    data["kind"] = BankKind(data["kind"])
    return Bank.model_validate(data)
