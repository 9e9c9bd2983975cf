"""The contact part of the unit of work: refused attempts to reach someone, and connections
that no longer stand once an account's age evidence changes.

Mixed into ``SqlUnitOfWork``. A refused attempt (held or blocked) is never contact made: it is
kept in ``contact_refusals``, apart from the ``contacts`` that ``first_contact`` reads.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Connection, delete, or_, select

from safeguarding.adapters.storage.sqlalchemy import tables as t
from safeguarding.domain.accounts import AgeBand

# However hard an adult keeps trying, this many refusals in the window are plenty to count.
MAX_REFUSALS_READ = 1000
_CHILD_BANDS = [b.value for b in AgeBand if b.is_child]


class ContactRows:
    """Refused contact attempts and the re-check of connections with children."""

    conn: Connection

    def contact_refusals(
        self, actor_ids: Collection[str], since: datetime
    ) -> dict[str, dict[str, datetime]]:
        """Each actor's refused attempts at or after ``since``: event id and when."""
        if not actor_ids:
            return {}
        r = t.contact_refusals.c
        rows = self.conn.execute(
            select(r.actor_id, r.event_id, r.at)
            .where(r.actor_id.in_(sorted(actor_ids)), r.at >= since)
            .order_by(r.at.desc())
            .limit(MAX_REFUSALS_READ)
        )
        found: dict[str, dict[str, datetime]] = {}
        for row in rows:
            found.setdefault(row.actor_id, {})[row.event_id] = row.at
        return found

    def children_refused(self, actor_ids: Collection[str], since: datetime) -> dict[str, set[str]]:
        """The children each actor tried to reach, and was refused, at or after ``since``."""
        if not actor_ids:
            return {}
        r, a = t.contact_refusals.c, t.accounts.c
        rows = self.conn.execute(
            select(r.actor_id, r.target_id)
            .distinct()
            .join(t.accounts, a.account_id == r.target_id)
            .where(
                r.actor_id.in_(sorted(actor_ids)),
                r.at >= since,
                a.age_band.in_(_CHILD_BANDS),
            )
        )
        found: dict[str, set[str]] = {}
        for row in rows:
            found.setdefault(row.actor_id, set()).add(row.target_id)
        return found

    def contact_refusals_add(self, refusals: Collection[tuple[str, str, str, datetime]]) -> None:
        """Record refused attempts as (event_id, actor_id, target_id, at). An event is decided
        once, so each (event, target) comes here once; a plain insert is enough."""
        rows = {
            (e, b): {"event_id": e, "actor_id": a, "target_id": b, "at": at}
            for e, a, b, at in refusals
        }
        if rows:
            self.conn.execute(t.contact_refusals.insert(), list(rows.values()))

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
