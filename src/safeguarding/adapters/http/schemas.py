"""Request and response models of the HTTP API (the source of its OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, TypeAdapter

from safeguarding.adapters.http.bodies import counted
from safeguarding.domain.access import Role
from safeguarding.domain.decisions import Decision
from safeguarding.domain.events import Event
from safeguarding.settings import MAX_BATCH_EVENTS_CEILING

# Printable text with at least one visible character: no NUL or other control characters.
PRINTABLE = r"^[^\x00-\x1f\x7f]*[^\x00-\x1f\x7f\s][^\x00-\x1f\x7f]*$"
# Ids in paths follow the same rule as ids in events.
ID_PATTERN = r"^[A-Za-z0-9_.:@\-]{1,128}$"


class EventBatch(BaseModel):
    """A batch of events, decided in order and recorded all together or not at all."""

    model_config = ConfigDict(extra="forbid")

    # The route counts against the configured max_batch_events before validating; this is
    # the ceiling that setting may reach, checked as well wherever else a batch is validated.
    events: Annotated[
        list[Event],
        Field(min_length=1, max_length=MAX_BATCH_EVENTS_CEILING),
        counted(MAX_BATCH_EVENTS_CEILING, "events"),
    ]


def _body_kind(data: Any) -> str:
    return "batch" if isinstance(data, dict) and "events" in data else "event"


EventsBody = Annotated[
    Annotated[Event, Tag("event")] | Annotated[EventBatch, Tag("batch")],
    Discriminator(_body_kind),
]
EVENTS_BODY: TypeAdapter[Any] = TypeAdapter(EventsBody)


def batch_length(data: Any) -> int:
    """How many events a parsed body holds, counted before any is validated."""
    if _body_kind(data) == "batch" and isinstance(data["events"], list):
        return len(data["events"])
    return 1


class EventResult(BaseModel):
    """One event's decision; ``replayed`` is true when it had been stored before."""

    index: int
    event_id: str
    replayed: bool
    decision: Decision


class EventResults(BaseModel):
    """The decisions for a batch, in the batch's order."""

    results: list[EventResult]


class EventsAccepted(BaseModel):
    """202 in distributed mode: every event is durably queued, and ``pending`` ones were not
    decided within the wait. Their decisions come from GET /v1/events/{event_id}/decision."""

    status: Literal["accepted"] = "accepted"
    event_ids: list[str]
    pending: list[str]
    decided: list[EventResult]


class PolicyOut(BaseModel):
    """A policy version: number, digest, YAML source, rules, author and time."""

    version: int
    sha256: str
    created_at: datetime
    created_by: str
    note: str
    source: str
    rules: list[dict[str, Any]]


class PolicyCheckOut(BaseModel):
    """Outcome of checking a policy without storing it."""

    valid: bool
    sha256: str
    rules: int
    warnings: list[dict[str, Any]]


class KeyCreate(BaseModel):
    """A new API key's name and role."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=128, pattern=PRINTABLE)
    role: Role
    queues: list[str] | None = Field(
        default=None,
        max_length=50,
        description="A moderator key's review queues (such as grooming); omit for every queue.",
    )
    organisation: str | None = Field(
        default=None,
        max_length=128,
        pattern=PRINTABLE,
        description="The advocacy body an advocate key speaks for (its super-complaints).",
    )


class KeyOut(BaseModel):
    """An API key's public record (never its secret)."""

    key_id: str
    name: str
    role: str
    created_at: datetime
    revoked_at: datetime | None
    queues: list[str] | None = None
    organisation: str | None = None


class KeyCreated(KeyOut):
    """A new key, shown once: store ``key`` now, it cannot be read back."""

    key: str


class CaseOut(BaseModel):
    """A case in the review queue."""

    case_id: str
    queue: str
    priority: int
    status: str
    subject_account_id: str
    event_ids: list[str]
    rule: str
    opened_at: datetime
    deadline: datetime
    report_to_authority: bool
    takedown_by: datetime | None = None  # intimate-image abuse: the content's legal takedown


class Figures(BaseModel):
    """Running figures: events by type, decisions by verdict, cases by status and by harm queue."""

    events_by_type: dict[str, int]
    decisions_by_verdict: dict[str, int]
    cases_by_status: dict[str, int]
    cases_by_queue: dict[str, int]
    policy_version: int


class Problem(BaseModel):
    """An error, as application/problem+json (some kinds carry more fields, such as ``limit``)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[dict[str, Any]] | None = None
    error_count: int | None = Field(
        default=None, description="How many errors there were; `errors` lists the first 100."
    )
    message: str | None = Field(
        default=None,
        description="The detail again, under the key Hasher-Matcher-Actioner's clients read "
        "(on the HMA-compatible routes /h, /m and /c only).",
    )
