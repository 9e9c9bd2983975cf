"""Who is calling: roles, and the principal an API key stands for."""

from __future__ import annotations

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
    """An authenticated caller: the key's id and name, its role, and (moderators) its queues.

    ``queues`` of ``None`` means every queue. A moderator works only the cases of their
    queues: sees them, claims them, and reads their evidence. An admin works every queue.
    """

    model_config = ConfigDict(frozen=True)

    key_id: str
    name: str
    role: Role
    queues: frozenset[str] | None = None

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
