"""Refused contact attempts: an attempt that was held or blocked is no contact made, so it
leaves the contacts table alone and is kept here, for the patterns of an adult who keeps
trying (persistent attempts) or tries many children.

Existing rows need no conversion: before this revision refusals were not told apart, and
contacts rows stay what they were (the first event aimed at a target).

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-07 02:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact_refusals",
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("target_id", sa.String(length=128), nullable=False),
        sa.Column("actor_id", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "target_id", name=op.f("pk_contact_refusals")),
    )
    op.create_index(
        "ix_contact_refusals_actor_at", "contact_refusals", ["actor_id", "at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_contact_refusals_actor_at", table_name="contact_refusals")
    op.drop_table("contact_refusals")
