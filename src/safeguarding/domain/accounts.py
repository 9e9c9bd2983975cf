"""Accounts: a platform user by opaque id, with what is known of their age.

The age band comes from the strongest evidence on record: a verified or estimated age beats
any self-declared one. Self-declarations are all kept, and none can talk an age down or up:
each is carried forward to the latest one's date (a 12-year-old of three years ago is 15 now),
and the account is read the safer way for each role. As someone to protect (a viewer, a
target) it is the youngest it has claimed to be (``age_band``); as someone who may need
restricting (an actor) it is the oldest (``actor_band``). So an adult who re-declares a
child's age keeps an adult's restrictions, and a child who re-declares as an adult keeps a
child's protections, until an age check says otherwise.

An age the account gives for itself in a message ("im 12", "i'm in year 8") is evidence too,
kept with the message that gave it (``stated_ages``), but only one way: a child's age stated in
text protects the account as a target (``age_band``) whatever it declared, and never changes
how it is read as an actor (``actor_band``), so no one talks their way out of an adult's
restrictions. An age check that is more than a self-declaration outranks both.

An account also holds the guardian links the platform states for it (``guardian_of``,
``guardians``); ``relationships.py`` says when such a link counts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class AgeBand(StrEnum):
    """The age bands that policy rules and defaults speak of."""

    UNDER_13 = "under_13"
    AGE_13_15 = "13_15"
    AGE_16_17 = "16_17"
    ADULT = "adult"
    UNKNOWN = "unknown"

    @classmethod
    def for_age(cls, age: int | None) -> AgeBand:
        if age is None:
            return cls.UNKNOWN
        if age < 13:
            return cls.UNDER_13
        if age < 16:
            return cls.AGE_13_15
        if age < 18:
            return cls.AGE_16_17
        return cls.ADULT

    @property
    def is_child(self) -> bool:
        return self in (AgeBand.UNDER_13, AgeBand.AGE_13_15, AgeBand.AGE_16_17)


_YEAR = timedelta(days=365.25)
# Bands from the youngest; an unknown age is read as the oldest (it protects no one).
_YOUNGEST_FIRST = (
    AgeBand.UNDER_13,
    AgeBand.AGE_13_15,
    AgeBand.AGE_16_17,
    AgeBand.ADULT,
    AgeBand.UNKNOWN,
)
# A fresh declaration this many years below what the history says is a drop, not a correction.
AGE_DROP_YEARS = 2


class AssuranceMethod(StrEnum):
    """How an age was established, weakest first."""

    SELF_DECLARED = "self_declared"
    ESTIMATED = "estimated"
    VERIFIED = "verified"

    @property
    def strength(self) -> int:
        return list(AssuranceMethod).index(self)


class AgeAssurance(BaseModel):
    """An age check's outcome: an age or a range, how it was made, and how sure."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: AssuranceMethod
    age: int | None = Field(default=None, ge=0, le=130)
    age_min: int | None = Field(default=None, ge=0, le=130)
    age_max: int | None = Field(default=None, ge=0, le=130)
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)

    def best_age(self) -> int | None:
        """The age to band by: the exact age, else the range's lower end (the safer reading
        of a target: the youngest it may be)."""
        if self.age is not None:
            return self.age
        return self.age_min

    def spans_adulthood(self) -> bool:
        """Whether the check leaves open both a child and an adult (a range across 18): it
        settles neither, so it neither lifts an adult's restrictions nor a child's care."""
        if self.age is not None or self.age_min is None or self.age_max is None:
            return False
        return self.age_min < ADULT_AGE <= self.age_max

    def claimed_age(self) -> int | None:
        """The age a self-declared check claims: one more declaration, no stronger."""
        return self.best_age() if self.method == AssuranceMethod.SELF_DECLARED else None


class DeclaredAge(BaseModel):
    """One self-declared age and when it was declared."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    age: int | None
    declared_at: datetime


class StatedAge(BaseModel):
    """A child's age an account gave for itself in a message, and which message said it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    age: int = Field(ge=0, le=17)
    stated_at: datetime
    event_id: str


# Ages at or over this, stated in text, are not kept: they could only take protection away.
ADULT_AGE = 18


class Account(BaseModel):
    """A platform account and the age facts the engine holds for it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    account_id: str
    first_seen_at: datetime
    created_at: datetime | None = None
    declared_ages: tuple[DeclaredAge, ...] = ()
    assurance: AgeAssurance | None = None
    stated_ages: tuple[StatedAge, ...] = ()
    # Guardian links as the platform states them for this account: the accounts it is the
    # verified guardian of, and the accounts that are its guardians. A link counts only when
    # both accounts state it (``relationships.guardian_linked``).
    guardian_of: tuple[str, ...] = ()
    guardians: tuple[str, ...] = ()

    @property
    def declared_age(self) -> int | None:
        return self.declared_ages[-1].age if self.declared_ages else None

    @property
    def age_band(self) -> AgeBand:
        """The band that protects the account (as a viewer or a target): an age check's, else
        the youngest the account has claimed to be."""
        band = self._band(youngest=True)
        stated = self.stated_child_age()
        if stated is None or self._assured_band(youngest=True) is not None:
            return band
        return min(band, AgeBand.for_age(stated.age), key=_YOUNGEST_FIRST.index)

    @property
    def actor_band(self) -> AgeBand:
        """The band that restricts what the account may do: an age check's, else the oldest
        the account has claimed to be."""
        return self._band(youngest=False)

    def _assured_band(self, *, youngest: bool) -> AgeBand | None:
        """The band an age check settles (an estimate or a verification), if any: none when
        it gives no age, nor, for what the account may do, when its range spans 18."""
        assurance = self.assurance
        if assurance is None or assurance.method == AssuranceMethod.SELF_DECLARED:
            return None
        if (age := assurance.best_age()) is None:
            return None
        if not youngest and assurance.spans_adulthood():
            return None
        return AgeBand.for_age(age)

    def _band(self, *, youngest: bool) -> AgeBand:
        assured = self._assured_band(youngest=youngest)
        if assured is not None:
            return assured
        ages = self.claimed_ages()
        if not ages:
            return AgeBand.UNKNOWN
        return AgeBand.for_age(min(ages) if youngest else max(ages))

    def claimed_ages(self) -> list[int]:
        """Every self-declared age, carried forward to the latest declaration's date."""
        dated = [(d.age, d.declared_at) for d in self.declared_ages if d.age is not None]
        assurance = self.assurance
        if assurance is not None and (age := assurance.claimed_age()) is not None:
            # A self-declared check is one more claim, undated: as of the latest declaration.
            dated.append((age, max((at for _, at in dated), default=self.first_seen_at)))
        if not dated:
            return []
        now = max(at for _, at in dated)
        return [age + int((now - at) / _YEAR) for age, at in dated]

    def stated_child_age(self, now: datetime | None = None) -> StatedAge | None:
        """The youngest child's age the account stated in a message, carried forward to
        ``now`` (by default the latest statement's date), with the message that stated it."""
        if not self.stated_ages:
            return None
        now = now or self.stated_ages[-1].stated_at
        carried = [
            s.model_copy(update={"age": s.age + int((now - s.stated_at) / _YEAR)})
            for s in self.stated_ages
        ]
        youngest = min(carried, key=lambda s: s.age)
        return youngest if youngest.age < ADULT_AGE else None

    def protected_by_statement(self) -> StatedAge | None:
        """The stated age that makes the account younger as a target than its profile and
        age checks alone would, or None when it changes nothing."""
        stated = self.stated_child_age()
        if stated is None or self.age_band == self._band(youngest=True):
            return None
        return stated

    def state_age(self, age: int, at: datetime, event_id: str) -> Account:
        """The account with a child's age it stated in a message ``event_id``; an adult's age,
        or one no younger than the youngest already stated, adds nothing."""
        held = self.stated_child_age(at)
        if age >= ADULT_AGE or (held is not None and held.age <= age):
            return self
        stated = (*self.stated_ages, StatedAge(age=age, stated_at=at, event_id=event_id))
        return self.model_copy(update={"stated_ages": stated})

    def age_drop(self, age: int | None) -> int:
        """How many years a new declaration of ``age`` falls below the oldest age claimed
        (0 when it does not fall by ``AGE_DROP_YEARS`` or more)."""
        ages = self.claimed_ages()
        if age is None or not ages:
            return 0
        drop = max(ages) - age
        return drop if drop >= AGE_DROP_YEARS else 0

    @property
    def age_assurance_method(self) -> AssuranceMethod | None:
        return self.assurance.method if self.assurance else None

    def account_age_days(self, now: datetime) -> int:
        """Days since the platform created the account, or since the engine first saw it."""
        return max(0, (now - (self.created_at or self.first_seen_at)).days)

    def declare_age(self, age: int | None, at: datetime) -> Account:
        if self.declared_age == age and self.declared_ages:
            return self
        history = (*self.declared_ages, DeclaredAge(age=age, declared_at=at))
        return self.model_copy(update={"declared_ages": history})

    def assure_age(self, assurance: AgeAssurance) -> Account:
        """Keep the stronger of the held and the new assurance (a newer one wins a tie)."""
        held = self.assurance
        if held is not None and held.method.strength > assurance.method.strength:
            return self
        return self.model_copy(update={"assurance": assurance})

    @classmethod
    def first_seen(cls, account_id: str, at: datetime) -> Account:
        return cls(account_id=account_id, first_seen_at=at)
