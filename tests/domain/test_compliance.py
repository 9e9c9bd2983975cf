"""The compliance checklist: each measure met or not from the facts, and the penalty."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from safeguarding.domain.banks import BankHarm, HashType
from safeguarding.domain.compliance import ComplianceFacts, checklist
from safeguarding.domain.penalty import PENALTY_FLOOR_GBP, penalty_exposure
from safeguarding.domain.policy import Mode, PolicyDocument
from safeguarding.domain.selftest import SequenceOutcome
from safeguarding.policy.validate import check_policy
from safeguarding.services.policy import default_policy_source

T0 = datetime(2026, 11, 1, tzinfo=UTC)
STOPPED_ALL = tuple(SequenceOutcome(name=f"sequence {i}", steps=2) for i in range(7))
ALL_DETECTORS = ("sha256_list", "user_report", "self_harm", "grooming", "hash_bank", "url_list")


def without(detector: str) -> dict[str, tuple[str, ...]]:
    return {"detectors": tuple(d for d in ALL_DETECTORS if d != detector)}


@pytest.fixture(scope="module")
def default() -> PolicyDocument:
    return check_policy(default_policy_source()).document


def with_modes(document: PolicyDocument, mode: Mode, *names: str) -> PolicyDocument:
    changed = [
        r.model_copy(update={"mode": mode}) if r.name in names or "*" in names else r
        for r in document.rules
    ]
    return PolicyDocument(rules=tuple(changed))


def self_harm_enforced(document: PolicyDocument) -> PolicyDocument:
    names = [r.name for r in document.rules if r.name.startswith("self-harm-")]
    return with_modes(document, Mode.ENFORCE, *names)


def met(facts: ComplianceFacts) -> dict[str, bool]:
    return {m.id: m.met for m in checklist(facts, T0).measures}


@pytest.fixture
def compliant(default) -> ComplianceFacts:
    """Everything met: every measure below changes one fact and must then fail."""
    return ComplianceFacts(
        policy=self_harm_enforced(default),
        policy_version=3,
        detectors=ALL_DETECTORS,
        blocking_banks=1,
        blocking_bank_hashes=10,
        bank_entries={
            BankHarm.ABUSE_IMAGERY: {HashType.PDQ: 10, HashType.URL: 4},
            BankHarm.INTIMATE_IMAGE_ABUSE: {HashType.MD5: 3},
        },
        decided_cases=10,
        decided_on_time=9,
        report_destination="endpoint",
        risk_assessment_version=2,
        risk_assessed_at=T0,
        risk_policy_version=3,
        organisation="Example Ltd",
        senior_manager="Sam Patel, Chief Safety Officer",
        child_safety_selftest=STOPPED_ALL,
        partner_lists=1,
        partner_entries=3,
    )


def test_a_compliant_service_meets_every_measure(compliant) -> None:
    found = checklist(compliant, T0)
    assert all(m.met and m.how_to_meet is None for m in found.measures)
    assert found.met == len(found.measures) == 12
    assert all(m.code_measure and m.evidence for m in found.measures)


def default_rule(name: str, default: PolicyDocument) -> dict[str, object]:
    return {"policy": with_modes(self_harm_enforced(default), Mode.SHADOW, name)}


@pytest.mark.parametrize(
    ("measure", "change"),
    [
        ("hash_matching", {"blocking_bank_hashes": 0, "blocking_banks": 0}),
        # without hash_bank nothing matches intimate images either
        (
            "hash_matching+intimate_image_hashes",
            {"detectors": ("user_report", "self_harm", "grooming", "url_list")},
        ),
        ("grooming_defaults", without("grooming")),
        ("user_reporting", without("user_report")),
        ("url_lists", without("url_list")),
        ("url_lists", {"bank_entries": {BankHarm.INTIMATE_IMAGE_ABUSE: {HashType.MD5: 3}}}),
        ("intimate_image_hashes", {"bank_entries": {BankHarm.ABUSE_IMAGERY: {HashType.URL: 4}}}),
        ("complaints", {"open_complaints": 3, "overdue_complaints": 1}),
        ("moderation_deadlines", {"overdue_cases": 1}),
        ("moderation_deadlines", {"decided_cases": 10, "decided_on_time": 8}),
        ("self_harm", without("self_harm")),
        ("authority_reporting", {"report_destination": None}),
        ("authority_reporting", {"reports_waiting": 1}),
        ("transparency", {"risk_policy_version": 2}),
        ("transparency", {"risk_assessment_version": None, "risk_policy_version": None}),
    ],
)
def test_each_measure_fails_on_its_own_fact(compliant, measure, change) -> None:
    found = met(compliant.model_copy(update=change))
    for failing in measure.split("+"):
        assert not found.pop(failing)
    assert all(found.values()), found


@pytest.mark.parametrize(
    ("measure", "rule"),
    [
        ("hash_matching", "known-abuse-image"),
        ("grooming_defaults", "adult-contact-with-unconnected-child"),
        ("grooming_defaults", "grooming-risk-high"),
        ("user_reporting", "user-report-grooming"),
        ("self_harm", "self-harm-ideation"),
        ("url_lists", "listed-abuse-url"),
        ("intimate_image_hashes", "known-intimate-image"),
    ],
)
def test_a_rule_in_shadow_mode_fails_its_measure(compliant, default, measure, rule) -> None:
    found = met(compliant.model_copy(update=default_rule(rule, default)))
    assert not found.pop(measure)
    assert all(found.values()), found


def test_the_default_policy_meets_every_policy_measure(compliant, default) -> None:
    found = checklist(compliant.model_copy(update={"policy": default}), T0).measures
    assert [m.id for m in found if not m.met] == []
    (self_harm,) = [m for m in found if m.id == "self_harm"]
    assert "4 of 4" in self_harm.evidence


def grooming(facts: ComplianceFacts):
    (found,) = [m for m in checklist(facts, T0).measures if m.id == "grooming_defaults"]
    return found


def test_the_child_safe_defaults_are_met_only_on_a_self_test_that_ran(compliant) -> None:
    assert "adversary self-test: 7 of 7 sequences stopped" in grooming(compliant).evidence
    unrun = grooming(compliant.model_copy(update={"child_safety_selftest": ()}))
    assert not unrun.met
    assert "adversary self-test not run" in unrun.evidence


def test_a_sequence_that_got_through_fails_the_measure_and_is_named(compliant) -> None:
    through = SequenceOutcome(
        name="a second message",
        steps=2,
        got_through="the adult's second message in dm-1",
        verdict="allow",
    )
    facts = compliant.model_copy(update={"child_safety_selftest": (*STOPPED_ALL[:6], through)})
    found = grooming(facts)
    assert not found.met
    named = '"a second message": the adult\'s second message in dm-1 was answered allow'
    assert f"6 of 7 sequences stopped; got through: {named}" in found.evidence
    assert named in (found.how_to_meet or "")
    assert all(met(facts).pop(m) for m in met(facts) if m != "grooming_defaults")


def test_an_unnamed_senior_manager_fails_two_measures(compliant) -> None:
    found = checklist(compliant.model_copy(update={"senior_manager": "  "}), T0)
    assert {m.id for m in found.measures if not m.met} == {"senior_manager", "transparency"}
    assert "SAFEGUARDING_SENIOR_MANAGER" in str([m.how_to_meet for m in found.measures])


def test_no_decided_case_is_not_a_missed_target(compliant) -> None:
    quiet = compliant.model_copy(update={"decided_cases": 0, "decided_on_time": 0})
    (measure,) = [m for m in checklist(quiet, T0).measures if m.id == "moderation_deadlines"]
    assert measure.met
    assert "no case decided" in measure.evidence


@pytest.mark.parametrize(
    ("revenue", "amount", "said"),
    [
        (None, 18_000_000, "10% of it may be more"),
        (100_000_000, 18_000_000, "is not more"),
        (500_000_000, 50_000_000, "£50,000,000: 10% of qualifying worldwide revenue"),
    ],
)
def test_penalty_exposure_is_the_greater_of_18m_and_a_tenth_of_revenue(
    revenue, amount, said
) -> None:
    got, explanation = penalty_exposure(revenue)
    assert got == pytest.approx(amount)
    assert said in explanation
    assert got >= PENALTY_FLOOR_GBP


def test_the_checklist_names_the_manager_and_the_penalty(compliant) -> None:
    found = checklist(compliant.model_copy(update={"qualifying_revenue_gbp": 5e8}), T0)
    assert found.senior_manager == "Sam Patel, Chief Safety Officer"
    assert found.penalty.amount_gbp == pytest.approx(5e7)
    assert found.penalty.qualifying_revenue_gbp == pytest.approx(5e8)
