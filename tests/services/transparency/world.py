"""A transparency world: a clock the test moves, events built for it, and stores filled with them.

Every event goes through the real ingest path with the clock set to when it was received, so
each figure is computed from what the engine stored, never typed in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from safeguarding.bootstrap import Container
from safeguarding.domain.access import Principal, Role
from safeguarding.domain.cases import CaseDecision, Outcome
from safeguarding.domain.complaints import ComplaintKind, ComplaintStatus
from safeguarding.domain.events import EVENT_ADAPTER
from safeguarding.domain.transparency import Period
from safeguarding.services.complaints import NewComplaint
from tests.clocks import MovableClock

KNOWN = hashlib.sha256(b"a benign stand-in for a listed image").hexdigest()
MODERATOR = Principal(key_id="k-mod", name="sam", role=Role.MODERATOR)
PLATFORM = Principal(key_id="k-app", name="app", role=Role.PLATFORM)
ADVOCATE = Principal(key_id="k-adv", name="voice", role=Role.ADVOCATE)
FINANCIAL_2019 = Period.parse("2019-04-01", "2020-03-31")
QUARTER_2020 = Period.parse("2020-01-01", "2020-03-31")


def event(kind: str, event_id: str, actor: str, at: datetime, **fields: Any) -> dict[str, Any]:
    common = {"type": kind, "event_id": event_id, "occurred_at": at.isoformat(), "actor_id": actor}
    return common | fields


def profile(actor: str, age: int, at: datetime) -> dict[str, Any]:
    return event("profile_update", f"p-{actor}", actor, at, declared_age=age)


def first_message(adult: str, child: str, at: datetime, event_id: str) -> dict[str, Any]:
    chat = {"recipient_ids": [child], "conversation_id": f"{adult}-{child}", "text": "hi"}
    return event("message", event_id, adult, at, **chat)


def grooming_report(child: str, adult: str, at: datetime, event_id: str) -> dict[str, Any]:
    return event("user_report", event_id, child, at, reported_account_id=adult, reason="grooming")


def known_upload(actor: str, at: datetime, event_id: str) -> dict[str, Any]:
    return event("media", event_id, actor, at, media_kind="image", hashes={"sha256": KNOWN})


def ingest_at(world: Container, clock: MovableClock, at: datetime, *events: dict[str, Any]) -> None:
    """Ingest events as received at ``at``."""
    clock.at = at
    world.ingest.ingest([EVENT_ADAPTER.validate_python(e) for e in events], source="test")


def spread(period: Period, n: int) -> Iterator[tuple[int, datetime]]:
    """``n`` moments spread evenly over the period, each at least an hour into its day."""
    step = (period.end - period.start) / n
    for i in range(n):
        yield i, period.start + step * i + timedelta(hours=1)


def by_day(moments: Iterator[tuple[int, datetime]]) -> dict[Any, list[tuple[int, datetime]]]:
    days: dict[Any, list[tuple[int, datetime]]] = {}
    for i, at in moments:
        days.setdefault(at.date(), []).append((i, at))
    return days


def grooming_reports(
    world: Container, clock: MovableClock, period: Period, n: int, tag: str
) -> None:
    """``n`` children's reports of grooming over the period, one batch a day."""
    for day in by_day(spread(period, n)).values():
        events = [
            grooming_report(f"c-{tag}-{i}", f"a-{tag}-{i}", at, f"r-{tag}-{i}") for i, at in day
        ]
        ingest_at(world, clock, day[-1][1] + timedelta(minutes=5), *events)


def blocked_contacts(
    world: Container, clock: MovableClock, period: Period, n: int, tag: str
) -> None:
    """``n`` adults each opening a chat with a different child they are not connected to."""
    for day in by_day(spread(period, n)).values():
        events = []
        for i, at in day:
            adult, child = f"adult-{tag}-{i}", f"child-{tag}-{i}"
            events += [
                profile(adult, 34, at - timedelta(minutes=30)),
                profile(child, 12, at - timedelta(minutes=30)),
                first_message(adult, child, at, f"m-{tag}-{i}"),
            ]
        ingest_at(world, clock, day[-1][1] + timedelta(minutes=1), *events)


# -- a small store with something for each figure -------------------------------------------
JANUARY = Period.parse("2021-01-01", "2021-01-31")
NOON = datetime(2021, 1, 10, 12, 0, tzinfo=UTC)
ADMIN = Principal(key_id="k-adm", name="ali", role=Role.ADMIN)


def before(minutes: float) -> datetime:
    return NOON - timedelta(minutes=minutes)


def small_store(world: Container, clock: MovableClock) -> None:
    """Three actioned decisions (one per way of finding harm), one allowed, edges of the period,
    a moderator's decision, an authority report, complaints and a super-complaint."""
    ingest_at(world, clock, JANUARY.start, profile("early", 30, JANUARY.start))
    ingest_at(world, clock, JANUARY.end, grooming_report("late-c", "late-a", JANUARY.end, "late"))
    ingest_at(
        world,
        clock,
        NOON,
        profile("adult-a", 40, before(60)),
        profile("child-b", 12, before(60)),
        profile("adult-c", 30, before(60)),
        known_upload("uploader", before(10), "upload"),
        # about another adult: a report holds the reported adult's messages to the child,
        # and adult-a's first message must stand for the default rules alone
        grooming_report("child-b", "adult-r", before(30), "report"),
        first_message("adult-a", "child-b", before(20), "contact"),
        first_message("adult-a", "adult-c", before(5), "chat"),
    )
    world.outbox.run_once(100)
    _decide_case(world, clock, "report", "grooming_confirmed")
    clock.at = NOON + timedelta(hours=2)
    # a report goes forward, and an appeal reinstates a hash match, only once its case is decided
    _decide_case(world, clock, "upload", "known_abuse_image")
    world.reports.confirm("upload", "default", MODERATOR)
    world.reports.submit("upload", "default", MODERATOR)
    _complain(world, clock)


def _decide_case(world: Container, clock: MovableClock, event_id: str, reason_code: str) -> None:
    (case,) = [c for c in world.review.queue() if event_id in c.event_ids]
    at = clock.at
    clock.at = at + timedelta(minutes=60)
    world.review.claim(case.case_id, MODERATOR)
    clock.at = at + timedelta(minutes=90)
    decision = CaseDecision(
        case_id=case.case_id,
        outcome=Outcome.CONFIRM,
        reason_code=reason_code,
        by=MODERATOR.audit_name,
        at=clock.at,
    )
    world.review.decide(decision, MODERATOR)


def _complain(world: Container, clock: MovableClock) -> None:
    clock.at = NOON + timedelta(hours=3)
    appeal = world.complaints.file(
        NewComplaint(ComplaintKind.APPEAL, "uploader", "not_harmful", "It was mine.", "upload"),
        PLATFORM,
    )
    world.complaints.decide(appeal.complaint_id, ComplaintStatus.UPHELD, "Reviewed again.", ADMIN)
    world.complaints.file(
        NewComplaint(ComplaintKind.COMPLAINT, "child-b", "too_slow", "Nobody replied."), PLATFORM
    )
    world.super_complaints.file(
        ADVOCATE,
        "Contact from strangers",
        "Children on the service are contacted by adults they do not know, week after week.",
        ["grooming"],
    )
