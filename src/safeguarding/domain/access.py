"""Who is calling: roles, and the principal an API key stands for."""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Role(StrEnum):
    """What a key may do. Each endpoint names the roles it admits."""

    PLATFORM = "platform"
    MODERATOR = "moderator"
    ADMIN = "admin"
    REGULATOR = "regulator"
    ADVOCATE = "advocate"


class Principal(BaseModel):
    """An authenticated caller: the key's id and name, its role, (moderators) its queues and
    (advocates) the organisation it speaks for.

    ``queues`` of ``None`` means every queue. A moderator works only the cases of their
    queues: sees them, claims them, and reads their evidence. An admin works every queue.
    What an advocate filed belongs to its ``organisation``, never to the key's name, so a key
    made later under the same name reads nothing of another body's.
    """

    model_config = ConfigDict(frozen=True)

    key_id: str
    name: str
    role: Role
    queues: frozenset[str] | None = None
    organisation: str | None = None

    @property
    def audit_name(self) -> str:
        return f"{self.role.value}:{self.name}"

    def works(self, queue: str) -> bool:
        """Whether this caller may review the cases of ``queue``."""
        if self.role is Role.ADMIN:
            return True
        if self.role is not Role.MODERATOR:
            return False
        return self.queues is None or queue in self.queues

    @property
    def works_every_queue(self) -> bool:
        return self.role is Role.ADMIN or (self.role is Role.MODERATOR and self.queues is None)

    def works_all(self, queues: Collection[str]) -> bool:
        """Whether this caller may act on something that is in all of ``queues``.

        Something in no known queue is for those who work every queue: the rule fails closed.
        """
        if not queues:
            return self.works_every_queue
        return all(self.works(q) for q in queues)

    def works_any(self, queues: Collection[str]) -> bool:
        """Whether this caller may see something that is in any of ``queues`` (fails closed)."""
        if not queues:
            return self.works_every_queue
        return any(self.works(q) for q in queues)

    def speaks_for(self, organisation: str | None) -> bool:
        """Whether this advocate key belongs to ``organisation`` (a body's own filings)."""
        return (
            self.role is Role.ADVOCATE and bool(organisation) and self.organisation == organisation
        )
