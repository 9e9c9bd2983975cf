"""The contact part of the unit of work: who is connected and who first contacted whom,
refused attempts to reach someone, connections that no longer stand once an account's age
evidence changes, and what the platform knows of a connection (its relationship, since when).

Part of ``SqlUnitOfWork``. A refused attempt (held or blocked) is never contact made: it is
kept in ``contact_refusals``, apart from the ``contacts`` that ``first_contact`` reads.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, or_, select, tuple_

from safeguarding.adapters.storage.sqlalchemy import tables as t
from safeguarding.adapters.storage.sqlalchemy.rows import Rows
from safeguarding.domain.accounts import AgeBand
from safeguarding.domain.relationships import ConnectionLink, Relationship

# However hard an adult keeps trying, this many refusals in the window are plenty to count.
MAX_REFUSALS_READ = 1000
_CHILD_BANDS = [b.value for b in AgeBand if b.is_child]
_C = t.connections.c
_LINKS_AMONG = select(_C.account_a, _C.account_b, _C.relationship, _C.connected_since).where(
    tuple_(_C.account_a, _C.account_b).in_(bindparam("pairs", expanding=True))
)
# The hot path's queries, built once: building and keying a statement costs more than running it.
_CONNECTED_PAIRS = select(_C.account_a, _C.account_b).where(
    tuple_(_C.account_a, _C.account_b).in_(bindparam("pairs", expanding=True))
)
_CONTACTED_PAIRS = select(t.contacts.c.actor_id, t.contacts.c.target_id).where(
    tuple_(t.contacts.c.actor_id, t.contacts.c.target_id).in_(bindparam("pairs", expanding=True))
)


class ContactRows(Rows):
    """Connections, first contacts, refused contact attempts and the re-check of
    connections with children."""

    def contacts_among(self, pairs: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which (actor, target) pairs have been in contact before."""
        found: set[tuple[str, str]] = set()
        for chunk in _chunks(list(set(pairs)), 400):
            rows = self.conn.execute(_CONTACTED_PAIRS, {"pairs": chunk})
            found |= {(row.actor_id, row.target_id) for row in rows}
        return found

    def children_contacted(
        self, actor_ids: Collection[str], since: datetime
    ) -> dict[str, set[str]]:
        """The children each actor first contacted at or after ``since``."""
        return self._children_reached(t.contacts, t.contacts.c.first_at, actor_ids, since)

    def contacts_add(self, contacts: Collection[tuple[str, str, datetime]]) -> None:
        rows = [{"actor_id": a, "target_id": b, "first_at": at} for a, b, at in contacts]
        self._insert_ignoring(t.contacts, rows)

    def refusals(
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
        at = t.contact_refusals.c.at
        return self._children_reached(t.contact_refusals, at, actor_ids, since)

    def _children_reached(
        self, table: Table, at: Any, actor_ids: Collection[str], since: datetime
    ) -> dict[str, set[str]]:
        """Each actor's targets in ``table`` (actor_id, target_id) known as children, ``at``
        or after ``since``."""
        if not actor_ids:
            return {}
        r, a = table.c, t.accounts.c
        rows = self.conn.execute(
            select(r.actor_id, r.target_id)
            .distinct()
            .join(t.accounts, a.account_id == r.target_id)
            .where(r.actor_id.in_(sorted(actor_ids)), at >= since, a.age_band.in_(_CHILD_BANDS))
        )
        found: dict[str, set[str]] = {}
        for row in rows:
            found.setdefault(row.actor_id, set()).add(row.target_id)
        return found

    def last_refusals(
        self, actor_ids: Collection[str], since: datetime
    ) -> dict[tuple[str, str], datetime]:
        """When each actor was last refused on each target, at or after ``since``."""
        if not actor_ids:
            return {}
        r = t.contact_refusals.c
        rows = self.conn.execute(
            select(r.actor_id, r.target_id, func.max(r.at).label("last"))
            .where(r.actor_id.in_(sorted(actor_ids)), r.at >= since)
            .group_by(r.actor_id, r.target_id)
        )
        return {(row.actor_id, row.target_id): row.last for row in rows}

    def refusals_add(self, refusals: Collection[tuple[str, str, str, datetime]]) -> None:
        """Record refused attempts as (event_id, actor_id, target_id, at). An event is decided
        once, so each (event, target) comes here once; a plain insert is enough."""
        rows = {
            (e, b): {"event_id": e, "actor_id": a, "target_id": b, "at": at}
            for e, a, b, at in refusals
        }
        if rows:
            self.conn.execute(t.contact_refusals.insert(), list(rows.values()))

    def holds_among(self, pairs: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which (actor, target) pairs an undecided case holds for review."""
        actors = sorted({a for a, _ in pairs})
        if not actors:
            return set()
        h = t.review_holds.c
        rows = self.conn.execute(
            select(h.actor_id, h.target_id).distinct().where(h.actor_id.in_(actors))
        )
        return {(row.actor_id, row.target_id) for row in rows} & set(pairs)

    def holds_add(self, holds: Collection[tuple[str, str, str, datetime]]) -> None:
        """Hold (actor, target) for review until the case of ``event_id`` is decided; rows
        are (actor_id, target_id, event_id, at)."""
        rows = {
            (a, b, e): {"actor_id": a, "target_id": b, "event_id": e, "at": at}
            for a, b, e, at in holds
        }
        if rows:
            self.conn.execute(t.review_holds.insert(), list(rows.values()))

    def holds_remove(self, event_ids: Collection[str]) -> int:
        """Release the holds these events (a decided case's) put in place."""
        if not event_ids:
            return 0
        h = t.review_holds.c
        done = self.conn.execute(delete(t.review_holds).where(h.event_id.in_(list(event_ids))))
        return int(done.rowcount or 0)


class ConnectionRows(Rows):
    """Who is connected, and what the platform knows of each connection; part of ``SqlAccounts``."""

    def connections_among(self, pairs: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of the (a, b) pairs are connected, each pair as asked."""
        wanted = {_ordered(a, b): (a, b) for a, b in pairs}
        if not wanted:
            return set()
        found = set()
        for chunk in _chunks(list(wanted), 400):
            found |= {tuple(row) for row in self.conn.execute(_CONNECTED_PAIRS, {"pairs": chunk})}
        return {asked for key, asked in wanted.items() if key in found}

    def connections_add(self, pairs: Collection[tuple[str, str]]) -> None:
        rows = [
            dict(zip(("account_a", "account_b"), _ordered(a, b), strict=True)) for a, b in pairs
        ]
        self._insert_ignoring(t.connections, rows)

    def connection_links_among(
        self, pairs: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], ConnectionLink]:
        """The connected ones of the (a, b) pairs, each as asked, with what is known of it."""
        wanted: dict[tuple[str, str], set[tuple[str, str]]] = {}
        for a, b in pairs:
            wanted.setdefault(_ordered(a, b), set()).add((a, b))
        found: dict[tuple[str, str], ConnectionLink] = {}
        for chunk in _chunks(sorted(wanted), 400):
            rows = self.conn.execute(_LINKS_AMONG, {"pairs": chunk})
            for row in rows:
                known = Relationship(row.relationship) if row.relationship else None
                for a, b in wanted[row.account_a, row.account_b]:
                    found[a, b] = ConnectionLink(a, b, known, row.connected_since)
        return found

    def connection_links_put(self, links: Collection[ConnectionLink]) -> None:
        """Keep each connection with its relationship and date (connecting them if need be)."""
        rows = {}
        for link in links:
            a, b = _ordered(link.account_a, link.account_b)
            relationship = link.relationship.value if link.relationship else None
            rows[a, b] = {
                "account_a": a,
                "account_b": b,
                "relationship": relationship,
                "connected_since": link.connected_since,
            }
        self._upsert(t.connections, list(rows.values()), ("account_a", "account_b"))

    def connections_remove_with(
        self, account_ids: Collection[str], bands: Collection[AgeBand]
    ) -> int:
        """Remove every connection between these accounts and an account of ``bands``."""
        if not account_ids or not bands:
            return 0
        c, a = t.connections.c, t.accounts.c
        ids = sorted(account_ids)
        others = select(a.account_id).where(a.age_band.in_(sorted(b.value for b in bands)))
        done = self.conn.execute(
            delete(t.connections).where(
                or_(
                    c.account_a.in_(ids) & c.account_b.in_(others),
                    c.account_b.in_(ids) & c.account_a.in_(others),
                )
            )
        )
        return int(done.rowcount or 0)


def _ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
