"""Hash banks: create, change, import into, roll back; and keep each process's index current.

Every change is one transaction that also bumps the bank revision and writes an audit
record, so an import either lands whole or not at all. The process that made a change
brings its index up to date at once; every other process looks at the revision (a
``Snapshot`` of the index) at most every ``recheck_seconds``, in a background thread, and
catches up while matching goes on against the index it has.

Up to date means: the changes logged since the snapshot's revision that touch hashes alone
(an import, a removal, a rollback, an entry switched) are applied to a copy of the snapshot,
reading only the hashes they touched (``bank_snapshots``). A change to banks themselves, or
more than ``max_incremental`` hashes at once, rebuilds the index from a stream of live hashes.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any, Protocol

from safeguarding.detectors.media.bank_index import BankIndex, IndexHolder
from safeguarding.domain.audit_actions import AuditAction, AuditSubject
from safeguarding.domain.banks import (
    Bank,
    BankChange,
    BankEntry,
    BankKind,
    BankVersion,
    HashType,
    ImportMode,
)
from safeguarding.domain.errors import Conflict, InvalidInput, NotFound, StoreClosed
from safeguarding.domain.ids import Clock
from safeguarding.ports.store import HasAudit, HasBanks, HasPartnerAccounts, Transactions
from safeguarding.services import auditor
from safeguarding.services.bank_snapshots import built_from_store, changes_applied, due, timed
from safeguarding.services.caches import Snapshot

Progress = Callable[[int], None]
_CHUNK = 5_000
ENTRY_ON = 1  # HMA's disable_until_ts of an entry that matches
MAX_SWITCH_OFF_SECONDS = 5 * 365 * 24 * 3600  # HMA's bound on disable_until_ts
MAX_INCREMENTAL = 100_000  # hashes touched since the snapshot past which a rebuild is cheaper


class BankWork(HasAudit, HasBanks, HasPartnerAccounts, Protocol):
    """What bank curation, and building the index, read and write in one transaction."""


class BankService:
    """The use cases of hash banks, and the shared index they feed."""

    def __init__(
        self,
        store: Transactions[BankWork],
        clock: Clock,
        holder: IndexHolder,
        recheck_seconds: float = 1.0,
        max_incremental: int = MAX_INCREMENTAL,
    ) -> None:
        self.store = store
        self.clock = clock
        self.holder = holder
        self.max_incremental = max_incremental
        self._building = threading.Lock()
        self.building: threading.Thread | None = None  # the last background look started
        self._index = Snapshot(
            self._stored_revision,
            self.catch_up,
            max_staleness=recheck_seconds,
            revision_of=lambda index: index.revision,
        )
        self._hash_counts = Snapshot(
            lambda uow: uow.banks.revision(),
            lambda uow: _counts(uow, *(b.name for b in uow.banks.listed())),
        )

    @property
    def recheck_seconds(self) -> float:
        return self._index.max_staleness

    @recheck_seconds.setter
    def recheck_seconds(self, seconds: float) -> None:
        self._index.max_staleness = seconds

    # -- reading -------------------------------------------------------------
    def list(self, read: auditor.Read | None = None) -> list[tuple[Bank, dict[str, int]]]:
        """Every bank with its live hash counts by type."""
        with auditor.reading(self.store, self.clock, read) as uow:
            return [(bank, _counts(uow, bank.name)) for bank in uow.banks.listed()]

    def hash_counts(self) -> dict[str, int]:
        """Live hashes in all banks by type; counted again only when the banks changed."""
        with self.store.read() as uow:
            return dict(self._hash_counts.get(uow))

    def get(
        self, name: str, read: auditor.Read | None = None
    ) -> tuple[Bank, Sequence[BankVersion]]:
        with auditor.reading(self.store, self.clock, read) as uow:
            return _existing(uow, name), uow.banks.versions(name)

    def entry(
        self, name: str, entry_id: int, read: auditor.Read | None = None
    ) -> tuple[Bank, BankEntry, int]:
        """One live hash of a bank and its ``disable_until_ts`` (1: it matches), or NotFound."""
        with auditor.reading(self.store, self.clock, read) as uow:
            bank = _existing(uow, name)
            if (found := uow.banks.entry_get(name, entry_id)) is None:
                raise NotFound(f"bank {name!r} holds no entry {entry_id}")
            switched = uow.banks.entries_switched_off()
        return bank, found, switched.get(entry_id, ENTRY_ON)

    def switch_entry(self, name: str, entry_id: int, disable_until_ts: int, actor: str) -> None:
        """Switch one entry off (0), on (1), or off until a unix time, within five years."""
        latest = self.clock.now().timestamp() + MAX_SWITCH_OFF_SECONDS
        if not 0 <= disable_until_ts <= latest:
            raise InvalidInput(
                "disable_until_ts is 0 (off), 1 (on) or a unix time within five years"
            )
        with self.store.write() as uow:
            _existing(uow, name)
            if uow.banks.entry_get(name, entry_id) is None:
                raise NotFound(f"bank {name!r} holds no entry {entry_id}")
            uow.banks.entry_switch(entry_id, disable_until_ts)
            details = {"entry_id": entry_id, "disable_until_ts": disable_until_ts}
            change = BankChange(bank=name, entry_id=entry_id, hashes=1)
            self._changed(uow, actor, AuditAction.BANK_SWITCH_ENTRY, name, details, change)
        self.catch_up()

    def matchable_counts(self) -> tuple[dict[str, int], datetime | None]:
        """Live hashes by type of the enabled blocking banks, and when the banks last changed:
        what the next index will hold (entries switched off aside)."""
        with self.store.read() as uow:
            banks = [b.name for b in uow.banks.listed() if b.enabled and b.kind is BankKind.BLOCK]
            return _counts(uow, *banks), uow.banks.revision_at()

    def entry_ids(self, name: str, hashes: Sequence[tuple[HashType, str]]) -> Sequence[int]:
        """The entry ids of hashes the bank holds live, in the order given."""
        with self.store.read() as uow:
            live = uow.banks.hashes_live(name)
        return [live[h] for h in hashes if h in live]

    # -- changing ------------------------------------------------------------
    def create(self, bank: Bank, actor: str) -> Bank:
        with self.store.write() as uow:
            if uow.banks.get(bank.name) is not None:
                raise Conflict(f"a bank named {bank.name!r} exists already")
            uow.banks.put(bank)
            self._changed(
                uow, actor, AuditAction.BANK_CREATE, bank.name, bank.model_dump(mode="json")
            )
        self.rebuild()
        return bank

    def update(self, name: str, changes: dict[str, Any], actor: str) -> Bank:
        """Enable, disable, or change a bank's description, harm or distances."""
        allowed = {"enabled", "description", "harm", "pdq_threshold", "vpdq_match_percent"}
        unknown = sorted(set(changes) - allowed)
        if unknown:
            raise InvalidInput.about(
                unknown[0],
                f"cannot change {unknown}; changeable: {sorted(allowed)}",
                sorted(allowed),
            )
        with self.store.write() as uow:
            bank = _existing(uow, name)
            changed = Bank.model_validate({**bank.model_dump(), **changes})
            uow.banks.put(changed)
            self._changed(uow, actor, AuditAction.BANK_UPDATE, name, changes)
        self.rebuild()
        return changed

    def delete(self, name: str, actor: str) -> int:
        """Delete a bank and all it holds; returns how many live hashes went with it."""
        with self.store.write() as uow:
            _existing(uow, name)
            removed = len(uow.banks.hashes_live(name))
            uow.banks.delete(name)
            self._changed(uow, actor, AuditAction.BANK_DELETE, name, {"hashes": removed})
        self.rebuild()
        return removed

    def import_hashes(
        self,
        name: str,
        hashes: Sequence[tuple[HashType, str]],
        *,
        source: str,
        licence: str,
        actor: str,
        mode: ImportMode = ImportMode.ADD,
        progress: Progress | None = None,
    ) -> BankVersion:
        """Make a new version: the import added to (or replacing) what the bank holds."""
        with self.store.write() as uow:
            made = self._new_content(
                uow,
                _existing(uow, name),
                dict.fromkeys(hashes),
                AuditAction.BANK_IMPORT,
                actor,
                keep_others=mode is not ImportMode.REPLACE,
                progress=progress,
                source=source,
                licence=licence,
            )
        self.catch_up()
        return made

    def remove_entry(self, name: str, entry_id: int, actor: str) -> BankVersion | None:
        """Take one hash out of a bank as a new version; None when the bank holds no such entry."""
        with self.store.write() as uow:
            bank = _existing(uow, name)
            found = uow.banks.entry_get(name, entry_id)
            if found is None:
                return None
            version = _next_version(uow, name)
            uow.banks.hashes_remove(name, version, [entry_id])
            made = self._new_version(
                uow,
                bank,
                AuditAction.BANK_REMOVE_ENTRY,
                actor,
                version=version,
                source=f"entry {entry_id} removed",
                removed=1,
                total=len(uow.banks.hashes_live(name)),
            )
        self.catch_up()
        return made

    def rollback(self, name: str, to_version: int, actor: str) -> BankVersion:
        """Make a new version whose content is ``to_version``'s (history stays as it was)."""
        with self.store.write() as uow:
            bank = _existing(uow, name)
            if to_version not in {v.version for v in uow.banks.versions(name)}:
                raise NotFound(f"bank {name!r} has no version {to_version}")
            made = self._new_content(
                uow,
                bank,
                uow.banks.hashes_at(name, to_version),
                AuditAction.BANK_ROLLBACK,
                actor,
                source=f"rollback to version {to_version}",
                rolled_back_to=to_version,
            )
        self.catch_up()
        return made

    def _new_content(
        self,
        uow: BankWork,
        bank: Bank,
        wanted: Collection[tuple[HashType, str]],
        action: AuditAction,
        actor: str,
        *,
        keep_others: bool = False,
        progress: Progress | None = None,
        **fields: Any,
    ) -> BankVersion:
        """A new version holding ``wanted`` (and, with ``keep_others``, the live hashes it
        lacks): only the difference is written, then the version is recorded as ``action``."""
        live = uow.banks.hashes_live(bank.name)
        version = _next_version(uow, bank.name)
        fresh = [h for h in wanted if h not in live]
        gone = [] if keep_others else [i for h, i in live.items() if h not in wanted]
        _in_chunks(fresh, lambda part: uow.banks.hashes_add(bank.name, version, part), progress)
        uow.banks.hashes_remove(bank.name, version, gone)
        total = len(live) + len(fresh) - len(gone)
        return self._new_version(
            uow,
            bank,
            action,
            actor,
            version=version,
            added=len(fresh),
            removed=len(gone),
            total=total,
            **fields,
        )

    def _new_version(
        self, uow: BankWork, bank: Bank, action: AuditAction, actor: str, **fields: Any
    ) -> BankVersion:
        """Record a version (its hashes already written), make it live, audit it as ``action``."""
        made = BankVersion(bank=bank.name, created_at=self.clock.now(), created_by=actor, **fields)
        uow.banks.version_add(made)
        uow.banks.put(bank.model_copy(update={"version": made.version}))
        change = BankChange(bank=bank.name, version=made.version, hashes=made.added + made.removed)
        self._changed(uow, actor, action, bank.name, made.model_dump(mode="json"), change)
        return made

    def _changed(
        self,
        uow: BankWork,
        actor: str,
        action: AuditAction,
        name: str,
        details: dict[str, Any],
        change: BankChange | None = None,
    ) -> None:
        """Log the change (``change``: one to hashes alone, else to banks) and audit it."""
        now = self.clock.now()
        uow.banks.revision_bump(now, change)
        auditor.record(uow, now, actor, action, AuditSubject.bank(name), details)

    # -- the shared index ----------------------------------------------------
    def index(self) -> BankIndex:
        """The current snapshot, after a ``refresh()``: call it outside any transaction."""
        self.refresh()
        return self.holder.current

    def refresh(self) -> None:
        """Look at the bank revision in the background (at most every ``recheck_seconds``) and
        ``catch_up`` if it moved: ingest calls this per batch, deciding reads memory only."""
        if self._index.fresh() or (self.building is not None and self.building.is_alive()):
            return
        self.building = threading.Thread(target=self._look, name="bank-index", daemon=True)
        self.building.start()

    def _look(self) -> None:
        with contextlib.suppress(StoreClosed):  # shutting down: the next start builds afresh
            self._index.get()

    def close(self, timeout: float = 10.0) -> None:
        """Wait for the last background look (before the store it reads is closed)."""
        if self.building is not None:
            self.building.join(timeout)

    def _stored_revision(self) -> int:
        """The banks' revision (one read); -1, which no index has, once an entry is due back."""
        if due(self.holder.current.reenable_at, self.clock):
            return -1
        with self.store.read() as uow:
            return uow.banks.revision()

    def catch_up(self) -> BankIndex:
        """Apply the logged hash changes to a copy and swap it in; rebuild on bigger changes."""
        with self._building:
            current, started = self.holder.current, time.monotonic()
            if due(current.reenable_at, self.clock):
                return self._rebuild()
            updated, touched = changes_applied(
                self.store, self.clock, current, self.max_incremental
            )
            if updated is None:
                return self._rebuild()
            if updated is not current:
                self.holder.swap(updated)
                timed("bank index updated", started, updated.revision, touched)
            return updated

    def rebuild(self) -> BankIndex:
        """Build a snapshot from the store and swap it in (a compaction); matching goes on."""
        with self._building:
            return self._rebuild()

    def _rebuild(self) -> BankIndex:
        started = time.monotonic()
        built = built_from_store(self.store, self.clock)
        self.holder.swap(built)
        timed("bank index rebuilt", started, built.revision, built.size)
        return built


def _existing(uow: BankWork, name: str) -> Bank:
    bank = uow.banks.get(name)
    if bank is None:
        raise NotFound(f"no bank named {name!r}")
    return bank


def _next_version(uow: BankWork, name: str) -> int:
    versions = uow.banks.versions(name)
    return versions[-1].version + 1 if versions else 1


def _counts(uow: BankWork, *names: str) -> dict[str, int]:
    """Live hashes in these banks by type."""
    found = Counter(kind.value for name in names for kind, _ in uow.banks.hashes_live(name))
    return {t.value: found[t.value] for t in HashType}


def _in_chunks(
    items: list[tuple[HashType, str]],
    write: Callable[[list[tuple[HashType, str]]], None],
    progress: Progress | None,
) -> None:
    for at in range(0, len(items), _CHUNK):
        part = items[at : at + _CHUNK]
        write(part)
        if progress is not None:
            progress(len(part))
