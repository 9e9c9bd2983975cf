"""What the child-safety self-test found: for each of the adversary's shortest sequences, whether
every step that must not reach the child was stopped, and if not, the first that got through."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

STOPPED = frozenset({"block", "hold"})  # verdicts under which nothing reaches the child


class SequenceOutcome(BaseModel):
    """One adversary sequence run against the live policy."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    steps: int
    got_through: str | None = None  # the first step that reached the child, in words
    verdict: str | None = None  # that step's verdict

    @property
    def stopped(self) -> bool:
        return self.got_through is None

    def describe(self) -> str:
        """'"a second message": the adult's second message to the child was answered allow'."""
        if self.stopped:
            return f'"{self.name}": stopped'
        return f'"{self.name}": {self.got_through} was answered {self.verdict}'


def summary(outcomes: tuple[SequenceOutcome, ...]) -> tuple[bool, str, str | None]:
    """(every sequence stopped, the evidence line, what to do when not)."""
    if not outcomes:
        return False, "adversary self-test not run", "run the child-safety self-test"
    failed = [o for o in outcomes if not o.stopped]
    line = (
        f"adversary self-test: {len(outcomes) - len(failed)} of {len(outcomes)} sequences stopped"
    )
    if not failed:
        return True, line, None
    line += "; got through: " + "; ".join(o.describe() for o in failed)
    how = "make the policy in force stop every adversary sequence, first " + failed[0].describe()
    return False, line, how
