"""Policy administration: the version in force, its history, and audited changes."""

from __future__ import annotations

import time
from collections.abc import Callable
from importlib import resources
from typing import Protocol

from safeguarding.domain.audit import AuditEntry
from safeguarding.domain.errors import NotFound
from safeguarding.domain.ids import Clock
from safeguarding.domain.policy import PolicyVersion
from safeguarding.policy.validate import CheckedPolicy, check_policy
from safeguarding.ports.store import HasAudit, HasPolicy, HasRisk, Transactions

RECHECK_SECONDS = 1.0


class PolicyWork(HasAudit, HasPolicy, HasRisk, Protocol):
    """What policy versions read and write in one transaction (risk: what ``on_stored`` writes
    in it, the risk review prompt)."""


def default_policy_source() -> str:
    return resources.files("safeguarding.policy").joinpath("default_policy.yaml").read_text()


class PolicyService:
    """Keeps the policy in force, parsed once per version and shared by every request."""

    def __init__(
        self,
        store: Transactions[PolicyWork],
        clock: Clock,
        detector_names: tuple[str, ...],
        on_stored: Callable[[PolicyWork, PolicyVersion], None] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.detector_names = detector_names
        # Called in the transaction that stores a new version (the risk assessment's review).
        self.on_stored = on_stored
        self._cached: PolicyVersion | None = None
        self._checked_until = 0.0

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
        now = time.monotonic()
        if self._cached is not None and now < self._checked_until:
            return self._cached
        version = uow.policy.current_version()
        if self._cached is None or self._cached.version != version:
            found = uow.policy.current()
            if found is None:
                raise NotFound("no policy is stored; run `safeguarding db upgrade` first")
            self._cached = found
        self._checked_until = now + RECHECK_SECONDS
        return self._cached

    def current_readonly(self) -> PolicyVersion:
        with self.store.read() as uow:
            return self.current(uow)

    def history(self) -> list[PolicyVersion]:
        with self.store.read() as uow:
            return uow.policy.history()

    def ensure_initial(self, source: str | None = None) -> PolicyVersion | None:
        """Store version 1 from ``source`` (the built-in default if None) on an empty store."""
        with self.store.write() as uow:
            if uow.policy.current_version() != 0:
                return None
            return self._store(
                uow, self.check(source or default_policy_source()), "system", "initial policy"
            )

    def replace(self, source: str, *, by: str, note: str = "") -> PolicyVersion:
        """Validate and store a new version; the change goes into the audit log."""
        checked = self.check(source)
        with self.store.write() as uow:
            return self._store(uow, checked, by, note)

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
        uow.audit.append(_policy_audit(version, before, relaxed))
        if self.on_stored is not None:
            self.on_stored(uow, version)
        self._checked_until = 0.0  # see the new version on the next request
        return version


def _policy_audit(
    version: PolicyVersion, before: PolicyVersion | None, relaxed: list[tuple[str, str]]
) -> list[AuditEntry]:
    """The change itself, then one record per child-safe default it relaxes."""
    change = AuditEntry(
        at=version.created_at,
        actor=version.created_by,
        action="policy.update",
        subject=f"policy:v{version.version}",
        details={
            "version": version.version,
            "previous": before.version if before else 0,
            "sha256": version.sha256,
            "rules": len(version.document.rules),
            "note": version.note,
            "relaxed_defaults": [name for name, _ in relaxed],
        },
    )
    relaxations = [
        AuditEntry(
            at=version.created_at,
            actor=version.created_by,
            action="policy.relax_default",
            subject=f"rule:{name}",
            details={"version": version.version, "how": how, "note": version.note},
        )
        for name, how in relaxed
    ]
    return [change, *relaxations]
