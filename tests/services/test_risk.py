"""Risk assessment end to end: evidence from the store per feature, dated versions, reviews."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from safeguarding.bootstrap import Container
from safeguarding.domain.errors import InvalidInput
from safeguarding.domain.risk import Feature, RiskLevel
from safeguarding.services.policy import default_policy_source
from safeguarding.services.risk import markdown
from safeguarding.settings import load_settings
from tests.clocks import MovableClock
from tests.conftest import build_container, make_settings
from tests.detectors.test_grooming import _seed_events
from tests.factories import contact_request, event, message, next_id, profile


def timed(
    config: pytest.Config, database_url: str, tmp_path: Path, clock: MovableClock, **overrides: Any
) -> Container:
    settings = make_settings(database_url, tmp_path, **overrides)
    return build_container(config, settings, clock=clock)


@pytest.fixture
def timed_container(
    pytestconfig: pytest.Config, database_url: str, tmp_path: Path, clock: MovableClock
) -> Iterator[Container]:
    manager = "Sam Patel, Chief Safety Officer"
    built = timed(pytestconfig, database_url, tmp_path, clock, senior_manager=manager)
    yield built
    built.close()


def uploaded_image() -> dict[str, Any]:
    """An image sent by its hash only (no bytes to decode): a benign, unknown picture."""
    return {
        "type": "media",
        "event_id": next_id("media"),
        "occurred_at": "2026-03-01T18:05:00Z",
        "actor_id": "ryan",
        "media_kind": "image",
        "recipient_ids": ["chloe"],
        "hashes": {"sha256": hashlib.sha256(b"holiday photo").hexdigest()},
    }


def group_message() -> dict[str, Any]:
    data = message("amir", "chloe", "great game today", conversation="team-chat")
    return data | {"conversation_kind": "group"}


def ingest(container: Container, items: list[dict[str, Any]]) -> None:
    for data in items:
        container.ingest.ingest([event(data)], source="test")
    container.outbox.run_once(1000)


def seed_messages() -> int:
    return sum(e["type"] == "message" for e in _seed_events())


def test_evidence_is_counted_per_feature_from_the_store(timed_container, clock) -> None:
    ingest(timed_container, _seed_events())  # a direct conversation that reaches grooming_risk_high
    ingest(timed_container, [group_message(), uploaded_image(), contact_request("amir", "chloe")])
    clock.advance(minutes=5)
    made = timed_container.risk.assess("admin:ops")
    direct = made.feature(Feature.DIRECT_MESSAGES).evidence
    assert direct is not None
    assert direct.events == seed_messages()
    assert direct.signals_by_detector["grooming"] >= 2
    assert direct.cases >= 1
    assert direct.cases_overdue == 0
    group = made.feature(Feature.GROUP_CHATS).evidence
    assert (group.events, group.actioned, group.cases) == (1, 0, 0)
    assert made.feature(Feature.IMAGE_SHARING).evidence.events == 1
    assert made.feature(Feature.FRIEND_SUGGESTIONS).evidence.events == 1
    assert made.feature(Feature.PUBLIC_PROFILES).evidence.events == 2  # the two profiles
    assert made.feature(Feature.LIVESTREAMING).evidence.events == 0
    for unseen in (Feature.VIDEO_CHAT, Feature.LOCATION):
        assert made.feature(unseen).evidence is None
        assert made.feature(unseen).residual_risk is RiskLevel.HIGH
    assert made.senior_manager == "Sam Patel, Chief Safety Officer"
    with timed_container.store.read() as uow:
        (record,) = [r for r in uow.audit.records() if r.action == "risk.assess"]
    assert (record.actor, record.subject) == ("admin:ops", "risk_assessment:v1")
    assert record.details["policy_version"] == made.policy_version


def test_evidence_is_kept_to_the_period_and_overdue_cases_raise_the_risk(
    timed_container, clock
) -> None:
    ingest(timed_container, _seed_events())
    clock.advance(days=91)  # the conversation is out of the period; its cases are long overdue
    made = timed_container.risk.assess("admin:ops")
    direct = made.feature(Feature.DIRECT_MESSAGES)
    assert direct.evidence is not None
    assert (direct.evidence.events, direct.evidence.cases) == (0, 0)
    assert direct.evidence.cases_overdue >= 1
    assert direct.residual_risk is RiskLevel.MEDIUM
    assert "past their deadline" in direct.residual_reason


def test_a_policy_change_makes_the_assessment_due_for_review(timed_container, clock) -> None:
    risk, policies = timed_container.risk, timed_container.policies
    policies.replace(default_policy_source(), by="admin:ops", note="before any assessment")
    assert risk.status().review_due  # nothing assessed yet
    first = risk.assess("admin:ops")
    assert not risk.status().review_due
    clock.advance(hours=1)
    newer = policies.replace(default_policy_source(), by="admin:ops", note="tighter limits")
    status = risk.status()
    assert status.review_due
    assert (status.current_policy_version, status.assessment.version) == (newer.version, 1)
    with timed_container.store.read() as uow:
        (prompt,) = [r for r in uow.audit.records() if r.action == "risk.review_due"]
    assert prompt.subject == "risk_assessment:v1"
    assert prompt.details == {
        "assessed_against": first.policy_version,
        "policy_version": newer.version,
        "note": "tighter limits",
    }
    again = risk.assess("admin:ops")
    assert (again.version, again.policy_version, risk.review_due()) == (2, newer.version, False)
    assert [a.version for a in risk.history()] == [2, 1]


def test_the_document_is_dated_with_a_table_per_feature(timed_container, clock) -> None:
    made = timed_container.risk.assess("admin:ops")
    text = markdown(made, made.policy_version)
    assert text.startswith("# Children's risk assessment")
    assert "Assessed: 2026-11-02 09:00 UTC by admin:ops (version 1)" in text
    assert "Sam Patel, Chief Safety Officer" in text
    for f in made.features:
        assert f"\n## {f.title}\n" in text
    # The six observed features, and the user-report rules that cover every feature.
    assert text.count("| Rule | Mode | Actions | What it does |") == 7
    assert text.count("Not observed by the engine") == 2
    assert "Review due" not in text
    assert "**Review due**" in markdown(made, made.policy_version + 1)


def test_only_the_features_the_platform_offers_are_assessed(
    pytestconfig, database_url, tmp_path, clock
) -> None:
    offered = (Feature.DIRECT_MESSAGES, Feature.IMAGE_SHARING)
    container = timed(pytestconfig, database_url, tmp_path, clock, service_features=offered)
    try:
        made = container.risk.assess("cli")
    finally:
        container.close()
    assert [f.feature for f in made.features] == list(offered)
    assert Feature.LOCATION in made.not_offered
    assert "Not offered by this service" in markdown(made, made.policy_version)


def test_service_features_come_from_the_environment_and_typos_are_named() -> None:
    chosen = load_settings({"SAFEGUARDING_SERVICE_FEATURES": "group_chats, location"})
    assert chosen.service_features == (Feature.GROUP_CHATS, Feature.LOCATION)
    assert load_settings({}).service_features == tuple(Feature)
    with pytest.raises(InvalidInput, match=r"'videochat' \(did you mean video_chat\?\)") as bad:
        load_settings({"SAFEGUARDING_SERVICE_FEATURES": "direct_messages,videochat"})
    assert "known: direct_messages, group_chats" in str(bad.value)


def test_profiles_are_public_profile_evidence(timed_container, clock) -> None:
    ingest(timed_container, [profile("ryan", 18), profile("chloe", 13)])
    clock.advance(seconds=1)
    made = timed_container.risk.assess("cli")
    assert made.feature(Feature.PUBLIC_PROFILES).evidence.events == 2
    assert made.feature(Feature.DIRECT_MESSAGES).evidence.events == 0
