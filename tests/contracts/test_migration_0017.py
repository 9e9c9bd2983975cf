"""Migration 0017 converts the cases already stored: each gets its conversation, and of the
undecided cases sharing a harm, subject and conversation only the earliest takes the open key, so
the next signal joins it; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from safeguarding.adapters.storage.crypto import ContentCipher, parse_key_ring
from safeguarding.adapters.storage.sqlalchemy import migrate
from tests.conftest import TEST_KEY

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _event(event_id: str, conversation: str | None) -> dict[str, object]:
    return {
        "event_id": event_id,
        "type": "message",
        "occurred_at": T0,
        "received_at": T0,
        "actor_id": "adult",
        "conversation_id": conversation,
        "fingerprint": "0" * 64,
        "key_id": "k1",
        "payload": b"sealed",
        "verdict": "allow",
        "policy_version": 1,
        "decided_at": T0,
        "decision": {},
    }


def _case(case_id: str, event_id: str, minutes: int, status: str = "open") -> dict[str, object]:
    return {
        "case_id": case_id,
        "source_key": f"obx_{case_id}",
        "queue": "grooming",
        "priority": 2,
        "status": status,
        "subject_account_id": "adult",
        "event_ids": [event_id],
        "rule": "grooming-risk",
        "opened_at": T0 + timedelta(minutes=minutes),
        "deadline": T0 + timedelta(hours=4),
        "report_to_authority": False,
    }


def test_existing_cases_are_keyed_earliest_first(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    try:
        migrate.upgrade(engine, "0010")
        meta = sa.MetaData()
        events = sa.Table("events", meta, autoload_with=engine)
        cases = sa.Table("cases", meta, autoload_with=engine)
        with engine.begin() as conn:
            conn.execute(events.insert(), [_event("e1", "dm-1"), _event("e2", "dm-1")])
            conn.execute(events.insert(), [_event("e3", "dm-2")])
            conn.execute(
                cases.insert(),
                [
                    _case("later", "e2", 10),
                    _case("first", "e1", 0),
                    _case("other", "e3", 5),
                    _case("decided", "e1", -10, status="dismissed"),
                ],
            )
        migrate.upgrade(engine, cipher=ContentCipher(*parse_key_ring(TEST_KEY)))
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT case_id, conversation_id, open_key FROM cases"))
            found = {r.case_id: (r.conversation_id, r.open_key) for r in rows}
    finally:
        engine.dispose()
    assert found == {
        "first": ("dm-1", "grooming\x1fadult\x1fdm-1"),
        "later": ("dm-1", None),
        "other": ("dm-2", "grooming\x1fadult\x1fdm-2"),
        "decided": ("dm-1", None),
    }
