"""What a platform says of an upload without sending it: its kind and the hashes it computed.

Kept apart from the event models (``events.py``), which re-export these names.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator


class MediaKind(StrEnum):
    """What was uploaded."""

    IMAGE = "image"
    VIDEO = "video"


MAX_VIDEO_FRAMES = 36_000  # one PDQ per second: ten hours


class MediaHashes(BaseModel):
    """Hashes the platform computed itself, for when it sends no bytes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$")] | None = None
    md5: Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{32}$")] | None = None
    pdq: Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$")] | None = None
    vpdq: tuple[Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$")], ...] | None = (
        Field(default=None, max_length=MAX_VIDEO_FRAMES)
    )

    @field_validator("sha256", "md5", "pdq")
    @classmethod
    def _lowercase(cls, value: str | None) -> str | None:
        return value.lower() if value else value

    @field_validator("vpdq")
    @classmethod
    def _lowercase_frames(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return tuple(v.lower() for v in value) if value else value
