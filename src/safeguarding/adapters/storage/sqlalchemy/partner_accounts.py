"""The partners' account signals: ``uow.partner_accounts`` (``PartnerAccountStore``)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, select

from safeguarding.adapters.storage.sqlalchemy import tables as t
from safeguarding.adapters.storage.sqlalchemy.rows import Rows
from safeguarding.domain.banks import Trust
from safeguarding.domain.sharing import PartnerAccount

_c = t.partner_accounts.c


class PartnerAccountRows(Rows):
    """Partner account rows to and from domain objects."""

    def held(self, partner: str | None = None) -> list[PartnerAccount]:
        query = select(t.partner_accounts).order_by(_c.partner, _c.harm, _c.signal)
        if partner is not None:
            query = query.where(_c.partner == partner)
        return [
            PartnerAccount(row.partner, row.harm, Trust(row.trust), row.signal)
            for row in self.conn.execute(query)
        ]

    def set(self, partner: str, held: Collection[PartnerAccount]) -> None:
        self.conn.execute(delete(t.partner_accounts).where(_c.partner == partner))
        rows = [
            {"partner": partner, "harm": a.harm, "signal": a.signal, "trust": a.trust.value}
            for a in held
        ]
        if rows:
            self.conn.execute(t.partner_accounts.insert(), rows)
