"""Ingest idempotency as a property: any mix of repeats stores each event once, same decision."""

from __future__ import annotations

from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safeguarding.bootstrap import Container
from tests.factories import event, message, profile, report

_batch = count()
KINDS = [
    lambda i, p: message(f"{p}a", f"{p}b", f"hello {i}", event_id=f"{p}m{i}", minutes=i),
    lambda i, p: profile(f"{p}b", 13, event_id=f"{p}p{i}", minutes=i),
    lambda i, p: report(f"{p}b", f"{p}a", event_id=f"{p}r{i}", minutes=i),
]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 2)), min_size=1, max_size=12),
    st.lists(st.integers(1, 4), min_size=1, max_size=3),
)
def test_repeats_are_stored_once_with_the_first_decision(
    container: Container, picks, splits
) -> None:
    prefix = f"h{next(_batch)}-"
    events = [event(KINDS[kind](i, prefix)) for i, kind in picks]
    decisions: dict[str, object] = {}
    start = 0
    for size in [*splits, len(events)]:
        chunk = events[start : start + size]
        start += size
        if not chunk:
            continue
        for result in container.ingest.ingest(chunk, source="property"):
            first = decisions.setdefault(result.event_id, result.decision)
            assert result.decision == first
    with container.store.read() as uow:
        stored = uow.events.find(list(decisions))
        audited = [
            d[0]
            for r in uow.audit.records()
            if r.action == "decisions"
            for d in r.details["decisions"]
            if d[0].startswith(prefix)
        ]
    assert set(stored) == set(decisions)
    assert sorted(audited) == sorted(decisions)
