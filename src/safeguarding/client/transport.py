"""What the sync and async clients share: connection options and how a call is sent."""

from __future__ import annotations

from typing import Any

from safeguarding.client.calls import Call
from safeguarding.client.errors import TransportError

USER_AGENT = "safeguarding-python-sdk"


def client_options(base_url: str, api_key: str, timeout: float) -> dict[str, Any]:
    """The httpx client options: the key as a Bearer token on every request."""
    return {
        "base_url": base_url.rstrip("/"),
        "headers": {"Authorization": f"Bearer {api_key}", "User-Agent": USER_AGENT},
        "timeout": timeout,
    }


def request_options(call: Call[Any]) -> dict[str, Any]:
    """The arguments of ``httpx.Client.request`` for ``call``."""
    options: dict[str, Any] = {"headers": dict(call.headers), "params": call.params}
    if call.files is not None:
        options["files"] = call.files
    elif call.json is not None:
        options["json"] = call.json
    return options


def gave_up(call: Call[Any], error: Exception) -> TransportError:
    return TransportError(f"{call.method} {call.path}: {type(error).__name__}: {error}")
