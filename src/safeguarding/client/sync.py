"""The synchronous client: ``Client(base_url, api_key)``; each method is one API call."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any, TypeVar

import httpx

from safeguarding.client import calls
from safeguarding.client.calls import Call, EventLike
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
from safeguarding.client.retry import RetryPolicy
from safeguarding.client.transport import client_options, gave_up, request_options

T = TypeVar("T")


class Client:
    """A Safeguarding API client over ``httpx.Client``. Use it as a context manager, or call
    ``close()``. Errors raise ``ApiError`` subclasses; see ``RetryPolicy`` for retries."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self.http = httpx.Client(**client_options(base_url, api_key, timeout), transport=transport)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def call(self, call: Call[T]) -> T:
        """Send ``call``, retrying as the policy allows, and read its answer."""
        attempt = 0
        while True:
            try:
                response = self.http.request(call.method, call.path, **request_options(call))
            except httpx.TransportError as exc:
                delay = self.retry.after_error(call, attempt, exc)
                if delay is None:
                    raise gave_up(call, exc) from exc
            else:
                delay = self.retry.after_response(attempt, response)
                if delay is None:
                    return call.answer(response)
            time.sleep(delay)
            attempt += 1

    # Events and decisions
    def send_event(
        self, event: EventLike, *, respond_async: bool = False, wait: float | None = None
    ) -> EventResult | EventsAccepted:
        return self.call(calls.send_event(event, respond_async, wait))

    def send_events(
        self, events: Iterable[EventLike], *, respond_async: bool = False, wait: float | None = None
    ) -> list[EventResult] | EventsAccepted:
        return self.call(calls.send_events(events, respond_async, wait))

    def decision(self, event_id: str) -> EventResult:
        return self.call(calls.decision(event_id))

    # Feeds
    def visibility(self, viewer_id: str, items: Iterable[str]) -> Visibility:
        return self.call(calls.visibility(viewer_id, items))

    def filter_suggestions(self, viewer_id: str, candidate_ids: Iterable[str]) -> Suggestions:
        return self.call(calls.filter_suggestions(viewer_id, candidate_ids))

    # Cases
    def cases(self, limit: int = 100) -> list[Case]:
        return self.call(calls.cases(limit))

    def claim_case(self, case_id: str) -> Case:
        return self.call(calls.case_step(case_id, "claim"))

    def release_case(self, case_id: str) -> Case:
        return self.call(calls.case_step(case_id, "release"))

    def decide_case(self, case_id: str, outcome: str, reason_code: str, note: str = "") -> Case:
        return self.call(calls.decide_case(case_id, outcome, reason_code, note))

    # Banks and hashes
    def banks(self) -> list[Bank]:
        return self.call(calls.banks())

    def bank(self, name: str) -> Bank:
        return self.call(calls.bank(name))

    def create_bank(self, name: str, **settings: Any) -> Bank:
        return self.call(calls.create_bank(name, settings))

    def update_bank(self, name: str, **changes: Any) -> Bank:
        return self.call(calls.update_bank(name, changes))

    def delete_bank(self, name: str) -> dict[str, Any]:
        return self.call(calls.delete_bank(name))

    def import_hashes(self, name: str, content: str, **options: Any) -> BankVersion:
        return self.call(calls.import_hashes(name, content, options))

    def rollback_bank(self, name: str, version: int) -> BankVersion:
        return self.call(calls.rollback_bank(name, version))

    def hash_file(self, data: bytes, filename: str, *, video: bool = False) -> dict[str, Any]:
        return self.call(calls.hash_file(data, filename, video))

    def lookup_hash(self, signal_type: str, signal: str) -> Any:
        return self.call(calls.lookup_hash(signal_type, signal))

    # Complaints and appeals
    def file_complaint(self, **fields: Any) -> Complaint:
        return self.call(calls.file_complaint(fields))

    def complaint(self, complaint_id: str) -> Complaint:
        return self.call(calls.complaint(complaint_id))

    def complaints(self, status: str | None = None) -> list[Complaint]:
        return self.call(calls.complaints(status))

    def decide_complaint(self, complaint_id: str, status: str, reason: str) -> Complaint:
        return self.call(calls.decide_complaint(complaint_id, status, reason))

    def complaint_wording(self, age_band: str = "unknown") -> dict[str, str]:
        return self.call(calls.complaint_wording(age_band))
