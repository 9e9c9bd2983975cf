"""Refused contact attempts, and age bands read the safer way.

An attempt that was held or blocked is no contact made, so it leaves the contacts table alone
and is kept in ``contact_refusals``, for the patterns of an adult who keeps trying (persistent
attempts) or tries many children. Before this revision refusals were not told apart (their
targets are sealed in the events), so the table starts empty and contacts rows stay as they
were.

Each account's stored ``age_band`` is recomputed: it is now the youngest age the account has
claimed (carried forward), not the latest, unless an age check settles it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 02:30:00
"""

from datetime import UTC

import sqlalchemy as sa
from alembic import op

from safeguarding.domain.accounts import Account

revision = "0014"
down_revision = "0013"
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
    _rebands()


_ACCOUNTS = sa.table(
    "accounts",
    sa.column("account_id", sa.String),
    sa.column("first_seen_at", sa.DateTime(timezone=True)),
    sa.column("age_band", sa.String),
    sa.column("declared_ages", sa.JSON),
    sa.column("assurance", sa.JSON),
)


def _rebands() -> None:
    """Store each account's band as the domain now reads it (only rows that change)."""
    conn = op.get_bind()
    changed = []
    for row in conn.execute(sa.select(_ACCOUNTS)):
        seen = row.first_seen_at
        account = Account.model_validate(
            {
                "account_id": row.account_id,
                "first_seen_at": seen if seen.tzinfo else seen.replace(tzinfo=UTC),
                "declared_ages": row.declared_ages or [],
                "assurance": row.assurance,
            }
        )
        if account.age_band.value != row.age_band:
            changed.append({"id": row.account_id, "band": account.age_band.value})
    if changed:
        conn.execute(
            _ACCOUNTS.update()
            .where(_ACCOUNTS.c.account_id == sa.bindparam("id"))
            .values(age_band=sa.bindparam("band")),
            changed,
        )


def downgrade() -> None:
    op.drop_index("ix_contact_refusals_actor_at", table_name="contact_refusals")
    op.drop_table("contact_refusals")
