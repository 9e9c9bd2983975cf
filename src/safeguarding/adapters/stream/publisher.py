"""The ``serve`` side: publish accepted events to JetStream and hear when workers decide them.

nats-py is asyncio; request handlers are threads. The client lives on an event loop of its own
thread and handlers hand it coroutines, which keeps one connection per process whatever the
number of handler threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from safeguarding.adapters.storage.crypto import ContentCipher
from safeguarding.adapters.stream.jetstream import (
    Codec,
    StreamOptions,
    connect,
    ensure_stream,
    shard_of,
    subject_of,
)
from safeguarding.domain.errors import StoreBusy, TooLarge
from safeguarding.ports.stream import Prepared

T = TypeVar("T")
# How long JetStream has to store a request's events before the request is refused with 503.
PUBLISH_TIMEOUT_SECONDS = 10.0


class LoopThread:
    """An asyncio event loop running on its own daemon thread."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self.thread.start()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


class Waiting:
    """One request's events, and which of them workers have reported decided."""

    def __init__(self, owner: NatsEventStream, event_ids: set[str]) -> None:
        self.owner = owner
        self.event_ids = event_ids
        self.heard: set[str] = set()
        self.changed = threading.Condition()

    def hear(self, event_id: str) -> None:
        with self.changed:
            self.heard.add(event_id)
            self.changed.notify_all()

    def wait(self, timeout: float) -> set[str]:
        with self.changed:
            self.changed.wait_for(lambda: self.heard >= self.event_ids, timeout)
            return set(self.heard)

    def close(self) -> None:
        self.owner.forget(self)


class NatsEventStream:
    """The event stream of a ``serve`` process."""

    def __init__(self, options: StreamOptions, cipher: ContentCipher) -> None:
        self.options = options
        self.codec = Codec(cipher)
        self.waiting: dict[str, list[Waiting]] = {}
        self.lock = threading.Lock()
        self.runner = LoopThread("nats-publisher")
        try:
            self.client, self.js, self.inbox = self.runner.call(self._open(), timeout=15)
        except BaseException:
            self.runner.stop()
            raise

    async def _open(self) -> tuple[NatsClient, JetStreamContext, str]:
        client = await connect(self.options.url, "safeguarding-serve")
        js = client.jetstream(timeout=PUBLISH_TIMEOUT_SECONDS)
        await ensure_stream(js, self.options)
        inbox = client.new_inbox()
        await client.subscribe(inbox, cb=self._on_decided)
        return client, js, inbox

    def publish(self, items: Sequence[Prepared], *, source: str, notify: bool) -> Waiting:
        messages = [self._message(item, source, notify) for item in items]  # 413 before anything
        waiting = Waiting(self, {i.event.event_id for i in items})
        if notify:
            with self.lock:
                for event_id in waiting.event_ids:
                    self.waiting.setdefault(event_id, []).append(waiting)
        try:
            self.runner.call(self._publish_all(messages), timeout=PUBLISH_TIMEOUT_SECONDS + 2)
        except Exception as exc:  # a timeout or any JetStream refusal: the request may be retried
            waiting.close()
            raise StoreBusy(
                f"the event stream did not confirm it stored the events ({type(exc).__name__}); "
                "send them again: a repeat is recognised by event_id"
            ) from None
        return waiting

    def _message(self, item: Prepared, source: str, notify: bool) -> tuple[str, bytes, dict]:
        payload, headers = self.codec.encode(item, source, self.inbox if notify else None)
        limit = self.client.max_payload
        if len(payload) + 1024 > limit:
            raise TooLarge(
                f"event {item.event.event_id} is {len(payload)} bytes sealed; the NATS server "
                f"takes messages up to {limit} bytes (its max_payload setting)",
                limit,
            )
        shard = shard_of(item.event, self.options.shards)
        return subject_of(self.options.name, shard), payload, headers

    async def _publish_all(self, messages: list[tuple[str, bytes, dict]]) -> None:
        # Sent one after another on one connection, so JetStream stores them in this order;
        # the acknowledgements are awaited together.
        acks = [
            await self.js.publish_async(subject, payload, headers=headers, wait_stall=5)
            for subject, payload, headers in messages
        ]
        await asyncio.wait_for(asyncio.gather(*acks), PUBLISH_TIMEOUT_SECONDS)

    async def _on_decided(self, msg: Msg) -> None:
        try:
            event_ids = json.loads(msg.data)
        except ValueError:
            return
        with self.lock:
            found = [(w, e) for e in event_ids for w in self.waiting.get(e, ())]
        for waiting, event_id in found:
            waiting.hear(event_id)

    def forget(self, waiting: Waiting) -> None:
        with self.lock:
            for event_id in waiting.event_ids:
                held = self.waiting.get(event_id, [])
                if waiting in held:
                    held.remove(waiting)
                if not held:
                    self.waiting.pop(event_id, None)

    def connected(self) -> bool:
        return bool(self.client.is_connected)

    def close(self) -> None:
        # Closing anyway: nothing the stream acknowledged is lost, it kept it.
        with contextlib.suppress(Exception):
            self.runner.call(self.client.drain(), timeout=5)
        self.runner.stop()
