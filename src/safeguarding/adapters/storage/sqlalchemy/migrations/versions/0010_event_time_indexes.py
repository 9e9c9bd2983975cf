"""Index events by when they were received and decided: transparency reports, risk evidence
and decision samples all select a period, and would otherwise scan every event.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 15:40:00
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_events_received_at"), "events", ["received_at"], unique=False)
    op.create_index(op.f("ix_events_decided_at"), "events", ["decided_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_events_decided_at"), table_name="events")
    op.drop_index(op.f("ix_events_received_at"), table_name="events")
