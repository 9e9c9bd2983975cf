"""Bank entries can be switched off one by one, as HMA's ``disable_until_ts``: 1 matches,
0 never, a larger number not before that unix time. Every stored entry keeps matching (1).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 05:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "bank_hashes",
        sa.Column("disable_until_ts", sa.Integer(), nullable=False, server_default="1"),
    )


def downgrade() -> None:
    with op.batch_alter_table("bank_hashes") as batch:
        batch.drop_column("disable_until_ts")
