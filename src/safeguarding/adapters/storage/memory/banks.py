"""The hash banks in memory (``uow.banks``), as ``sqlalchemy/banks.py`` keeps them: versions
that add and remove hashes, entries switched on and off, and the change log every process's
index follows."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime

from safeguarding.adapters.storage.memory.state import BankHashRow, BankTables, Repository
from safeguarding.domain.banks import Bank, BankChange, BankEntry, BankVersion, EntryState, HashType
from safeguarding.domain.errors import ConcurrentWrite


class MemoryBanks(Repository):
    """``BankStore`` in memory."""

    @property
    def t(self) -> BankTables:
        return self.s.banks

    def listed(self) -> list[Bank]:
        return sorted(self.t.banks.values(), key=lambda b: b.name)

    def get(self, name: str) -> Bank | None:
        return self.t.banks.get(name)

    def put(self, bank: Bank) -> None:
        self.t.banks[bank.name] = bank

    def delete(self, name: str) -> int:
        """Remove a bank with its versions and hashes; returns how many hashes went."""
        gone = [i for i, row in self.t.hashes.items() if row.bank == name]
        for entry_id in gone:
            del self.t.hashes[entry_id]
        self.t.versions = {k: v for k, v in self.t.versions.items() if k[0] != name}
        self.t.banks.pop(name, None)
        return len(gone)

    def versions(self, name: str) -> list[BankVersion]:
        found = [v for (bank, _), v in self.t.versions.items() if bank == name]
        return sorted(found, key=lambda v: v.version)

    def version_add(self, version: BankVersion) -> None:
        key = (version.bank, version.version)
        if key in self.t.versions:
            raise ConcurrentWrite("another writer stored the same record first")
        self.t.versions[key] = version

    def hashes_live(self, name: str) -> dict[tuple[HashType, str], int]:
        return {(r.hash_type, r.value): r.entry_id for r in self._rows(name) if r.live}

    def hashes_at(self, name: str, version: int) -> set[tuple[HashType, str]]:
        return {
            (r.hash_type, r.value)
            for r in self._rows(name)
            if r.added_version <= version
            and (r.removed_version is None or r.removed_version > version)
        }

    def hashes_add(self, name: str, version: int, hashes: Collection[tuple[HashType, str]]) -> None:
        for kind, value in hashes:
            self.t.last_entry_id += 1
            entry_id = self.t.last_entry_id
            self.t.hashes[entry_id] = BankHashRow(entry_id, name, kind, value, version)

    def hashes_remove(self, name: str, version: int, entry_ids: Collection[int]) -> None:
        for entry_id in entry_ids:
            row = self.t.hashes.get(entry_id)
            if row is not None and row.bank == name:
                row.removed_version = version

    def entries_live(self) -> list[BankEntry]:
        return [r.entry() for r in self._live()]

    def entries_chunks(self, size: int) -> Iterator[list[BankEntry]]:
        """Every live hash in entry order, ``size`` at a time."""
        live = [r.entry() for r in self._live()]
        for at in range(0, len(live), size):
            yield live[at : at + size]

    def entries_touched(self, changes: Sequence[BankChange]) -> list[EntryState]:
        """The rows a version added or removed, and the entries switched, as they are now."""
        versions = {(c.bank, c.version) for c in changes if c.version is not None}
        switched = {c.entry_id for c in changes if c.entry_id is not None}
        return [
            EntryState(row.entry(), row.live, row.disable_until_ts)
            for row in self._ordered()
            if row.entry_id in switched
            or (row.bank, row.added_version) in versions
            or (row.bank, row.removed_version) in versions
        ]

    def entry_get(self, name: str, entry_id: int) -> BankEntry | None:
        """One live hash of a bank by its entry id (None when gone or in another bank)."""
        row = self.t.hashes.get(entry_id)
        return row.entry() if row is not None and row.bank == name and row.live else None

    def entries_switched_off(self) -> dict[int, int]:
        return {r.entry_id: r.disable_until_ts for r in self._live() if r.disable_until_ts != 1}

    def entry_switch(self, entry_id: int, disable_until_ts: int) -> None:
        row = self.t.hashes.get(entry_id)
        if row is not None:
            row.disable_until_ts = disable_until_ts

    def revision(self) -> int:
        return len(self.t.changes)

    def revision_at(self) -> datetime | None:
        """When the banks last changed (None before the first change)."""
        return self.t.changes[-1][1] if self.t.changes else None

    def revision_bump(self, at: datetime, change: BankChange | None = None) -> int:
        logged = dataclasses.replace(change or BankChange(), change_id=self.revision() + 1)
        self.t.changes.append((logged, at))
        return logged.change_id

    def changes_since(self, revision: int) -> list[BankChange]:
        return [change for change, _ in self.t.changes[revision:]]

    def _rows(self, name: str) -> list[BankHashRow]:
        return [r for r in self.t.hashes.values() if r.bank == name]

    def _ordered(self) -> list[BankHashRow]:
        return sorted(self.t.hashes.values(), key=lambda r: r.entry_id)

    def _live(self) -> list[BankHashRow]:
        return [r for r in self._ordered() if r.live]
