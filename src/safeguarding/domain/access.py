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
    """An authenticated caller: the key's id and name, and its role."""

    model_config = ConfigDict(frozen=True)

    key_id: str
    name: str
    role: Role

    @property
    def audit_name(self) -> str:
        return f"{self.role.value}:{self.name}"
