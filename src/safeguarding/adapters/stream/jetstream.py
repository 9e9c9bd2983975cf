"""What the publisher and the workers share: the stream's layout, its message format, and the
connection (with the server-version check).

Layout: one stream (``SAFEGUARDING_EVENTS`` unless configured) on subjects ``<stream>.<shard>``; an
event's shard comes from its conversation (or, without one, its actor), so one conversation's
events land on one subject in the order they were accepted. Work-queue retention removes each
message once a worker has acknowledged it, so event content does not linger in the stream.
Each shard has one durable pull consumer, shared by every worker (see consumer.py for how that
keeps a conversation in order).

Message: the event as JSON, sealed with the content key (the stream's files hold no readable
content), with headers for JetStream's de-duplication (``Nats-Msg-Id`` is the event_id), the
fingerprint of what the platform sent (sealed too: a bare digest would confirm a guessed
message), the audit source, and where to report the decision.
"""

from __future__ import annotations

import base64
import logging
import re
import zlib
from dataclasses import dataclass

import nats
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from safeguarding.adapters.storage.crypto import ContentCipher
from safeguarding.domain.errors import InvalidInput, StoreBusy
from safeguarding.domain.events import EVENT_ADAPTER, Event
from safeguarding.ports.stream import Prepared
from safeguarding.urls import mask_url

log = logging.getLogger("safeguarding.stream")

# JetStream drops a second publish with the same Nats-Msg-Id within this window, so a platform's
# quick retry is not even queued twice (the workers' idempotent apply covers later ones).
DUPLICATE_WINDOW_SECONDS = 120.0
# 2.10.23 fixed stream loss after kill -9, and 2.10 added `sync_interval: always`.
SAFE_SERVER_VERSION = (2, 10, 23)

HEADER_ID = "Nats-Msg-Id"
HEADER_KEY = "Sg-Key"
HEADER_FINGERPRINT = "Sg-Fingerprint"
HEADER_SOURCE = "Sg-Source"
HEADER_REPLY = "Sg-Reply"
# A fingerprint header from before it was sealed (a message queued across an upgrade).
_BARE_FINGERPRINT = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class StreamOptions:
    """How a process uses the stream (from settings)."""

    url: str
    name: str = "SAFEGUARDING_EVENTS"
    shards: int = 64
    batch: int = 64
    ack_wait_seconds: float = 30.0


class UnreadableMessage(Exception):
    """A stream message that this process cannot turn back into an event."""

    def __init__(self, reason: str, *, retry: bool) -> None:
        super().__init__(reason)
        self.retry = retry


def shard_of(event: Event, shards: int) -> int:
    """The shard of an event's conversation, or of its actor when it has none."""
    key = event.conversation() or f"actor:{event.actor_id}"
    return zlib.crc32(key.encode()) % shards


def subject_of(stream: str, shard: int) -> str:
    return f"{stream}.{shard}"


def consumer_of(shard: int) -> str:
    return f"shard-{shard:04d}"


class Codec:
    """Seals events into stream messages and opens them again."""

    def __init__(self, cipher: ContentCipher) -> None:
        self.cipher = cipher

    def encode(
        self, item: Prepared, source: str, reply: str | None
    ) -> tuple[bytes, dict[str, str]]:
        event_id = item.event.event_id
        key_id, sealed = self.cipher.seal(item.event.model_dump_json().encode(), event_id.encode())
        headers = {
            HEADER_ID: event_id,
            HEADER_KEY: key_id,
            HEADER_FINGERPRINT: self._seal_fingerprint(item.fingerprint, event_id),
            HEADER_SOURCE: source,
        }
        if reply is not None:
            headers[HEADER_REPLY] = reply
        return sealed, headers

    def decode(self, data: bytes, headers: dict[str, str] | None) -> tuple[Prepared, str]:
        headers = headers or {}
        missing = [h for h in (HEADER_ID, HEADER_KEY, HEADER_FINGERPRINT) if h not in headers]
        if missing:
            raise UnreadableMessage(f"headers missing: {', '.join(missing)}", retry=False)
        try:
            plain = self.cipher.open(headers[HEADER_KEY], data, headers[HEADER_ID].encode())
        except Exception as exc:  # an unknown key id or a failed seal: this process's key ring
            raise UnreadableMessage(f"cannot open: {type(exc).__name__}", retry=True) from None
        try:
            event = EVENT_ADAPTER.validate_json(plain)
        except ValueError:
            raise UnreadableMessage("not a valid event", retry=False) from None
        fingerprint = self._open_fingerprint(headers)
        return Prepared(event, fingerprint), headers.get(HEADER_SOURCE, "stream")

    def _seal_fingerprint(self, fingerprint: str, event_id: str) -> str:
        _, sealed = self.cipher.seal(fingerprint.encode(), _fingerprint_data(event_id))
        return base64.b64encode(sealed).decode()

    def _open_fingerprint(self, headers: dict[str, str]) -> str:
        value = headers[HEADER_FINGERPRINT]
        if _BARE_FINGERPRINT.fullmatch(value):
            return value
        try:
            sealed = base64.b64decode(value, validate=True)
            data = _fingerprint_data(headers[HEADER_ID])
            return self.cipher.open(headers[HEADER_KEY], sealed, data).decode()
        except Exception:  # a bad header is the message's fault, not this process's key ring
            raise UnreadableMessage("cannot open the fingerprint", retry=False) from None


def _fingerprint_data(event_id: str) -> bytes:
    return b"fingerprint:" + event_id.encode()


async def connect(url: str, name: str) -> NatsClient:
    """Connect, reconnecting for ever after a drop; refuse clearly when nothing answers."""
    try:
        client = await nats.connect(
            url,
            name=name,
            connect_timeout=5,
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
        )
    except Exception as exc:  # nats-py raises several kinds; all mean "cannot reach it"
        raise StoreBusy(
            f"cannot reach the NATS server at {mask_url(url)}: {exc or type(exc).__name__}"
        ) from None
    warn_if_unsafe(client)
    return client


def warn_if_unsafe(client: NatsClient) -> None:
    version = client.connected_server_version
    found = (version.major, version.minor, version.patch)
    if found < SAFE_SERVER_VERSION:
        log.warning(
            "nats-server %s is older than %s: it predates fixes for stream loss after kill -9 "
            "and has no `sync_interval: always`. Run 2.10.23 or newer with synced writes in "
            "production (docs/operations.md).",
            ".".join(map(str, found)),
            ".".join(map(str, SAFE_SERVER_VERSION)),
        )


async def ensure_stream(js: JetStreamContext, options: StreamOptions) -> None:
    """Create the stream on first use; refuse to run against one sharded differently."""
    try:
        info = await js.stream_info(options.name)
    except NotFoundError:
        await js.add_stream(
            StreamConfig(
                name=options.name,
                subjects=[f"{options.name}.*"],
                retention=RetentionPolicy.WORK_QUEUE,
                storage=StorageType.FILE,
                duplicate_window=DUPLICATE_WINDOW_SECONDS,
                description=f"Safeguarding events, {options.shards} shards",
            )
        )
        return
    except Exception as exc:
        raise StoreBusy(f"JetStream does not answer (is it enabled, `-js`?): {exc}") from None
    described = (info.config.description or "").rsplit(", ", 1)[-1]
    if described and described != f"{options.shards} shards":
        raise InvalidInput(
            f"the stream {options.name} was made with {described}, but "
            f"SAFEGUARDING_STREAM_SHARDS is {options.shards}; use the same value everywhere "
            "(changing it needs an empty stream)"
        )
