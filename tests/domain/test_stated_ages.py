"""Ages stated in messages: read from the text the grooming cues already read, and kept on the
account so that they only ever protect (the youngest reading as a target, nothing changed as
an actor)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safeguarding.detectors.text.grooming_cues import own_stated_age
from safeguarding.domain.accounts import Account, AgeAssurance, AgeBand, AssuranceMethod

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("im 12", 12),
        ("im 13 btw", 13),
        ("i'm in year 8", 13),
        ("im 12, year 7", 12),
        ("its my 14th bday tmrw", 13),
        ("he said im 12", None),  # reported speech is not the writer's age
        ("im 12 mins away", None),
        ("see you at 12", None),
    ],
)
def test_a_writers_own_age_is_read_from_the_text(text: str, age: int | None) -> None:
    assert own_stated_age(text) == age


def test_a_stated_childs_age_protects_an_account_of_unknown_or_adult_age() -> None:
    unknown = Account.first_seen("u", T0).state_age(12, T0, "msg-1")
    assert (unknown.age_band, unknown.actor_band) == (AgeBand.UNDER_13, AgeBand.UNKNOWN)
    adult = Account.first_seen("a", T0).declare_age(30, T0).state_age(15, T0, "msg-2")
    assert (adult.age_band, adult.actor_band) == (AgeBand.AGE_13_15, AgeBand.ADULT)
    stated = adult.protected_by_statement()
    assert stated is not None
    assert stated.event_id == "msg-2"


def test_an_adults_age_in_text_and_an_older_repeat_add_nothing() -> None:
    account = Account.first_seen("c", T0).state_age(12, T0, "msg-1")
    assert account.state_age(30, T0, "msg-2") is account
    assert account.state_age(13, T0 + timedelta(days=1), "msg-3") is account


def test_an_age_check_outranks_a_stated_age() -> None:
    checked = AgeAssurance(method=AssuranceMethod.VERIFIED, age=35)
    account = Account.first_seen("v", T0).assure_age(checked).state_age(12, T0, "msg-1")
    assert account.age_band is AgeBand.ADULT
    assert account.protected_by_statement() is None


ages = st.lists(st.integers(5, 60), max_size=4)


@given(declared=ages, stated=ages)
def test_stated_ages_never_take_protection_away_nor_restrictions_off(
    declared: list[int], stated: list[int]
) -> None:
    plain = Account.first_seen("p", T0)
    for day, age in enumerate(declared):
        plain = plain.declare_age(age, T0 + timedelta(days=day))
    told = plain
    for day, age in enumerate(stated):
        told = told.state_age(age, T0 + timedelta(days=day), f"msg-{day}")
    assert told.actor_band is plain.actor_band
    if plain.age_band.is_child:
        assert told.age_band.is_child
    if any(age < 18 for age in stated):
        assert told.age_band.is_child
