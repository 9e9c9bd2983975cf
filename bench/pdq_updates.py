"""Bank updates while matching: time from a change to its effect, and matching meanwhile.

Run through ``python bench/pdq_match.py --updates --bank-size 1000000``. A SQLite database
holds one blocking bank of --bank-size random PDQ hashes and a small second bank. Two bank
services over it stand for two processes: the writer makes changes (each a transaction),
the reader keeps its own index as a second ``serve`` or ``worker`` does, by ``catch_up()``.

1. The reader's full rebuild (streamed from the database) beside the build before it (every
   live hash read into Python objects at once, then built): best of two, alternately.
2. Change to effect: --probes single changes (an added hash, or an entry of the big bank
   switched off), each timed from the writer's commit to the reader's index answering with
   it; the reader looks at once here, where a process waits up to ``recheck_seconds``
   (default 1 s) first. The first two (loading compiled loops) are left out.
3. Matching while changes arrive: one thread queries the reader's index for --seconds, first
   with no changes, then while a writer process makes --rate hash changes a second (in
   rounds of one transaction adding --batch hashes to the small bank and one switching an
   entry of the big bank off or on)
   and the reader catches up in the background; queries/s of both, the change rate reached,
   and the lag from each commit to the reader's swap that carried it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

from safeguarding.adapters.storage.crypto import ContentCipher
from safeguarding.adapters.storage.sqlalchemy import migrate
from safeguarding.adapters.storage.sqlalchemy.store import SqlStore
from safeguarding.detectors.media.bank_index import BankIndex, IndexHolder
from safeguarding.domain.banks import Bank, HashType, UploadHashes
from safeguarding.services.banks import BankService


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def hexes(rng: np.random.Generator, count: int) -> list[str]:
    raw = rng.integers(0, 256, size=(count, 32), dtype=np.uint8).tobytes()
    return [raw[at : at + 32].hex() for at in range(0, len(raw), 32)]


CIPHER = ContentCipher({"bench": bytes(32)}, "bench")


def open_store(url: str) -> SqlStore:
    engine = sa.create_engine(url)
    migrate.upgrade(engine, cipher=CIPHER)
    engine.dispose()
    return SqlStore(url, CIPHER)


def load_bank(writer: BankService, size: int, rng: np.random.Generator) -> float:
    started = time.perf_counter()
    now = Clock().now()
    writer.create(Bank(name="big", created_at=now), "bench")
    writer.create(Bank(name="incoming", created_at=now), "bench")
    pdqs = [(HashType.PDQ, value) for value in hexes(rng, size)]
    writer.import_hashes("big", pdqs, source="bench", licence="", actor="bench")
    return time.perf_counter() - started


def effect_latency(writer: BankService, reader: BankService, probes: int, rng: Any) -> list[float]:
    """Seconds from each change's commit to the reader's index answering with it."""
    big = _some_entries(writer, probes)
    waits = []
    for probe in range(probes):
        if probe % 2 == 0:
            (value,) = hexes(rng, 1)
            pdqs = [(HashType.PDQ, value)]
            writer.import_hashes("incoming", pdqs, source="b", licence="", actor="b")
            committed = time.perf_counter()
            reader.catch_up()
            assert reader.holder.current.match(UploadHashes(pdq=value)), "the new hash matches"
        else:
            entry_id = big[probe % len(big)]
            value = reader.holder.current.pdq.index.hash_of(entry_id)  # type: ignore[union-attr]
            writer.switch_entry("big", entry_id, 0, "bench")
            committed = time.perf_counter()
            reader.catch_up()
            hits = reader.holder.current.match(UploadHashes(pdq=value))
            assert entry_id not in {m.entry_id for m in hits}, "the switched-off hash is gone"
        waits.append(time.perf_counter() - committed)
    return waits


def _some_entries(writer: BankService, count: int) -> list[int]:
    """Entry ids of the big bank (the writer's index holds them, in id order)."""
    pdq = writer.holder.current.pdq
    assert pdq is not None
    return [int(i) for i in pdq.ids[:count] if pdq.bank_of(int(i)) == "big"]


def matching(index: Any, queries: list[str], seconds: float) -> tuple[int, float]:
    """Queries answered against ``index()`` (the current snapshot) for about ``seconds``."""
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        index().match(UploadHashes(pdq=queries[done % len(queries)]))
        done += 1
    return done, time.perf_counter() - started


def changes(
    url: str, targets: list[int], args: dict[str, Any], flags: tuple[Any, Any], out: Any
) -> None:
    """A writer process: hash changes at ``rate`` a second, each round one transaction adding
    ``batch`` hashes to the small bank and one switching an entry of the big bank; sends back
    (commit time, revision, hashes) for each transaction. Its own index is not kept (an
    admin's process would keep one; here it would only take CPU from the reader)."""
    rng = np.random.default_rng(7)
    ready, stop = flags
    writer = BankService(SqlStore(url, CIPHER), Clock(), IndexHolder())
    writer.catch_up = lambda: writer.holder.current  # type: ignore[method-assign]
    log, started, made = [], time.perf_counter(), 0
    ready.set()
    while not stop.is_set():
        if made / args["rate"] > time.perf_counter() - started:
            time.sleep(0.001)
            continue
        pdqs = [(HashType.PDQ, v) for v in hexes(rng, args["batch"])]
        writer.import_hashes("incoming", pdqs, source="b", licence="", actor="b")
        log.append((time.perf_counter(), revision(writer), args["batch"]))
        entry_id = targets[made % len(targets)]
        writer.switch_entry("big", entry_id, int(rng.integers(0, 2)), "bench")
        log.append((time.perf_counter(), revision(writer), 1))
        made += args["batch"] + 1
    writer.store.close()
    out.put(log)


def revision(writer: BankService) -> int:
    with writer.store.read() as uow:
        return uow.banks.revision()


def under_changes(
    url: str, writer: BankService, reader: BankService, args: argparse.Namespace
) -> dict[str, Any]:
    queries = hexes(np.random.default_rng(3), 1000)
    idle, idle_s = matching(lambda: reader.holder.current, queries, args.seconds)
    swaps: list[tuple[float, int]] = []
    swap = reader.holder.swap

    def logged(index: BankIndex) -> None:
        swap(index)
        swaps.append((time.perf_counter(), index.revision))

    reader.holder.swap = logged  # type: ignore[method-assign]
    context = multiprocessing.get_context("spawn")
    ready, stop, out = context.Event(), context.Event(), context.Queue()
    options = {"rate": args.rate, "batch": args.batch}
    targets = _some_entries(writer, 5000)
    process = context.Process(target=changes, args=(url, targets, options, (ready, stop), out))
    process.start()
    ready.wait()

    def catching_up() -> None:
        while not stop.is_set():
            reader.catch_up()
            time.sleep(0.2)

    catcher = threading.Thread(target=catching_up)
    catcher.start()
    busy, busy_s = matching(lambda: reader.holder.current, queries, args.seconds)
    stop.set()
    commits = out.get()
    process.join()
    catcher.join()
    reader.catch_up()
    within = [c for c in commits if c[0] <= time.perf_counter()]
    lags = [next((t - at for t, rev in swaps if rev >= rev_at), np.nan) for at, rev_at, _ in within]
    first = commits[0][0] if commits else 0.0
    span = (commits[-1][0] - first) if len(commits) > 1 else 1.0
    return {
        "idle_qps": idle / idle_s,
        "busy_qps": busy / busy_s,
        "changes_per_s": sum(count for *_, count in commits[1:]) / span,
        "lags": np.array([lag for lag in lags if lag == lag]),
    }


def timed(work: Any) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def build_at_once(store: SqlStore) -> BankIndex:
    with store.read() as uow:
        return BankIndex.build(0, uow.banks.listed(), uow.banks.entries_live())


def run(args: argparse.Namespace) -> None:
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'banks.db'}"
        store = open_store(url)
        writer = BankService(store, Clock(), IndexHolder())
        reader = BankService(store, Clock(), IndexHolder())
        print(f"bank updates: SQLite, {args.bank_size:,} PDQ hashes in one bank")
        loaded = load_bank(writer, args.bank_size, rng)
        print(f"load (import into the database, the writer's rebuild): {loaded:.1f} s")
        streamed, at_once = [], []
        for _ in range(2):  # alternately, best of two: the shared machine's load moves
            streamed.append(timed(reader.rebuild))
            at_once.append(timed(lambda: build_at_once(store)))
        print(f"reader's full rebuild, streamed from the database: {min(streamed):.2f} s")
        print(
            f"the same from every live hash read at once (the build before): {min(at_once):.2f} s"
        )
        waits = np.array(effect_latency(writer, reader, args.probes + 2, rng)[2:]) * 1000
        print(
            f"change to effect in the reader ({args.probes} changes, catch_up at once): "
            f"p50 {np.percentile(waits, 50):.1f} ms, p99 {np.percentile(waits, 99):.1f} ms, "
            f"max {waits.max():.1f} ms (+ up to recheck_seconds in a process)"
        )
        found = under_changes(url, writer, reader, args)
        lags = found["lags"] * 1000
        print(
            f"matching, {args.seconds:.0f} s each: {found['idle_qps']:.0f} q/s with no changes, "
            f"{found['busy_qps']:.0f} q/s while {found['changes_per_s']:.0f} hash changes/s "
            f"arrive (asked {args.rate}; rounds of {args.batch} added + 1 switched)"
        )
        if len(lags):
            print(
                f"commit to the reader's swap under load (reader looks every 0.2 s): "
                f"p50 {np.percentile(lags, 50):.0f} ms, p99 {np.percentile(lags, 99):.0f} ms, "
                f"max {lags.max():.0f} ms"
            )
        store.close()
