"""An in-memory store: the repositories of the unit of work over plain Python collections.

For tests of the services that need no SQL: it passes the storage contract suite
(``tests/contracts/test_store.py``) beside SQLite and PostgreSQL, so it cannot drift from them.
It keeps only the repositories named in ``store.py``; the others raise ``NotImplementedError``.
"""
