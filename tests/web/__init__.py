"""Browser tests of the web UI against a real server."""
