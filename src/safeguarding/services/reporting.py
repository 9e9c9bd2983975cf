"""Authority reports: build the package from what is stored, confirm it, send it.

Policy drafts a report (``report_to_authority``); nothing leaves until a moderator or admin
confirms it, and only once the case about its event was decided as confirmed. Confirming
builds the package from the stored event, its decision, the accounts' age facts, the preserved
evidence and, for grooming, the messages that drove the signal, checks it is complete and valid
in the receiver's format, and keeps it as confirmed; sending sends exactly that. Each step is
audited, and so is every read of a package.

Scope is the one rule of ``services.access``: a moderator reaches the reports of events in the
queues they work; the regulator sees every report's metadata, and a package only under an open
information request naming its event; an admin reaches all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from safeguarding.domain.access import Principal, Role
from safeguarding.domain.audit_actions import CONTENT_VIEWS, AuditAction, AuditSubject, Listing
from safeguarding.domain.cases import CaseStatus
from safeguarding.domain.decisions import Decision
from safeguarding.domain.errors import AccessDenied, Conflict, InvalidInput, NotFound
from safeguarding.domain.events import (
    Event,
    MediaEvent,
    MessageEvent,
    PostEvent,
    UserReportEvent,
)
from safeguarding.domain.ids import Clock
from safeguarding.domain.permissions import Permission
from safeguarding.domain.reports import (
    FORMATS,
    AuthorityReport,
    ExcerptLine,
    IncidentType,
    ReportedAccount,
    ReportedContent,
    ReportRecord,
    ReportStatus,
    ReportSummary,
)
from safeguarding.ports.store import HasAccounts, HasEvidence, HasReports, Transactions
from safeguarding.services import auditor
from safeguarding.services.access import (
    AccessWork,
    check_quoted,
    content_grounds,
    event_queues,
    out_of_scope,
)

CONFIRMERS = Permission.CONFIRM_REPORTS
# The audit actions that mean a person at the service saw a file's content.
VIEWS = CONTENT_VIEWS


class ReportingWork(AccessWork, HasAccounts, HasEvidence, HasReports, Protocol):
    """What reports to authorities reads and writes in one transaction."""


class ReportSender(Protocol):
    """Delivers a confirmed package; returns where it went (a URL or a file path)."""

    def wants_files(self, package: dict[str, Any]) -> bool:
        """Whether this package goes with its preserved files (an upload to the receiver)."""
        ...

    def send(
        self, name: str, package: dict[str, Any], files: Mapping[str, bytes] | None = None
    ) -> str:
        """Send; ``files`` maps each preserved file's SHA-256 to its content."""
        ...

    def withdraw(self, name: str) -> bool:
        """Remove what this side keeps of a sent package (a file left for upload), at the
        end of its content's retention; False when it kept nothing."""
        ...


def format_for(authority: str) -> str:
    """The wire format an authority takes: the NCA's for "nca", NCMEC's otherwise."""
    return "nca" if authority == "nca" else "ncmec"


class ReportingService:
    """Drafted reports: list, build, confirm, submit."""

    def __init__(
        self,
        store: Transactions[ReportingWork],
        clock: Clock,
        reporter: str,
        sender: ReportSender,
        accountable_manager: str = "",
    ) -> None:
        self.store = store
        self.clock = clock
        self.reporter = reporter
        self.accountable_manager = accountable_manager
        self.sender = sender

    def list(self, principal: Principal) -> list[ReportSummary]:
        """Every report's metadata (never a package); a moderator's, of the queues they work."""
        with self.store.write() as uow:
            records = uow.reports.recent()
            if principal.role is not Role.ADMIN and principal.role is not Role.REGULATOR:
                records = [r for r in records if principal.works_any(event_queues(uow, r.event_id))]
            subject = AuditSubject.of(Listing.AUTHORITY_REPORTS)
            auditor.regulator_read(uow, self.clock.now(), principal, subject)
        return [r.summary() for r in records]

    def build(self, event_id: str, authority: str, principal: Principal) -> AuthorityReport:
        """The incident package, for someone whose scope reaches its event; audited."""
        with self.store.write() as uow:
            _record(uow, event_id, authority)
            grounds = content_grounds(uow, principal, event_id, _what(event_id, authority))
            check_quoted(uow, principal, event_id, _cited(uow, event_id))
            report = self._build(uow, event_id, authority)
            now = self.clock.now()
            _audit(
                uow,
                now,
                principal.audit_name,
                AuditAction.REPORT_READ,
                event_id,
                authority,
                grounds,
            )
        return report

    def package(self, event_id: str, authority: str, principal: Principal) -> dict[str, Any]:
        """The package as it is (or would be) sent; every read is audited with its grounds."""
        record = self._stored(event_id, authority)
        if record.package is not None:
            with self.store.write() as uow:
                what = _what(event_id, authority)
                grounds = content_grounds(uow, principal, event_id, what)
                check_quoted(uow, principal, event_id, _cited(uow, event_id))
                now = self.clock.now()
                actor = principal.audit_name
                _audit(uow, now, actor, AuditAction.REPORT_READ, event_id, authority, grounds)
            return dict(record.package)
        report = self.build(event_id, authority, principal)
        return FORMATS[format_for(authority)](report).model_dump(mode="json")

    def confirm(self, event_id: str, authority: str, principal: Principal) -> ReportRecord:
        if not CONFIRMERS.admits(principal):
            raise AccessDenied(
                "only a moderator or admin confirms an authority report",
                principal.role.value,
                tuple(sorted(r.value for r in CONFIRMERS.roles)),
            )
        with self.store.write() as uow:
            record = _record(uow, event_id, authority)
            _check_confirmed_case(uow, principal, event_id, _what(event_id, authority))
            if record.status is not ReportStatus.AWAITING_CONFIRMATION:
                raise Conflict(f"the report is {record.status.value}, not awaiting confirmation")
            report = self._build(uow, event_id, authority)
            missing = report.complete()
            if missing:
                raise InvalidInput("the report is not complete: " + "; ".join(missing))
            package = FORMATS[format_for(authority)](report).model_dump(mode="json")
            now = self.clock.now()
            confirmed = record.model_copy(
                update={
                    "status": ReportStatus.CONFIRMED,
                    "confirmed_by": principal.audit_name,
                    "confirmed_at": now,
                    "package": package,
                }
            )
            uow.reports.put(confirmed)
            _audit(uow, now, principal.audit_name, AuditAction.REPORT_CONFIRM, event_id, authority)
        return confirmed

    def submit(self, event_id: str, authority: str, principal: Principal) -> ReportRecord:
        with self.store.read() as uow:
            record = _record(uow, event_id, authority)
            _check_confirmed_case(uow, principal, event_id, _what(event_id, authority))
        actor = principal.audit_name
        if record.status is not ReportStatus.CONFIRMED or record.package is None:
            raise Conflict(
                f"the report is {record.status.value}: a moderator confirms it before it is sent"
            )
        files = self._files(record.package) if self.sender.wants_files(record.package) else {}
        destination = self.sender.send(f"{authority}-{event_id}", record.package, files)
        with self.store.write() as uow:
            now = self.clock.now()
            sent = record.model_copy(
                update={
                    "status": ReportStatus.SUBMITTED,
                    "submitted_at": now,
                    "destination": destination,
                }
            )
            uow.reports.put(sent)
            # The files that left with it are named by hash in the audit, never included.
            grounds = {"files_sent": sorted(files)} if files else None
            _audit(uow, now, actor, AuditAction.REPORT_SUBMIT, event_id, authority, grounds)
        return sent

    def _files(self, package: dict[str, Any]) -> dict[str, bytes]:
        """The preserved content of each file a package names, by its SHA-256 (unsealed here
        only to go to the receiver; what is purged is simply not sent)."""
        named = package.get("files")
        listed = named if isinstance(named, list) else []
        hashes = [f.get("evidence_sha256") for f in listed if isinstance(f, dict)]
        found: dict[str, bytes] = {}
        with self.store.read() as uow:
            for sha256 in filter(None, hashes):
                content = uow.evidence.content(str(sha256))
                if content is not None:
                    found[str(sha256)] = content
        return found

    def acknowledge(self, event_id: str, authority: str, actor: str) -> ReportRecord:
        """Record that the receiver acknowledged a submitted report."""
        with self.store.write() as uow:
            record = _record(uow, event_id, authority)
            if record.status is not ReportStatus.SUBMITTED:
                raise Conflict(f"the report is {record.status.value}, not submitted")
            done = record.model_copy(update={"status": ReportStatus.ACKNOWLEDGED})
            uow.reports.put(done)
            _audit(
                uow, self.clock.now(), actor, AuditAction.REPORT_ACKNOWLEDGE, event_id, authority
            )
        return done

    def _stored(self, event_id: str, authority: str) -> ReportRecord:
        with self.store.read() as uow:
            return _record(uow, event_id, authority)

    # -- building ------------------------------------------------------------
    def _build(self, uow: ReportingWork, event_id: str, authority: str) -> AuthorityReport:
        event = uow.events.get(event_id)
        found = uow.events.decisions([event_id]).get(event_id)
        if event is None or found is None:
            raise NotFound(f"event {event_id!r} or its decision is not stored")
        decision = found[1]
        signals = decision.signals
        return AuthorityReport(
            report_id=f"{authority}-{event_id}",
            authority=authority,
            incident_type=_incident(decision),
            incident_time=event.occurred_at,
            reporter=self.reporter,
            accountable_manager=self.accountable_manager,
            accounts=self._accounts(uow, event, decision),
            contents=self._contents(uow, event, decision),
            excerpt=self._excerpt(uow, event, decision),
            reasons=tuple(s.explanation for s in signals if s.kind != "detector_error"),
            policy_version=decision.policy_version,
        )

    def _accounts(
        self, uow: ReportingWork, event: Event, decision: Decision
    ) -> tuple[ReportedAccount, ...]:
        suspect = _named(decision, "suspect_account_id") or [_suspect(event)]
        children = _named(decision, "child_account_id") or _children(event)
        roles = dict.fromkeys(children, "child") | dict.fromkeys(suspect, "suspect")
        stored = uow.accounts.get(list(roles))
        found = []
        for account_id, role in roles.items():
            account = stored.get(account_id)
            if role == "child" and account is not None and not account.age_band.is_child:
                role = "other"
            found.append(
                ReportedAccount(
                    account_id=account_id,
                    role=role,
                    age_band=account.age_band.value if account else "unknown",
                    declared_age=account.declared_age if account else None,
                    age_assurance=(
                        account.assurance.method.value if account and account.assurance else None
                    ),
                )
            )
        return tuple(found)

    def _contents(
        self, uow: ReportingWork, event: Event, decision: Decision
    ) -> tuple[ReportedContent, ...]:
        if not isinstance(event, MediaEvent):
            return ()
        hashes = event.hashes
        banks = [s.evidence.bank for s in decision.signals if s.kind == "hash_match"]
        evidence = uow.evidence.get(event.event_id)
        return (
            ReportedContent(
                event_id=event.event_id,
                kind=event.media_kind.value,
                sent_at=event.occurred_at,
                sha256=event.sha256(),
                md5=hashes.md5 if hashes else None,
                pdq=hashes.pdq if hashes else None,
                matched_bank=next((b for b in banks if b), None),
                evidence_sha256=evidence.content_sha256 if evidence else None,
                viewed_by_esp=auditor.mentions(uow, VIEWS, AuditSubject.event(event.event_id)),
            ),
        )

    def _excerpt(
        self, uow: ReportingWork, event: Event, decision: Decision
    ) -> tuple[ExcerptLine, ...]:
        ids = dict.fromkeys(
            [i for s in decision.signals for i in s.evidence.event_ids] + [event.event_id]
        )
        lines = []
        for event_id in ids:
            found = uow.events.get(event_id)
            if isinstance(found, MessageEvent | PostEvent):
                lines.append(
                    ExcerptLine(
                        event_id=found.event_id,
                        sender=found.actor_id,
                        sent_at=found.occurred_at,
                        text=found.text,
                    )
                )
        return tuple(sorted(lines, key=lambda line: (line.sent_at, line.event_id)))


def _incident(decision: Decision) -> IncidentType:
    if any(s.kind == "hash_match" for s in decision.signals):
        return IncidentType.CHILD_SEXUAL_ABUSE_MATERIAL
    return IncidentType.ONLINE_ENTICEMENT


def _suspect(event: Event) -> str:
    """Whom the event is about when no signal names a suspect: a report's reported account
    (never the one who reported), else the actor."""
    return event.reported_account_id if isinstance(event, UserReportEvent) else event.actor_id


def _children(event: Event) -> list[str]:
    """The children an event may concern when no signal names one: a report's reporter, else
    its targets (an account that is not a child is listed as "other")."""
    return [event.actor_id] if isinstance(event, UserReportEvent) else list(event.target_ids())


def _named(decision: Decision, key: str) -> Sequence[str]:
    return [
        value for s in decision.signals if isinstance(value := s.evidence.details.get(key), str)
    ]


def _cited(uow: ReportingWork, event_id: str) -> list[str]:
    """The other events a package of ``event_id`` quotes: those its decision's signals cite."""
    found = uow.events.decisions([event_id]).get(event_id)
    cited = [i for s in found[1].signals for i in s.evidence.event_ids] if found else []
    return [i for i in cited if i != event_id]


def _what(event_id: str, authority: str) -> str:
    return f"the {authority} report on event {event_id!r}"


def _check_confirmed_case(
    uow: ReportingWork, principal: Principal, event_id: str, what: str
) -> None:
    """A report goes forward only from a case about its event that was decided as confirmed,
    in a queue the caller works."""
    if not CONFIRMERS.admits(principal) or not principal.works_any(event_queues(uow, event_id)):
        raise out_of_scope(principal, f"{what} is not in a queue {principal.name} works")
    confirmed = [c for c in uow.cases.of_event(event_id) if c.status is CaseStatus.CONFIRMED]
    if not confirmed:
        raise Conflict(f"decide the case about event {event_id!r} as confirmed before its report")
    if not any(principal.works(c.queue) for c in confirmed):
        queues = ", ".join(sorted({c.queue for c in confirmed}))
        raise out_of_scope(principal, f"{what} was confirmed in {queues}, not a queue you work")


def _record(uow: ReportingWork, event_id: str, authority: str) -> ReportRecord:
    record = uow.reports.get(event_id, authority)
    if record is None:
        raise NotFound(f"no report for {authority!r} was drafted for event {event_id!r}")
    return record


def _audit(
    uow: ReportingWork,
    at: datetime,
    actor: str,
    action: AuditAction,
    event_id: str,
    authority: str,
    grounds: dict[str, Any] | None = None,
) -> None:
    details = ({"authority": authority} if authority else {}) | (grounds or {})
    auditor.record(uow, at, actor, action, AuditSubject.event(event_id), details)
