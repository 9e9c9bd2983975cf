"""The audit chain names the first record that was edited, removed or moved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from safeguarding.domain.audit import (
    GENESIS_HASH,
    AuditEntry,
    AuditRecord,
    Checkpoint,
    checkpoint_breaks,
    checkpoint_due,
    first_break,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def chain(n: int) -> list[AuditRecord]:
    records, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        record = AuditEntry(at=T0, actor="a", action="decision", subject=f"e{seq}").chained(
            seq, prev
        )
        records.append(record)
        prev = record.hash
    return records


def test_intact_chain_verifies() -> None:
    assert first_break(chain(5)) is None


def test_edited_record_is_named() -> None:
    records = chain(5)
    records[2] = records[2].model_copy(update={"subject": "changed"})
    broken = first_break(records)
    assert broken is not None
    assert (broken.seq, broken.reason) == (3, "content does not match its hash")


def test_deleted_record_is_named() -> None:
    records = chain(5)
    del records[1]
    broken = first_break(records)
    assert broken is not None
    assert broken.seq == 3


def test_reordered_records_are_named() -> None:
    records = chain(5)
    records[1], records[2] = records[2], records[1]
    broken = first_break(records)
    assert broken is not None
    assert broken.seq == 3


@settings(max_examples=200, deadline=None)
@given(
    length=st.integers(min_value=1, max_value=30),
    data=st.data(),
)
def test_a_chain_cut_short_breaks_exactly_when_it_ends_before_the_newest_checkpoint(
    length: int, data: st.DataObject
) -> None:
    records = chain(length)
    signed = data.draw(st.integers(min_value=1, max_value=length), label="checkpoint at")
    kept = data.draw(st.integers(min_value=0, max_value=length), label="records kept")
    checkpoint = Checkpoint(
        seq=signed, hash=records[signed - 1].hash, taken_at=T0, public_key="00" * 32
    )
    breaks = checkpoint_breaks(records[:kept], [checkpoint])
    if kept >= signed:
        assert breaks == []
    else:
        (cut,) = breaks
        assert cut.seq == kept + 1
        named = f"record {signed} is" if kept + 1 == signed else f"records {kept + 1}-{signed} are"
        assert cut.reason.startswith(f"{named} missing")


def test_a_checkpoint_is_due_after_n_records_or_m_minutes_of_growth() -> None:
    later = T0 + timedelta(minutes=10)
    assert checkpoint_due(104, 100, T0, T0, every_records=5, every_seconds=600) is None
    assert checkpoint_due(105, 100, T0, T0, every_records=5, every_seconds=600) is not None
    assert checkpoint_due(101, 100, T0, later, every_records=5, every_seconds=600) is not None
    assert checkpoint_due(100, 100, T0, later, every_records=5, every_seconds=600) is None
    assert checkpoint_due(200, 100, T0, later, every_records=0, every_seconds=0) is None
