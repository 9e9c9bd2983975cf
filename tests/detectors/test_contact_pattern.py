"""Contact patterns through the live pipeline: adults reaching many children, friends of friends,
adults who keep trying after being refused, and ages talked down."""

from __future__ import annotations

from tests.factories import contact_request, event, message, profile

CHILDREN = [f"kid{i}" for i in range(6)]


def ingest(container, data: dict) -> object:
    (result,) = container.ingest.ingest([event(data)], source="test")
    return result.decision


def kinds(decision) -> list[str]:
    return [s.kind for s in decision.signals if s.detector == "contact_pattern"]


def test_an_adult_reaching_a_fifth_child_in_a_week_is_held(container) -> None:
    setup = [profile("adult9", 35), *(profile(k, 12) for k in CHILDREN)]
    container.ingest.ingest([event(e) for e in setup], source="test")
    decisions = [
        ingest(container, contact_request("adult9", kid, minutes=10 * i))
        for i, kid in enumerate(CHILDREN)
    ]
    assert [kinds(d) for d in decisions[:3]] == [[], [], []]
    assert kinds(decisions[3]) == ["persistent_attempts"]  # three refused attempts before it
    fifth, sixth = decisions[4], decisions[5]
    assert kinds(fifth) == ["many_children_contacted", "persistent_attempts"]
    (signal,) = [s for s in fifth.signals if s.kind == "many_children_contacted"]
    assert signal.subject_id == "adult9"
    assert "5 children" in signal.explanation
    assert "adult-contacting-many-children" in {r.rule for r in sixth.rules}


def test_children_contacted_more_than_a_week_ago_do_not_count(container) -> None:
    setup = [profile("adult8", 40), *(profile(k, 13) for k in CHILDREN)]
    container.ingest.ingest([event(e) for e in setup], source="test")
    for i, kid in enumerate(CHILDREN[:4]):
        ingest(container, contact_request("adult8", kid, minutes=i))
    later = 8 * 24 * 60  # eight days on
    assert kinds(ingest(container, contact_request("adult8", CHILDREN[4], minutes=later))) == []


def test_peers_and_connected_children_are_not_counted(container) -> None:
    setup = [profile("teen", 15), *(profile(k, 14) for k in CHILDREN)]
    container.ingest.ingest([event(e) for e in setup], source="test")
    for i, kid in enumerate(CHILDREN):
        assert kinds(ingest(container, contact_request("teen", kid, minutes=i))) == []


def test_a_friend_of_friend_request_from_an_adult_to_a_child_is_named(container) -> None:
    container.ingest.ingest(
        [event(profile("adult7", 24)), event(profile("kid", 13))], source="test"
    )
    decision = ingest(container, {**contact_request("adult7", "kid"), "via": "friend_of_friend"})
    assert kinds(decision) == ["friend_of_friend_contact"]
    assert decision.verdict.value == "block"  # the child-safe default still holds
    assert "friend-of-friend-adult-contact" in {s.rule for s in decision.shadow}


def test_messages_count_as_contact_too(container) -> None:
    setup = [profile("adult6", 30), *(profile(k, 11) for k in CHILDREN)]
    container.ingest.ingest([event(e) for e in setup], source="test")
    found = [
        kinds(ingest(container, message("adult6", kid, "hi", conversation=f"c-{kid}", minutes=i)))
        for i, kid in enumerate(CHILDREN[:5])
    ]
    assert "many_children_contacted" in found[-1]


def test_refused_attempts_over_days_are_a_signal_and_never_contact(container) -> None:
    setup = [event(profile("adult5", 40)), event(profile("kid", 11))]
    container.ingest.ingest(setup, source="test")
    day = 24 * 60
    decisions = [
        ingest(container, message("adult5", "kid", "hi", conversation=f"dm-{i}", minutes=i * day))
        for i in range(4)
    ]
    assert [d.verdict.value for d in decisions] == ["block"] * 4
    assert [kinds(d) for d in decisions[:3]] == [[], [], []]
    (signal,) = [s for s in decisions[3].signals if s.kind == "persistent_attempts"]
    assert signal.evidence.details == {"refused": 3, "days": 3}
    assert "persistent-contact-attempts" in {r.rule for r in decisions[3].rules}
    with container.store.read() as uow:
        assert uow.conversations.contacts_among({("adult5", "kid")}) == set()


def test_a_drop_to_a_childs_age_is_age_deception_and_keeps_the_adults_restrictions(
    container,
) -> None:
    container.ingest.ingest([event(profile("adult4", 38, minutes=-90))], source="test")
    decision = ingest(container, profile("adult4", 12, minutes=-30))
    (signal,) = [s for s in decision.signals if s.kind == "age_deception"]
    assert signal.evidence.details == {"years_dropped": 26}
    assert "age-deception" in {r.rule for r in decision.rules}
    container.ingest.ingest([event(profile("kid3", 12))], source="test")
    assert ingest(container, message("adult4", "kid3", "hi")).verdict.value == "block"
