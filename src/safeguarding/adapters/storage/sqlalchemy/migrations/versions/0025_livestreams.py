"""Live streams: what a stream's start said, kept on its conversation.

``conversations.stream`` holds the owner, the audience and whether the owner was a child when
the stream started (JSON, no content). Streams started before this revision were never kept as
conversations, so every existing row starts without one.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 06:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("conversations", sa.Column("stream", sa.JSON()))


def downgrade() -> None:
    op.drop_column("conversations", "stream")
