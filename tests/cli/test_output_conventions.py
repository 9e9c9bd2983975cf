"""Output conventions, through the real entry point (`safeguarding ...` in a subprocess):
plain tables when piped, `--format json` on list commands, `--output -` as standard output, and
no PDF ever written to a terminal (standard output on a pseudo-terminal)."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.conftest import TEST_KEY

SAFEGUARDING = str(Path(sys.executable).parent / "safeguarding")
BOX = set("│┃─━┏┓┗┛╭╮╰╯┡┩┼╇")
HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
LONG_ID = "media-" + "0123456789abcdef" * 7  # longer than a column of an 80-wide table
PERIOD = ("--from", "2026-01-01", "--to", "2026-12-31")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A database holding a drafted authority report about an upload with a long event id."""
    home = tmp_path_factory.mktemp("cli-output")
    (home / "known.txt").write_text(HASH + "\n")
    inherited = {
        k: v for k, v in os.environ.items() if not k.startswith("SAFEGUARDING_") and k != "COLUMNS"
    }
    environment = inherited | {
        "SAFEGUARDING_DATABASE_URL": f"sqlite:///{home / 'cli.db'}",
        "SAFEGUARDING_DATA_DIR": str(home / "data"),
        "SAFEGUARDING_CONTENT_KEY": TEST_KEY,
        "SAFEGUARDING_SHA256_LIST_PATH": str(home / "known.txt"),
        "HOME": str(home),
    }
    upload = {
        "type": "media",
        "event_id": LONG_ID,
        "occurred_at": "2026-03-01T18:05:00Z",
        "actor_id": "u-4821",
        "media_kind": "image",
        "hashes": {"sha256": HASH},
    }
    (home / "events.jsonl").write_text(json.dumps(upload) + "\n")
    for args in (
        ["db", "upgrade"],
        ["ingest", str(home / "events.jsonl")],
        ["keys", "create", "--role", "admin", "--name", "ops"],
        ["banks", "create", "partner-list"],
    ):
        run(args, environment)
    return environment


def run(
    args: Sequence[str], env: dict[str, str], code: int = 0
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [SAFEGUARDING, *args], env=env, capture_output=True, text=True, timeout=120, cwd=env["HOME"]
    )
    assert done.returncode == code, f"exit {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


def on_terminal(args: Sequence[str], env: dict[str, str]) -> tuple[int, bytes, str]:
    """Run with standard output on a pseudo-terminal, reading all that reaches it as it comes:
    exit status, what was shown, stderr."""
    master, slave = pty.openpty()
    process = subprocess.Popen([SAFEGUARDING, *args], env=env, stdout=slave, stderr=subprocess.PIPE)
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the command has closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    assert process.stderr is not None
    stderr = process.stderr.read().decode()
    return process.wait(timeout=120), shown, stderr


def test_a_piped_table_is_plain_and_keeps_every_id_whole(env: dict[str, str]) -> None:
    listed = run(["reports", "list"], env).stdout
    assert not BOX & set(listed)
    header, *rows = listed.splitlines()
    assert header.split("\t")[:3] == ["event", "authority", "status"]
    assert [row.split("\t")[0] for row in rows] == [LONG_ID]


def test_a_table_on_a_terminal_is_still_drawn(env: dict[str, str]) -> None:
    code, shown, _ = on_terminal(["reports", "list"], env)
    assert code == 0
    assert BOX & set(shown.decode())


def test_list_commands_take_format_json(env: dict[str, str]) -> None:
    reports = json.loads(run(["reports", "list", "--format", "json"], env).stdout)
    keys = json.loads(run(["keys", "list", "--format", "json"], env).stdout)
    banks = json.loads(run(["banks", "list", "--format", "json"], env).stdout)
    assert [(r["event_id"], r["status"]) for r in reports] == [(LONG_ID, "awaiting_confirmation")]
    assert [(k["name"], k["role"]) for k in keys] == [("ops", "admin")]
    assert set(keys[0]) == {
        "key_id",
        "name",
        "role",
        "created_at",
        "revoked_at",
        "queues",
        "organisation",
    }
    assert [(b["name"], b["kind"], b["counts"]["sha256"]) for b in banks] == [
        ("partner-list", "block", 0)
    ]


def test_output_dash_is_standard_output(env: dict[str, str]) -> None:
    home = Path(env["HOME"])
    decisions = run(["report", "decisions", *PERIOD, "--output", "-"], env).stdout
    figures = run(["report", "transparency", *PERIOD, "--format", "csv", "-o", "-"], env).stdout
    run(["risk", "assess"], env)
    assessment = json.loads(run(["risk", "show", "--format", "json", "--output", "-"], env).stdout)
    (home / "bank.txt").write_text("f" * 64 + "\n")
    (home / "queries.txt").write_text("f" * 63 + "e\n")
    matched = run(
        ["hashes", "match", "--bank", "bank.txt", "--queries", "queries.txt", "--output", "-"], env
    ).stdout
    rows = list(csv.DictReader(io.StringIO(decisions)))
    assert [r["event_id"] for r in rows] == [LONG_ID]
    assert figures.startswith(next(csv.reader(io.StringIO(figures)))[0])
    assert assessment["assessment"]["version"] == 1
    assert [json.loads(line)["matches"][0]["distance"] for line in matched.splitlines()] == [1]
    assert not (home / "-").exists()


def test_a_pdf_is_never_written_to_a_terminal(env: dict[str, str]) -> None:
    for output in ([], ["-o", "-"]):
        code, shown, stderr = on_terminal(
            ["report", "transparency", *PERIOD, "--format", "pdf", *output], env
        )
        assert code == 2
        assert b"%PDF" not in shown
        assert "will not write a PDF to a terminal" in stderr
    piped = subprocess.run(
        [SAFEGUARDING, "report", "transparency", *PERIOD, "--format", "pdf", "-o", "-"],
        env=env,
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert piped.stdout.startswith(b"%PDF")
