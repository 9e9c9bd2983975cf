"""Relationships a platform knows: on connections, and guardian links on accounts.

``connections.relationship`` keeps what the platform knows the two accounts to be (family,
guardian, school, club, mutual_friend, none), from the acceptance that connected them, and
``connections.connected_since`` since when they are connected. ``accounts.guardian_of`` and
``accounts.guardians`` keep the guardian links the platform states for an account. These are
relationship facts, not content, so they are kept clear, as the other columns of both tables
are. Before this revision none of them was sent, so existing rows hold NULL: nothing known
(a relationship is never guessed for an existing connection).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 05:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("connections") as batch:
        batch.add_column(sa.Column("relationship", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("connected_since", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("guardian_of", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("guardians", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("guardians")
        batch.drop_column("guardian_of")
    with op.batch_alter_table("connections") as batch:
        batch.drop_column("connected_since")
        batch.drop_column("relationship")
