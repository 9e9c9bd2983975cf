"""Risk assessments: each dated register of features, risks, mitigations and evidence.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_assessments",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assessed_by", sa.String(length=128), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_risk_assessments")),
    )


def downgrade() -> None:
    op.drop_table("risk_assessments")
