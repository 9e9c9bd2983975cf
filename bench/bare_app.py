"""The ceiling for the ingest benchmark: POST /v1/events that only parses the body.

It validates the same JSON with the same pydantic models as the engine
(``EventsBody``) and answers a decision-shaped JSON per event, but stores and
decides nothing. The engine's figures are compared against this one's.

Run: ``python -m uvicorn bench.bare_app:app`` or ``python -m bench.bare_app --port 8001``.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Response

from safeguarding.adapters.http.schemas import EventBatch, EventsBody
from safeguarding.domain.events import Event

app = FastAPI(title="bare ingest ceiling")


def _result(index: int, event: Event, decided_at: str) -> dict[str, Any]:
    return {
        "index": index,
        "event_id": event.event_id,
        "replayed": False,
        "decision": {
            "event_id": event.event_id,
            "verdict": "allow",
            "actions": [],
            "signals": [],
            "rules": [],
            "shadow": [],
            "policy_version": 1,
            "decided_at": decided_at,
        },
    }


# A sync route, like the engine's, so both run in the same thread pool.
@app.post("/v1/events")
def post_events(body: EventsBody) -> Response:
    """Parse one event or a batch and answer 'allow' for each, storing nothing."""
    now = datetime.now(UTC).isoformat()
    if isinstance(body, EventBatch):
        payload: dict[str, Any] = {
            "results": [_result(i, e, now) for i, e in enumerate(body.events)]
        }
    else:
        payload = _result(0, body, now)
    return Response(json.dumps(payload), media_type="application/json")


@app.get("/readyz")
def readyz() -> dict[str, str]:
    return {"status": "ready"}


if __name__ == "__main__":
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
