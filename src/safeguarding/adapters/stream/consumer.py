"""The ``safeguarding worker`` side: take events from JetStream, decide them, acknowledge.

Order. Each shard has one durable pull consumer, shared by every worker, that lets one message
at a time be unacknowledged (``max_ack_pending=1``). So a shard's next event is handed out,
to whichever worker asks, only once its previous one is decided; one conversation is scored
in the order it was accepted, across workers and across crashes (JetStream hands a message
out again before anything newer on its shard).

Batching. A worker fetches from every shard at once and decides what it holds, one event per
shard, together in one transaction; under load a batch holds up to one event per shard.

Exactly once in effect. A worker acknowledges only after the transaction commits. Killed
before that, it leaves the events to be delivered again (after ``ack_wait``), and the store,
idempotent on event_id, turns a second delivery into a replay: the decision, its outbox items
and its audit record are written once, in that transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import nats.errors
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig

from safeguarding.adapters.storage.crypto import ContentCipher
from safeguarding.adapters.stream.jetstream import (
    HEADER_REPLY,
    Codec,
    StreamOptions,
    UnreadableMessage,
    connect,
    consumer_of,
    ensure_stream,
    subject_of,
)
from safeguarding.domain.errors import SafeguardingError, StoreBusy
from safeguarding.ports.stream import Prepared

log = logging.getLogger("safeguarding.stream")

Apply = Callable[[Sequence[Prepared], str], None]
# How long one fetch waits on an empty shard before asking again (and noticing a stop).
FETCH_SECONDS = 2.0
# A failed batch is given back with this delay; its shards wait a little longer, so that
# JetStream hands the same events out again before anything newer.
RETRY_DELAY_SECONDS = 1.0


@dataclass(frozen=True, eq=False)
class Held:
    """An event this worker has taken from the stream and not yet acknowledged."""

    message: Msg
    item: Prepared
    source: str
    done: asyncio.Future[bool]


class StreamConsumer:
    """Consumes every shard; decides what it holds in batches; acknowledges after commit."""

    def __init__(
        self,
        options: StreamOptions,
        cipher: ContentCipher,
        apply: Apply,
        *,
        refresh: Callable[[], object] = lambda: None,
        refresh_seconds: float = 5.0,
        threads: int = 2,
    ) -> None:
        self.options = options
        self.codec = Codec(cipher)
        self.apply = apply
        # Reloads changed detectors: before each batch, and on a timer so an idle worker is
        # current too (it is time-gated, so calling it often costs nothing).
        self.refresh = refresh
        self.refresh_seconds = refresh_seconds
        self.threads = threads
        # Deciding is blocking work (the database, the models); it runs off the event loop so
        # fetches, acknowledgements and in-progress signals keep flowing while it does.
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="stream-apply")
        self.decided = 0

    def run(self, stop: threading.Event) -> None:
        try:
            asyncio.run(self._main(stop))
        finally:
            self.pool.shutdown(wait=True)

    async def _main(self, stop: threading.Event) -> None:
        client = await connect(self.options.url, "safeguarding-worker")
        try:
            js = client.jetstream()
            await ensure_stream(js, self.options)
            stopping = asyncio.Event()
            queue: asyncio.Queue[Held] = asyncio.Queue()
            held: set[Held] = set()
            fetchers = [
                asyncio.create_task(self._fetch(js, shard, queue, held, stopping))
                for shard in range(self.options.shards)
            ]
            deciders = [
                asyncio.create_task(self._decide(client, queue, held, stopping))
                for _ in range(self.threads)
            ]
            helpers = [
                asyncio.create_task(self._refresh_while(stopping)),
                asyncio.create_task(self._keep_alive(held, stopping)),
            ]
            log.info("stream worker consuming %d shards", self.options.shards)
            await asyncio.to_thread(stop.wait)
            stopping.set()
            await self._wind_down(deciders, fetchers + helpers, held)
        finally:
            await client.close()

    async def _wind_down(
        self, deciders: list[asyncio.Task[None]], others: list[asyncio.Task[None]], held: set[Held]
    ) -> None:
        """Finish the batches in hand, stop fetching, and give back what was taken but not
        decided (at once, rather than after ack_wait)."""
        await asyncio.gather(*deciders, return_exceptions=True)
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        for entry in held:
            with contextlib.suppress(Exception):
                await entry.message.nak()

    async def _fetch(
        self,
        js: JetStreamContext,
        shard: int,
        queue: asyncio.Queue[Held],
        held: set[Held],
        stopping: asyncio.Event,
    ) -> None:
        """Take a shard's events one at a time, each after the previous one is settled."""
        subscription = await js.pull_subscribe(
            subject_of(self.options.name, shard),
            durable=consumer_of(shard),
            stream=self.options.name,
            config=ConsumerConfig(
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=self.options.ack_wait_seconds,
                max_ack_pending=1,
                max_deliver=-1,
            ),
        )
        while not stopping.is_set():
            try:
                messages = await subscription.fetch(1, timeout=FETCH_SECONDS)
            except (nats.errors.TimeoutError, TimeoutError):  # nothing waiting on this shard
                continue
            except Exception:  # a dropped connection: nats-py reconnects; ask again shortly
                log.warning("fetch from shard %d failed; retrying", shard, exc_info=True)
                await asyncio.sleep(RETRY_DELAY_SECONDS)
                continue
            for message in messages:
                entry = await self._decoded(message)
                if entry is None:
                    continue
                held.add(entry)
                await queue.put(entry)
                if not await entry.done:
                    await asyncio.sleep(RETRY_DELAY_SECONDS * 1.5)

    async def _decoded(self, message: Msg) -> Held | None:
        try:
            item, source = self.codec.decode(message.data, message.headers)
        except UnreadableMessage as exc:
            log.error(
                "stream message %s cannot be read: %s; %s",
                message.metadata.sequence.stream,
                exc,
                "left for a worker with the right key ring" if exc.retry else "dropped",
            )
            await (message.nak(delay=30) if exc.retry else message.term())
            return None
        return Held(message, item, source, asyncio.get_running_loop().create_future())

    async def _decide(
        self,
        client: NatsClient,
        queue: asyncio.Queue[Held],
        held: set[Held],
        stopping: asyncio.Event,
    ) -> None:
        """Decide whatever is waiting (at most a batch) in one go, again and again."""
        while not stopping.is_set():
            try:
                first = await asyncio.wait_for(queue.get(), FETCH_SECONDS)
            except TimeoutError:
                continue
            batch = [first]
            while len(batch) < self.options.batch and not queue.empty():
                batch.append(queue.get_nowait())
            for _, run in itertools.groupby(batch, key=lambda h: h.source):
                await self._settle(client, list(run), held)

    async def _settle(self, client: NatsClient, run: list[Held], held: set[Held]) -> None:
        decided = await self._apply(run)
        for entry in run:
            if decided:
                await entry.message.ack()
            else:
                await entry.message.nak(delay=RETRY_DELAY_SECONDS)
            held.discard(entry)
            entry.done.set_result(decided)
        if decided:
            await self._notify(client, run)

    async def _apply(self, run: list[Held]) -> bool:
        """Decide a run of events from one source; True when every one is stored (or refused
        for good), False when they should be delivered again."""
        loop = asyncio.get_running_loop()
        items = [h.item for h in run]
        try:
            await loop.run_in_executor(self.pool, self._apply_now, items, run[0].source)
        except StoreBusy:
            log.warning("the store is busy; %d event(s) will be delivered again", len(items))
            return False
        except SafeguardingError:
            if len(run) > 1:  # find the one the store refuses, and decide the others
                results = [await self._apply([single]) for single in run]
                return all(results)
            await self._refuse(run[0])
            return True
        except Exception:
            log.exception("deciding %d event(s) failed; they will be delivered again", len(items))
            return False
        self.decided += len(items)
        return True

    def _apply_now(self, items: list[Prepared], source: str) -> None:
        self.refresh()
        self.apply(items, source)

    async def _refuse(self, entry: Held) -> None:
        """Log an event the store will never take; acknowledging it then drops it."""
        log.warning(
            "event %s refused by the store (its event_id is stored with other content); dropped",
            entry.item.event.event_id,
        )

    async def _refresh_while(self, stopping: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), self.refresh_seconds)
            await loop.run_in_executor(self.pool, self.refresh)

    async def _keep_alive(self, held: set[Held], stopping: asyncio.Event) -> None:
        """Tell JetStream that what this worker holds is being worked on, so a slow batch is
        not handed to another worker while this one is still deciding it."""
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), self.options.ack_wait_seconds / 3)
            for entry in list(held):
                with contextlib.suppress(Exception):  # settled meanwhile, or a dropped link
                    await entry.message.in_progress()

    async def _notify(self, client: NatsClient, run: list[Held]) -> None:
        replies: dict[str, list[str]] = {}
        for entry in run:
            reply = (entry.message.headers or {}).get(HEADER_REPLY)
            if reply:
                replies.setdefault(reply, []).append(entry.item.event.event_id)
        for reply, event_ids in replies.items():
            await client.publish(reply, json.dumps(event_ids).encode())
