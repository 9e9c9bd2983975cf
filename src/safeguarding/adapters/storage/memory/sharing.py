"""Partners' shared account signals in memory (``uow.partner_accounts``)."""

from __future__ import annotations

from collections.abc import Collection

from safeguarding.adapters.storage.memory.state import Repository
from safeguarding.domain.sharing import PartnerAccount


class MemoryPartnerAccounts(Repository):
    """``PartnerAccountStore`` in memory."""

    def held(self, partner: str | None = None) -> list[PartnerAccount]:
        chosen = [a for p, held in self.s.partner_accounts.items() for a in held]
        found = [a for a in chosen if partner is None or a.partner == partner]
        return sorted(found, key=lambda a: (a.partner, a.harm, a.signal))

    def set(self, partner: str, held: Collection[PartnerAccount]) -> None:
        self.s.partner_accounts[partner] = frozenset(held)
