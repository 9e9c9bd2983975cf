"""Domain events: what a transaction changed that others in the process must hear about.

Not the platform's events (``domain/events.py``: messages, uploads, …). A service records
one on its unit of work (``uow.record(PolicyStored(...))``); the store hands the recorded
ones to their subscribers once the transaction has committed, and drops them when it rolls
back, so nobody hears of a change that was never made. The composition root subscribes the
handlers (``bootstrap.py``), so a service need not know who listens.
"""

from __future__ import annotations

from dataclasses import dataclass

from safeguarding.domain.policy import PolicyVersion


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """The base of every domain event: a small frozen record of one change."""


@dataclass(frozen=True, slots=True)
class PolicyStored(DomainEvent):
    """A new policy version is in force (a risk assessment may now be due for review)."""

    version: PolicyVersion


@dataclass(frozen=True, slots=True)
class ContentReinstated(DomainEvent):
    """A dismissal or an upheld appeal put these events' content back in feeds."""

    event_ids: tuple[str, ...]
