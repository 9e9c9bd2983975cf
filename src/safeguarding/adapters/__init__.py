"""Adapters: storage, queue, HTTP, web and CLI. They depend on the core; never the reverse."""
