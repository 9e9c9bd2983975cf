"""Abuse-material URL lists: finding URLs in text, matching them against URL banks."""
