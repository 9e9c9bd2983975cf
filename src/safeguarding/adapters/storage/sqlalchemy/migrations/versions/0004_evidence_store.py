"""Evidence store: content-addressed encrypted copies, hashes, legal-hold reasons, purge tombstones.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 13:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        batch.add_column(sa.Column("content_sha256", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("content_kind", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("size", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("hashes", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("hold_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "evidence_content",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_evidence_content")),
    )


def downgrade() -> None:
    op.drop_table("evidence_content")
    with op.batch_alter_table("evidence") as batch:
        for column in ("purged_at", "hold_reason", "hashes", "size", "content_kind"):
            batch.drop_column(column)
        batch.drop_column("content_sha256")
