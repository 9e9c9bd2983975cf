"""The child-safety self-test: the adversary's shortest sequences, run against the live policy.

Each sequence casts a fresh adult of 40 and a child of 11 who are not connected (declared by
profile events, as a platform sends them), then makes the adult's attempts to reach the child,
one event at a time: a contact request and then a message, a message with no request, a second
message, a message in a new conversation, a message a day later, an image, and, once the adult
is restricted, a message to another child who had accepted them. Every attempt must be answered
``block`` or ``hold``; the first that is not is what the compliance checklist names.

The events go through the live ingest path (detectors, policy, account and conversation state)
inside a scratch transaction that is rolled back, so nothing of the run is stored, audited or
acted on, and the made-up accounts never meet real ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from safeguarding.domain.events import EVENT_ADAPTER
from safeguarding.domain.ids import Clock, IdFactory
from safeguarding.domain.selftest import STOPPED, SequenceOutcome
from safeguarding.ports.store import Restriction, Transactions
from safeguarding.services.ingest import IngestService, IngestWork

SOURCE = "selftest"


class SelfTestWork(IngestWork, Protocol):
    """What the child-safety self-test reads and writes in one (rolled back) transaction: what
    ingest does, which it runs."""


@dataclass(frozen=True)
class Cast:
    """The made-up accounts of one run."""

    adult: str
    child: str
    other_child: str


Build = Callable[[Cast], dict[str, Any]]


@dataclass(frozen=True)
class Attempt:
    """One of the adult's attempts, in words, and the event it is."""

    what: str
    build: Build
    days_later: int = 0


@dataclass(frozen=True)
class Sequence:
    """An adversary sequence: set-up events, then attempts that must all be stopped."""

    name: str
    attempts: tuple[Attempt, ...]
    setup: tuple[Build, ...] = ()
    restricted: bool = False  # the adult is restricted before the attempts


def _message(conversation: str, *, to_other: bool = False) -> Build:
    def build(cast: Cast) -> dict[str, Any]:
        return {
            "type": "message",
            "actor_id": cast.adult,
            "recipient_ids": [cast.other_child if to_other else cast.child],
            "conversation_id": f"{cast.adult}-{conversation}",
            "text": "hi, how are you",
        }

    return build


def _contact_request(cast: Cast) -> dict[str, Any]:
    return {"type": "contact_request", "actor_id": cast.adult, "target_id": cast.child}


def _image(cast: Cast) -> dict[str, Any]:
    return {
        "type": "media",
        "actor_id": cast.adult,
        "media_kind": "image",
        "recipient_ids": [cast.child],
        "conversation_id": f"{cast.adult}-dm-media",
        "hashes": {"sha256": hashlib.sha256(cast.adult.encode()).hexdigest()},
    }


def _other_child_accepts(cast: Cast) -> dict[str, Any]:
    return {"type": "contact_accepted", "actor_id": cast.other_child, "target_id": cast.adult}


FIRST = Attempt("the adult's first message to the child (dm-1)", _message("dm-1"))
SEQUENCES: tuple[Sequence, ...] = (
    Sequence(
        "contact request, then a message",
        (Attempt("the adult's contact request to the child", _contact_request), FIRST),
    ),
    Sequence("a message without a request", (FIRST,)),
    Sequence(
        "a second message",
        (FIRST, Attempt("the adult's second message in dm-1", _message("dm-1"))),
    ),
    Sequence(
        "a message in a new conversation",
        (FIRST, Attempt("the adult's message in a new conversation dm-2", _message("dm-2"))),
    ),
    Sequence(
        "a message a day later",
        (FIRST, Attempt("the adult's message a day later (dm-3)", _message("dm-3"), 1)),
    ),
    Sequence("an image", (Attempt("the adult's image sent to the child", _image),)),
    Sequence(
        "after a restriction, a message to another child",
        (
            Attempt(
                "the restricted adult's message to a child who had accepted them",
                _message("dm-5", to_other=True),
            ),
        ),
        setup=(_other_child_accepts,),
        restricted=True,
    ),
)


class ChildSafetySelfTest:
    """Runs the adversary sequences against the policy in force, keeping nothing."""

    def __init__(
        self,
        store: Transactions[SelfTestWork],
        ingest: IngestService,
        clock: Clock,
        ids: IdFactory,
        sequences: tuple[Sequence, ...] = SEQUENCES,
    ) -> None:
        self.store = store
        self.ingest = ingest
        self.clock = clock
        self.ids = ids
        self.sequences = sequences

    def run(self) -> tuple[SequenceOutcome, ...]:
        with self.store.scratch() as uow:
            return tuple(self._run(uow, sequence) for sequence in self.sequences)

    def _run(self, uow: SelfTestWork, sequence: Sequence) -> SequenceOutcome:
        cast = Cast(*(self.ids.new(f"selftest-{who}") for who in ("adult", "child", "child")))
        start = self.clock.now() - timedelta(days=2)
        for raw in [*_profiles(cast, start), *(build(cast) for build in sequence.setup)]:
            self._decide(uow, raw, start)
        if sequence.restricted:
            restriction = Restriction(cast.adult, "restrict_contact_with_children", SOURCE, start)
            uow.accounts.restriction_add(restriction)
        for minute, attempt in enumerate(sequence.attempts, start=1):
            at = start + timedelta(days=attempt.days_later, minutes=minute)
            verdict = self._decide(uow, attempt.build(cast), at)
            if verdict not in STOPPED:
                return SequenceOutcome(
                    name=sequence.name,
                    steps=len(sequence.attempts),
                    got_through=attempt.what,
                    verdict=verdict,
                )
        return SequenceOutcome(name=sequence.name, steps=len(sequence.attempts))

    def _decide(self, uow: SelfTestWork, raw: dict[str, Any], at: datetime) -> str:
        event_id = self.ids.new("selftest")
        event = EVENT_ADAPTER.validate_python(
            {"event_id": event_id, "occurred_at": at.isoformat(), **raw}
        )
        return self.ingest.decide_within(uow, [event], SOURCE)[event_id].verdict.value


def _profiles(cast: Cast, start: datetime) -> list[dict[str, Any]]:
    years = start - timedelta(days=400)  # long-standing accounts: no new-account rule applies
    ages = ((cast.adult, 40), (cast.child, 11), (cast.other_child, 12))
    return [
        {
            "type": "profile_update",
            "actor_id": who,
            "declared_age": age,
            "account_created_at": years.isoformat(),
        }
        for who, age in ages
    ]
