"""Hands the domain events of a committed transaction to the handlers subscribed to them.

The composition root subscribes handlers by event class (``bus.subscribe(PolicyStored, h)``)
and gives ``bus.publish`` to the store, which calls it after each commit. A handler runs once
per event, in the order subscribed, after the change is durable: one that fails is logged and
the rest still run, since the change it reacts to stands (the caller has its answer).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from safeguarding.domain.domain_events import DomainEvent

log = logging.getLogger("safeguarding.domain_events")
E = TypeVar("E", bound=DomainEvent)
Handler = Callable[[Any], None]


class DomainEventBus:
    """Who hears of which domain event; ``publish`` tells them."""

    def __init__(self) -> None:
        self._handlers: defaultdict[type[DomainEvent], list[Handler]] = defaultdict(list)

    def subscribe(self, kind: type[E], handler: Callable[[E], None]) -> None:
        self._handlers[kind].append(handler)

    def publish(self, events: Iterable[DomainEvent]) -> None:
        for event in events:
            for handler in self._handlers.get(type(event), ()):
                _run(handler, event)


def _run(handler: Handler, event: DomainEvent) -> None:
    try:
        handler(event)
    except Exception:  # the change is committed: the other handlers must still hear of it
        name = getattr(handler, "__qualname__", repr(handler))
        kind = type(event).__name__
        log.exception("a domain event handler failed", extra={"event": kind, "handler": name})
