"""Authority reports keep who confirmed them, the package as confirmed, and where it went.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 13:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("authority_reports") as batch:
        batch.add_column(sa.Column("confirmed_by", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("package", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("destination", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("authority_reports") as batch:
        for column in ("destination", "submitted_at", "package", "confirmed_at"):
            batch.drop_column(column)
        batch.drop_column("confirmed_by")
