"""The table of every setting (name, variable, type, default, help) that feeds
`safeguarding settings`, docs/settings.md and its test."""

from __future__ import annotations

import re
from typing import Any

from safeguarding.settings import PREFIX, Settings, mask


def settings_table() -> list[dict[str, str]]:
    """Name, environment variable, type, default and help of every setting."""
    rows = []
    for name, info in Settings.model_fields.items():
        default = "" if info.default is None else _shown(mask(info.default))
        annotation = (
            str(info.annotation)
            .replace("typing.", "")
            .replace("pathlib.", "")
            .replace("pydantic.types.SecretStr", "secret")
            .replace("safeguarding.domain.risk.", "")
        )
        # A validated type (Annotated[str, AfterValidator(...)]) is shown as the type it checks.
        annotation = re.sub(r"Annotated\[(\w+), .*?\)\]", r"\1", annotation)
        rows.append(
            {
                "name": name,
                "env": PREFIX + name.upper(),
                "type": annotation.replace("<class '", "").replace("'>", ""),
                "default": default,
                "help": info.description or "",
            }
        )
    return rows


def _shown(value: Any) -> str:
    """A default as it is written in the environment: a list comma-separated."""
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)
