"""Hash banks: create, change, import into, roll back; and keep each process's index current.

Every change is one transaction that also bumps the bank revision and writes an audit
record, so an import either lands whole or not at all. The process that made a change
rebuilds its index at once; every other process (a second ``serve``, a ``worker``) sees
the revision move at its next look, at most ``recheck_seconds`` later, and rebuilds in a
background thread while matching goes on against the snapshot it has.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from safeguarding.detectors.media.bank_index import BankIndex, IndexHolder
from safeguarding.domain.audit import AuditEntry
from safeguarding.domain.banks import Bank, BankVersion, HashType, ImportMode
from safeguarding.domain.errors import Conflict, InvalidInput, NotFound
from safeguarding.domain.ids import Clock
from safeguarding.ports.store import Store, UnitOfWork

log = logging.getLogger("safeguarding.banks")
Progress = Callable[[int], None]
_CHUNK = 5_000


class BankService:
    """The use cases of hash banks, and the shared index they feed."""

    def __init__(
        self, store: Store, clock: Clock, holder: IndexHolder, recheck_seconds: float = 1.0
    ) -> None:
        self.store = store
        self.clock = clock
        self.holder = holder
        self.recheck_seconds = recheck_seconds
        self._checked = 0.0
        self._building = threading.Lock()

    # -- reading -------------------------------------------------------------
    def list(self) -> list[tuple[Bank, dict[str, int]]]:
        """Every bank with its live hash counts by type."""
        with self.store.read() as uow:
            return [(bank, _counts(uow, bank.name)) for bank in uow.banks_list()]

    def get(self, name: str) -> tuple[Bank, list[BankVersion]]:
        with self.store.read() as uow:
            return _existing(uow, name), uow.bank_versions(name)

    # -- changing ------------------------------------------------------------
    def create(self, bank: Bank, actor: str) -> Bank:
        with self.store.write() as uow:
            if uow.bank_get(bank.name) is not None:
                raise Conflict(f"a bank named {bank.name!r} exists already")
            uow.bank_put(bank)
            self._changed(uow, actor, "bank.create", bank.name, bank.model_dump(mode="json"))
        self.rebuild()
        return bank

    def update(self, name: str, changes: dict[str, Any], actor: str) -> Bank:
        """Enable, disable, or change a bank's description or distances."""
        allowed = {"enabled", "description", "pdq_threshold", "vpdq_match_percent"}
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
            uow.bank_put(changed)
            self._changed(uow, actor, "bank.update", name, changes)
        self.rebuild()
        return changed

    def delete(self, name: str, actor: str) -> int:
        """Delete a bank and all it holds; returns how many live hashes went with it."""
        with self.store.write() as uow:
            _existing(uow, name)
            removed = len(uow.bank_hashes_live(name))
            uow.bank_delete(name)
            self._changed(uow, actor, "bank.delete", name, {"hashes": removed})
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
            bank = _existing(uow, name)
            live = uow.bank_hashes_live(name)
            wanted = dict.fromkeys(hashes)
            version = _next_version(uow, name)
            fresh = [h for h in wanted if h not in live]
            gone = (
                [i for h, i in live.items() if h not in wanted]
                if mode is ImportMode.REPLACE
                else []
            )
            _in_chunks(fresh, lambda part: uow.bank_hashes_add(name, version, part), progress)
            uow.bank_hashes_remove(name, version, gone)
            made = BankVersion(
                bank=name,
                version=version,
                created_at=self.clock.now(),
                created_by=actor,
                source=source,
                licence=licence,
                added=len(fresh),
                removed=len(gone),
                total=len(live) + len(fresh) - len(gone),
            )
            uow.bank_version_add(made)
            uow.bank_put(bank.model_copy(update={"version": version}))
            self._changed(uow, actor, "bank.import", name, made.model_dump(mode="json"))
        self.rebuild()
        return made

    def rollback(self, name: str, to_version: int, actor: str) -> BankVersion:
        """Make a new version whose content is ``to_version``'s (history stays as it was)."""
        with self.store.write() as uow:
            bank = _existing(uow, name)
            if to_version not in {v.version for v in uow.bank_versions(name)}:
                raise NotFound(f"bank {name!r} has no version {to_version}")
            live = uow.bank_hashes_live(name)
            target = uow.bank_hashes_at(name, to_version)
            version = _next_version(uow, name)
            back = [h for h in target if h not in live]
            gone = [i for h, i in live.items() if h not in target]
            uow.bank_hashes_add(name, version, back)
            uow.bank_hashes_remove(name, version, gone)
            made = BankVersion(
                bank=name,
                version=version,
                created_at=self.clock.now(),
                created_by=actor,
                source=f"rollback to version {to_version}",
                added=len(back),
                removed=len(gone),
                total=len(target),
                rolled_back_to=to_version,
            )
            uow.bank_version_add(made)
            uow.bank_put(bank.model_copy(update={"version": version}))
            self._changed(uow, actor, "bank.rollback", name, made.model_dump(mode="json"))
        self.rebuild()
        return made

    def _changed(
        self, uow: UnitOfWork, actor: str, action: str, name: str, details: dict[str, Any]
    ) -> None:
        now = self.clock.now()
        uow.bank_revision_bump(now)
        uow.audit_append(
            [AuditEntry(at=now, actor=actor, action=action, subject=name, details=details)]
        )

    # -- the shared index ----------------------------------------------------
    def index(self) -> BankIndex:
        """The current snapshot; starts a rebuild in the background if the banks changed."""
        now = time.monotonic()
        if now - self._checked >= self.recheck_seconds:
            self._checked = now
            with self.store.read() as uow:
                revision = uow.bank_revision()
            if revision != self.holder.current.revision and not self._building.locked():
                threading.Thread(target=self.rebuild, name="bank-index", daemon=True).start()
        return self.holder.current

    def rebuild(self) -> BankIndex:
        """Build a snapshot from the store and swap it in; matching goes on meanwhile."""
        with self._building:
            with self.store.read() as uow:
                revision = uow.bank_revision()
                banks, entries = uow.banks_list(), uow.bank_entries_live()
            started = time.monotonic()
            built = BankIndex.build(revision, banks, entries)
            self.holder.swap(built)
            log.info(
                "bank index rebuilt",
                extra={
                    "revision": revision,
                    "hashes": built.size,
                    "seconds": round(time.monotonic() - started, 3),
                },
            )
            return built


def _existing(uow: UnitOfWork, name: str) -> Bank:
    bank = uow.bank_get(name)
    if bank is None:
        raise NotFound(f"no bank named {name!r}")
    return bank


def _next_version(uow: UnitOfWork, name: str) -> int:
    versions = uow.bank_versions(name)
    return versions[-1].version + 1 if versions else 1


def _counts(uow: UnitOfWork, name: str) -> dict[str, int]:
    found = {t.value: 0 for t in HashType}
    for kind, _ in uow.bank_hashes_live(name):
        found[kind.value] += 1
    return found


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
