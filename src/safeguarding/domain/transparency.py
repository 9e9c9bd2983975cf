"""Transparency reports: a period's figures in the units the public and a regulator read.

A ``Figure`` is one number for a ``Period`` with the same number for the year before, and
words it as a press office would: "735, equivalent to 2.0 a day, up 50% on last year". The
daily rate is rounded to one decimal place and the change to a whole percent, both half up
(2.25 is 2.3, not 2.2), so the wording matches published police and regulator figures.

``harm_of`` puts each decision under one harm (see its docstring for the mapping).
``decision_facts`` reads stored decisions for the figures; ``services/transparency.py`` builds
the report.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, model_validator

from safeguarding.domain.decisions import Decision
from safeguarding.domain.errors import FieldError, InvalidInput

DAY = timedelta(days=1)


class Harm(StrEnum):
    """The harms a transparency report counts decisions under."""

    ABUSE_IMAGERY = "abuse_imagery"
    GROOMING = "grooming"
    SELF_HARM = "self_harm"
    INTIMATE_IMAGE_ABUSE = "intimate_image_abuse"  # a bank's harm (domain/banks.py)
    TERRORISM = "terrorism"  # a bank's harm
    OTHER = "other"

    @property
    def label(self) -> str:
        return _LABELS.get(self.value, self.value)


_LABELS = {
    "abuse_imagery": "abuse imagery",
    "self_harm": "self-harm",
    "intimate_image_abuse": "intimate-image abuse",
}
# Most severe first: a decision whose signals point at two harms counts under the first.
SEVERITY = (
    Harm.ABUSE_IMAGERY,
    Harm.GROOMING,
    Harm.SELF_HARM,
    Harm.INTIMATE_IMAGE_ABUSE,
    Harm.TERRORISM,
)
_QUEUES = {h.value: h for h in SEVERITY}
_DETECTORS = {
    "hash_bank": Harm.ABUSE_IMAGERY,
    "sha256_list": Harm.ABUSE_IMAGERY,
    "grooming": Harm.GROOMING,
    "contact_pattern": Harm.GROOMING,
    "self_harm": Harm.SELF_HARM,
}
_REPORT_REASONS = {h.value: h for h in (Harm.ABUSE_IMAGERY, Harm.GROOMING, Harm.SELF_HARM)}


_BANK_HARMS = {h.value: h for h in (*SEVERITY, Harm.OTHER)}
# A signal as harm_of reads it: detector, kind, and the harm its evidence names (a bank's).
HarmSignal = tuple[str, str, str | None]


def signal_harm(detector: str, kind: str, bank_harm: str | None = None) -> Harm:
    """The harm one signal points at: the harm of the bank it matched, else by its detector,
    or a user report by its reason."""
    if bank_harm is not None:
        return _BANK_HARMS.get(bank_harm, Harm.OTHER)
    if detector == "user_report":
        return _REPORT_REASONS.get(kind, Harm.OTHER)
    return _DETECTORS.get(detector, Harm.OTHER)


def harm_from(queue: str | None, signals: Iterable[HarmSignal]) -> Harm:
    """The harm of a decision given its case queue (if any) and its signals."""
    if queue in _QUEUES:
        return _QUEUES[queue]
    found = {signal_harm(*signal) for signal in signals}
    return next((h for h in SEVERITY if h in found), Harm.OTHER)


def harm_of(decision: Decision) -> Harm:
    """The one harm a decision counts under.

    1. The queue of its ``open_case`` action, when that queue is a harm: ``abuse_imagery``,
       ``grooming``, ``self_harm``, ``intimate_image_abuse`` or ``terrorism`` (the last two
       are queues the default rules give matches of banks of that harm). A case is the
       engine's own judgement of the harm.
    2. Else its signals: those the enforced rules cite, or every signal when no rule cites
       one (``detector_error`` signals never count). A bank match (hash or URL) goes by its
       bank's harm, named in its evidence; else ``hash_bank`` and ``sha256_list`` mean
       abuse imagery; ``grooming`` and ``contact_pattern`` grooming; ``self_harm``
       self-harm; a ``user_report`` signal goes by its reason (``abuse_imagery``,
       ``grooming``, ``self_harm``; any other reason is other). Two harms: the more severe,
       in ``SEVERITY``'s order.
    3. Else other (for example a child-safe default that blocked contact on account facts).
    """
    queue = next(
        (str(a.params.get("queue", "general")) for a in decision.actions if a.name == "open_case"),
        None,
    )
    cited = {i for r in decision.rules for i in r.signal_indexes}
    signals: list[HarmSignal] = [(s.detector, s.kind, s.evidence.harm) for s in decision.signals]
    return harm_from(queue, harm_signals(signals, cited))


def harm_signals(signals: list[HarmSignal], cited: set[int]) -> list[HarmSignal]:
    usable = [(i, s) for i, s in enumerate(signals) if s[1] != "detector_error"]
    chosen = [s for i, s in usable if i in cited]
    return chosen or [s for _, s in usable]


# -- periods, figures and the report ------------------------------------------------------
class Period(BaseModel):
    """From ``start`` (inclusive) to ``end`` (exclusive), timezone-aware."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end <= self.start:
            raise ValueError("a period ends after it starts")
        return self

    @classmethod
    def of_dates(cls, first: date, last: date) -> Period:
        """Whole UTC days from ``first`` to ``last``, both included (as reports name them)."""
        if last < first:
            raise InvalidInput(
                f"to ({last}) is before from ({first}): the period would end before it starts",
                [FieldError(("to",), "before from")],
            )
        start = datetime(first.year, first.month, first.day, tzinfo=UTC)
        return cls(start=start, end=datetime(last.year, last.month, last.day, tzinfo=UTC) + DAY)

    @classmethod
    def parse(cls, first: str, last: str) -> Period:
        """From two YYYY-MM-DD dates, naming the one at fault when either is not a date."""
        return cls.of_dates(_date("from", first), _date("to", last))

    @property
    def days(self) -> float:
        return (self.end - self.start) / DAY

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(microseconds=1)).date()

    def year_before(self) -> Period:
        """The same dates a year earlier (29 February becomes 28 February)."""
        return Period(start=_year_earlier(self.start), end=_year_earlier(self.end))

    def dates(self) -> Iterator[date]:
        day = self.start.date()
        while day <= self.last_day:
            yield day
            day += DAY

    def __str__(self) -> str:
        return f"{_long(self.start.date())} to {_long(self.last_day)}"


def _date(name: str, text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"{name}: {text!r} is not a date; write it as YYYY-MM-DD, e.g. 2025-04-01",
            [FieldError((name,), "not a YYYY-MM-DD date")],
        ) from None


def _year_earlier(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - 1, day=28)


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def half_up(value: float, places: int) -> Decimal:
    """Round as published figures are rounded: halves away from zero, on the decimal value."""
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


Unit = Literal["count", "minutes"]


class Figure(BaseModel):
    """One figure for a period, with last year's for the change."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    label: str
    value: int | float | None
    days: float
    previous: int | float | None = None
    unit: Unit = "count"

    @property
    def daily_rate(self) -> float | None:
        """How many a day, for counts."""
        if self.unit != "count" or self.value is None:
            return None
        return self.value / self.days

    @property
    def change(self) -> float | None:
        """The change on last year as a fraction (0.5 is up 50%); None without last year's."""
        if self.value is None or not self.previous:
            return None
        return (self.value - self.previous) / self.previous

    @property
    def change_percent(self) -> int | None:
        return None if self.change is None else int(half_up(self.change * 100, 0))

    def shown(self) -> str:
        """The value alone: "735", "42 minutes", "3.5 hours", or "none measured"."""
        return self._show(self.value)

    def shown_previous(self) -> str:
        """Last year's value alone, as ``shown`` words it."""
        return self._show(self.previous)

    def _show(self, value: float | None) -> str:
        if value is None:
            return "none measured"
        if self.unit == "minutes":
            return _duration(value)
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"

    def wording(self) -> str:
        """The figure as the public reads it: value, daily rate, and change on last year."""
        parts = [self.shown()]
        rate = self.daily_rate
        if rate is not None:
            parts.append(f"equivalent to {half_up(rate, 1):,} a day")
        parts.append(self._change_words())
        return ", ".join(parts)

    def _change_words(self) -> str:
        if self.value is None or not self.previous:
            return "no figure for last year"
        if self.value == self.previous:
            return "unchanged on last year"
        percent = self.change_percent or 0
        if percent == 0:
            direction = "up" if self.value > self.previous else "down"
            return f"{direction} less than 1% on last year"
        return f"{'up' if percent > 0 else 'down'} {abs(percent):,}% on last year"


def _duration(minutes: float) -> str:
    if minutes < 90:
        whole = half_up(minutes, 0)
        return f"{whole} minute{'' if whole == 1 else 's'}"
    hours = minutes / 60
    if hours < 48:
        return f"{half_up(hours, 1)} hours"
    return f"{half_up(hours / 24, 1)} days"


class Section(BaseModel):
    """A titled group of figures."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str
    figures: tuple[Figure, ...]
    note: str = ""


class AuditHead(BaseModel):
    """The audit log's last record when the report was made: the report is as of it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: int
    hash: str


class DailyPoint(BaseModel):
    """One day of the period: actioned decisions per harm, and the median time to action."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    day: date
    by_harm: dict[Harm, int]
    median_minutes_to_action: float | None = None


class QualitativeItem(BaseModel):
    """One indicator of the DSA qualitative template (Annex II): its label, whom it applies
    to (the template's own applicability wording), and the text that answers it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    indicator: str
    applicability: str
    value: str


class TransparencyReport(BaseModel):
    """A period's figures, who stands behind them, and the audit head they are as of."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    organisation: str
    senior_manager: str
    period: Period
    generated_at: AwareDatetime
    audit_head: AuditHead
    policy_versions: tuple[int, ...]
    sections: tuple[Section, ...]
    daily: tuple[DailyPoint, ...] = ()
    qualitative: tuple[QualitativeItem, ...] = ()

    def figures(self) -> Iterator[tuple[Section, Figure]]:
        for section in self.sections:
            for figure in section.figures:
                yield section, figure

    def figure(self, name: str) -> Figure:
        for _, figure in self.figures():
            if figure.name == name:
                return figure
        raise KeyError(name)
