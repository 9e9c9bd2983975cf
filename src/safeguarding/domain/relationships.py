"""Relationships a platform knows between two accounts, and which of its claims count.

A platform knows things a conversation does not show: a family link or a guardian account
(family centre, parental controls), shared school or club membership, a mutual friend, or that
two accounts had nothing to do with each other before. It says so with ``relationship`` on
``contact_request`` and ``contact_accepted``, and with ``guardian_of`` and ``guardians`` on
``profile_update`` (docs/events.md).

A trusted relationship (``family``, ``guardian``) lowers a grooming risk and rules out its
high level, so it must not be a way for an adult to vouch for himself. It counts only when
the platform asserts it for both sides:

- on a connection, when it came with the acceptance that connected the two and, between an
  adult (or an account of unknown age) and a child, that acceptance was the child's own;
- as a guardian link, when one account's ``guardian_of`` names the other *and* the other's
  ``guardians`` names the first.

A trusted relationship anywhere else (on a ``contact_request``, on an acceptance by the side
that is not the child, or a ``guardian_of`` the child's account does not confirm) counts for
nothing. ``school``, ``club``, ``mutual_friend`` and ``none`` are taken from either side: they
lower nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from safeguarding.domain.accounts import Account, AgeBand


class Relationship(StrEnum):
    """What a platform knows two accounts to be to each other."""

    FAMILY = "family"
    GUARDIAN = "guardian"
    SCHOOL = "school"
    CLUB = "club"
    MUTUAL_FRIEND = "mutual_friend"
    NONE = "none"  # known to have had no relationship (strangers before this connection)

    @property
    def trusted(self) -> bool:
        return self in TRUSTED_RELATIONSHIPS


TRUSTED_RELATIONSHIPS = frozenset({Relationship.FAMILY, Relationship.GUARDIAN})
MAX_GUARDIAN_LINKS = 100


@dataclass(frozen=True, slots=True)
class ConnectionLink:
    """What is known of a connection between ``account_a`` and ``account_b`` (either order)."""

    account_a: str
    account_b: str
    relationship: Relationship | None = None
    connected_since: datetime | None = None


def acceptance_connects(acceptor: Account, other: Account) -> bool:
    """Whether an acceptance connects the two. Between an adult and a child only the child's
    own acceptance does (an adult cannot accept their way to a child); nor does an adult's
    acceptance of an account whose age is not known yet, or an unknown-age account's of a
    child, since the ages that arrive later may make it one."""
    actor, target = acceptor.actor_band, other.age_band
    if actor is AgeBand.ADULT:
        return not target.is_child and target is not AgeBand.UNKNOWN
    return actor is not AgeBand.UNKNOWN or not target.is_child


def guardian_linked(a: Account, b: Account) -> bool:
    """Whether one is the verified guardian of the other, each account saying so."""
    return (b.account_id in a.guardian_of and a.account_id in b.guardians) or (
        a.account_id in b.guardian_of and b.account_id in a.guardians
    )


def accepted_relationship(
    relationship: Relationship | None, accepting: Account, requester: Account
) -> Relationship | None:
    """The relationship an acceptance establishes: as sent, except a trusted one from the side
    that is not the child when the other is a child (the adult's word for himself)."""
    if relationship is None or not relationship.trusted:
        return relationship
    if requester.age_band.is_child and not accepting.age_band.is_child:
        return None
    return relationship


def pair_relationship(a: Account, b: Account, link: ConnectionLink | None) -> Relationship | None:
    """The relationship the engine holds between two accounts: a guardian link both confirm,
    else the relationship their connection was accepted with, else None (nothing known)."""
    if guardian_linked(a, b):
        return Relationship.GUARDIAN
    return link.relationship if link is not None else None
