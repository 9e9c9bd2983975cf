"""The contact part of the unit of work: refused attempts to reach someone, and connections
that no longer stand once an account's age evidence changes.

Mixed into ``SqlUnitOfWork``. Refused attempts are read from the decisions already stored
(their verdict and type are columns), so no new table is needed.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Connection, delete, or_, select

from safeguarding.adapters.storage.sqlalchemy import tables as t
from safeguarding.domain.accounts import AgeBand
from safeguarding.domain.events import CONTACT_EVENT_TYPES

# An adult who keeps trying is still one case: this many refusals are plenty to count.
MAX_REFUSALS_READ = 1000
_CHILD_BANDS = [b.value for b in AgeBand if b.is_child]


class ContactRows:
    """Refused contact attempts and the re-check of connections with children."""

    conn: Connection

    def contact_refusals(
        self, actor_ids: Collection[str], since: datetime
    ) -> dict[str, list[datetime]]:
        """When each actor's contact attempts (messages, media, requests, group adds,
        mentions) at or after ``since`` were refused (held or blocked), newest first."""
        if not actor_ids:
            return {}
        e = t.events.c
        rows = self.conn.execute(
            select(e.actor_id, e.occurred_at)
            .where(
                e.actor_id.in_(sorted(actor_ids)),
                e.occurred_at >= since,
                e.verdict.in_(["block", "hold"]),
                e.type.in_(sorted(k.value for k in CONTACT_EVENT_TYPES)),
            )
            .order_by(e.occurred_at.desc())
            .limit(MAX_REFUSALS_READ)
        )
        found: dict[str, list[datetime]] = {}
        for row in rows:
            found.setdefault(row.actor_id, []).append(row.occurred_at)
        return found

    def connections_remove_children(self, account_ids: Collection[str]) -> int:
        """Remove every connection between these accounts and an account known as a child."""
        if not account_ids:
            return 0
        c, a = t.connections.c, t.accounts.c
        ids = sorted(account_ids)
        children = select(a.account_id).where(a.age_band.in_(_CHILD_BANDS))
        done = self.conn.execute(
            delete(t.connections).where(
                or_(
                    c.account_a.in_(ids) & c.account_b.in_(children),
                    c.account_b.in_(ids) & c.account_a.in_(children),
                )
            )
        )
        return int(done.rowcount or 0)
