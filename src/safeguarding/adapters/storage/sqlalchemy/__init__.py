"""SQLAlchemy 2 storage: SQLite (WAL, one writer) by default, PostgreSQL by URL."""
