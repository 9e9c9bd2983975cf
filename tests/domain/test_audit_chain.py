"""The audit chain names the first record that was edited, removed or moved."""

from __future__ import annotations

from datetime import UTC, datetime

from safeguarding.domain.audit import GENESIS_HASH, AuditEntry, AuditRecord, first_break

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
