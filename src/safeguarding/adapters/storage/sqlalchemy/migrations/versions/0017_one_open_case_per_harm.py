"""One undecided case per harm, subject and conversation: each case's conversation, and its
``open_key`` under a unique index.

Existing cases get the conversation of their first event (a report's, sealed in its payload, is
not read here: those cases stay keyed without one). Of the undecided cases that share a harm,
subject and conversation, the earliest opened takes the key, so later signals join it; the
others stay as they are, without a key.

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-07 02:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0014"
branch_labels = None
depends_on = None

DECIDED = ("confirmed", "dismissed")
ACCOUNT_WIDE_HARMS = ("self_harm",)  # as domain/cases.py said when this migration was written

CASES = sa.table(
    "cases",
    sa.column("case_id", sa.String),
    sa.column("queue", sa.String),
    sa.column("status", sa.String),
    sa.column("subject_account_id", sa.String),
    sa.column("event_ids", sa.JSON),
    sa.column("opened_at", sa.DateTime),
    sa.column("conversation_id", sa.String),
    sa.column("open_key", sa.String),
)
EVENTS = sa.table(
    "events",
    sa.column("event_id", sa.String),
    sa.column("conversation_id", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("conversation_id", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("open_key", sa.String(length=400), nullable=True))
    _backfill(op.get_bind())
    op.create_index("uq_cases_open_key", "cases", ["open_key"], unique=True)


def _backfill(conn: sa.Connection) -> None:
    taken: set[str] = set()
    for case in conn.execute(sa.select(CASES).order_by(CASES.c.opened_at, CASES.c.case_id)):
        conversation = _conversation(conn, list(case.event_ids or ()))
        key = "\x1f".join(
            (
                case.queue,
                case.subject_account_id,
                "" if case.queue in ACCOUNT_WIDE_HARMS else conversation or "",
            )
        )
        live = case.status not in DECIDED and key not in taken
        taken |= {key} if live else set()
        conn.execute(
            sa.update(CASES)
            .where(CASES.c.case_id == case.case_id)
            .values(conversation_id=conversation, open_key=key if live else None)
        )


def _conversation(conn: sa.Connection, event_ids: list[str]) -> str | None:
    if not event_ids:
        return None
    query = sa.select(EVENTS.c.conversation_id).where(EVENTS.c.event_id == event_ids[0])
    return conn.execute(query).scalar()


def downgrade() -> None:
    op.drop_index("uq_cases_open_key", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("open_key")
        batch.drop_column("conversation_id")
