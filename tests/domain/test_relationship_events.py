"""The relationship fields of events: a digest that still matches events stored before them,
and the rule that a trusted relationship counts only when both sides state it."""

from __future__ import annotations

from datetime import UTC, datetime

from safeguarding.domain.accounts import Account, DeclaredAge
from safeguarding.domain.events import EVENT_ADAPTER, event_fingerprint
from safeguarding.domain.relationships import (
    Relationship,
    accepted_relationship,
    guardian_linked,
)

T0 = datetime(2026, 3, 1, tzinfo=UTC)
# Digests of these events as main computed them before the relationship fields (411c393).
BEFORE = {
    "a979aaf5cef28c28fbfa05fb62d5d49656ba8c34c9fe08ef984b5c44401bb9d5": {
        "type": "contact_request", "event_id": "cr-1", "occurred_at": "2026-03-01T17:55:00Z",
        "actor_id": "u-1", "target_id": "u-2", "via": "suggestion"},
    "58d16df0bfbb042ce4b14e400a01ce5be78f69688a0c91d9b9c75f9e176adbd5": {
        "type": "contact_accepted", "event_id": "ca-1", "occurred_at": "2026-03-01T17:58:00Z",
        "actor_id": "u-2", "target_id": "u-1"},
    "88ea73823e7ba16f6d4d09132a6ca220ef8092b64bc981458eff061af0b1190a": {
        "type": "profile_update", "event_id": "p-1", "occurred_at": "2026-03-01T09:00:00Z",
        "actor_id": "u-2", "declared_age": 13},
}  # fmt: skip


def test_an_event_stored_before_the_relationship_fields_is_still_a_replay() -> None:
    found = {event_fingerprint(EVENT_ADAPTER.validate_python(e)): e for e in BEFORE.values()}
    assert found.keys() == BEFORE.keys()
    with_relationship = {**BEFORE[next(iter(BEFORE))], "relationship": "school"}
    assert event_fingerprint(EVENT_ADAPTER.validate_python(with_relationship)) not in BEFORE


def account(name: str, age: int, **links: tuple[str, ...]) -> Account:
    declared = (DeclaredAge(age=age, declared_at=T0),)
    return Account(account_id=name, first_seen_at=T0, declared_ages=declared, **links)


def test_a_guardian_link_counts_only_when_both_accounts_state_it() -> None:
    kid = account("kid", 11, guardians=("mum",))
    assert guardian_linked(account("mum", 40, guardian_of=("kid",)), kid)
    assert guardian_linked(kid, account("mum", 40, guardian_of=("kid",)))
    assert not guardian_linked(account("stranger", 40, guardian_of=("kid",)), kid)
    assert not guardian_linked(account("mum", 40), kid)


def test_a_trusted_relationship_counts_only_from_the_childs_acceptance() -> None:
    kid, adult = account("kid", 11), account("adult", 40)
    assert accepted_relationship(Relationship.FAMILY, kid, adult) is Relationship.FAMILY
    assert accepted_relationship(Relationship.FAMILY, adult, kid) is None
    assert accepted_relationship(Relationship.SCHOOL, adult, kid) is Relationship.SCHOOL
    assert accepted_relationship(Relationship.GUARDIAN, adult, account("p", 50)) is not None
