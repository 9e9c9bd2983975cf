"""Thin routers: parse, call a service, shape the answer."""
