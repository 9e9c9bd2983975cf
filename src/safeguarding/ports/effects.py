"""The contract of an effect handler: a plugin that carries out side effects of its own.

Modelled on Osprey's output sinks: the built-in handlers do what the actions mean (open a case,
preserve evidence, ...); a plugin handler is given the same side effects as well, for the
actions it names, and may record or forward them. See docs/architecture.md, "Adding an effect
handler".
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from safeguarding.domain.actions import ActionName
from safeguarding.domain.effects import SideEffect
from safeguarding.ports.store import (
    HasAccounts,
    HasCases,
    HasEvents,
    HasEvidence,
    HasOutbox,
    HasReports,
)


class EffectWork(HasOutbox, HasCases, HasEvidence, HasAccounts, HasReports, HasEvents, Protocol):
    """What the outbox's handlers, built-in and plugin, read and write in the transaction that
    marks an item done. The audit log is not among them: the engine's auditor writes it."""


@runtime_checkable
class EffectHandler(Protocol):
    """Carries out the side effects of ``actions``, inside the transaction that marks the
    outbox item done: what it writes through ``uow`` happens exactly once; what it sends
    outside may be repeated (send ``effect.item_id`` as a delivery id)."""

    actions: frozenset[ActionName]

    def handle(self, uow: EffectWork, effect: SideEffect) -> str:
        """Carry out ``effect``; returns a short result for the item (no content)."""
        ...
