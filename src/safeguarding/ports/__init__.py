"""The interfaces the core needs from the outside world (Protocols only)."""
