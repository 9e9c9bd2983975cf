"""Transparency figures as the public reads them, harms, and the child-safe defaults (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safeguarding.domain.actions import Action
from safeguarding.domain.decision_facts import (
    ActionTally,
    DecisionFacts,
    is_child_safe_default,
)
from safeguarding.domain.decisions import Decision, RuleOutcome, Verdict
from safeguarding.domain.errors import InvalidInput
from safeguarding.domain.signals import Evidence, Signal, SubjectKind
from safeguarding.domain.transparency import Figure, Harm, Period, harm_of
from safeguarding.policy.validate import check_policy
from safeguarding.services.policy import default_policy_source

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


# -- periods --------------------------------------------------------------------------------
def test_a_financial_year_is_whole_days_with_its_last_day_included() -> None:
    period = Period.parse("2019-04-01", "2020-03-31")
    assert period.start == datetime(2019, 4, 1, tzinfo=UTC)
    assert period.end == datetime(2020, 4, 1, tzinfo=UTC)
    assert period.days == 366  # 2020 is a leap year
    assert period.last_day == date(2020, 3, 31)
    assert str(period) == "1 April 2019 to 31 March 2020"
    assert period.year_before() == Period.parse("2018-04-01", "2019-03-31")
    assert Period.parse("2020-01-01", "2020-03-31").days == 91


def test_the_year_before_a_leap_day_ends_on_the_28th() -> None:
    period = Period.parse("2020-02-01", "2020-02-28")  # ends at the start of 29 February
    leap = Period(start=datetime(2020, 2, 29, tzinfo=UTC), end=datetime(2020, 3, 1, tzinfo=UTC))
    assert period.year_before().last_day == date(2019, 2, 27)
    assert leap.year_before().start == datetime(2019, 2, 28, tzinfo=UTC)
    assert len(list(period.dates())) == 28


@pytest.mark.parametrize(
    ("first", "last", "names"),
    [
        ("2025-13-01", "2026-01-31", ["from: '2025-13-01' is not a date", "YYYY-MM-DD"]),
        ("2025-04-01", "31/03/2026", ["to: '31/03/2026' is not a date"]),
        ("2026-04-01", "2026-03-31", ["to (2026-03-31) is before from (2026-04-01)"]),
    ],
)
def test_bad_dates_name_the_problem(first: str, last: str, names: list[str]) -> None:
    with pytest.raises(InvalidInput) as raised:
        Period.parse(first, last)
    for name in names:
        assert name in raised.value.detail


def test_a_period_ends_after_it_starts() -> None:
    with pytest.raises(ValueError, match="ends after it starts"):
        Period(start=AT, end=AT)


# -- figures in words -----------------------------------------------------------------------
def figure(value: float | None, previous: float | None, days: float = 366, unit: str = "count"):
    return Figure(name="f", label="F", value=value, days=days, previous=previous, unit=unit)


@pytest.mark.parametrize(
    ("value", "previous", "days", "words"),
    [
        (735, 490, 366, "735, equivalent to 2.0 a day, up 50% on last year"),
        (352, None, 91, "352, equivalent to 3.9 a day, no figure for last year"),
        (174, 0, 91, "174, equivalent to 1.9 a day, no figure for last year"),
        (200, 200, 91, "200, equivalent to 2.2 a day, unchanged on last year"),
        (440, 500, 365, "440, equivalent to 1.2 a day, down 12% on last year"),
        (1001, 1000, 365, "1,001, equivalent to 2.7 a day, up less than 1% on last year"),
        (12_345, 6_000, 365, "12,345, equivalent to 33.8 a day, up 106% on last year"),
        (0, 3, 365, "0, equivalent to 0.0 a day, down 100% on last year"),
    ],
)
def test_counts_are_worded_as_published(
    value: int, previous: int | None, days: float, words: str
) -> None:
    assert figure(value, previous, days).wording() == words


def test_halves_round_up_as_published_not_to_even() -> None:
    # 9 a day over 4 days is 2.25: published figures say 2.3 (Python's round() says 2.2)
    assert figure(9, None, days=4).wording().startswith("9, equivalent to 2.3 a day")
    assert figure(1025, 1000).change_percent == 3  # 2.5% is "up 3%"
    assert figure(985, 1000).change_percent == -2  # -1.5% is "down 2%"


def test_times_are_worded_in_minutes_hours_or_days() -> None:
    assert figure(42.4, 48.2, unit="minutes").wording() == "42 minutes, down 12% on last year"
    assert figure(1, None, unit="minutes").shown() == "1 minute"
    assert figure(135, None, unit="minutes").shown() == "2.3 hours"
    assert figure(4320, None, unit="minutes").shown() == "3.0 days"
    assert figure(None, 20, unit="minutes").wording() == "none measured, no figure for last year"
    assert figure(20, 20, unit="minutes").daily_rate is None


# -- harms ----------------------------------------------------------------------------------
def signal(detector: str, kind: str, bank_harm: str | None = None) -> Signal:
    return Signal(
        detector=detector,
        kind=kind,
        score=0.9,
        subject=SubjectKind.CONTENT,
        subject_id="e1",
        explanation="seen",
        evidence=Evidence(harm=bank_harm),
    )


def decision(
    actions: tuple[Action, ...] = (),
    signals: tuple[Signal, ...] = (),
    cited: tuple[int, ...] = (),
    event_id: str = "e1",
) -> Decision:
    rules = (RuleOutcome(rule="r", mode="enforce", actions=actions, signal_indexes=cited),)
    return Decision(
        event_id=event_id,
        verdict=Verdict.for_actions(actions),
        actions=actions,
        signals=signals,
        rules=rules if actions else (),
        shadow=(),
        policy_version=1,
        decided_at=AT,
    )


def case(queue: str) -> Action:
    return Action(name="open_case", params={"queue": queue})


BLOCK = Action(name="block")
IIA = "intimate_image_abuse"


@pytest.mark.parametrize(
    ("made", "harm"),
    [
        (
            decision((case("abuse_imagery"),), (signal("grooming", "grooming_risk"),)),
            "abuse_imagery",
        ),
        (decision((case("self_harm"),)), "self_harm"),
        (decision((case("reports"),), (signal("user_report", "self_harm"),)), "self_harm"),
        (decision((case("reports"),), (signal("user_report", "bullying"),)), "other"),
        (decision((Action(name="open_case"),)), "other"),  # the general queue
        (decision((BLOCK,), (signal("hash_bank", "pdq_match"),)), "abuse_imagery"),
        (decision((BLOCK,), (signal("sha256_list", "hash_match"),)), "abuse_imagery"),
        (decision((BLOCK,), (signal("contact_pattern", "many_children_contacted"),)), "grooming"),
        (decision((BLOCK,), (signal("self_harm", "ideation"),)), "self_harm"),
        (decision((BLOCK,), (signal("detector_error", "detector_error"),)), "other"),
        (decision((BLOCK,)), "other"),
        # a bank match goes by its bank's harm, a URL list's too
        (decision((BLOCK,), (signal("hash_bank", "hash_match", "intimate_image_abuse"),)), IIA),
        (decision((BLOCK,), (signal("url_list", "url_match", "abuse_imagery"),)), "abuse_imagery"),
        (decision((BLOCK,), (signal("hash_bank", "hash_match", "terrorism"),)), "terrorism"),
        (decision((case("intimate_image_abuse"),)), IIA),
    ],
)
def test_harm_follows_the_case_queue_then_the_signals(made: Decision, harm: str) -> None:
    assert harm_of(made) == harm


def test_cited_signals_decide_and_two_harms_go_to_the_more_severe() -> None:
    signals = (signal("self_harm", "ideation"), signal("grooming", "grooming_risk"))
    assert harm_of(decision((BLOCK,), signals)) == Harm.GROOMING
    assert harm_of(decision((BLOCK,), signals, cited=(0,))) == Harm.SELF_HARM
    failing = (signal("self_harm", "detector_error"), signal("self_harm", "ideation"))
    assert harm_of(decision((BLOCK,), failing, cited=(0,))) == Harm.SELF_HARM


DETECTORS = ["hash_bank", "sha256_list", "grooming", "contact_pattern", "self_harm", "user_report"]
KINDS = ["grooming", "abuse_imagery", "self_harm", "bullying", "detector_error", "x"]
QUEUES = ["abuse_imagery", "grooming", "self_harm", "reports", "general", IIA, "terrorism"]
BANK_HARMS = [None, None, "abuse_imagery", IIA, "terrorism", "other"]


@given(
    queue=st.none() | st.sampled_from(QUEUES),
    pairs=st.lists(
        st.tuples(st.sampled_from(DETECTORS), st.sampled_from(KINDS), st.sampled_from(BANK_HARMS)),
        max_size=4,
    ),
    cited=st.lists(st.integers(0, 3), max_size=3, unique=True),
    report=st.booleans(),
)
def test_stored_decisions_read_as_the_model_does(
    queue: str | None, pairs: list[tuple[str, str, str | None]], cited: list[int], report: bool
) -> None:
    """What a report reads from a stored decision equals what the domain model says."""
    actions = (case(queue),) if queue else (Action(name="hold_for_review"),)
    made = decision(actions, tuple(signal(*p) for p in pairs), tuple(cited))
    kind = "user_report" if report else "message"
    facts = DecisionFacts.from_stored(kind, AT, made.model_dump(mode="json"))
    assert facts.harm == harm_of(made)
    assert facts.actioned
    assert facts.actions == tuple(a.name for a in made.actions)
    expected = "user_report" if report else "rule"
    if not report and any(i < len(pairs) and pairs[i][0] != "user_report" for i in cited):
        expected = "detector"
    assert facts.detection == expected


def test_an_allowed_decision_without_actions_took_no_action() -> None:
    facts = DecisionFacts.from_stored("message", AT, decision().model_dump(mode="json"))
    assert not facts.actioned
    support = decision((Action(name="support_message"),)).model_dump(mode="json")
    assert DecisionFacts.from_stored("message", AT, support).actioned  # allow, but it acted


def test_the_tally_counts_by_harm_action_detection_and_day() -> None:
    tally = ActionTally()
    made = decision((case("grooming"), BLOCK), (signal("grooming", "grooming_risk"),), (0,))
    for _ in range(2):
        tally.add(DecisionFacts.from_stored("message", AT, made.model_dump(mode="json")))
    assert tally.total == 2
    assert tally.by_harm == {"grooming": 2}
    assert tally.by_action == {"open_case": 2, "block": 2}
    assert tally.found == {("detector", "grooming"): 2}
    assert tally.daily == {AT.date(): {"grooming": 2}}


# -- the child-safe defaults ----------------------------------------------------------------
def test_the_child_safe_defaults_are_recognised_by_what_they_test() -> None:
    rules = check_policy(default_policy_source()).document.rules
    assert sorted(r.name for r in rules if is_child_safe_default(r)) == [
        "adult-contact-request-to-unconnected-child",
        "adult-contact-with-unconnected-child",
        "adult-joining-unconnected-childs-friends-stream",
        "adult-livestream-interaction-with-unconnected-child",
        "child-starts-friends-livestream",
        "child-starts-public-livestream",
        "friend-of-friend-adult-contact",
        "large-gift-to-child",
        "new-adult-account-first-contact-with-child",
        "restricted-account-contacting-child",
    ]


def test_a_rule_on_content_or_on_adults_is_not_a_child_safe_default() -> None:
    source = """rules:
  - name: adult-to-adult
    when: {event_type: message, target: {age_band: [adult]}, connected: false}
    then: [hold_for_review]
  - name: reports-about-children
    when: {event_type: user_report, target: {age_band: [under_13]}}
    then: [hold_for_review]
  - name: tagged
    tags: [child_safety_default]
    when: {event_type: post}
    then: [hold_for_review]
"""
    rules = check_policy(source).document.rules
    assert [is_child_safe_default(r) for r in rules] == [False, False, True]
