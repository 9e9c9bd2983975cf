"""The ingest benchmark's workload: everyday chat in many conversations, fixed by a seed.

Accounts in direct and group conversations send texts of 5 to 300 characters (half under 40);
a few conversations are busy and most are quiet; 2% of events are profile updates declaring
an age. Nothing in the texts is harmful. Bodies are encoded up front, so a client spends no
time building them.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

BASE_TIME = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PHRASES = """
hey
how was your day?
lol that's so funny
did you finish the maths homework?
see you at practice tomorrow
what time does the film start?
ok cool
can you send me the notes from science
my mum says I can come over on saturday
haha no way
we won the match 3-1!
the bus was late again
brb dinner
have you played the new level yet
i'm so tired today
thanks for helping me earlier
are we still meeting at the library at four
good luck with the test tomorrow
that song is stuck in my head
did you see what happened in class
yeah definitely
i'll ask my dad if he can drive us
pizza or pasta tonight?
omg the cat did it again
the weather is rubbish, rain all week
happy birthday!! hope you have a great day
can't wait for the holidays
who's bringing the ball
just got back from swimming
my phone is on 5% so I might go quiet
send me the link to the video
night night
the teacher moved the deadline to friday, thank goodness
that's fair enough
let me know when you're outside
I'm making pancakes, want some
ok see you soon
""".strip().splitlines()
LENGTHS = [(5, 40, 0.5), (40, 120, 0.35), (120, 300, 0.15)]


@dataclass
class Workload:
    """Pre-encoded request bodies, so the client spends no time building them."""

    warmup: list[bytes]
    warmup_singles: list[bytes]
    singles: list[bytes]
    batches: list[bytes]
    batch_size: int


class Chat:
    """A deterministic stream of events between accounts in many conversations."""

    def __init__(self, seed: int, accounts: int = 300, conversations: int = 500) -> None:
        self.rng = random.Random(seed)
        self.accounts = [f"acct-{i:04d}" for i in range(accounts)]
        self.ages = {a: self._age() for a in self.accounts}
        self.conversations = [self._conversation(i) for i in range(conversations)]
        # A few conversations are busy and most are quiet, as on a real platform.
        self.weights = [1 / (i + 1) ** 0.8 for i in range(conversations)]
        self.n = 0

    def _age(self) -> int | None:
        roll = self.rng.random()
        if roll < 0.25:
            return self.rng.randint(10, 17)
        return self.rng.randint(18, 60) if roll < 0.85 else None

    def _conversation(self, i: int) -> tuple[str, str, list[str]]:
        size = 2 if self.rng.random() < 0.85 else self.rng.randint(3, 6)
        kind = "direct" if size == 2 else "group"
        return f"conv-{i:04d}", kind, self.rng.sample(self.accounts, size)

    def _stamp(self) -> tuple[str, str]:
        self.n += 1
        at = (BASE_TIME + timedelta(seconds=self.n)).isoformat().replace("+00:00", "Z")
        return f"bench-{self.n:07d}", at

    def text(self) -> str:
        """Everyday chat, 5 to 300 characters: mostly short, now and then a long one."""
        low, high, _ = self.rng.choices(LENGTHS, [w for *_, w in LENGTHS])[0]
        target = self.rng.randint(low, high)
        words: list[str] = []
        while len(" ".join(words)) < target:
            words.append(self.rng.choice(PHRASES))
        cut = " ".join(words)[:target]
        return cut.rsplit(" ", 1)[0] if " " in cut[5:] else cut

    def message(self) -> dict[str, Any]:
        event_id, at = self._stamp()
        conversation_id, kind, members = self.rng.choices(self.conversations, self.weights)[0]
        sender = self.rng.choice(members)
        return {
            "type": "message",
            "event_id": event_id,
            "occurred_at": at,
            "actor_id": sender,
            "conversation_id": conversation_id,
            "conversation_kind": kind,
            "recipient_ids": [m for m in members if m != sender],
            "text": self.text(),
        }

    def profile(self, account: str | None = None) -> dict[str, Any]:
        event_id, at = self._stamp()
        account = account or self.rng.choice(self.accounts)
        age = self.ages[account] if self.ages[account] is not None else self.rng.randint(13, 40)
        return {
            "type": "profile_update",
            "event_id": event_id,
            "occurred_at": at,
            "actor_id": account,
            "declared_age": age,
        }

    def event(self) -> dict[str, Any]:
        """One event of the mix: nearly all messages, now and then a profile update."""
        return self.profile() if self.rng.random() < 0.02 else self.message()


def make_workload(seed: int, singles: int, batches: int, batch_size: int) -> Workload:
    chat = Chat(seed)
    known = [chat.profile(a) for a in chat.accounts if chat.ages[a] is not None]
    warmup = [known[i : i + batch_size] for i in range(0, len(known), batch_size)]
    return Workload(
        warmup=[_encode({"events": b}) for b in warmup],
        warmup_singles=[_encode(chat.message()) for _ in range(50)],
        singles=[_encode(chat.event()) for _ in range(singles)],
        batches=[
            _encode({"events": [chat.event() for _ in range(batch_size)]}) for _ in range(batches)
        ],
        batch_size=batch_size,
    )


def _encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()
