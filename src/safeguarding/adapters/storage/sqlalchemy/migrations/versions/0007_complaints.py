"""Complaints and appeals (their text sealed), super-complaints and their evidence files.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 14:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.String(length=128)
AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("complaint_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("event_id", ID, nullable=True),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("sealed_text", sa.LargeBinary(), nullable=False),
        sa.Column("filed_at", AT, nullable=False),
        sa.Column("filed_via", sa.String(length=128), nullable=False),
        sa.Column("deadline", AT, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome_reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("decided_at", AT, nullable=True),
        sa.PrimaryKeyConstraint("complaint_id", name=op.f("pk_complaints")),
    )
    for column in ("account_id", "filed_at", "status"):
        op.create_index(op.f(f"ix_complaints_{column}"), "complaints", [column], unique=False)
    op.create_table(
        "super_complaints",
        sa.Column("super_complaint_id", ID, nullable=False),
        sa.Column("filed_by", sa.String(length=128), nullable=False),
        sa.Column("filed_at", AT, nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("harms", sa.JSON(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("responded_by", sa.String(length=128), nullable=True),
        sa.Column("responded_at", AT, nullable=True),
        sa.PrimaryKeyConstraint("super_complaint_id", name=op.f("pk_super_complaints")),
    )
    for column in ("filed_by", "filed_at"):
        op.create_index(
            op.f(f"ix_super_complaints_{column}"), "super_complaints", [column], unique=False
        )
    op.create_table(
        "super_complaint_files",
        sa.Column("attachment_id", ID, nullable=False),
        sa.Column("super_complaint_id", ID, nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("attachment_id", name=op.f("pk_super_complaint_files")),
    )
    op.create_index(
        op.f("ix_super_complaint_files_super_complaint_id"),
        "super_complaint_files",
        ["super_complaint_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("super_complaint_files")
    op.drop_table("super_complaints")
    op.drop_table("complaints")
