"""Age bands come from the strongest age evidence on record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from safeguarding.domain.accounts import Account, AgeAssurance, AgeBand, AssuranceMethod

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (None, AgeBand.UNKNOWN),
        (0, AgeBand.UNDER_13),
        (12, AgeBand.UNDER_13),
        (13, AgeBand.AGE_13_15),
        (15, AgeBand.AGE_13_15),
        (16, AgeBand.AGE_16_17),
        (17, AgeBand.AGE_16_17),
        (18, AgeBand.ADULT),
    ],
)
def test_band_for_age(age: int | None, band: AgeBand) -> None:
    assert AgeBand.for_age(age) is band


def test_declared_ages_keep_their_history() -> None:
    account = (
        Account.first_seen("a", T0).declare_age(18, T0).declare_age(24, T0 + timedelta(days=3))
    )
    assert account.declared_age == 24
    assert [d.age for d in account.declared_ages] == [18, 24]
    assert account.declare_age(24, T0 + timedelta(days=4)) is account


def test_verified_age_beats_declared_age() -> None:
    account = Account.first_seen("a", T0).declare_age(18, T0)
    verified = account.assure_age(AgeAssurance(method=AssuranceMethod.VERIFIED, age=24))
    assert verified.age_band is AgeBand.ADULT
    child = account.assure_age(
        AgeAssurance(method=AssuranceMethod.ESTIMATED, age_min=13, age_max=15)
    )
    assert child.age_band is AgeBand.AGE_13_15


def test_weaker_assurance_does_not_replace_stronger() -> None:
    strong = Account.first_seen("a", T0).assure_age(
        AgeAssurance(method=AssuranceMethod.VERIFIED, age=14)
    )
    weaker = strong.assure_age(AgeAssurance(method=AssuranceMethod.SELF_DECLARED, age=30))
    assert weaker.age_band is AgeBand.AGE_13_15


def test_account_age_uses_platform_creation_date_when_known() -> None:
    seen = Account.first_seen("a", T0)
    assert seen.account_age_days(T0 + timedelta(days=2)) == 2
    created = seen.model_copy(update={"created_at": T0 - timedelta(days=400)})
    assert created.account_age_days(T0) == 400
