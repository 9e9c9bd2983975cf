"""Bank harms: what a bank's entries are known for, and a case's takedown clock.

``banks.harm`` picks the case queue, the default rules and the report of a match
(``abuse_imagery``, ``intimate_image_abuse``, ``terrorism``, ``other``). Every bank and URL
list made before this revision held abuse imagery, so every existing row becomes
``abuse_imagery`` and matches as it did. ``cases.takedown_by`` is when the content must be
down by law (intimate-image abuse); no existing case had such a clock.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("banks") as batch:
        batch.add_column(
            sa.Column("harm", sa.String(32), nullable=False, server_default="abuse_imagery")
        )
    op.execute("UPDATE banks SET harm = 'abuse_imagery'")
    op.add_column("cases", sa.Column("takedown_by", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("cases", "takedown_by")
    with op.batch_alter_table("banks") as batch:
        batch.drop_column("harm")
