"""Accounts: a platform user by opaque id, with what is known of their age.

The age band comes from the strongest evidence on record: a verified or
estimated age beats a self-declared one, and a newer declaration replaces an
older one but stays in the history, because a changed age is itself a signal.
"""

from __future__ import annotations

from datetime import datetime
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
        """The age to band by: the exact age, else the range's lower end (the safer reading)."""
        if self.age is not None:
            return self.age
        return self.age_min


class DeclaredAge(BaseModel):
    """One self-declared age and when it was declared."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    age: int | None
    declared_at: datetime


class Account(BaseModel):
    """A platform account and the age facts the engine holds for it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    account_id: str
    first_seen_at: datetime
    created_at: datetime | None = None
    declared_ages: tuple[DeclaredAge, ...] = ()
    assurance: AgeAssurance | None = None

    @property
    def declared_age(self) -> int | None:
        return self.declared_ages[-1].age if self.declared_ages else None

    @property
    def age_band(self) -> AgeBand:
        if self.assurance is not None and self.assurance.method != AssuranceMethod.SELF_DECLARED:
            return AgeBand.for_age(self.assurance.best_age())
        if self.declared_age is not None:
            return AgeBand.for_age(self.declared_age)
        if self.assurance is not None:
            return AgeBand.for_age(self.assurance.best_age())
        return AgeBand.UNKNOWN

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
