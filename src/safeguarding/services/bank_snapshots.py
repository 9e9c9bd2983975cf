"""Making a process's next bank snapshot from the store: by the change log, or from scratch.

``changes_applied`` reads the change log after the snapshot's revision; if every change
touched hashes alone and not too many of them, it reads just those hashes, as they stand now,
and applies them to a copy of the snapshot. Applying the current state of each touched hash
(not replaying what each change did) makes it safe to apply a hash twice, or to see a row a
moment newer than the log: the next look finds that change and applies it again.

``built_from_store`` is the full rebuild (a compaction): the live hashes streamed from the
store a chunk at a time into the index's arrays, and the partners' account signals (an
import that changes them logs a change to banks, so every process rebuilds).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Protocol

from safeguarding.detectors.media.bank_index import BankIndex
from safeguarding.detectors.media.bank_updates import apply_changes, build_streamed
from safeguarding.domain.banks import BankChange
from safeguarding.domain.ids import Clock
from safeguarding.ports.store import HasBanks, HasPartnerAccounts, Transactions
from safeguarding.services import partner_accounts

log = logging.getLogger("safeguarding.banks")
CHUNK = 5_000  # live hashes a rebuild holds as Python objects at once


class SnapshotWork(HasBanks, HasPartnerAccounts, Protocol):
    """What building a bank index from the store reads and writes in one transaction."""


def changes_applied(
    store: Transactions[SnapshotWork], clock: Clock, current: BankIndex, max_hashes: int
) -> tuple[BankIndex | None, int]:
    """The next snapshot made from ``current`` and the hashes touched since (``current``
    itself when nothing changed), with how many; ``None`` when only a rebuild will do."""
    with store.read() as uow:
        changes = uow.banks.changes_since(current.revision)
        if not changes:
            return current, 0
        if not applicable(changes, max_hashes):
            return None, 0
        touched = uow.banks.entries_touched(changes)
        changed_at = uow.banks.revision_at()
    now = clock.now().timestamp()
    revision = changes[-1].change_id
    return apply_changes(current, revision, touched, now, changed_at), len(touched)


def applicable(changes: Sequence[BankChange], max_hashes: int) -> bool:
    """Whether these changes may be applied to a snapshot rather than rebuild it."""
    touched = sum(change.hashes for change in changes)
    return all(change.hashes_only for change in changes) and touched <= max_hashes


def built_from_store(store: Transactions[SnapshotWork], clock: Clock) -> BankIndex:
    """Every enabled bank's live hashes, less those switched off now, streamed into an index."""
    with store.read() as uow:
        revision, changed_at = uow.banks.revision(), uow.banks.revision_at()
        banks, switched = uow.banks.listed(), uow.banks.entries_switched_off()
        now = clock.now().timestamp()
        off = {i for i, until in switched.items() if until == 0 or until > now}
        later = [until for until in switched.values() if until > now]
        back = datetime.fromtimestamp(min(later), UTC) if later else None
        chunks = uow.banks.entries_chunks(CHUNK)
        built = build_streamed(revision, banks, chunks, off, changed_at, back)
        return replace(built, accounts=partner_accounts.by_signal(uow))


def timed(message: str, started: float, revision: int, hashes: int) -> None:
    """Log how long making a snapshot took (no hashes themselves, only counts)."""
    seconds = round(time.monotonic() - started, 3)
    log.info(message, extra={"revision": revision, "hashes": hashes, "seconds": seconds})


def due(moment: datetime | None, clock: Clock) -> bool:
    """Whether ``moment`` (an entry's time to match again) has come."""
    return moment is not None and clock.now() >= moment
