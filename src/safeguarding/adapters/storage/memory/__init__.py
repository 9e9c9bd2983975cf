"""An in-memory store: the repositories of the unit of work over plain Python collections.

For tests of the services that need no SQL: it passes the storage contract suite
(``tests/contracts/test_store.py``) beside SQLite and PostgreSQL, so it cannot drift from them.
It keeps every repository of ``ports.store.UnitOfWork``, one module per concern beside
``store.py``; ``state.py`` holds the tables they share.
"""
