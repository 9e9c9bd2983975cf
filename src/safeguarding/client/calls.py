"""Each API call described once, for the sync and the async client alike.

A ``Call`` says what to send (method, path, body, headers), whether sending it twice is
harmless (``idempotent``), and how to read a successful answer. The clients only send calls
and retry them; every endpoint's shape lives here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter

from safeguarding.client.errors import problem_error
from safeguarding.client.models import (
    Bank,
    BankVersion,
    Case,
    Complaint,
    EventResult,
    EventsAccepted,
    Suggestions,
    Visibility,
)

T = TypeVar("T")
EventLike = Mapping[str, Any] | BaseModel


@dataclass(frozen=True)
class Call(Generic[T]):
    """One request and how to read its answer."""

    method: str
    path: str
    read: Callable[[httpx.Response], T]
    idempotent: bool
    json: Any = None
    params: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    files: Mapping[str, tuple[str, bytes]] | None = None

    def answer(self, response: httpx.Response) -> T:
        """The answer read as ``T``; an error answer raises its typed ``ApiError``."""
        if response.is_error:
            raise problem_error(response)
        return self.read(response)


def model(kind: Any) -> Callable[[httpx.Response], Any]:
    """A reader that validates the JSON answer as ``kind`` (a model, or a list of them)."""
    adapter: TypeAdapter[Any] = TypeAdapter(kind)
    return lambda response: adapter.validate_python(response.json())


def json_body(response: httpx.Response) -> Any:
    return response.json()


def segment(value: str) -> str:
    """A path segment, escaped so an id can never change the path."""
    return quote(value, safe="")


def event_json(event: EventLike) -> Any:
    if isinstance(event, BaseModel):
        return event.model_dump(mode="json")
    return dict(event)


def prefer_header(respond_async: bool, wait: float | None) -> dict[str, str]:
    """RFC 7240 ``Prefer`` for distributed mode (ignored by a one-process server)."""
    if respond_async:
        return {"Prefer": "respond-async"}
    if wait is not None:
        return {"Prefer": f"wait={wait:g}"}
    return {}


def _one_event(response: httpx.Response) -> EventResult | EventsAccepted:
    if response.status_code == 202:
        return EventsAccepted.model_validate(response.json())
    return EventResult.model_validate(response.json())


def _batch(response: httpx.Response) -> list[EventResult] | EventsAccepted:
    if response.status_code == 202:
        return EventsAccepted.model_validate(response.json())
    return [EventResult.model_validate(r) for r in response.json()["results"]]


# Events are idempotent by event_id: a repeat gets the stored decision, so they may be resent.
def send_event(
    event: EventLike, respond_async: bool = False, wait: float | None = None
) -> Call[EventResult | EventsAccepted]:
    headers = prefer_header(respond_async, wait)
    return Call("POST", "/v1/events", _one_event, True, event_json(event), headers=headers)


def send_events(
    events: Iterable[EventLike], respond_async: bool = False, wait: float | None = None
) -> Call[list[EventResult] | EventsAccepted]:
    body = {"events": [event_json(e) for e in events]}
    return Call(
        "POST", "/v1/events", _batch, True, body, headers=prefer_header(respond_async, wait)
    )


def decision(event_id: str) -> Call[EventResult]:
    path = f"/v1/events/{segment(event_id)}/decision"
    return Call("GET", path, model(EventResult), True)


def visibility(viewer_id: str, items: Iterable[str]) -> Call[Visibility]:
    body = {"viewer_id": viewer_id, "items": list(items)}
    return Call("POST", "/v1/visibility", model(Visibility), True, body)


def filter_suggestions(viewer_id: str, candidate_ids: Iterable[str]) -> Call[Suggestions]:
    body = {"viewer_id": viewer_id, "candidate_ids": list(candidate_ids)}
    return Call("POST", "/v1/suggestions/filter", model(Suggestions), True, body)


def cases(limit: int = 100) -> Call[list[Case]]:
    return Call("GET", "/v1/cases", model(list[Case]), True, params={"limit": limit})


def case_step(case_id: str, step: str) -> Call[Case]:
    """Claim or release a case (a second claim is a 409, so not resent)."""
    return Call("POST", f"/v1/cases/{segment(case_id)}/{step}", model(Case), False)


def decide_case(case_id: str, outcome: str, reason_code: str, note: str = "") -> Call[Case]:
    body = {"outcome": outcome, "reason_code": reason_code, "note": note}
    return Call("POST", f"/v1/cases/{segment(case_id)}/decision", model(Case), False, body)


def banks() -> Call[list[Bank]]:
    return Call("GET", "/v1/banks", model(list[Bank]), True)


def bank(name: str) -> Call[Bank]:
    return Call("GET", f"/v1/banks/{segment(name)}", model(Bank), True)


def create_bank(name: str, settings: Mapping[str, Any]) -> Call[Bank]:
    body = {"name": name, **settings}
    return Call("POST", "/v1/banks", model(Bank), False, body)


def update_bank(name: str, changes: Mapping[str, Any]) -> Call[Bank]:
    return Call("PATCH", f"/v1/banks/{segment(name)}", model(Bank), True, dict(changes))


def delete_bank(name: str) -> Call[dict[str, Any]]:
    return Call("DELETE", f"/v1/banks/{segment(name)}", json_body, False)


def import_hashes(name: str, content: str, options: Mapping[str, Any]) -> Call[BankVersion]:
    body = {"content": content, **options}
    path = f"/v1/banks/{segment(name)}/import"
    return Call("POST", path, model(BankVersion), False, body)


def rollback_bank(name: str, version: int) -> Call[BankVersion]:
    path = f"/v1/banks/{segment(name)}/rollback"
    return Call("POST", path, model(BankVersion), False, {"version": version})


def hash_file(data: bytes, filename: str, video: bool) -> Call[dict[str, Any]]:
    """Hash an upload with the engine's hashers (``POST /h/hash``); nothing is stored."""
    files = {"video" if video else "photo": (filename, data)}
    return Call("POST", "/h/hash", json_body, True, files=files)


def lookup_hash(signal_type: str, signal: str) -> Call[Any]:
    """The bank entries a hash matches (``GET /m/raw_lookup``), as the server answers."""
    params = {"signal_type": signal_type, "signal": signal, "include_distance": "true"}
    return Call("GET", "/m/raw_lookup", json_body, True, params=params)


def file_complaint(fields: Mapping[str, Any]) -> Call[Complaint]:
    body = {k: v for k, v in fields.items() if v is not None}
    return Call("POST", "/v1/complaints", model(Complaint), False, body)


def complaint(complaint_id: str) -> Call[Complaint]:
    return Call("GET", f"/v1/complaints/{segment(complaint_id)}", model(Complaint), True)


def complaints(status: str | None = None) -> Call[list[Complaint]]:
    params = {"status": status} if status else None
    return Call("GET", "/v1/complaints", model(list[Complaint]), True, params=params)


def decide_complaint(complaint_id: str, status: str, reason: str) -> Call[Complaint]:
    path = f"/v1/complaints/{segment(complaint_id)}/decision"
    body = {"status": status, "reason": reason}
    return Call("POST", path, model(Complaint), False, body)


def complaint_wording(age_band: str) -> Call[dict[str, str]]:
    params = {"age_band": age_band}
    return Call("GET", "/v1/complaints/wording", json_body, True, params=params)
