"""The SQL store: engines, transactions and their rules, for SQLite and PostgreSQL.

On SQLite (the embedded default) there is one writer: a process-wide lock and
``BEGIN IMMEDIATE`` make writers queue instead of failing with "database is
locked", WAL lets readers run beside the writer, and readers are query-only.
Synchronous mode is FULL, since decisions and audit records are written in
every write transaction and must survive a power cut.
On PostgreSQL, transactions run concurrently and row locks order what must be ordered.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from safeguarding.adapters.private_files import narrow, private_file
from safeguarding.adapters.storage.crypto import ContentCipher
from safeguarding.adapters.storage.sqlalchemy.schema import FAST_JSON
from safeguarding.adapters.storage.sqlalchemy.uow import SqlUnitOfWork
from safeguarding.domain.domain_events import DomainEvent
from safeguarding.domain.errors import (
    ConcurrentWrite,
    StoreBusy,
    StoreClosed,
    StoreUnavailable,
)

Publish = Callable[[Iterable[DomainEvent]], None]


class SqlStore:
    """Transactions over one database; ``close()`` is idempotent, and use after it raises.

    ``publish`` is given the domain events a transaction recorded once it has committed
    (and the write lock is free, so a handler may write), never after a rollback."""

    def __init__(
        self,
        url: str,
        cipher: ContentCipher,
        *,
        pool_size: int = 8,
        publish: Publish | None = None,
    ) -> None:
        self.url = make_url(url)
        self.cipher = cipher
        self.publish = publish
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self._write_lock = threading.Lock() if self.is_sqlite else None
        self._closed = False
        if self.is_sqlite:
            self._writer = _sqlite_engine(url, begin="BEGIN IMMEDIATE", query_only=False)
            self._reader = _sqlite_engine(url, begin="BEGIN", query_only=True)
        else:
            self._writer = create_engine(
                url,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=True,
                connect_args=POSTGRES_SESSION,
                **FAST_JSON,
            )
            self._reader = self._writer

    @property
    def engine(self) -> Engine:
        return self._writer

    def _check_open(self) -> None:
        if self._closed:
            raise StoreClosed("the store is closed; make a new one")

    @contextmanager
    def write(self) -> Iterator[SqlUnitOfWork]:
        self._check_open()
        with self._write_lock or nullcontext():
            uow = yield from self._transaction(self._writer)
        self._published(uow)

    @contextmanager
    def read(self) -> Iterator[SqlUnitOfWork]:
        self._check_open()
        uow = yield from self._transaction(self._reader)
        self._published(uow)

    def _published(self, uow: SqlUnitOfWork) -> None:
        """Tell the subscribers what a committed transaction recorded."""
        recorded = uow.recorded()
        if recorded and self.publish is not None:
            self.publish(recorded)

    @contextmanager
    def scratch(self) -> Iterator[SqlUnitOfWork]:
        """A write transaction rolled back at the end, whatever happened in it (self-tests)."""
        self._check_open()
        with self._write_lock or nullcontext(), self._writer.connect() as conn:
            transaction = conn.begin()
            try:
                yield SqlUnitOfWork(conn, self.cipher)
            finally:
                transaction.rollback()

    def _transaction(self, engine: Engine) -> Generator[SqlUnitOfWork, None, SqlUnitOfWork]:
        """Yields one unit of work and returns it once its transaction has committed."""
        try:
            with engine.begin() as conn:
                uow = SqlUnitOfWork(conn, self.cipher)
                yield uow
            return uow
        except IntegrityError as exc:
            # Two writers raced to store the same row; the caller may retry and find it stored.
            raise ConcurrentWrite("another writer stored the same record first") from exc
        except (OperationalError, InterfaceError) as exc:
            mapped = _unavailable(exc)
            if mapped is None:
                raise
            raise mapped from exc

    def compact(self, full: bool = False) -> None:
        """After content was removed: on SQLite, move the write-ahead log into the database
        (whose freed space secure_delete has zeroed) and empty it; on PostgreSQL, VACUUM the
        tables that hold content (``full``: VACUUM FULL, which rewrites them into new files
        and takes a lock for as long as it runs)."""
        self._check_open()
        if self.is_sqlite:
            with self._write_lock or nullcontext():
                raw = self._writer.raw_connection()
                try:
                    raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
                finally:
                    raw.close()
            return
        command = "VACUUM FULL" if full else "VACUUM"
        with self._writer.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in CONTENT_TABLES:
                conn.exec_driver_sql(f"{command} {table}")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._writer.dispose()
        if self._reader is not self._writer:
            self._reader.dispose()


# What a driver says when the database is down, unreachable or cannot write: all mean "nothing
# was stored; the same request may work shortly". Anything else is a fault and stays one.
_BUSY = ("locked", "could not serialize")
_UNAVAILABLE = (
    "disk is full",
    "disk i/o error",
    "no space left",
    "connection",
    "server closed",
    "terminating",
    "shutting down",
    "starting up",
    "not accepting",
    "could not receive",
    "could not send",
    "ssl syscall",
    "unable to open database file",
)


def _unavailable(exc: OperationalError | InterfaceError) -> StoreBusy | None:
    """The domain error for a driver error; the message names the kind, never the SQL."""
    said = str(exc.orig).lower()
    if any(word in said for word in _BUSY):
        return StoreBusy("the database is busy; retry shortly")
    if exc.connection_invalidated or any(word in said for word in _UNAVAILABLE):
        return StoreUnavailable("the database cannot be reached or written now; retry shortly")
    return None


# A process cut off from PostgreSQL mid-transaction (a partition, a frozen VM) must not hold
# its locks for the kernel's two-hour keepalive: the server ends a session idle inside a
# transaction after 30 s, both ends probe a silent connection within about 30 s, and the
# server gives up on data the client never acknowledges after 30 s.
POSTGRES_SESSION = {
    "options": "-c idle_in_transaction_session_timeout=30000 -c tcp_keepalives_idle=10 "
    "-c tcp_keepalives_interval=5 -c tcp_keepalives_count=3 -c tcp_user_timeout=30000",
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}

CONTENT_TABLES = ("events", "evidence_content", "authority_reports")


def _private_database(path: Path) -> None:
    """The database file 0600 before SQLite opens it, so its WAL and shm files are too."""
    private_file(path)
    for suffix in ("-wal", "-shm", "-journal"):
        narrow(path.with_name(path.name + suffix))


def _sqlite_engine(url: str, *, begin: str, query_only: bool) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        _private_database(Path(parsed.database))
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30}, **FAST_JSON
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN is ours to issue.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # Deleted and replaced content is overwritten with zeros rather than left in free
        # pages, where anyone who copies the file could find the sealed blob (retention).
        cursor.execute("PRAGMA secure_delete=ON")
        if query_only:
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine
