"""Files sent with the answer to a formal information request, sealed like evidence.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 15:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("information_requests") as batch:
        batch.add_column(sa.Column("attachments", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "information_request_files",
        sa.Column("attachment_id", sa.String(length=128), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("attachment_id", name=op.f("pk_information_request_files")),
    )
    op.create_index(
        op.f("ix_information_request_files_request_id"),
        "information_request_files",
        ["request_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("information_request_files")
    with op.batch_alter_table("information_requests") as batch:
        batch.drop_column("attachments")
