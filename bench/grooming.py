"""Benchmark the grooming detector's live path against a keyword list on one CPU core.

Run: ``python bench/grooming.py [--passes 5]``. The process pins itself to one
core and one numpy thread, then feeds every development conversation to
``GroomingDetector.observe_in_conversation`` one message at a time, exactly as
the ingest pipeline does: the stored state (JSON) in, the signal and the new
state out. It prints messages per second and per-message latency percentiles,
next to a keyword-list filter reading the same messages. Aim: 5,000 messages/s.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"  # before numpy is imported

import argparse  # noqa: E402
import json  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from timing import pin_to_one_core, timed  # noqa: E402

from safeguarding.detectors.text.grooming import GroomingDetector  # noqa: E402
from safeguarding.detectors.text.grooming_eval import _KEYWORD_RE  # noqa: E402
from safeguarding.domain.accounts import Account  # noqa: E402
from safeguarding.domain.conversations import Conversation  # noqa: E402
from safeguarding.domain.detectors import DetectorContext  # noqa: E402
from safeguarding.domain.events import ConversationKind, MessageEvent  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "datasets" / "grooming"
AIM = 5_000


def live_inputs() -> list[tuple[MessageEvent, DetectorContext]]:
    """Every message of both splits as the pipeline would hand it to the detector."""
    found = []
    for split in ("train", "test"):
        for line in (DATA / f"{split}.conversations.jsonl").open(encoding="utf-8"):
            found += conversation_inputs(json.loads(line))
    return found


def conversation_inputs(conversation: dict[str, Any]) -> list[tuple[MessageEvent, DetectorContext]]:
    cid = conversation["conversation_id"]
    seen = datetime(2025, 1, 1, tzinfo=UTC)
    accounts = {
        name: Account.first_seen(name, seen).declare_age(facts.get("declared_age"), seen)
        for name, facts in conversation["participants"].items()
    }
    started = Conversation.started(cid, ConversationKind.DIRECT, seen)
    out = []
    for at, message in enumerate(conversation["messages"]):
        others = tuple(a for n, a in accounts.items() if n != message["sender"])
        event = MessageEvent(
            type="message",
            event_id=f"{cid}-{at}",
            occurred_at=datetime.fromisoformat(message["ts"].replace("Z", "+00:00")),
            actor_id=message["sender"],
            recipient_ids=tuple(a.account_id for a in others),
            conversation_id=cid,
            text=message["text"],
        )
        context = DetectorContext(
            now=event.occurred_at,
            actor=accounts[message["sender"]],
            targets=others,
            conversation=started,
        )
        out.append((event, context))
    return out


def live_path(detector: GroomingDetector):
    """One message through the detector, carrying each conversation's stored state along."""
    states: dict[str, dict[str, Any] | None] = {}

    def score(item: tuple[MessageEvent, DetectorContext]) -> None:
        event, context = item
        held = states.get(event.conversation_id)
        stored = json.loads(json.dumps(held)) if held else None  # as the database returns it
        _, states[event.conversation_id] = detector.observe_in_conversation(event, context, stored)

    return score, states


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=5, help="passes over the messages")
    args = parser.parse_args()
    where = pin_to_one_core()
    items = live_inputs()
    detector = GroomingDetector()
    detector.model  # load before timing  # noqa: B018
    rows = {}
    for name in ("live path, first pass", "live path, warm"):
        score, _states = live_path(detector)
        rows[name] = timed(score, items, 1 if "first" in name else args.passes)
    rows["keyword baseline"] = timed(
        lambda item: _KEYWORD_RE.search(item[0].text.lower()), items, args.passes
    )
    print(f"grooming detector, {len(items)} messages one at a time, {where}, 1 numpy thread")
    print(f"{'':24s} {'msgs/s':>10s} {'p50 µs':>9s} {'p99 µs':>9s}  vs aim {AIM:,}/s")
    for name, row in rows.items():
        ratio = row["items_per_s"] / AIM
        print(
            f"{name:24s} {row['items_per_s']:10.0f} {row['p50_us']:9.1f} {row['p99_us']:9.1f}"
            f"  {ratio:5.2f}x"
        )


if __name__ == "__main__":
    main()
