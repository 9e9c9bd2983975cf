"""The bank change log says what changed, so each process updates its index in place.

``bank_changes`` gains the bank and version (hashes a version added or removed) or the entry
(switched on or off) of a change to hashes alone, and how many hashes it touched. Earlier rows
name neither: they read as changes to banks themselves, after which a process rebuilds its
index, which is what every change did before. An index on ``bank_hashes (bank,
added_version)`` finds a version's additions without scanning the bank.

Revision ID: 0024
Revises: 0022
Create Date: 2026-12-07 06:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bank_changes") as batch:
        batch.add_column(sa.Column("bank", sa.String(64)))
        batch.add_column(sa.Column("version", sa.Integer()))
        batch.add_column(sa.Column("entry_id", sa.Integer()))
        batch.add_column(sa.Column("hashes", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_bank_hashes_bank_added", "bank_hashes", ["bank", "added_version"])


def downgrade() -> None:
    op.drop_index("ix_bank_hashes_bank_added", table_name="bank_hashes")
    with op.batch_alter_table("bank_changes") as batch:
        batch.drop_column("hashes")
        batch.drop_column("version")
        batch.drop_column("entry_id")
        batch.drop_column("bank")
