"""Banks can hold a partner's shared signals: the partner's name and how far its matches are
trusted (``match_only`` or ``match_and_act``). Every existing bank is this service's own
(both columns empty), so no row needs converting.

Revision ID: 0027
Revises: 0025
Create Date: 2026-12-07 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("banks", sa.Column("partner", sa.String(64), nullable=True))
    op.add_column("banks", sa.Column("trust", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("banks") as batch:
        batch.drop_column("trust")
        batch.drop_column("partner")
