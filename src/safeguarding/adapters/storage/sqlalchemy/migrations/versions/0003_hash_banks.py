"""Hash banks: settings, import versions, hashes live between versions, and a change counter.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "banks",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("pdq_threshold", sa.Integer(), nullable=False),
        sa.Column("vpdq_match_percent", sa.Float(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_banks")),
    )
    op.create_table(
        "bank_versions",
        sa.Column("bank", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("licence", sa.Text(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("rolled_back_to", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("bank", "version", name=op.f("pk_bank_versions")),
    )
    op.create_table(
        "bank_hashes",
        sa.Column("entry_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("bank", sa.String(length=64), nullable=False),
        sa.Column("hash_type", sa.String(length=8), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("added_version", sa.Integer(), nullable=False),
        sa.Column("removed_version", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_bank_hashes")),
    )
    op.create_index("ix_bank_hashes_bank_live", "bank_hashes", ["bank", "removed_version"])
    op.create_table(
        "bank_changes",
        sa.Column("change_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("change_id", name=op.f("pk_bank_changes")),
    )


def downgrade() -> None:
    op.drop_table("bank_changes")
    op.drop_index("ix_bank_hashes_bank_live", table_name="bank_hashes")
    op.drop_table("bank_hashes")
    op.drop_table("bank_versions")
    op.drop_table("banks")
