"""The policy engine: conditions, merging, shadow mode, and properties that must always hold."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from safeguarding.domain.accounts import AgeBand
from safeguarding.domain.actions import Action, ActionName
from safeguarding.domain.decisions import Verdict
from safeguarding.domain.events import EventType
from safeguarding.domain.policy import (
    AccountCondition,
    Condition,
    Mode,
    PolicyDocument,
    PolicyVersion,
    Rule,
    SignalCondition,
)
from safeguarding.domain.relationships import Relationship
from safeguarding.domain.signals import Signal, SubjectKind
from safeguarding.policy.engine import AccountFacts, PolicyFacts, TargetFacts, evaluate

T0 = datetime(2026, 1, 1, tzinfo=UTC)
CHILD_BANDS = (AgeBand.UNDER_13, AgeBand.AGE_13_15, AgeBand.AGE_16_17)


def policy(*rules: Rule) -> PolicyVersion:
    return PolicyVersion(
        version=7,
        sha256="0" * 64,
        source="",
        document=PolicyDocument(rules=rules),
        created_at=T0,
        created_by="test",
    )


def signal(kind: str = "hash_match", score: float = 1.0, detector: str = "d") -> Signal:
    return Signal(
        detector=detector,
        kind=kind,
        score=score,
        subject=SubjectKind.CONTENT,
        subject_id="e1",
        explanation="test",
    )


def facts(
    actor_band: AgeBand = AgeBand.ADULT,
    target_band: AgeBand | None = AgeBand.AGE_13_15,
    connected: bool = False,
    event_type: EventType = EventType.MESSAGE,
) -> PolicyFacts:
    targets = (
        ()
        if target_band is None
        else (TargetFacts("t", target_band, 100, connected=connected, first_contact=True),)
    )
    return PolicyFacts(
        event_type=event_type, actor=AccountFacts("a", actor_band, 5), targets=targets
    )


def rule(name: str, *actions: ActionName, mode: Mode = Mode.ENFORCE, **when: object) -> Rule:
    return Rule(
        name=name, when=Condition(**when), then=tuple(Action(name=a) for a in actions), mode=mode
    )


def test_signal_condition_needs_score_and_kind() -> None:
    r = rule("r", ActionName.BLOCK, signal=SignalCondition(kind="hash_match", min_score=0.9))
    assert evaluate(policy(r), "e1", (signal(score=0.95),), facts(), T0).verdict is Verdict.BLOCK
    assert evaluate(policy(r), "e1", (signal(score=0.5),), facts(), T0).verdict is Verdict.ALLOW
    assert evaluate(policy(r), "e1", (signal(kind="other"),), facts(), T0).verdict is Verdict.ALLOW


def test_decision_names_the_signals_that_made_a_rule_match() -> None:
    r = rule("r", ActionName.HOLD_FOR_REVIEW, signal=SignalCondition(kind="hash_match"))
    signals = (signal(kind="other"), signal(), signal(score=0.2))
    decision = evaluate(policy(r), "e1", signals, facts(), T0)
    assert decision.rules[0].signal_indexes == (1, 2)
    assert decision.policy_version == 7


def test_target_and_connection_conditions() -> None:
    r = rule(
        "adult-to-unconnected-child",
        ActionName.BLOCK,
        actor=AccountCondition(age_band=(AgeBand.ADULT,)),
        target=AccountCondition(age_band=CHILD_BANDS),
        connected=False,
    )
    assert evaluate(policy(r), "e", (), facts(), T0).verdict is Verdict.BLOCK
    assert evaluate(policy(r), "e", (), facts(connected=True), T0).verdict is Verdict.ALLOW
    assert (
        evaluate(policy(r), "e", (), facts(target_band=AgeBand.ADULT), T0).verdict is Verdict.ALLOW
    )
    assert evaluate(policy(r), "e", (), facts(target_band=None), T0).verdict is Verdict.ALLOW


def test_actions_merge_once_in_rule_order_and_verdict_takes_the_strongest() -> None:
    first = rule("first", ActionName.HOLD_FOR_REVIEW, ActionName.OPEN_CASE)
    second = rule("second", ActionName.OPEN_CASE, ActionName.BLOCK)
    decision = evaluate(policy(first, second), "e", (), facts(), T0)
    assert [a.name for a in decision.actions] == ["hold_for_review", "open_case", "block"]
    assert decision.verdict is Verdict.BLOCK


def test_event_type_condition() -> None:
    r = rule("media-only", ActionName.BLOCK, event_type=(EventType.MEDIA,))
    assert (
        evaluate(policy(r), "e", (), facts(event_type=EventType.MEDIA), T0).verdict is Verdict.BLOCK
    )
    assert evaluate(policy(r), "e", (), facts(), T0).verdict is Verdict.ALLOW


actions = st.lists(st.sampled_from(list(ActionName)), min_size=1, max_size=4, unique=True)
rules = st.builds(
    lambda i, acts, mode, band, min_score: Rule(
        name=f"r{i}",
        mode=mode,
        then=tuple(Action(name=a) for a in acts),
        when=Condition(
            actor=AccountCondition(age_band=band) if band else None,
            signal=SignalCondition(min_score=min_score) if min_score is not None else None,
        ),
    ),
    st.integers(0, 10_000),
    actions,
    st.sampled_from(list(Mode)),
    st.one_of(
        st.none(), st.lists(st.sampled_from(list(AgeBand)), min_size=1, unique=True).map(tuple)
    ),
    st.one_of(st.none(), st.floats(0, 1)),
)
signal_lists = st.lists(st.floats(0, 1).map(lambda s: signal(score=s)), max_size=4).map(tuple)
fact_values = st.builds(
    facts, st.sampled_from(list(AgeBand)), st.sampled_from([*AgeBand, None]), st.booleans()
)


def unique_names(rs: list[Rule]) -> tuple[Rule, ...]:
    return tuple(r.model_copy(update={"name": f"{r.name}-{i}"}) for i, r in enumerate(rs))


@given(st.lists(rules, max_size=6), st.lists(rules, max_size=4), signal_lists, fact_values)
def test_shadow_rules_never_change_what_is_enforced(enforced, extra, signals, f) -> None:
    base = unique_names([r.model_copy(update={"mode": Mode.ENFORCE}) for r in enforced])
    shadows = tuple(
        r.model_copy(update={"mode": Mode.SHADOW, "name": f"s-{i}"}) for i, r in enumerate(extra)
    )
    without = evaluate(policy(*base), "e", signals, f, T0)
    with_shadow = evaluate(policy(*base, *shadows), "e", signals, f, T0)
    assert (with_shadow.verdict, with_shadow.actions, with_shadow.rules) == (
        without.verdict,
        without.actions,
        without.rules,
    )
    assert all(o.mode == "shadow" for o in with_shadow.shadow)


@given(st.lists(rules, max_size=6), signal_lists, fact_values)
def test_every_enforced_action_comes_from_a_matched_rule_and_verdict_follows_actions(
    rs, signals, f
):
    decision = evaluate(policy(*unique_names(rs)), "e", signals, f, T0)
    from_rules = {a.name for outcome in decision.rules for a in outcome.actions}
    assert {a.name for a in decision.actions} == from_rules
    assert len({a.name for a in decision.actions}) == len(decision.actions)
    assert decision.verdict is Verdict.for_actions(decision.actions)
    for outcome in decision.rules:
        assert all(0 <= i < len(signals) for i in outcome.signal_indexes)


def related(relationship: Relationship | None, days: int | None = None) -> PolicyFacts:
    target = TargetFacts(
        "t", AgeBand.UNDER_13, 100, connected=True, relationship=relationship, connected_days=days
    )
    return PolicyFacts(EventType.MESSAGE, AccountFacts("a", AgeBand.ADULT, 5), (target,))


def test_relationship_and_guardian_link_conditions_read_the_targets_relationship() -> None:
    by_kind = rule("r", ActionName.HOLD_FOR_REVIEW, relationship=(Relationship.SCHOOL,))
    unlinked = rule("u", ActionName.BLOCK, guardian_link=False)

    def verdict(r: Rule, known: Relationship | None) -> Verdict:
        return evaluate(policy(r), "e1", (), related(known), T0).verdict

    assert verdict(by_kind, Relationship.SCHOOL) is Verdict.HOLD
    assert verdict(by_kind, Relationship.CLUB) is Verdict.ALLOW
    assert verdict(by_kind, None) is Verdict.ALLOW  # nothing known matches no relationship
    assert verdict(unlinked, None) is Verdict.BLOCK
    assert verdict(unlinked, Relationship.NONE) is Verdict.BLOCK
    assert verdict(unlinked, Relationship.GUARDIAN) is Verdict.ALLOW
    assert verdict(unlinked, Relationship.FAMILY) is Verdict.ALLOW


def test_connected_days_under_holds_for_a_recent_connection_of_known_date() -> None:
    recent = rule("r", ActionName.HOLD_FOR_REVIEW, connected_days_under=7)

    def verdict(days: int | None) -> Verdict:
        return evaluate(policy(recent), "e1", (), related(None, days), T0).verdict

    assert [verdict(d) for d in (0, 6, 7, 400, None)] == [Verdict.HOLD] * 2 + [Verdict.ALLOW] * 3


KINDS = ("hash_match", "grooming_risk", "self_harm")
DETECTORS = ("d", "e")
typed_rules = st.builds(
    lambda i, acts, types, detector, kind: Rule(
        name=f"r{i}",
        then=tuple(Action(name=a) for a in acts),
        when=Condition(
            event_type=types,
            signal=None
            if (detector, kind) == (None, None)
            else SignalCondition(detector=detector, kind=kind),
        ),
    ),
    st.integers(0, 10_000),
    actions,
    st.one_of(
        st.none(), st.lists(st.sampled_from(list(EventType)), min_size=1, unique=True).map(tuple)
    ),
    st.sampled_from([None, *DETECTORS]),
    st.sampled_from([None, *KINDS, KINDS[:2]]),
)
typed_signals = st.lists(
    st.builds(signal, st.sampled_from(KINDS), st.floats(0, 1), st.sampled_from(DETECTORS)),
    max_size=3,
).map(tuple)


@given(
    st.lists(typed_rules, min_size=1, max_size=8),
    st.lists(st.tuples(st.sampled_from(list(EventType)), typed_signals), min_size=1, max_size=6),
)
def test_a_rule_matches_in_a_policy_exactly_when_it_matches_alone(rs, events) -> None:
    """The engine tries only the rules an event's type and signals could match (and keeps
    that choice per policy): it must never leave out one that would have matched."""
    whole = policy(*unique_names(rs))
    for event_type, signals in events:
        f = facts(event_type=event_type)
        matched = {o.rule for o in evaluate(whole, "e", signals, f, T0).rules}
        alone = {
            r.name for r in whole.document.rules if evaluate(policy(r), "e", signals, f, T0).rules
        }
        assert matched == alone
