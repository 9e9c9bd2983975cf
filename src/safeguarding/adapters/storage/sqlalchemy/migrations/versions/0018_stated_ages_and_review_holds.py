"""Ages stated in messages, and holds that last until a moderator decides a grooming case.

``accounts.stated_ages`` keeps the child's ages an account gave for itself in messages, each
with the message that said it (evidence that protects the account as a target). Before this
revision no such age was kept (messages are sealed), so existing accounts start with none.

``review_holds`` holds an (adult, child) pair for review from the decision that flags a
grooming risk until a moderator decides the case; it starts empty (a flag raised before this
revision held only its own message).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 03:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("stated_ages", sa.JSON(), nullable=True))
    op.create_table(
        "review_holds",
        sa.Column("actor_id", sa.String(length=128), nullable=False),
        sa.Column("target_id", sa.String(length=128), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("actor_id", "target_id", "event_id", name=op.f("pk_review_holds")),
    )
    op.create_index("ix_review_holds_event", "review_holds", ["event_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_review_holds_event", table_name="review_holds")
    op.drop_table("review_holds")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("stated_ages")
