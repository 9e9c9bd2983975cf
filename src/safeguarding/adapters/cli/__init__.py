"""The command line (Typer + Rich): each command parses, calls a service, renders."""
