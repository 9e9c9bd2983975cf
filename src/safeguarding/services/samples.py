"""Anonymised samples of decisions, so the regulator can check how the engine decides.

A sample shows what was decided and why (the rules, the signals with their scores), with the
age bands of the people involved, but no content and no real identifiers: accounts and
events appear under pseudonyms (a keyed HMAC, stable within a deployment, so the regulator
can see that two samples concern the same account without learning who it is). What a
detector quotes of the content (cue words, links) is dropped (`domain/redaction.py`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from safeguarding.domain.access import Principal, Role
from safeguarding.domain.accounts import AgeBand
from safeguarding.domain.audit_actions import AuditAction, AuditSubject, Listing
from safeguarding.domain.decisions import Decision
from safeguarding.domain.errors import FieldError, InvalidInput
from safeguarding.domain.events import Event
from safeguarding.domain.ids import Clock
from safeguarding.domain.redaction import content_free_signal
from safeguarding.ports.store import HasAccounts, HasAudit, HasEvents, Transactions
from safeguarding.services import auditor

MAX_SAMPLES = 200
# The audit subject of a regulator's sampling.
SAMPLES_SUBJECT = AuditSubject.of(Listing.DECISION_SAMPLES)


class SampleWork(HasAccounts, HasAudit, HasEvents, Protocol):
    """What decision samples for the regulator reads and writes in one transaction."""


class SampledSignal(BaseModel):
    """A signal without anything quoted from the content."""

    model_config = ConfigDict(frozen=True)

    detector: str
    kind: str
    score: float
    explanation: str


class DecisionSample(BaseModel):
    """One decision, anonymised."""

    model_config = ConfigDict(frozen=True)

    event: str
    event_type: str
    occurred_at: datetime
    decided_at: datetime
    verdict: str
    actions: tuple[str, ...]
    rules: tuple[str, ...]
    shadow_rules: tuple[str, ...]
    signals: tuple[SampledSignal, ...]
    actor: str
    actor_age_band: str
    targets: dict[str, str]  # pseudonym -> age band


class DecisionSamples:
    """Draws random decisions and strips them of identity and content; regulator reads audited."""

    def __init__(self, store: Transactions[SampleWork], clock: Clock, secret: bytes) -> None:
        self.store = store
        self.clock = clock
        self._key = hmac.new(secret, b"safeguarding pseudonyms", hashlib.sha256).digest()

    def sample(self, principal: Principal, n: int = 20, days: int = 90) -> list[DecisionSample]:
        if not 1 <= n <= MAX_SAMPLES:
            raise InvalidInput.about("n", f"ask for 1 to {MAX_SAMPLES} samples, not {n}")
        if not 1 <= days <= 3660:
            raise InvalidInput.about("days", f"sample from the last 1 to 3660 days, not {days}")
        until = self.clock.now()
        with self.store.write() as uow:
            drawn = uow.events.sample(n, until - timedelta(days=days), until)
            people = {p for e, _ in drawn for p in (e.actor_id, *e.target_ids())}
            bands = {a: acc.age_band for a, acc in uow.accounts.get(people).items()}
            if principal.role is Role.REGULATOR:  # only its reads are recorded
                # The events shown, so a request can later name them by their pseudonyms.
                shown = [event.event_id for event, _ in drawn]
                details = {"samples": len(drawn), "days": days, "events": shown}
                auditor.regulator_read(uow, until, principal, SAMPLES_SUBJECT, details)
        return [self._anonymised(event, decision, bands) for event, decision in drawn]

    def resolve(self, uow: SampleWork, pseudonyms: Sequence[str]) -> dict[str, str]:
        """The event behind each pseudonym, among the decisions sampled for the regulator.

        Only a decision the regulator was shown can be named this way (the sampling audit
        records hold what was shown); InvalidInput names every pseudonym that is not one."""
        wanted = dict.fromkeys(pseudonyms)
        found: dict[str, str] = {}
        for details in auditor.details_of(uow, AuditAction.REGULATOR_READ, SAMPLES_SUBJECT):
            for event_id in details.get("events", ()):
                named = self.pseudonym("event", event_id)
                if named in wanted:
                    found[named] = event_id
        unknown = [(i, p) for i, p in enumerate(pseudonyms) if p not in found]
        if unknown:
            listed = ", ".join(repr(p) for _, p in unknown)
            raise InvalidInput(
                f"no sampled decision is known as {listed}: name decisions by the event "
                "pseudonym a sample showed you (GET /v1/regulator/samples)",
                [FieldError(("samples", i), "not a sampled decision's event pseudonym")
                 for i, _ in unknown],
            )  # fmt: skip
        return {p: found[p] for p in wanted}

    def pseudonym(self, kind: str, value: str) -> str:
        digest = hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
        return f"{kind}-{digest[:12]}"

    def _anonymised(
        self, event: Event, decision: Decision, bands: dict[str, AgeBand]
    ) -> DecisionSample:
        def band(account: str) -> str:
            return bands.get(account, AgeBand.UNKNOWN).value

        return DecisionSample(
            event=self.pseudonym("event", event.event_id),
            event_type=event.type,
            occurred_at=event.occurred_at,
            decided_at=decision.decided_at,
            verdict=decision.verdict.value,
            actions=tuple(a.name.value for a in decision.actions),
            rules=tuple(r.rule for r in decision.rules),
            shadow_rules=tuple(r.rule for r in decision.shadow),
            signals=tuple(
                SampledSignal(
                    detector=s.detector,
                    kind=s.kind,
                    score=round(s.score, 3),
                    explanation=content_free_signal(s).explanation,
                )
                for s in decision.signals
            ),
            actor=self.pseudonym("account", event.actor_id),
            actor_age_band=band(event.actor_id),
            targets={self.pseudonym("account", t): band(t) for t in event.target_ids()},
        )
