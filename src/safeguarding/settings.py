"""Every setting, declared once: name, type, default and help.

Settings come from ``SAFEGUARDING_*`` environment variables. The same table feeds
``safeguarding settings``, the docs, and the admin
endpoint ``GET /v1/settings``. An unknown ``SAFEGUARDING_`` variable or a wrong
type stops start-up with a message naming it; secrets are masked everywhere.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)

from safeguarding.domain.errors import InvalidInput
from safeguarding.domain.retention import CONTENT_TYPES, DEFAULT_CONTENT_DAYS
from safeguarding.domain.risk import Feature
from safeguarding.settings_delivery import DeliverySettings
from safeguarding.urls import MASK, Network, mask_url

PREFIX = "SAFEGUARDING_"
MAX_BATCH_EVENTS_CEILING = 10_000  # the most max_batch_events may be set to


class Settings(DeliverySettings):
    """The engine's configuration."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    database_url: str = Field(
        default="sqlite:///.safeguarding/safeguarding.db",
        description="SQLAlchemy URL of the database: SQLite by default, or postgresql+psycopg://...",
    )
    data_dir: Path = Field(
        default=Path(".safeguarding"),
        description="Directory for the embedded database's key files and local state.",
    )
    content_key: SecretStr | None = Field(
        default=None,
        description="Key ring for content at rest: 'id:base64-32-bytes' entries, first is active.",
    )
    content_key_file: Path | None = Field(
        default=None,
        description="File holding the key ring; created under data_dir when neither key is set.",
    )
    session_secret: SecretStr | None = Field(
        default=None,
        description="Secret that signs web UI session cookies; generated under data_dir if unset.",
    )
    host: str = Field(default="127.0.0.1", description="Address `safeguarding serve` listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `safeguarding serve` uses.")
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="HTTP worker processes of `safeguarding serve` (one per core).",
    )
    max_body_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        description="Largest request body accepted (413 past it).",
    )
    max_batch_events: int = Field(
        default=1000,
        ge=1,
        le=MAX_BATCH_EVENTS_CEILING,
        description="Most events one POST /v1/events may carry.",
    )
    detectors: list[str] | None = Field(
        default=None, description="Detectors to enable, by name; all installed ones when unset."
    )
    sha256_list_path: Path | None = Field(
        default=None,
        description="Plain-text list of SHA-256 hashes for the sha256_list detector.",
    )
    policy_file: Path | None = Field(
        default=None,
        description="Policy YAML stored as version 1 in a new database (built-in one if unset).",
    )
    support_resources: dict[str, str] | None = Field(
        default=None,
        description="Support resources by name, as a JSON object of name to text; "
        "they replace or add to the built-in childline, samaritans and shout.",
    )
    content_retention_days: int = Field(
        default=DEFAULT_CONTENT_DAYS,
        ge=1,
        description="Days the content of an event (text, a report's comment, uploaded bytes) is "
        "kept unless evidence, a legal hold, an undecided case or an open complaint keeps it.",
    )
    content_retention_by_type: dict[str, int] | None = Field(
        default=None,
        description="Retention days by event type, as a JSON object (e.g. "
        '{"post": 90}); types not named keep content_retention_days.',
    )
    outbox_worker: bool = Field(
        default=True, description="Run the outbox worker inside `safeguarding serve`."
    )
    worker_metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="`safeguarding worker` serves Prometheus metrics on this port, on all "
        "interfaces (give each worker process its own); none if unset.",
    )
    outbox_poll_seconds: float = Field(
        default=0.5, gt=0, description="How often the outbox worker looks for due side effects."
    )
    key_cache_seconds: float = Field(
        default=30.0, ge=0, description="How long a verified API key is trusted before re-checking."
    )
    media_workers: int = Field(
        default=1, ge=1, le=16, description="Processes that hash uploads (each on its own CPU)."
    )
    media_memory_mb: int = Field(
        default=256,
        ge=32,
        description="Memory one upload's hashing may take beyond a worker's start-up size.",
    )
    media_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Longest an image may take to hash (videos get 4 times)."
    )
    bank_recheck_seconds: float = Field(
        default=1.0,
        ge=0,
        description="How often a process checks whether a hash bank changed (then rebuilds).",
    )
    sharing_salt: SecretStr | None = Field(
        default=None,
        description="Salt shared with partners: exports carry HMAC-SHA256(salt, account id) "
        "as account signals (none without it); never the raw id.",
    )
    sharing_name: str = Field(
        default="safeguarding",
        min_length=1,
        max_length=100,
        description="Name this service signs its shared-signal exports with (the collab column).",
    )
    sharing_default_trust: Literal["match_only", "match_and_act"] = Field(
        default="match_only",
        description="Trust a partner's first import gets unless one is given: match_only "
        "(matches reviewed, no blocking) or match_and_act.",
    )
    audit_key_file: Path | None = Field(
        default=None,
        description="Ed25519 key (PEM) that signs audit checkpoints; if unset, made in a folder "
        "of its own beside data_dir (<data_dir>-keys/audit-signing.key), never inside it.",
    )
    audit_checkpoint_dir: Path | None = Field(
        default=None,
        description="Folder automatic signed audit checkpoints are written to "
        "(data_dir/audit-checkpoints if unset); best on another disk or host.",
    )
    audit_checkpoint_records: int = Field(
        default=1000,
        ge=0,
        description="A checkpoint is made once this many audit records follow the last (0: off).",
    )
    audit_checkpoint_minutes: float = Field(
        default=10.0,
        ge=0,
        description="A checkpoint is made this many minutes after the last if records were "
        "added (0: off).",
    )
    audit_witness_url: str | None = Field(
        default=None,
        description="URL on another host each new audit checkpoint is POSTed to (JSON).",
    )
    organisation: str = Field(
        default="Safeguarding deployment",
        description="The reporting organisation named in authority reports.",
    )
    max_concurrent_requests: int = Field(
        default=64,
        ge=1,
        description="Requests one server process works on at once; more get 503 + Retry-After.",
    )
    stream_url: str | None = Field(
        default=None,
        description=(
            "NATS server (nats://host:4222) for distributed mode: `serve` queues accepted events "
            "on JetStream and `safeguarding worker` processes decide them. Unset: one process."
        ),
    )
    stream_name: str = Field(
        default="SAFEGUARDING_EVENTS",
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="The JetStream stream (its subjects are <name>.<shard>); one per deployment.",
    )
    stream_shards: int = Field(
        default=64,
        ge=1,
        le=1024,
        description="Subjects events are sharded over by conversation; set once per stream.",
    )
    stream_batch: int = Field(
        default=64,
        ge=1,
        le=1000,
        description="Most events a worker decides in one transaction (one per shard at most).",
    )
    stream_ack_wait_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How long a worker may hold events before JetStream gives them to another.",
    )
    decision_wait_seconds: float = Field(
        default=5.0,
        ge=0,
        le=60,
        description=(
            "In distributed mode, how long POST /v1/events waits for the workers' decisions "
            "before answering 202 (a request can ask for less with `Prefer: wait=N`)."
        ),
    )
    model_recheck_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How often a stream worker looks for changed model or hash-list files.",
    )
    senior_manager: str = Field(
        default="",
        description=(
            "The named senior manager accountable for children's safety, as 'Name, Job title'; "
            "named in every transparency report and compliance check."
        ),
    )
    qualifying_revenue_gbp: float | None = Field(
        default=None,
        ge=0,
        description="Qualifying worldwide revenue in pounds, for the maximum penalty exposure.",
    )
    service_features: tuple[Feature, ...] = Field(
        default=tuple(Feature),
        description="The platform's features the risk assessment covers, comma-separated: "
        + ", ".join(f.value for f in Feature)
        + ".",
    )
    complaint_deadline_days: float = Field(
        default=14, gt=0, description="Days the service gives itself to resolve a complaint."
    )
    appeal_deadline_days: float = Field(
        default=7, gt=0, description="Days the service gives itself to decide an appeal."
    )
    log_level: str = Field(
        default="INFO", description="Logging level: DEBUG, INFO, WARNING, ERROR."
    )
    public_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/?#@\s]+/?$",
        description="The web UI's public base URL (https://safeguarding.example.org): forms "
        "posted from any other origin are refused. Unset: http://<host>:<port> of `serve`.",
    )
    session_cookie_secure: bool = Field(
        default=False,
        description="Mark the session cookie Secure (always so when public_url is https).",
    )
    login_max_failures: int = Field(
        default=5,
        ge=1,
        description="Failed logins a client, or a key id, may make before it must wait.",
    )
    login_backoff_seconds: float = Field(
        default=1.0,
        gt=0,
        description="The first wait after too many failed logins; it doubles with each failure.",
    )
    forwarded_allow_ips: tuple[Network, ...] = Field(
        default=("127.0.0.1", "::1"),
        description="Proxies whose X-Forwarded-For names the client (addresses or networks, "
        "comma-separated; empty: none). Failed logins count per client: behind a proxy not "
        "listed, every caller is the proxy, and one guesser makes them all wait.",
    )

    @field_validator("content_retention_by_type")
    @classmethod
    def _content_types_only(cls, days: dict[str, int] | None) -> dict[str, int] | None:
        known = [kind.value for kind in CONTENT_TYPES]
        for kind, value in (days or {}).items():
            if kind not in known:
                raise ValueError(f"{kind!r} carries no content; name one of {', '.join(known)}")
            if value < 1:
                raise ValueError(f"{kind}: retention must be at least 1 day")
        return days

    def masked(self) -> dict[str, Any]:
        """Every setting with secrets, and credentials inside URLs, shown as '**********'."""
        return {name: mask(getattr(self, name)) for name in type(self).model_fields}

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def mask(value: Any) -> Any:
    """A setting's value as it may be shown: secrets and URL credentials masked."""
    if isinstance(value, SecretStr):
        return MASK
    if isinstance(value, str):
        return mask_url(value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return [mask(v) for v in value]
    if isinstance(value, StrEnum):
        return value.value
    return value


# Variables under this prefix belong to the test suite (a test database URL), not the engine.
RESERVED_PREFIX = PREFIX + "TEST_"


def _ours(name: str) -> bool:
    return name.startswith(PREFIX) and not name.startswith(RESERVED_PREFIX)


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    known = {PREFIX + name.upper() for name in Settings.model_fields}
    return sorted(k for k in environ if _ours(k) and k not in known)


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Read settings, failing with every unknown variable and wrong type named."""
    environ = os.environ if environ is None else environ
    problems = []
    known = [PREFIX + name.upper() for name in Settings.model_fields]
    for name in unknown_variables(environ):
        close = difflib.get_close_matches(name, known, n=1)
        problems.append(
            f"{name}: unknown setting" + (f" (did you mean {close[0]}?)" if close else "")
        )
    if problems:
        raise InvalidInput("; ".join(problems))
    values = {name[len(PREFIX) :].lower(): value for name, value in environ.items() if _ours(name)}
    try:
        return Settings.model_validate({**_parse_env(values), **overrides})
    except ValidationError as exc:
        raise InvalidInput(
            "; ".join(
                f"{PREFIX}{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
            )
        ) from exc


def _json_object(raw: str, name: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{PREFIX}{name}: not valid JSON ({exc.msg})") from None


def _parse_env(values: dict[str, str]) -> dict[str, Any]:
    parsed: dict[str, Any] = dict(values)
    if "content_retention_by_type" in parsed:
        parsed["content_retention_by_type"] = _json_object(
            parsed["content_retention_by_type"], "CONTENT_RETENTION_BY_TYPE"
        )
    if "support_resources" in parsed:
        parsed["support_resources"] = _json_object(parsed["support_resources"], "SUPPORT_RESOURCES")
    for listed in ("detectors", "forwarded_allow_ips"):
        if listed in parsed:
            parsed[listed] = [d.strip() for d in parsed[listed].split(",") if d.strip()]
    if "service_features" in parsed:
        parsed["service_features"] = _features(parsed["service_features"])
    return parsed


def _features(raw: str) -> list[str]:
    """Comma-separated feature names; an unknown one stops start-up, naming the closest."""
    names = [f.strip() for f in raw.split(",") if f.strip()]
    known = [f.value for f in Feature]
    problems = []
    for name in (n for n in names if n not in known):
        close = difflib.get_close_matches(name, known, n=1)
        problems.append(f"{name!r}" + (f" (did you mean {close[0]}?)" if close else ""))
    if problems:
        raise InvalidInput(
            f"{PREFIX}SERVICE_FEATURES: unknown feature {', '.join(problems)}; "
            f"known: {', '.join(known)}"
        )
    return names
