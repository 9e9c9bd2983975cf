"""The SDK tests run against a real server process (tests/servers.py)."""

from tests.servers import live_server, server_database_url  # noqa: F401
