"""Support messages: who to talk to, shown to a person the engine is worried about.

A ``support_message`` action names resources (``childline``, ``samaritans``,
``shout``); the decision carries the resolved notice so the platform can show it
as it is. Resource texts are configurable (setting ``support_resources``).
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict

DEFAULT_RESOURCES: dict[str, str] = {
    "childline": "Childline: call 0800 1111 or chat at childline.org.uk (free, any time)",
    "samaritans": "Samaritans: call 116 123 (free, any time)",
    "shout": "Shout: text SHOUT to 85258 (free, any time)",
}

DEFAULT_MESSAGES: dict[str, str] = {
    "actor": (
        "It sounds like things are really hard right now. You don't have to deal with this "
        "on your own: you can talk to someone now, for free."
    ),
    "targets": (
        "Someone you're not connected with tried to contact you. You don't have to reply. "
        "You can block and report them, and talk to an adult you trust."
    ),
    "reported": (
        "Someone who cares about you was worried and asked us to check in. "
        "You can talk to someone now, for free."
    ),
    "child": (
        "Some messages in this chat worried us. If anyone asks you to keep secrets, send photos, "
        "move to another app or meet up, you can stop replying, block and report them, and talk "
        "to an adult you trust. Childline is free and private."
    ),
}


class SupportNotice(BaseModel):
    """A message for the platform to show to some accounts, with the resources it signposts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    audience: str
    account_ids: tuple[str, ...]
    message: str
    resources: tuple[str, ...]


def notice(
    audience: str,
    account_ids: tuple[str, ...],
    text: str | None,
    resource_names: tuple[str, ...],
    table: Mapping[str, str],
) -> SupportNotice:
    """Resolve a support_message action's parameters into the notice shown to people."""
    return SupportNotice(
        audience=audience,
        account_ids=account_ids,
        message=text or DEFAULT_MESSAGES[audience],
        resources=tuple(table.get(name, name) for name in resource_names),
    )
