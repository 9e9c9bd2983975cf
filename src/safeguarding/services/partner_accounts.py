"""Partners' account signals: what an import leaves stored, and the set matching reads.

Every store access for them is here, so moving the unit of work's methods touches one file.
An import that changes a partner's signals (or their trust) logs a change to banks, not to
hashes: every process then rebuilds its bank snapshot, which carries the account signals
by salted hash, so deciding an event reads memory, never the store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol, TypeVar

from safeguarding.domain.banks import Trust
from safeguarding.domain.sharing import PartnerAccount
from safeguarding.ports.store import HasBanks, HasPartnerAccounts
from safeguarding.services.sharing_files import AccountRow

T = TypeVar("T")


class AccountWork(HasBanks, HasPartnerAccounts, Protocol):
    """What storing and reading partners' account signals touches in one transaction."""


def trust_of(uow: AccountWork, partner: str) -> Trust | None:
    """The trust the partner's stored account signals carry (None: it has none)."""
    held = uow.partner_accounts.held(partner)
    return held[0].trust if held else None


def count(uow: AccountWork, partner: str) -> int:
    """How many account signals the partner has stored."""
    return len(uow.partner_accounts.held(partner))


def store(
    uow: AccountWork,
    partner: str,
    rows: Iterable[AccountRow],
    *,
    trust: Trust,
    withdrawing: bool,
    replacing: bool,
    at: datetime,
) -> bool:
    """Leave the partner's account signals as the import says; True when they changed."""
    before = set(uow.partner_accounts.held(partner))
    live = {(a.harm, a.signal) for a in before}
    listed = {(r.harm, r.value) for r in rows}
    withdrawn = {(r.harm, r.value) for r in rows if r.withdrawn}
    kept = left_after(live, listed, withdrawn, withdrawing=withdrawing, replacing=replacing)
    after = {PartnerAccount(partner, harm, trust, signal) for harm, signal in kept}
    if after == before:
        return False
    uow.partner_accounts.set(partner, after)
    uow.banks.revision_bump(at)  # a change to banks: every process rebuilds its snapshot
    return True


def left_after(
    live: set[T], listed: set[T], withdrawn: set[T], *, withdrawing: bool, replacing: bool
) -> set[T]:
    """What a partner's list holds after an import: a withdrawal file takes out what it
    lists, a replacement is the file less its withdrawn rows, else the file is added to
    what was there less its withdrawn rows (banks and account signals alike)."""
    if withdrawing:
        return live - listed
    if replacing:
        return listed - withdrawn
    return (live | listed) - withdrawn


def by_signal(uow: AccountWork) -> dict[str, tuple[PartnerAccount, ...]]:
    """Every stored account signal, by its salted hash (a snapshot holds this)."""
    found: dict[str, list[PartnerAccount]] = defaultdict(list)
    for account in uow.partner_accounts.held():
        found[account.signal].append(account)
    return {signal: tuple(held) for signal, held in found.items()}
