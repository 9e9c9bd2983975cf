"""Super-complaints belong to an advocacy body, not to a key's name: an organisation on API
keys and on super-complaints.

Existing rows keep who could read what: an advocate key's organisation becomes its name, and
a super-complaint's the name of the key that filed it (``filed_by`` reads ``advocate:<name>``),
so each body still reads its own and nothing else. Keys made from now on name their body.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 02:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

PREFIX = "advocate:"


def upgrade() -> None:
    op.add_column("api_keys", sa.Column("organisation", sa.String(length=128), nullable=True))
    op.add_column(
        "super_complaints", sa.Column("organisation", sa.String(length=128), nullable=True)
    )
    op.create_index(op.f("ix_super_complaints_organisation"), "super_complaints", ["organisation"])
    keys = sa.table("api_keys", sa.column("name"), sa.column("role"), sa.column("organisation"))
    op.execute(keys.update().where(keys.c.role == "advocate").values(organisation=keys.c.name))
    supers = sa.table("super_complaints", sa.column("filed_by"), sa.column("organisation"))
    op.execute(
        supers.update()
        .where(supers.c.filed_by.like(PREFIX + "%"))
        .values(organisation=sa.func.substr(supers.c.filed_by, len(PREFIX) + 1))
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_super_complaints_organisation"), table_name="super_complaints")
    op.drop_column("super_complaints", "organisation")
    op.drop_column("api_keys", "organisation")
