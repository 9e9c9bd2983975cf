"""The child-safe defaults as invariants, through the API on SQLite and PostgreSQL.

The issue's table, replayed on a fresh `safeguarding demo` with the demo's own policy; the
adversary of tests/adversary.py (Hypothesis) against the invariant; and the pieces one by one:
a restriction in force inside the batch that imposes it with the outbox off, an adult's own
acceptance connecting nothing, an age that cannot be talked down, and connections re-checked
when an account turns out to be an adult.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safeguarding.adapters.cli.demo import run_demo
from safeguarding.bootstrap import Container
from tests.adversary import play_script, scripts
from tests.api.platform_api import DAY, Api, api_over, grooming_to
from tests.factories import contact_request, message, profile


@pytest.fixture
def demo_api(tmp_path: Path) -> Iterator[Api]:
    """A fresh `safeguarding demo`: its data, its hash list, its policy."""
    container = run_demo(tmp_path / "demo")
    try:
        yield from api_over(container)
    finally:
        container.close()


def issue_table(with_request: bool) -> list[dict[str, Any]]:
    """The issue's rows: an adult of 40, a child of 11, not connected."""
    rows = [contact_request("adult40", "child11", minutes=0)] if with_request else []
    return [
        *rows,
        message("adult40", "child11", "hi", conversation="dm-1", minutes=1),
        message("adult40", "child11", "how are you", conversation="dm-1", minutes=2),
        message("adult40", "child11", "hello again", conversation="dm-2", minutes=3),
        message("adult40", "child11", "hi", conversation="dm-3", minutes=DAY + 3),
    ]


@pytest.mark.parametrize("with_request", [True, False], ids=["after-a-request", "no-request"])
def test_the_issues_table_reads_block_in_every_row_on_a_fresh_demo(
    demo_api: Api, with_request: bool
) -> None:
    demo_api.send([profile("adult40", 40, minutes=-120), profile("child11", 11, minutes=-120)])
    table = issue_table(with_request)
    verdicts = [demo_api.send([row])[0]["verdict"] for row in table]
    assert verdicts == ["block"] * len(table)
    seen = demo_api.visible("child11", [row["event_id"] for row in table])
    assert set(seen.values()) == {False}


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=scripts, batches=st.lists(st.integers(1, 4), min_size=1, max_size=3))
def test_nothing_from_an_unconnected_or_restricted_adult_reaches_a_child(
    api: Api, script, batches
) -> None:
    play_script(api.send, api.visible, script, batches)


def test_a_restriction_holds_from_its_own_decision_in_the_same_batch_with_the_outbox_off(
    api: Api, container: Container
) -> None:
    api.send(
        [
            profile("g-adult", 35),
            profile("g-kid", 12),
            profile("g-other", 13),
            {**contact_request("g-kid", "g-adult"), "type": "contact_accepted"},
        ]
    )
    later = [message("g-adult", "g-other", "hi", conversation="g-2", minutes=30)]
    decisions = api.send([*grooming_to("g-kid", "g-adult"), *later])
    verdicts = [d["verdict"] for d in decisions]
    high = next(
        i
        for i, d in enumerate(decisions)
        if "grooming_risk_high" in [s["kind"] for s in d["signals"]]
    )
    assert verdicts[high] == "block"
    assert set(verdicts[high + 1 :]) == {"block"}
    assert "restricted-account-contacting-child" in [r["rule"] for r in decisions[-1]["rules"]]
    with container.store.read() as uow:
        assert uow.outbox.pending() > 0  # nothing was carried out, and still it held
        assert uow.accounts.restrictions_of(["g-adult"]) == {"g-adult"}


def test_an_adults_own_acceptance_connects_nothing(api: Api) -> None:
    api.send([profile("a-adult", 30), profile("a-kid", 10)])
    accept = {**contact_request("a-adult", "a-kid"), "type": "contact_accepted"}
    after = message("a-adult", "a-kid", "hi", conversation="a-1", minutes=1)
    assert [d["verdict"] for d in api.send([accept, after])] == ["allow", "block"]


def test_an_age_talked_down_keeps_the_adult_out_and_raises_age_deception(api: Api) -> None:
    api.send([profile("d-adult", 41, minutes=-600), profile("d-kid", 12)])
    (lowered,) = api.send([profile("d-adult", 12, minutes=-10)])
    assert "age_deception" in [s["kind"] for s in lowered["signals"]]
    hello = message("d-adult", "d-kid", "hi", conversation="d-1", minutes=1)
    (decision,) = api.send([hello])
    assert decision["verdict"] == "block"
    assert "adult-contact-with-unconnected-child" in [r["rule"] for r in decision["rules"]]


def test_a_child_declaring_an_adults_age_keeps_a_childs_protections(api: Api) -> None:
    api.send([profile("p-adult", 33), profile("p-kid", 11, minutes=-600)])
    api.send([profile("p-kid", 25, minutes=-10)])
    hello = message("p-adult", "p-kid", "hi", conversation="p-1", minutes=1)
    assert api.send([hello])[0]["verdict"] == "block"


def test_connections_made_while_passing_as_a_child_are_rechecked(api: Api) -> None:
    api.send([profile("r-fake", 12, minutes=-600), profile("r-kid", 12, minutes=-600)])
    api.send([{**contact_request("r-kid", "r-fake", minutes=-500), "type": "contact_accepted"}])
    before = message("r-fake", "r-kid", "hi", conversation="r-1", minutes=-400)
    assert api.send([before])[0]["verdict"] == "allow"
    check = {
        **profile("r-fake", None, minutes=-300),
        "age_assurance": {"method": "verified", "age": 39},
    }
    api.send([check])
    after = message("r-fake", "r-kid", "hi again", conversation="r-1", minutes=1)
    decision = api.send([after])[0]
    assert decision["verdict"] == "block"
    assert "adult-contact-with-unconnected-child" in [r["rule"] for r in decision["rules"]]


def test_every_way_in_is_refused_group_adds_mentions_and_live_streams(api: Api) -> None:
    api.send([profile("w-adult", 45), profile("w-kid", 9)])
    live = {
        **message("w-adult", "w-kid", "hi", conversation="live-1"),
        "conversation_kind": "livestream",
    }
    ways = [
        live,
        {
            **message("w-adult", "w-kid", "nice", conversation="post-9"),
            "conversation_kind": "comments",
        },
        {**contact_request("w-adult", "w-kid"), "type": "group_add", "conversation_id": "grp-1"},
        {**message("w-adult", "w-peer", "look", conversation="grp-2"), "mentioned_ids": ["w-kid"]},
        {
            **contact_request("w-adult", "w-kid"),
            "type": "post",
            "text": "great drawing",
            "mentioned_ids": ["w-kid"],
        },
    ]
    ways[2]["member_ids"] = [ways[2].pop("target_id")]
    ways[4].pop("target_id")
    decisions = api.send(ways)
    assert [d["verdict"] for d in decisions] == ["block"] * len(ways)
    assert all(
        "adult-contact-with-unconnected-child" in [r["rule"] for r in d["rules"]] for d in decisions
    )


def test_an_acceptance_does_not_reach_back_to_what_was_sent_before_it(api: Api) -> None:
    """A worker may decide a child's acceptance (her shard) before the adult's message that was
    sent earlier (the conversation's shard): the message was still from an unconnected adult."""
    api.send([profile("t-adult", 35), profile("t-kid", 12)])
    api.send([contact_request("t-adult", "t-kid", minutes=0)])
    accept = {**contact_request("t-kid", "t-adult", minutes=10), "type": "contact_accepted"}
    api.send([accept])
    before = message("t-adult", "t-kid", "hi", conversation="t-1", minutes=5)
    after = message("t-adult", "t-kid", "hi again", conversation="t-1", minutes=15)
    before_seen, after_seen = api.send([before, after])
    assert before_seen["verdict"] == "block"
    assert "adult-contact-with-unconnected-child" in [r["rule"] for r in before_seen["rules"]]
    assert after_seen["verdict"] == "allow"
