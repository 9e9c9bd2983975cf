"""A table of partners' account signals (salted HMACs of account ids, never the ids), apart
from the hash banks. No existing row holds one (imports skipped them), so none converts.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 13:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partner_accounts",
        sa.Column("partner", sa.String(64), primary_key=True),
        sa.Column("harm", sa.String(32), primary_key=True),
        sa.Column("signal", sa.String(64), primary_key=True),
        sa.Column("trust", sa.String(16), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("partner_accounts")
