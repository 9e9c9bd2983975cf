"""Seal what was stored in the clear, and key the digests that could confirm a guess.

Report packages and super-complaints' titles and descriptions are sealed with the content key
ring; event fingerprints become HMACs of the old digest (so a replay still matches); text
evidence moves to a keyed address, its copy sealed again under it. The key ring comes from
``migrate.upgrade(engine, cipher=...)``. On SQLite the old clear pages are zeroed
(``secure_delete``) and the WAL is truncated after the upgrade (``migrate.py``).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 02:30:00
"""

import json
from typing import Any

import sqlalchemy as sa
from alembic import context, op

from safeguarding.adapters.storage.crypto import (
    EVENT_FINGERPRINT,
    EVIDENCE_TEXT,
    ContentCipher,
    KeyRingError,
)
from safeguarding.adapters.storage.sqlalchemy.sealed import (
    open_package,
    open_super_complaint_text,
    seal_package,
    seal_super_complaint_text,
)

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

KEY = sa.String(length=32)
DIGEST = sa.String(length=128)
_CHUNK = 1000


def upgrade() -> None:
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    before = conn.exec_driver_sql("PRAGMA secure_delete").scalar() if sqlite else None
    if sqlite:
        conn.exec_driver_sql("PRAGMA secure_delete=ON")  # freed pages are zeroed, not left
    _key_fingerprints(conn)
    _seal_packages(conn)
    _seal_super_complaints(conn)
    _key_text_evidence(conn)
    if sqlite:
        # The pool's connection as it was: the store's own are ON, and one left OFF here
        # would leave every later deletion on it readable in the file's free pages.
        conn.exec_driver_sql(f"PRAGMA secure_delete={int(before or 0)}")


def downgrade() -> None:
    """Open the sealed columns again. Fingerprints and text evidence addresses stay keyed (an
    HMAC cannot be undone): older code would take a replay of a stored event for a reused id."""
    conn = op.get_bind()
    cipher = _cipher()
    with op.batch_alter_table("authority_reports") as batch:
        batch.add_column(sa.Column("package", sa.JSON(), nullable=True))
    reports = sa.table(
        "authority_reports",
        *(sa.column(c) for c in ("event_id", "authority", "key_id", "sealed_package")),
        sa.column("package", sa.JSON()),
    )
    for row in conn.execute(sa.select(reports).where(reports.c.key_id.is_not(None))).all():
        package = open_package(cipher, row.event_id, row.authority, row.key_id, row.sealed_package)
        conn.execute(
            reports.update()
            .where(reports.c.event_id == row.event_id, reports.c.authority == row.authority)
            .values(package=package)
        )
    with op.batch_alter_table("authority_reports") as batch:
        batch.drop_column("sealed_package")
        batch.drop_column("key_id")
    _open_super_complaints(conn, cipher)


def _cipher() -> ContentCipher:
    cipher = context.config.attributes.get("cipher")
    if cipher is None:
        raise KeyRingError("this migration seals stored content: run it with the key ring")
    return cipher  # type: ignore[no-any-return]


def _key_fingerprints(conn: sa.Connection) -> None:
    with op.batch_alter_table("events") as batch:
        batch.alter_column("fingerprint", type_=DIGEST, existing_nullable=False)
    events = sa.table("events", sa.column("event_id"), sa.column("fingerprint"))
    bare = sa.select(events).where(events.c.fingerprint.not_like("%:%")).limit(_CHUNK)
    while rows := conn.execute(bare).all():
        cipher = _cipher()
        conn.execute(
            events.update()
            .where(events.c.event_id == sa.bindparam("id"))
            .values(fingerprint=sa.bindparam("keyed")),
            [
                {
                    "id": r.event_id,
                    "keyed": cipher.keyed_digest(r.fingerprint.encode(), EVENT_FINGERPRINT),
                }
                for r in rows
            ],
        )


def _with_sealed_columns(table: str, sealed: str, *clear: str) -> Any:
    """Add ``key_id`` and the sealed column (empty for now); the table to fill them through."""
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column("key_id", KEY, nullable=True))
        batch.add_column(sa.Column(sealed, sa.LargeBinary(), nullable=True))
    columns = [sa.column(c) for c in clear]
    return sa.table(table, *columns, sa.column("key_id"), sa.column(sealed, sa.LargeBinary()))


def _seal_packages(conn: sa.Connection) -> None:
    reports = _with_sealed_columns(
        "authority_reports", "sealed_package", "event_id", "authority", "package"
    )
    clear = sa.select(reports.c.event_id, reports.c.authority, reports.c.package).where(
        reports.c.package.is_not(None)
    )
    for row in conn.execute(clear).all():
        package = json.loads(row.package) if isinstance(row.package, str) else row.package
        sealed = seal_package(_cipher(), row.event_id, row.authority, package)
        conn.execute(
            reports.update()
            .where(reports.c.event_id == row.event_id, reports.c.authority == row.authority)
            .values(**sealed)
        )
    with op.batch_alter_table("authority_reports") as batch:
        batch.drop_column("package")


def _seal_super_complaints(conn: sa.Connection) -> None:
    supers = _with_sealed_columns(
        "super_complaints", "sealed_text", "super_complaint_id", "title", "description"
    )
    for row in conn.execute(sa.select(supers)).all():
        sealed = seal_super_complaint_text(
            _cipher(), row.super_complaint_id, row.title, row.description
        )
        conn.execute(
            supers.update()
            .where(supers.c.super_complaint_id == row.super_complaint_id)
            .values(**sealed)
        )
    with op.batch_alter_table("super_complaints") as batch:
        batch.alter_column("key_id", existing_type=KEY, nullable=False)
        batch.alter_column("sealed_text", existing_type=sa.LargeBinary(), nullable=False)
        batch.drop_column("title")
        batch.drop_column("description")


def _open_super_complaints(conn: sa.Connection, cipher: ContentCipher) -> None:
    with op.batch_alter_table("super_complaints") as batch:
        batch.add_column(sa.Column("title", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("description", sa.Text(), nullable=True))
    supers = sa.table(
        "super_complaints",
        *(sa.column(c) for c in ("super_complaint_id", "title", "description", "key_id")),
        sa.column("sealed_text", sa.LargeBinary()),
    )
    for row in conn.execute(sa.select(supers)).all():
        opened = open_super_complaint_text(cipher, row)
        conn.execute(
            supers.update()
            .where(supers.c.super_complaint_id == row.super_complaint_id)
            .values(**opened)
        )
    with op.batch_alter_table("super_complaints") as batch:
        batch.alter_column("title", existing_type=sa.String(length=300), nullable=False)
        batch.alter_column("description", existing_type=sa.Text(), nullable=False)
        batch.drop_column("sealed_text")
        batch.drop_column("key_id")


def _key_text_evidence(conn: sa.Connection) -> None:
    for table in ("evidence", "evidence_content"):
        column = "content_sha256" if table == "evidence" else "sha256"
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, type_=DIGEST, existing_nullable=table == "evidence")
    evidence = sa.table(
        "evidence", sa.column("content_sha256"), sa.column("content_kind"), sa.column("event_id")
    )
    bare = (
        sa.select(evidence.c.content_sha256)
        .where(evidence.c.content_kind == "text", evidence.c.content_sha256.not_like("%:%"))
        .distinct()
    )
    for (digest,) in conn.execute(bare).all():
        _rekey_text(conn, digest)


def _rekey_text(conn: sa.Connection, digest: str) -> None:
    """Move one text copy from its SHA-256 to its keyed address, sealed again under it."""
    content = sa.table(
        "evidence_content",
        *(sa.column(c) for c in ("sha256", "key_id", "size", "stored_at")),
        sa.column("sealed", sa.LargeBinary()),
    )
    evidence = sa.table("evidence", sa.column("content_sha256"), sa.column("content_kind"))
    row = conn.execute(sa.select(content).where(content.c.sha256 == digest)).first()
    cipher = _cipher()
    if row is None:  # purged: no content left, so the tombstone's digest is keyed as it is
        keyed = cipher.keyed_digest(digest.encode(), EVIDENCE_TEXT)
    else:
        plain = cipher.open(row.key_id, row.sealed, digest.encode())
        keyed = cipher.keyed_digest(plain, EVIDENCE_TEXT)
        _copy_sealed(conn, content, row, plain, keyed, cipher)
    conn.execute(
        evidence.update()
        .where(evidence.c.content_sha256 == digest, evidence.c.content_kind == "text")
        .values(content_sha256=keyed)
    )
    if row is not None and not _still_used(conn, evidence, digest):
        conn.execute(content.delete().where(content.c.sha256 == digest))


def _copy_sealed(
    conn: sa.Connection, content: Any, row: Any, plain: bytes, keyed: str, cipher: ContentCipher
) -> None:
    if conn.execute(sa.select(content.c.sha256).where(content.c.sha256 == keyed)).first():
        return
    key_id, sealed = cipher.seal(plain, keyed.encode())
    conn.execute(
        content.insert().values(
            sha256=keyed, key_id=key_id, sealed=sealed, size=row.size, stored_at=row.stored_at
        )
    )


def _still_used(conn: sa.Connection, evidence: Any, digest: str) -> bool:
    used = sa.select(evidence.c.content_sha256).where(evidence.c.content_sha256 == digest)
    return conn.execute(used.limit(1)).first() is not None
