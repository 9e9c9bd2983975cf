"""Tests of the `safeguarding` command line, through Typer's CliRunner."""
