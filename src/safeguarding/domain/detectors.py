"""The detector contract: ``observe(event, context) -> list[Signal]``.

A detector is a plugin. Built-in and third-party detectors register the same
way, through the ``safeguarding.detectors`` entry point group, and are named
from their class (``Sha256ListDetector`` is ``sha256_list``) so two plugins
cannot silently share a name.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol, Self

from safeguarding.domain.accounts import Account
from safeguarding.domain.banks import BankMatch, UploadHashes
from safeguarding.domain.conversations import Conversation
from safeguarding.domain.events import Event, EventType
from safeguarding.domain.ids import Clock
from safeguarding.domain.relationships import Relationship
from safeguarding.domain.signals import Signal


@dataclass(frozen=True, slots=True)
class DetectorContext:
    """What a detector may know beyond the event: accounts, connections, the conversation.

    A plain dataclass: one is made per event on the hot path, from already-validated parts.
    """

    now: datetime
    actor: Account
    targets: tuple[Account, ...] = ()
    connected_to: frozenset[str] = frozenset()
    conversation: Conversation | None = None
    # Children the actor reached for (contact made or refused) in the last CONTACT_WINDOW,
    # this event's included.
    children_contacted: int = 0
    # When the actor's earlier contact attempts were refused, in the same window, oldest first.
    refusals: tuple[datetime, ...] = ()
    # What the platform knows the actor and each target to be, by target id (only those with a
    # relationship; a family or guardian link only when both sides confirm it).
    relationships: Mapping[str, Relationship] = field(default_factory=dict)

    def is_connected(self, account_id: str) -> bool:
        return account_id in self.connected_to


class HashBankIndex(Protocol):
    """One immutable snapshot of the hash banks: which entries an upload's hashes match."""

    def match(self, upload: UploadHashes) -> list[BankMatch]: ...


class BankSnapshots(Protocol):
    """Where the current snapshot of the hash banks is kept.

    The engine brings it up to date between batches, never while an event is decided, so
    reading ``current`` is a memory read (no I/O per event).
    """

    @property
    def current(self) -> HashBankIndex: ...


@dataclass(frozen=True, slots=True)
class DetectorResources:
    """What the engine lends a detector when it builds one, instead of globals.

    ``clock`` is the engine's clock (a detector never reads the system time itself);
    ``banks`` is the hash banks' current snapshot, None where the process has no banks.
    """

    clock: Clock
    banks: BankSnapshots | None = None


class Detector(ABC):
    """A plugin that looks at one event in its context and reports signals.

    Subclasses set ``event_types`` to the events they read, so the pipeline
    skips them for the rest, and override ``configure`` when they take options or
    resources, ``reload`` when they read files that may change, and ``close`` when they
    hold something to release. A third party's ``configure(options)`` without the
    resources argument still works: the registry calls it with what it takes.
    """

    event_types: ClassVar[frozenset[EventType]] = frozenset(EventType)

    @classmethod
    def get_name(cls) -> str:
        base = cls.__name__.removesuffix("Detector")
        return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", base).lower()

    @classmethod
    def configure(
        cls, options: Mapping[str, Any], resources: DetectorResources | None = None
    ) -> Self:
        """Build the detector from its options (settings) and the engine's resources; the
        default takes no options and needs no resources."""
        cls.refuse_unknown_options(options)
        return cls()

    @classmethod
    def refuse_unknown_options(cls, options: Mapping[str, Any], *known: str) -> None:
        """Raise ``ValueError`` naming the options this detector does not take (``known``)."""
        unknown = sorted(set(options) - set(known))
        if not unknown:
            return
        if not known:
            raise ValueError(f"detector {cls.get_name()} takes no options, got {unknown}")
        names = " and ".join(repr(name) for name in known)
        raise ValueError(f"detector {cls.get_name()} takes only {names}, got {unknown}")

    def reload(self) -> None:  # noqa: B027 - optional hook, a no-op unless overridden
        """Read again whatever this detector read from files (models, lists), because they
        changed on disk. Raise to keep what is loaded; the default reads nothing."""

    def close(self) -> None:  # noqa: B027 - optional hook, a no-op unless overridden
        """Release what the detector holds (pools, files); the default holds nothing."""

    def reads(self, event: Event) -> bool:
        return EventType(event.type) in self.event_types

    @abstractmethod
    def observe(self, event: Event, context: DetectorContext) -> list[Signal]:
        """Return what this detector saw in the event; an empty list when nothing."""


class ConversationMemory(Detector):
    """Capability: a detector that keeps a small state per conversation between messages.

    The pipeline hands it the state it returned for the conversation's last
    message (None for the first) and stores the new one in the same transaction
    as the decision, so scoring is incremental: nothing re-reads the history.
    The state must be JSON-serialisable and must not hold message text.
    """

    @abstractmethod
    def observe_in_conversation(
        self, event: Event, context: DetectorContext, state: Mapping[str, Any] | None
    ) -> tuple[list[Signal], dict[str, Any] | None]:
        """Signals for the event, and the conversation's new state (None: unchanged)."""

    def observe(self, event: Event, context: DetectorContext) -> list[Signal]:
        conversation = context.conversation
        state = conversation.detector_state.get(self.get_name()) if conversation else None
        return self.observe_in_conversation(event, context, state)[0]
