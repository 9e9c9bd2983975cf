"""Structured JSON logs. Only named metadata fields are written: never text, bodies or keys.

Every field a log call passes in ``extra`` must be in ``ALLOWED``; anything
else is dropped, so a careless ``extra={"text": ...}`` cannot leak content.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

ALLOWED = frozenset(
    {
        "method",
        "route",
        "status",
        "duration_ms",
        "request_id",
        "event_id",
        "detector",
        "item_id",
        "kind",
        "error",
        "events",
        "verdicts",
        "path",
        "version",
        "role",
        "key_id",
        "url",
        "count",
    }
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the allowed extras."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        data.update({k: v for k, v in record.__dict__.items() if k in ALLOWED})
        if record.exc_info and record.exc_info[0] is not None:
            # The exception type and where it was raised; its message may quote input, so no text.
            data["exc_type"] = record.exc_info[0].__name__
            data["exc_where"] = _where(record)
        return json.dumps(data, default=str)


def _where(record: logging.LogRecord) -> str:
    tb = record.exc_info[2] if record.exc_info else None
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return ""
    return f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}"


def configure(level: str = "INFO", stream: object = None) -> None:
    """The engine's logger at ``level``, and every other (uvicorn's, asyncio's, nats') at
    warnings and above, all through the same JSON lines: without a handler of its own, a
    library's error went to Python's last resort, which writes the exception's message (and
    so whatever input it quotes) to standard error."""
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(JsonFormatter())
    engine = logging.getLogger("safeguarding")
    engine.handlers[:] = [handler]
    engine.setLevel(level.upper())
    engine.propagate = False
    everything = logging.getLogger()
    everything.handlers[:] = [handler]
    everything.setLevel(logging.WARNING)
