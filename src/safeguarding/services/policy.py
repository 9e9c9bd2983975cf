"""Policy administration: the version in force, its history, and audited changes."""

from __future__ import annotations

from importlib import resources
from typing import Protocol

from safeguarding.domain.audit import AuditEntry
from safeguarding.domain.audit_actions import AuditAction, AuditSubject
from safeguarding.domain.domain_events import PolicyStored
from safeguarding.domain.errors import NotFound
from safeguarding.domain.ids import Clock
from safeguarding.domain.policy import PolicyVersion
from safeguarding.policy.validate import CheckedPolicy, check_policy
from safeguarding.ports.store import HasAudit, HasPolicy, RecordsDomainEvents, Transactions
from safeguarding.services import auditor
from safeguarding.services.caches import Snapshot

RECHECK_SECONDS = 1.0


class PolicyWork(HasAudit, HasPolicy, RecordsDomainEvents, Protocol):
    """What policy versions read and write in one transaction (and the ``PolicyStored``
    event it records for after the commit)."""


def default_policy_source() -> str:
    return resources.files("safeguarding.policy").joinpath("default_policy.yaml").read_text()


class PolicyService:
    """Keeps the policy in force, parsed once per version and shared by every request."""

    def __init__(
        self,
        store: Transactions[PolicyWork],
        clock: Clock,
        detector_names: tuple[str, ...],
    ) -> None:
        self.store = store
        self.clock = clock
        self.detector_names = detector_names
        # Another process may store a version: its number is read at most once a second.
        self._in_force: Snapshot[[HasPolicy], PolicyVersion] = Snapshot(
            _stored_version, _stored_policy, max_staleness=RECHECK_SECONDS, revision_of=_version
        )

    def check(
        self, source: str, filename: str = "policy.yaml", strict: bool = False
    ) -> CheckedPolicy:
        return check_policy(
            source,
            filename=filename,
            known_detectors=self.detector_names,
            warnings_as_errors=strict,
        )

    def current(self, uow: HasPolicy) -> PolicyVersion:
        """The newest version. Checked against the store at most once a second, because
        another process may have changed it; a change made here is seen at once."""
        return self._in_force.get(uow)

    def current_readonly(self, read: auditor.Read | None = None) -> PolicyVersion:
        with auditor.reading(self.store, self.clock, read) as uow:
            return self.current(uow)

    def history(self, read: auditor.Read | None = None) -> list[PolicyVersion]:
        with auditor.reading(self.store, self.clock, read) as uow:
            return uow.policy.history()

    def ensure_initial(self, source: str | None = None) -> PolicyVersion | None:
        """Store version 1 from ``source`` (the built-in default if None) on an empty store."""
        with self.store.write() as uow:
            if uow.policy.current_version() != 0:
                return None
            stored = self._store(
                uow, self.check(source or default_policy_source()), "system", "initial policy"
            )
        self._in_force.expire()
        return stored

    def replace(self, source: str, *, by: str, note: str = "") -> PolicyVersion:
        """Validate and store a new version; the change goes into the audit log."""
        checked = self.check(source)
        with self.store.write() as uow:
            stored = self._store(uow, checked, by, note)
        self._in_force.expire()  # see the new version on the next request
        return stored

    def _store(self, uow: PolicyWork, checked: CheckedPolicy, by: str, note: str) -> PolicyVersion:
        before = uow.policy.current()
        version = PolicyVersion(
            version=(before.version if before else 0) + 1,
            sha256=checked.sha256,
            source=checked.source,
            document=checked.document,
            created_at=self.clock.now(),
            created_by=by,
            note=note,
        )
        relaxed = before.document.relaxed_defaults(version.document) if before else []
        uow.policy.add(version)
        auditor.record_all(uow, _policy_audit(version, before, relaxed))
        uow.record(PolicyStored(version))
        return version


def _stored_version(uow: HasPolicy) -> int:
    return uow.policy.current_version()


def _stored_policy(uow: HasPolicy) -> PolicyVersion:
    found = uow.policy.current()
    if found is None:
        raise NotFound("no policy is stored; run `safeguarding db upgrade` first")
    return found


def _version(policy: PolicyVersion) -> int:
    return policy.version


def _policy_audit(
    version: PolicyVersion, before: PolicyVersion | None, relaxed: list[tuple[str, str]]
) -> list[AuditEntry]:
    """The change itself, then one record per child-safe default it relaxes."""
    change = auditor.entry(
        version.created_at,
        version.created_by,
        AuditAction.POLICY_UPDATE,
        AuditSubject.policy(version.version),
        {
            "version": version.version,
            "previous": before.version if before else 0,
            "sha256": version.sha256,
            "rules": len(version.document.rules),
            "note": version.note,
            "relaxed_defaults": [name for name, _ in relaxed],
        },
    )
    relaxations = [
        auditor.entry(
            version.created_at,
            version.created_by,
            AuditAction.POLICY_RELAX_DEFAULT,
            AuditSubject.rule(name),
            {"version": version.version, "how": how, "note": version.note},
        )
        for name, how in relaxed
    ]
    return [change, *relaxations]
