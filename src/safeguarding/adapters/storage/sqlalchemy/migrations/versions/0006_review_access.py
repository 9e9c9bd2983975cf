"""Review: moderator keys' queues, each case's events, reinstated content, information requests.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 14:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("queues", sa.JSON(), nullable=True))
    op.create_table(
        "case_events",
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("case_id", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "case_id", name=op.f("pk_case_events")),
    )
    _backfill_case_events()
    op.create_table(
        "reinstatements",
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("case_id", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_reinstatements")),
    )
    op.create_table(
        "information_requests",
        sa.Column("request_id", sa.String(length=128), nullable=False),
        sa.Column("filed_by", sa.String(length=128), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("responded_by", sa.String(length=128), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_information_requests")),
    )
    op.create_index(
        op.f("ix_information_requests_status"), "information_requests", ["status"], unique=False
    )


def _backfill_case_events() -> None:
    cases = sa.table("cases", sa.column("case_id", sa.String), sa.column("event_ids", sa.JSON))
    links = sa.table(
        "case_events", sa.column("event_id", sa.String), sa.column("case_id", sa.String)
    )
    conn = op.get_bind()
    rows = [
        {"event_id": event_id, "case_id": row.case_id}
        for row in conn.execute(sa.select(cases.c.case_id, cases.c.event_ids))
        for event_id in set(row.event_ids or ())
    ]
    if rows:
        conn.execute(links.insert(), rows)


def downgrade() -> None:
    op.drop_index(op.f("ix_information_requests_status"), table_name="information_requests")
    op.drop_table("information_requests")
    op.drop_table("reinstatements")
    op.drop_table("case_events")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("queues")
