"""Content retention: a tombstone marker on events.

``events.content_removed_at`` is set when retention replaces an event's sealed payload with
its tombstone (the event without its content). Every existing event still holds its content,
so the column starts empty.

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-07 05:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("events", sa.Column("content_removed_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("events", "content_removed_at")
