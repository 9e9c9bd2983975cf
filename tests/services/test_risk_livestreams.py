"""The risk assessment's live-streaming feature reads the live-stream events (issue #21 point 2):
a stream's start, joins, comments, gifts and recordings are its evidence, and the child-safe
live-stream rules are its mitigations."""

from __future__ import annotations

from safeguarding.domain.risk import Feature, mitigations_for
from safeguarding.policy.validate import check_policy
from safeguarding.services.policy import default_policy_source
from tests.api.test_livestreams import comment, gift, in_stream, start
from tests.factories import profile
from tests.services.test_risk import ingest, timed_container  # noqa: F401 (fixtures)

STREAM_RULES = {
    "adult-livestream-interaction-with-unconnected-child",
    "adult-joining-unconnected-childs-friends-stream",
    "large-gift-to-child",
    "child-starts-public-livestream",
    "child-starts-friends-livestream",
}


def test_livestream_events_are_the_features_evidence(timed_container, clock) -> None:  # noqa: F811
    ingest(timed_container, [profile("rk-adult", 39), profile("rk-kid", 12)])
    stream = [
        start("rk-kid", "rk-stream", "friends"),
        in_stream("join", "rk-adult", "rk-stream"),
        comment("rk-adult", "rk-stream"),
        gift("rk-adult", "rk-stream", 3),
        in_stream("record", "rk-adult", "rk-stream"),
    ]
    ingest(timed_container, stream)
    clock.advance(minutes=5)
    live = timed_container.risk.assess("admin:ops").feature(Feature.LIVESTREAMING)
    assert live.observed
    assert live.evidence is not None
    assert (live.evidence.events, live.evidence.actioned) == (5, 4)
    assert {m.rule for m in live.mitigations} >= STREAM_RULES
    assert "livestream_gift" in live.observed_as


def test_the_default_policy_credits_the_stream_rules_to_live_streaming() -> None:
    document = check_policy(default_policy_source()).document
    credited = {m.rule for m in mitigations_for(Feature.LIVESTREAMING, document)}
    assert credited >= STREAM_RULES
    assert "grooming-risk" in credited  # the stream's comments are read for grooming
