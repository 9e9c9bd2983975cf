"""Sharing signals with other services: export what this service confirmed, import partners'.

The export reads the moderators' confirmations (``case.decide`` records with outcome
``confirm``) of cases of a shared harm, and lists, for each, the hashes of the case's
uploads, the listed URLs its links matched, and (with a salt set) its subject's account
signal: never content, never a raw account id. The import puts a partner's signals into
one bank per partner and harm, made and versioned by the bank service's own code, in one
transaction: a file with a bad row stores nothing. Both are audited (``sharing.export``,
``sharing.import``), and the transparency report counts them from those records.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from safeguarding.domain.audit_actions import AuditAction, AuditSubject
from safeguarding.domain.banks import Bank, BankVersion, HashType, Trust
from safeguarding.domain.errors import Conflict, InvalidInput
from safeguarding.domain.events import MediaEvent
from safeguarding.domain.ids import Clock
from safeguarding.domain.sharing import (
    ACCOUNT_SIGNAL,
    EXPORT_TYPE,
    SHARED_HARMS,
    SharedSignal,
    account_signal,
    bank_harm_of,
    partner_bank_name,
    partner_problem,
    vpdq_signal_str,
)
from safeguarding.ports.store import (
    HasAudit,
    HasBanks,
    HasCases,
    HasEvents,
    HasPartnerAccounts,
    Transactions,
)
from safeguarding.services import auditor, partner_accounts
from safeguarding.services.banks import BankService
from safeguarding.services.sharing_files import (
    AccountRow,
    PartnerSignal,
    ShareFormat,
    write_export,
)

URL_KINDS = ("url_match", "partner_match")


class SharingWork(HasAudit, HasBanks, HasCases, HasEvents, HasPartnerAccounts, Protocol):
    """What signal export and import read and write in one transaction."""


class ImportMode(StrEnum):
    """``add`` to what the partner shared before; ``replace`` it with the file (what the file
    leaves out is withdrawn); ``withdraw`` every signal the file lists."""

    ADD = "add"
    REPLACE = "replace"
    WITHDRAW = "withdraw"


@dataclass(frozen=True)
class Exported:
    """An export: the file, and how many signals it holds by harm and by type."""

    content: str
    by_harm: dict[str, int]
    by_type: dict[str, int]


@dataclass
class Imported:
    """What an import did: the partner's trust, each bank's new version, what it skipped."""

    partner: str
    trust: Trust
    versions: list[BankVersion] = field(default_factory=list)
    imported: dict[str, int] = field(default_factory=dict)  # signals received, by harm
    withdrawn: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    accounts: int = 0  # account signals the partner has stored after the import


class SharingService:
    """Exports this service's confirmed signals; imports partners' into their banks."""

    def __init__(
        self,
        store: Transactions[SharingWork],
        clock: Clock,
        banks: BankService,
        collab: str,
        salt: str | None,
        default_trust: Trust,
    ) -> None:
        self.store = store
        self.clock = clock
        self.banks = banks
        self.collab = collab
        self.salt = salt
        self.default_trust = default_trust

    # -- export ----------------------------------------------------------------
    def export(self, fmt: ShareFormat, actor: str, since: datetime | None = None) -> Exported:
        """Every signal confirmed since ``since`` (all without it), each once, earliest first."""
        with self.store.read() as uow:
            found = list(_unique(self._confirmed(uow, since)))
        by_harm = Counter(s.harm for s in found)
        by_type = Counter(s.signal_type for s in found)
        details = {
            "format": fmt.value,
            "since": since.isoformat() if since else None,
            "signals": len(found),
            "by_harm": dict(by_harm),
            "by_type": dict(by_type),
        }
        with self.store.write() as uow:
            auditor.record(
                uow,
                self.clock.now(),
                actor,
                AuditAction.SHARING_EXPORT,
                AuditSubject.named(self.collab),
                details,
            )
        return Exported(write_export(found, fmt, self.collab), dict(by_harm), dict(by_type))

    def _confirmed(self, uow: SharingWork, since: datetime | None) -> Iterator[SharedSignal]:
        for record in auditor.records_of(uow, [AuditAction.CASE_DECIDE], since):
            case = uow.cases.get(record.subject)
            if record.details.get("outcome") != "confirm" or case is None:
                continue
            if case.queue not in SHARED_HARMS:
                continue
            decision_id = f"{case.case_id}/{record.details['seq']}"

            def shared(kind: str, value: str, harm: str = case.queue) -> SharedSignal:
                return SharedSignal(kind, value, harm, record.at, decision_id)  # noqa: B023

            yield from (shared(k, v) for k, v in _case_signals(uow, case.event_ids))
            if self.salt:
                yield shared(ACCOUNT_SIGNAL, account_signal(self.salt, case.subject_account_id))

    # -- import ----------------------------------------------------------------
    def import_signals(
        self,
        partner: str,
        signals: list[PartnerSignal],
        *,
        mode: ImportMode,
        source: str,
        actor: str,
        trust: Trust | None = None,
        skipped: dict[str, int] | None = None,
        accounts: list[AccountRow] | None = None,
    ) -> Imported:
        """Put a partner's signals into its banks (one per harm) as new versions, and its
        account signals into their own table, in one transaction; ``trust`` (else the
        partner's so far, else the default) applies to all of them. Without a salt account
        signals cannot be compared: they are skipped and counted."""
        problem = partner_problem(partner)
        if problem:
            raise InvalidInput.about("partner", problem)
        skipped = Counter(skipped or {})
        if accounts and self.salt is None:
            skipped[ACCOUNT_SIGNAL] += len(accounts)
            accounts = []
        accounts = accounts or []
        with self.store.write() as uow:
            held = {b.name: b for b in uow.banks.listed() if b.partner == partner}
            chosen = trust or next((b.trust for b in held.values() if b.trust), None)
            chosen = chosen or partner_accounts.trust_of(uow, partner)
            done = Imported(partner, chosen or self.default_trust, skipped=dict(skipped))
            harms = {s.harm for s in signals}
            if mode is ImportMode.REPLACE or trust is not None:  # all its banks change
                harms |= {name.split(".", 1)[1] for name in held}
            reshaped = False
            for harm in sorted(harms):
                bank, changed = self._partner_bank(uow, partner, harm, done.trust, actor)
                reshaped |= changed
                mine = [s for s in signals if s.harm == harm]
                wanted = _wanted(uow, bank.name, mine, mode)
                action = (
                    AuditAction.BANK_WITHDRAW
                    if mode is ImportMode.WITHDRAW
                    else AuditAction.BANK_IMPORT
                )
                made = self.banks._new_content(  # the banks' own versioning and audit
                    uow, bank, wanted, action, actor, source=f"{partner}: {source}"[:500]
                )
                done.versions.append(made)
            reshaped |= self._store_accounts(uow, done, accounts, mode)
            _count(done, [*signals, *accounts], mode)
            details = {
                "trust": done.trust.value,
                "mode": mode.value,
                "source": source,
                "imported": done.imported,
                "withdrawn": done.withdrawn,
                "skipped": done.skipped,
                "versions": {v.bank: v.version for v in done.versions},
                "accounts": done.accounts,
            }
            auditor.record(
                uow,
                self.clock.now(),
                actor,
                AuditAction.SHARING_IMPORT,
                AuditSubject.named(partner),
                details,
            )
        self.banks.rebuild() if reshaped else self.banks.catch_up()
        return done

    def _store_accounts(
        self, uow: SharingWork, done: Imported, rows: list[AccountRow], mode: ImportMode
    ) -> bool:
        """Leave the partner's account signals as the import says; True when they changed."""
        changed = partner_accounts.store(
            uow,
            done.partner,
            rows,
            trust=done.trust,
            withdrawing=mode is ImportMode.WITHDRAW,
            replacing=mode is ImportMode.REPLACE,
            at=self.clock.now(),
        )
        done.accounts = partner_accounts.count(uow, done.partner)
        return changed

    def _partner_bank(
        self, uow: SharingWork, partner: str, harm: str, trust: Trust, actor: str
    ) -> tuple[Bank, bool]:
        """The partner's bank of ``harm``, made or given ``trust``; True when it changed."""
        name = partner_bank_name(partner, harm)
        bank = uow.banks.get(name)
        if bank is not None and bank.partner != partner:
            raise Conflict(f"bank {name!r} is not {partner}'s shared list; rename it first")
        if bank is not None and bank.trust is trust:
            return bank, False
        if bank is None:
            bank = Bank(
                name=name,
                description=f"{harm} signals shared by {partner}",
                created_at=self.clock.now(),
                partner=partner,
                trust=trust,
                harm=bank_harm_of(harm),
            )
            action, details = AuditAction.BANK_CREATE, bank.model_dump(mode="json")
        else:
            bank = bank.model_copy(update={"trust": trust})
            action, details = AuditAction.BANK_UPDATE, {"trust": trust.value}
        uow.banks.put(bank)
        self.banks._changed(uow, actor, action, name, details)
        return bank, True


def _wanted(
    uow: SharingWork, bank: str, signals: list[PartnerSignal], mode: ImportMode
) -> set[tuple[HashType, str]]:
    """What the bank is to hold after the import."""
    listed = {(s.hash_type, s.value) for s in signals}
    withdrawn = {(s.hash_type, s.value) for s in signals if s.withdrawn}
    live = set(uow.banks.hashes_live(bank))
    withdrawing, replacing = mode is ImportMode.WITHDRAW, mode is ImportMode.REPLACE
    return partner_accounts.left_after(
        live, listed, withdrawn, withdrawing=withdrawing, replacing=replacing
    )


def _count(done: Imported, signals: list[PartnerSignal | AccountRow], mode: ImportMode) -> None:
    withdrawing = mode is ImportMode.WITHDRAW
    done.withdrawn = dict(Counter(s.harm for s in signals if s.withdrawn or withdrawing))
    done.imported = dict(Counter(s.harm for s in signals if not (s.withdrawn or withdrawing)))


def _case_signals(uow: SharingWork, event_ids: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """(pytx type, value) of the hashes of a case's uploads and the listed URLs it linked to."""
    for event_id in event_ids:
        event = uow.events.get(event_id)
        if isinstance(event, MediaEvent):
            yield from _media_signals(event)
    for _, decision in uow.events.decisions(list(event_ids)).values():
        for signal in decision.signals:
            url = signal.evidence.details.get("url") if signal.evidence else None
            if signal.kind in URL_KINDS and signal.evidence.hash_type == "url" and url:
                yield EXPORT_TYPE[HashType.URL, ""], str(url)


def _media_signals(event: MediaEvent) -> Iterator[tuple[str, str]]:
    kind, hashes = event.media_kind.value, event.hashes
    values: list[tuple[HashType, str | None]] = [
        (HashType.SHA256, event.sha256()),
        (HashType.MD5, hashes.md5 if hashes else None),
        (HashType.PDQ, hashes.pdq if hashes else None),
    ]
    for hash_type, value in values:
        if value:
            yield EXPORT_TYPE[hash_type, kind], value.lower()
    if hashes and hashes.vpdq:
        yield EXPORT_TYPE[HashType.VPDQ, "video"], vpdq_signal_str(hashes.vpdq)


def _unique(signals: Iterator[SharedSignal]) -> Iterator[SharedSignal]:
    seen: set[tuple[str, str]] = set()
    for s in signals:
        if (s.signal_type, s.signal_str) not in seen:
            seen.add((s.signal_type, s.signal_str))
            yield s
