"""Children's live streams through the API, on SQLite and PostgreSQL (issue #21 point 2).

The stream's owner, audience and age come from its ``livestream_start``; every join, comment,
gift and recording is aimed at the owner. An unconnected adult cannot comment on, gift to or
record a child's stream, nor join it where it is for friends; a gift to a child above the
policy's amount waits for a moderator; a child who starts a stream is told who can see it; the
grooming detector reads the stream's comments as one conversation.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.platform_api import Api
from tests.factories import at, next_id, profile


def start(owner: str, stream: str, audience: str = "public", minutes: float = 0) -> dict[str, Any]:
    return {
        "type": "livestream_start",
        "event_id": next_id("ls"),
        "occurred_at": at(minutes),
        "actor_id": owner,
        "stream_id": stream,
        "audience": audience,
    }


def in_stream(kind: str, actor: str, stream: str, minutes: float = 1, **fields: Any) -> dict:
    return {
        "type": f"livestream_{kind}",
        "event_id": next_id(kind),
        "occurred_at": at(minutes),
        "actor_id": actor,
        "stream_id": stream,
        **fields,
    }


def comment(actor: str, stream: str, text: str = "nice stream", minutes: float = 1) -> dict:
    return in_stream("comment", actor, stream, minutes, text=text)


def gift(actor: str, stream: str, amount: float, minutes: float = 1) -> dict:
    return in_stream("gift", actor, stream, minutes, amount=amount, currency="GBP")


def rules(decision: dict[str, Any]) -> list[str]:
    return [r["rule"] for r in decision["rules"]]


def accept(child: str, adult: str, minutes: float = 0.5) -> dict[str, Any]:
    return {
        "type": "contact_accepted",
        "event_id": next_id("ca"),
        "occurred_at": at(minutes),
        "actor_id": child,
        "target_id": adult,
    }


def test_an_unconnected_adult_cannot_comment_on_gift_to_or_record_a_childs_stream(
    api: Api,
) -> None:
    api.send([profile("ls-adult", 38), profile("ls-kid", 12), start("ls-kid", "st-1")])
    tries = [
        comment("ls-adult", "st-1"),
        gift("ls-adult", "st-1", 1),
        in_stream("record", "ls-adult", "st-1", record_kind="recording"),
    ]
    decisions = api.send(tries)
    assert [d["verdict"] for d in decisions] == ["block"] * 3
    for d in decisions:
        assert "adult-livestream-interaction-with-unconnected-child" in rules(d)
    told = decisions[0]["support"]
    assert [(n["audience"], n["account_ids"]) for n in told] == [("targets", ["ls-kid"])]
    seen = api.visible("ls-kid", [t["event_id"] for t in tries])
    assert set(seen.values()) == {False}


def test_a_connected_adult_and_other_children_may_comment_and_gift(api: Api) -> None:
    api.send(
        [
            profile("lc-adult", 40),
            profile("lc-kid", 12),
            profile("lc-peer", 12),
            accept("lc-kid", "lc-adult"),
            start("lc-kid", "st-2"),
        ]
    )
    decisions = api.send(
        [comment("lc-adult", "st-2"), gift("lc-adult", "st-2", 2), comment("lc-peer", "st-2")]
    )
    assert [d["verdict"] for d in decisions] == ["allow"] * 3


def test_an_adults_own_stream_is_open_to_adults(api: Api) -> None:
    api.send([profile("la-owner", 30), profile("la-fan", 31), start("la-owner", "st-3")])
    decisions = api.send([comment("la-fan", "st-3"), gift("la-fan", "st-3", 500)])
    assert [d["verdict"] for d in decisions] == ["allow", "allow"]


@pytest.mark.parametrize(
    ("audience", "verdict"), [("friends", "block"), ("private", "block"), ("public", "allow")]
)
def test_an_unconnected_adult_cannot_join_a_childs_friends_only_stream(
    api: Api, audience: str, verdict: str
) -> None:
    stream = f"st-join-{audience}"
    api.send([profile("lj-adult", 44), profile("lj-kid", 13), start("lj-kid", stream, audience)])
    (decision,) = api.send([in_stream("join", "lj-adult", stream)])
    assert decision["verdict"] == verdict
    named = "adult-joining-unconnected-childs-friends-stream" in rules(decision)
    assert named is (verdict == "block")


def test_a_large_gift_to_a_child_waits_for_review_whoever_sends_it(api: Api) -> None:
    api.send(
        [
            profile("lg-uncle", 45),
            profile("lg-kid", 11),
            profile("lg-peer", 11),
            accept("lg-kid", "lg-uncle"),
            start("lg-kid", "st-4", "friends"),
        ]
    )
    decisions = api.send(
        [
            gift("lg-uncle", "st-4", 10),
            gift("lg-uncle", "st-4", 25),
            gift("lg-peer", "st-4", 10.5),
        ]
    )
    assert [d["verdict"] for d in decisions] == ["allow", "hold", "hold"]
    assert "large-gift-to-child" in rules(decisions[1])
    assert "open_case" in [a["name"] for a in decisions[1]["actions"]]


def test_a_child_starting_a_stream_is_told_who_can_see_it(api: Api) -> None:
    api.send([profile("ln-kid", 14), profile("ln-adult", 30)])
    public, friends, adult = api.send(
        [start("ln-kid", "st-5"), start("ln-kid", "st-6", "friends"), start("ln-adult", "st-7")]
    )
    assert [n["account_ids"] for n in public["support"]] == [["ln-kid"]]
    assert "Anyone can watch" in public["support"][0]["message"]
    assert "accepted or invited" in friends["support"][0]["message"]
    assert adult["support"] == []
    assert public["verdict"] == friends["verdict"] == "allow"


def test_the_streams_comments_are_one_conversation_for_the_grooming_detector(
    api: Api,
) -> None:
    lines = [
        "hey ur stream is cool",
        "how old r u btw?",
        "ur really mature for ur age",
        "dont tell ur mum we talk ok, she wouldnt get it",
        "lets talk on another app, add me there",
        "we could meet at the park after school, just us",
    ]
    api.send([profile("lgr-adult", 36), profile("lgr-kid", 12), accept("lgr-kid", "lgr-adult")])
    api.send([start("lgr-kid", "st-8")])
    decisions = api.send([comment("lgr-adult", "st-8", t, i + 1) for i, t in enumerate(lines)])
    grooming = [s for d in decisions for s in d["signals"] if s["detector"] == "grooming"]
    assert grooming
    assert {s["subject_id"] for s in grooming} == {"st-8"}
    flagged = [
        d
        for d in decisions
        if {"grooming_risk", "grooming_risk_high"} & {s["kind"] for s in d["signals"]}
    ]
    assert flagged
    assert all(d["verdict"] in ("hold", "block") for d in flagged)
    details = flagged[0]["signals"][0]["evidence"]["details"]
    assert (details["suspect_account_id"], details["child_account_id"]) == ("lgr-adult", "lgr-kid")
