"""The `safeguarding` command, run in-process through Typer's CliRunner on a fresh SQLite file.

Help, version, keys, the database, the demo and settings are here; the policy commands are in
test_policy_cli.py, ingest and audit in test_ingest_cli.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from sqlalchemy import create_engine
from typer.main import get_command

from safeguarding.adapters.cli.main import app
from safeguarding.adapters.storage.sqlalchemy import migrate
from safeguarding.domain.access import Role
from safeguarding.domain.errors import Unauthenticated
from safeguarding.settings_doc import settings_table
from tests.cli.cli_env import opened, run, set_width, words
from tests.conftest import TEST_KEY


# -- help -----------------------------------------------------------------------------------
def command_paths(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from command_paths(sub, (*path, name))


ROOT = get_command(app)
PATHS = list(command_paths(ROOT))


def command_at(path: tuple[str, ...]) -> click.Command:
    command = ROOT
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return command


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "(root)")
def test_help_of_every_command_says_what_it_does(path: tuple[str, ...], workdir: Path) -> None:
    result = run(*path, "--help")
    text = words(result.stdout)
    assert f"Usage: safeguarding {' '.join(path)}".strip() in text
    summary = (command_at(path).help or "").strip()
    assert summary, f"`safeguarding {' '.join(path)}` has no help text"
    assert words(summary.split("\n\n")[0]) in text


def test_version_flag(workdir: Path) -> None:
    assert run("--version").stdout.startswith("safeguarding ")


# -- keys -----------------------------------------------------------------------------------
def test_keys_create_list_and_revoke(workdir: Path) -> None:
    created = run("keys", "create", "--role", "moderator", "--name", "x")
    heading, key = created.stdout.strip().splitlines()
    assert heading.startswith("Created moderator key ")
    with opened() as container:
        principal = container.keys.verify(key)
    assert (principal.role, principal.name) == (Role.MODERATOR, "x")

    listed = run("keys", "list").stdout
    assert principal.key_id in listed
    assert "moderator" in listed
    assert key not in listed
    # sgk_<id>_<secret>: the secret is URL-safe base64 and may itself hold "_", so it is
    # what follows the second "_" (its last piece alone can be one letter, found anywhere).
    assert key.split("_", 2)[2] not in listed

    assert f"Revoked key {principal.key_id}." in run("keys", "revoke", principal.key_id).stdout
    with opened() as container, pytest.raises(Unauthenticated):
        container.keys.verify(key)
    row = next(line for line in run("keys", "list").stdout.splitlines() if principal.key_id in line)
    assert len(re.findall(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", row)) == 2  # created and revoked


def test_keys_revoke_of_an_unknown_id_exits_2(workdir: Path) -> None:
    result = run("keys", "revoke", "no-such-key", code=2)
    assert "error: no active key with id 'no-such-key'" in words(result.stderr)


def test_keys_create_with_an_unknown_role_names_the_roles(workdir: Path) -> None:
    result = run("keys", "create", "--role", "superuser", "--name", "x", code=2)
    assert "unknown role 'superuser'" in words(result.stderr)
    assert f"roles are: {', '.join(r.value for r in Role)}" in words(result.stderr)
    with opened() as container:
        assert container.keys.list() == []


# -- db -------------------------------------------------------------------------------------
def test_db_upgrade_and_current(workdir: Path) -> None:
    head = migrate.head_revision(create_engine("sqlite://"))
    before = words(run("db", "current").stdout)
    assert "no schema yet; run `safeguarding db upgrade`" in before
    assert f"(newest revision is {head})" in before
    assert run("db", "upgrade").stdout.strip() == f"Database schema is at revision {head}."
    assert run("db", "current").stdout.strip() == f"revision {head}: up to date"
    assert run("db", "upgrade").stdout.strip() == f"Database schema is at revision {head}."


def test_demo_without_serving_loads_data_and_prints_a_key_per_role(workdir: Path) -> None:
    result = run("demo", "--no-serve", "--data-dir", "demo")
    for role in Role:
        assert re.search(rf"{role.value}\s+(│\s+)?sgk_[0-9a-f]+_\S+", result.stdout), role
    assert re.search(r"Loaded \d+ demo events \(\d+ blocked\)", words(result.stdout))


# -- settings -------------------------------------------------------------------------------
def test_settings_lists_every_variable_and_masks_secrets(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_width(monkeypatch, 200)
    output = run("settings").stdout
    missing = [row["env"] for row in settings_table() if row["env"] not in output]
    assert missing == []
    assert "**********" in output
    assert TEST_KEY.split(":")[1] not in output


def test_settings_lists_every_variable_on_an_80_column_terminal(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_width(monkeypatch, 80)
    output = run("settings").stdout
    assert [row["env"] for row in settings_table() if row["env"] not in output] == []


@pytest.mark.parametrize(
    "args",
    [("keys", "list"), ("settings",), ("db", "current"), ("policy", "show"), ("audit", "verify")],
    ids=" ".join,
)
def test_an_unknown_variable_stops_the_command_with_a_hint(
    args: tuple[str, ...], workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAFEGUARDING_DATABSE_URL", "sqlite:///elsewhere.db")
    result = run(*args, code=2)
    assert (
        "SAFEGUARDING_DATABSE_URL: unknown setting (did you mean SAFEGUARDING_DATABASE_URL?)"
        in words(result.stderr)
    )
    assert not (workdir / "elsewhere.db").exists()


def test_a_moderator_key_can_be_limited_to_queues(workdir: Path) -> None:
    created = run(
        "keys", "create", "--role", "moderator", "--name", "g", "--queue", "grooming",
        "--queue", "self_harm",
    )  # fmt: skip
    heading, key = created.stdout.strip().splitlines()
    assert "(queues: grooming, self_harm)" in heading
    with opened() as container:
        principal = container.keys.verify(key)
    assert principal.queues == frozenset({"grooming", "self_harm"})
    assert principal.works("grooming")
    assert not principal.works("abuse_imagery")
    row = next(line for line in run("keys", "list").stdout.splitlines() if principal.key_id in line)
    assert "grooming, self_harm" in row


def test_queues_on_a_key_that_is_not_a_moderators_are_refused(workdir: Path) -> None:
    result = run("keys", "create", "--role", "platform", "--name", "p", "--queue", "x", code=2)
    assert "only moderator keys have queues" in words(result.stderr)
    bad = run("keys", "create", "--role", "moderator", "--name", "m", "--queue", "Bad Name", code=2)
    assert "not 'Bad Name'" in words(bad.stderr)
    with opened() as container:
        assert container.keys.list() == []
