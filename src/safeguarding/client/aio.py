"""The asynchronous client: ``AsyncClient(base_url, api_key)``, the same calls as ``Client``."""

from __future__ import annotations

import asyncio
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


class AsyncClient:
    """A Safeguarding API client over ``httpx.AsyncClient``. Use ``async with``, or await
    ``aclose()``. Errors raise ``ApiError`` subclasses; see ``RetryPolicy`` for retries."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self.http = httpx.AsyncClient(
            **client_options(base_url, api_key, timeout), transport=transport
        )

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()

    async def call(self, call: Call[T]) -> T:
        """Send ``call``, retrying as the policy allows, and read its answer."""
        attempt = 0
        while True:
            try:
                response = await self.http.request(call.method, call.path, **request_options(call))
            except httpx.TransportError as exc:
                delay = self.retry.after_error(call, attempt, exc)
                if delay is None:
                    raise gave_up(call, exc) from exc
            else:
                delay = self.retry.after_response(attempt, response)
                if delay is None:
                    return call.answer(response)
            await asyncio.sleep(delay)
            attempt += 1

    # Events and decisions
    async def send_event(
        self, event: EventLike, *, respond_async: bool = False, wait: float | None = None
    ) -> EventResult | EventsAccepted:
        return await self.call(calls.send_event(event, respond_async, wait))

    async def send_events(
        self, events: Iterable[EventLike], *, respond_async: bool = False, wait: float | None = None
    ) -> list[EventResult] | EventsAccepted:
        return await self.call(calls.send_events(events, respond_async, wait))

    async def decision(self, event_id: str) -> EventResult:
        return await self.call(calls.decision(event_id))

    # Feeds
    async def visibility(self, viewer_id: str, items: Iterable[str]) -> Visibility:
        return await self.call(calls.visibility(viewer_id, items))

    async def filter_suggestions(self, viewer_id: str, candidate_ids: Iterable[str]) -> Suggestions:
        return await self.call(calls.filter_suggestions(viewer_id, candidate_ids))

    # Cases
    async def cases(self, limit: int = 100) -> list[Case]:
        return await self.call(calls.cases(limit))

    async def claim_case(self, case_id: str) -> Case:
        return await self.call(calls.case_step(case_id, "claim"))

    async def release_case(self, case_id: str) -> Case:
        return await self.call(calls.case_step(case_id, "release"))

    async def decide_case(
        self, case_id: str, outcome: str, reason_code: str, note: str = ""
    ) -> Case:
        return await self.call(calls.decide_case(case_id, outcome, reason_code, note))

    # Banks and hashes
    async def banks(self) -> list[Bank]:
        return await self.call(calls.banks())

    async def bank(self, name: str) -> Bank:
        return await self.call(calls.bank(name))

    async def create_bank(self, name: str, **settings: Any) -> Bank:
        return await self.call(calls.create_bank(name, settings))

    async def update_bank(self, name: str, **changes: Any) -> Bank:
        return await self.call(calls.update_bank(name, changes))

    async def delete_bank(self, name: str) -> dict[str, Any]:
        return await self.call(calls.delete_bank(name))

    async def import_hashes(self, name: str, content: str, **options: Any) -> BankVersion:
        return await self.call(calls.import_hashes(name, content, options))

    async def rollback_bank(self, name: str, version: int) -> BankVersion:
        return await self.call(calls.rollback_bank(name, version))

    async def hash_file(self, data: bytes, filename: str, *, video: bool = False) -> dict[str, Any]:
        return await self.call(calls.hash_file(data, filename, video))

    async def lookup_hash(self, signal_type: str, signal: str) -> Any:
        return await self.call(calls.lookup_hash(signal_type, signal))

    # Complaints and appeals
    async def file_complaint(self, **fields: Any) -> Complaint:
        return await self.call(calls.file_complaint(fields))

    async def complaint(self, complaint_id: str) -> Complaint:
        return await self.call(calls.complaint(complaint_id))

    async def complaints(self, status: str | None = None) -> list[Complaint]:
        return await self.call(calls.complaints(status))

    async def decide_complaint(self, complaint_id: str, status: str, reason: str) -> Complaint:
        return await self.call(calls.decide_complaint(complaint_id, status, reason))

    async def complaint_wording(self, age_band: str = "unknown") -> dict[str, str]:
        return await self.call(calls.complaint_wording(age_band))
