"""Contact patterns through the live pipeline: adults reaching many children, friends of friends."""

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
    assert [kinds(d) for d in decisions[:4]] == [[], [], [], []]
    fifth, sixth = decisions[4], decisions[5]
    assert kinds(fifth) == ["many_children_contacted"]
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
    assert found[-1] == ["many_children_contacted"]
