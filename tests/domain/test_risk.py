"""The risk register: which rules mitigate which feature, and how residual risk is rated."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from safeguarding.domain.policy import Mode, PolicyDocument
from safeguarding.domain.risk import (
    NOT_OBSERVED,
    AssessmentContext,
    Feature,
    FeatureEvidence,
    Mitigation,
    RiskLevel,
    assess,
    mitigations_for,
    profile,
    residual_risk,
)
from safeguarding.policy.validate import check_policy
from safeguarding.services.policy import default_policy_source

T0 = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def default() -> PolicyDocument:
    return check_policy(default_policy_source()).document


def rules(feature: Feature, document: PolicyDocument) -> set[str]:
    return {m.rule for m in mitigations_for(feature, document)}


def shadowed(document: PolicyDocument, *names: str) -> PolicyDocument:
    changed = [
        r.model_copy(update={"mode": Mode.SHADOW}) if r.name in names else r for r in document.rules
    ]
    return PolicyDocument(rules=tuple(changed))


def test_rules_are_matched_to_features_by_their_event_conditions(default) -> None:
    direct = rules(Feature.DIRECT_MESSAGES, default)
    group = rules(Feature.GROUP_CHATS, default)
    assert {"adult-contact-with-unconnected-child", "grooming-risk-high"} <= direct
    # The contact default names no conversation kind: it covers groups as it does DMs.
    assert "adult-contact-with-unconnected-child" in group
    assert "grooming-risk-high" in group
    images = rules(Feature.IMAGE_SHARING, default)
    assert "known-abuse-image" in images
    assert "adult-contact-with-unconnected-child" in images
    assert "adult-contact-request-to-unconnected-child" in rules(
        Feature.FRIEND_SUGGESTIONS, default
    )
    assert "known-abuse-image" not in direct
    # User-report rules act on reports about any feature; no single feature is credited them.
    assert all("user-report" not in name for f in Feature for name in rules(f, default))


@pytest.mark.parametrize("feature", [Feature.VIDEO_CHAT, Feature.LOCATION])
def test_features_without_events_are_said_to_be_unobserved(feature, default) -> None:
    known = profile(feature)
    assert not known.observed
    assert known.observed_as.startswith(NOT_OBSERVED)
    assert mitigations_for(feature, default) == ()
    level, why = residual_risk(False, (), None)
    assert level is RiskLevel.HIGH
    assert "does not observe" in why


def mitigation(name: str, mode: Mode) -> Mitigation:
    return Mitigation(rule=name, mode=mode, description="")


def test_residual_risk_follows_the_documented_rule() -> None:
    enforced = mitigation("a", Mode.ENFORCE)
    trial = mitigation("b", Mode.SHADOW)
    quiet = FeatureEvidence()
    assert residual_risk(True, (), quiet)[0] is RiskLevel.HIGH
    level, why = residual_risk(True, (trial,), quiet)
    assert (level, "only shadow rules" in why) == (RiskLevel.HIGH, True)
    level, why = residual_risk(True, (enforced, trial), quiet)
    assert (level, "b" in why) == (RiskLevel.MEDIUM, True)
    level, why = residual_risk(True, (enforced,), FeatureEvidence(cases_overdue=2))
    assert (level, "2 case(s)" in why) == (RiskLevel.MEDIUM, True)
    assert residual_risk(True, (enforced,), quiet)[0] is RiskLevel.LOW


def context(policy_version: int = 1) -> AssessmentContext:
    return AssessmentContext(
        version=1, assessed_at=T0, assessed_by="admin:ops", policy_version=policy_version
    )


def test_an_assessment_covers_the_offered_features_in_register_order(default) -> None:
    offered = [Feature.IMAGE_SHARING, Feature.DIRECT_MESSAGES, Feature.VIDEO_CHAT]
    evidence = {Feature.DIRECT_MESSAGES: FeatureEvidence(events=3, cases_overdue=1)}
    made = assess(offered, default, evidence, context())
    assert [f.feature for f in made.features] == [
        Feature.DIRECT_MESSAGES,
        Feature.VIDEO_CHAT,
        Feature.IMAGE_SHARING,
    ]
    assert Feature.LOCATION in made.not_offered
    direct = made.feature(Feature.DIRECT_MESSAGES)
    assert direct.evidence == evidence[Feature.DIRECT_MESSAGES]
    assert direct.residual_risk is RiskLevel.MEDIUM
    video = made.feature(Feature.VIDEO_CHAT)
    assert (video.observed, video.evidence, video.residual_risk) == (False, None, RiskLevel.HIGH)
    assert direct.risks
    assert all("." in line for line in direct.risks)
    assert {m.rule for m in made.every_feature} == {
        "user-report-grooming",
        "user-report-self-harm",
        "user-report-other",
        "listed-abuse-url-reported",
        "known-intimate-image-reported",
    }
    assert sum(made.residual_counts().values()) == 3


def test_image_sharing_is_low_risk_only_while_its_rules_are_enforced(default) -> None:
    made = assess([Feature.IMAGE_SHARING], default, {}, context())
    assert made.feature(Feature.IMAGE_SHARING).residual_risk is RiskLevel.LOW
    relaxed = shadowed(default, "known-abuse-image")
    again = assess([Feature.IMAGE_SHARING], relaxed, {}, context())
    assert again.feature(Feature.IMAGE_SHARING).residual_risk is RiskLevel.MEDIUM


SELF_HARM = (
    "self-harm-intent-or-plan",
    "self-harm-encouragement",
    "self-harm-ideation",
    "self-harm-disclosure",
)


# Rules that also act on posts (a mention reaches a child) and on profile updates (age claims).
PROFILE_CONTACT = (
    "restricted-account-contacting-child",
    "adult-contact-with-unconnected-child",
    "persistent-contact-attempts",
    "age-deception",
    "grooming-case-undecided",
    "listed-abuse-url",
    "known-intimate-image",
    "known-terrorist-content",
    "known-other-harm",
    "partner-listed-match-only",
    "partner-listed-match-only-intimate-image",
    "partner-listed-match-only-terrorism",
    "partner-listed-match-only-other",
    "partner-account-match",  # any event of a shared account, so public posts too
    "partner-account-match-intimate-image",
    "partner-account-match-terrorism",
    "partner-account-match-other",
)


def test_public_profiles_are_high_risk_while_self_harm_rules_are_in_shadow(default) -> None:
    trial = shadowed(default, *SELF_HARM, *PROFILE_CONTACT)
    made = assess([Feature.PUBLIC_PROFILES], trial, {}, context())
    profiles = made.feature(Feature.PUBLIC_PROFILES)
    assert profiles.enforced == ()
    assert profiles.residual_risk is RiskLevel.HIGH
    assert {m.mode for m in profiles.shadow} == {Mode.SHADOW}
    enforced = assess([Feature.PUBLIC_PROFILES], default, {}, context())
    assert enforced.feature(Feature.PUBLIC_PROFILES).residual_risk is not RiskLevel.HIGH


def test_a_review_is_due_when_the_policy_version_changes(default) -> None:
    made = assess(list(Feature), default, {}, context(policy_version=4))
    assert not made.review_due(4)
    assert made.review_due(5)
