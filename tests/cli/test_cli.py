"""The `safeguarding` command, run in-process through Typer's CliRunner on a fresh SQLite file.

Human-facing text (policy errors, the ingest summary) is compared with golden files in
tests/golden/. After an intended change, rewrite them with
``pytest tests/cli --write-outputs`` and review the diff before committing.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import pytest
from sqlalchemy import create_engine
from typer.main import get_command

from safeguarding.adapters.cli.main import app
from safeguarding.adapters.storage.sqlalchemy import migrate
from safeguarding.bootstrap import Container, build
from safeguarding.domain.access import Role
from safeguarding.domain.errors import Unauthenticated
from safeguarding.policy.validate import check_policy
from safeguarding.services.policy import default_policy_source
from safeguarding.settings import load_settings
from safeguarding.settings_doc import settings_table
from tests import factories as f
from tests.cli.cli_env import cli_environment, run, set_width
from tests.conftest import TEST_KEY

DEFAULT_RULES = len(check_policy(default_policy_source()).document.rules)

GOLDEN = Path(__file__).parents[1] / "golden"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
LISTED_IMAGE = f.benign_png("cli-listed")
Check = Callable[[str, str], None]


# -- running the command --------------------------------------------------------------------
@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean environment: only our SAFEGUARDING_ variables, a fixed width, cwd in tmp_path."""
    return cli_environment(monkeypatch, tmp_path, width=100)


def plain(text: str) -> str:
    """Output as a person reads it: no colour codes, no trailing spaces, one final newline."""
    lines = [line.rstrip() for line in ANSI.sub("", text).splitlines()]
    return "\n".join(lines).strip("\n") + "\n"


def words(text: str) -> str:
    """Output with every run of whitespace made one space, for checks that ignore wrapping."""
    return " ".join(ANSI.sub("", text).split())


@contextmanager
def opened() -> Iterator[Container]:
    """A container over the same database the command used, built from the same environment."""
    container = build(load_settings())
    try:
        yield container
    finally:
        container.close()


# -- golden files ---------------------------------------------------------------------------
@pytest.fixture
def golden(request: pytest.FixtureRequest, tmp_path: Path) -> Check:
    """Compare text with tests/golden/NAME, or rewrite the file under --write-outputs."""
    rewrite = bool(request.config.getoption("--write-outputs"))

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        text = text.replace(str(tmp_path), "<tmp>")
        if rewrite:
            path.write_text(text)
            return
        if not path.exists():
            pytest.fail(f"{path} does not exist; create it with --write-outputs and review it")
        expected = path.read_text()
        if text != expected:
            diff = "".join(
                difflib.unified_diff(
                    expected.splitlines(keepends=True),
                    text.splitlines(keepends=True),
                    fromfile=f"tests/golden/{name} (expected)",
                    tofile="actual output",
                )
            )
            pytest.fail(
                f"output differs from tests/golden/{name}; if the change is intended, "
                f"rerun with --write-outputs and review the diff:\n{diff}",
                pytrace=False,
            )

    return check


def transcript(*args: str, code: int) -> str:
    """A command and everything it printed, as a section of a golden file."""
    result = run(*args, code=code)
    return f"$ safeguarding {' '.join(args)}\n[exit {code}]\n{plain(result.output)}"


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
    assert key.rsplit("_", 1)[1] not in listed

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


# -- policy ---------------------------------------------------------------------------------
STRUCTURE_ERRORS = """\
rules:
  - name: known-image
    when:
      event_type: media
      signal: {kind: hash_match, min_scor: 1.0}
    then:
      - blok
"""

RULE_ERRORS = """\
rules:
  - name: known-image
    when:
      event_type: media
      signal: {kind: hash_match, min_score: 1.0}
    then:
      - block
      - open_case: {queue: abuse_imagery, priorty: 1}
  - name: known-image
    when:
      event_type: message
    then:
      - open_case: {priority: 9}
      - block: {now: true}
"""

YAML_SYNTAX_ERROR = """\
rules:
  - name: unclosed-list
    when: {event_type: [message
    then: [block]
"""


def test_policy_check_passes_the_default_policy(workdir: Path) -> None:
    Path("default.yaml").write_text(default_policy_source())
    result = run("policy", "check", "--strict", "default.yaml")
    assert re.search(
        rf"default\.yaml: valid, {DEFAULT_RULES} rules, 0 warning\(s\), sha256 [0-9a-f]{{12}}",
        result.stdout,
    )


def test_policy_check_reports_every_error_with_place_and_hint(workdir: Path, golden: Check) -> None:
    Path("structure.yaml").write_text(STRUCTURE_ERRORS)
    Path("rules.yaml").write_text(RULE_ERRORS)
    first = transcript("policy", "check", "structure.yaml", code=1)
    second = transcript("policy", "check", "rules.yaml", code=1)
    text = words(first + second)
    assert "min_scor: unknown field" in text
    assert "did you mean 'min_score'?" in text
    assert "rules[0].then[0]:" in text
    assert "did you mean 'block'?" in text
    assert "takes no parameter 'priorty'" in text
    assert "did you mean 'priority'?" in text
    assert "rule name 'known-image' is used by rules[0] too" in text
    assert "action block takes no parameters" in text
    golden("policy_check_errors.txt", first + "\n" + second)


def test_policy_check_points_at_a_yaml_syntax_error(workdir: Path, golden: Check) -> None:
    Path("syntax.yaml").write_text(YAML_SYNTAX_ERROR)
    text = transcript("policy", "check", "syntax.yaml", code=1)
    assert "syntax.yaml:4:" in text
    assert "not valid YAML" in text
    golden("policy_check_yaml_syntax.txt", text)


UNSAFE_NAMES = """\
rules:
  - name: escape-the-reports-folder
    when:
      event_type: media
    then:
      - block
      - report_to_authority: {authority: "../../../../tmp/x"}
      - notify: {topic: "grooming\\r\\nX-Injected: yes"}
  - name: names-within-the-pattern
    when:
      event_type: message
    then:
      - report_to_authority: {authority: nca}
      - notify: {topic: "grooming.urgent:v2"}
"""


def test_policy_check_refuses_authority_and_topic_outside_their_patterns(
    workdir: Path, golden: Check
) -> None:
    """Issue 14, point 13: an authority became a file name outside the reports folder, and a
    topic with CR/LF a webhook header that failed for ever. Both are closed patterns."""
    Path("names.yaml").write_text(UNSAFE_NAMES)
    text = transcript("policy", "check", "names.yaml", code=1)
    flat = words(text)
    assert "2 problem(s) in names.yaml" in flat
    assert "names.yaml:7:42: error: rules[0].then[1].report_to_authority.authority:" in flat
    assert "'../../../../tmp/x' is not an allowed authority" in flat
    assert "names.yaml:8:25: error: rules[0].then[2].notify.topic:" in flat
    assert "'grooming\\r\\nX-Injected: yes' is not an allowed topic" in flat
    golden("policy_check_names.txt", text)


def test_policy_check_strict_turns_warnings_into_errors(workdir: Path) -> None:
    source = default_policy_source().replace("detector: user_report", "detector: user_reprt", 1)
    Path("typo.yaml").write_text(source)
    lenient = run("policy", "check", "typo.yaml")
    assert "1 warning(s)" in lenient.stdout
    assert "did you mean 'user_report'?" in lenient.stderr
    strict = run("policy", "check", "--strict", "typo.yaml", code=1)
    assert "warning: rules[2].when.signal.detector" in words(strict.stderr)


def test_policy_apply_stores_a_new_version_that_show_prints(workdir: Path) -> None:
    run("db", "upgrade")
    assert run("policy", "show").stdout.startswith("# version 1 by system at ")
    Path("enforce.yaml").write_text(
        default_policy_source().replace("mode: shadow", "mode: enforce")
    )

    applied = run("policy", "apply", "enforce.yaml", "--note", "enforce the trial rule")
    assert f"Policy version 2 is in force ({DEFAULT_RULES} rules)." in applied.stdout

    shown = run("policy", "show").stdout
    assert shown.startswith("# version 2 by cli at ")
    assert "mode: enforce" in shown
    assert "mode: shadow" not in shown
    with opened() as container:
        history = container.policies.history()
        with container.store.read() as uow:
            changes = [r for r in uow.audit.records() if r.action == "policy.update"]
    assert [(p.version, p.note) for p in history] == [
        (2, "enforce the trial rule"),
        (1, "initial policy"),
    ]
    assert [r.details["version"] for r in changes] == [1, 2]


def test_policy_apply_refuses_an_invalid_file_and_changes_nothing(workdir: Path) -> None:
    run("db", "upgrade")
    Path("rules.yaml").write_text(RULE_ERRORS)
    result = run("policy", "apply", "rules.yaml", code=2)
    assert "rule name 'known-image' is used by rules[0] too" in words(result.stderr)
    assert run("policy", "show").stdout.startswith("# version 1 ")


def test_policy_show_output_is_the_stored_yaml(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_width(monkeypatch, 80)
    shown = run("policy", "show").stdout
    assert shown.split("\n", 1)[1].rstrip("\n") == default_policy_source().rstrip("\n")


# -- db -------------------------------------------------------------------------------------
def test_db_upgrade_and_current(workdir: Path) -> None:
    head = migrate.head_revision(create_engine("sqlite://"))
    before = words(run("db", "current").stdout)
    assert "no schema yet; run `safeguarding db upgrade`" in before
    assert f"(newest revision is {head})" in before
    assert run("db", "upgrade").stdout.strip() == f"Database schema is at revision {head}."
    assert run("db", "current").stdout.strip() == f"revision {head}: up to date"
    assert run("db", "upgrade").stdout.strip() == f"Database schema is at revision {head}."


# -- ingest and audit -----------------------------------------------------------------------
def fifty_events() -> list[dict[str, Any]]:
    """A new adult account messaging a child: one first contact, one listed image, a report."""
    events = [f.profile("adult1", 34, created_days_ago=2), f.profile("child1", 12)]
    for i in range(40):
        sender, receiver = ("adult1", "child1") if i % 2 == 0 else ("child1", "adult1")
        events.append(f.message(sender, receiver, "see you at practice", minutes=i))
    events.append(f.report("child1", "adult1", "grooming", minutes=41))
    events.append(f.contact_request("adult1", "child2", minutes=42))
    events += [f.media("adult1", f.benign_png(f"holiday {i}"), minutes=43 + i) for i in range(5)]
    events.append(f.media("adult1", LISTED_IMAGE, minutes=49))
    for i, event in enumerate(events):
        event["event_id"] = f"cli-{i:03d}"
    return events


def write_jsonl(
    path: Path, events: list[dict[str, Any]], bad: dict[int, str] | None = None
) -> Path:
    """Events one per line; ``bad`` puts a raw line at a 1-based line number."""
    lines = [json.dumps(e) for e in events]
    for number, raw in sorted((bad or {}).items()):
        lines.insert(number - 1, raw)
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def ingest_env(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A hash list with one entry, and the default policy with its trial rule enforced."""
    hashes = workdir / "hashes.txt"
    hashes.write_text(hashlib.sha256(LISTED_IMAGE).hexdigest() + "\n")
    policy = workdir / "policy.yaml"
    policy.write_text(default_policy_source().replace("mode: shadow", "mode: enforce"))
    monkeypatch.setenv("SAFEGUARDING_SHA256_LIST_PATH", str(hashes))
    monkeypatch.setenv("SAFEGUARDING_POLICY_FILE", str(policy))
    return workdir


def stored(events: list[dict[str, Any]]) -> set[str]:
    with opened() as container:
        return container.ingest.stored_ids([e["event_id"] for e in events])


def test_ingest_prints_a_summary_and_resumes(ingest_env: Path, golden: Check) -> None:
    events = fifty_events()
    write_jsonl(Path("events.jsonl"), events)
    first = run("ingest", "events.jsonl")
    again = run("ingest", "events.jsonl")
    assert stored(events) == {e["event_id"] for e in events}
    golden(
        "ingest_summary.txt",
        "$ safeguarding ingest events.jsonl\n"
        + plain(first.stdout)
        + "\n$ safeguarding ingest events.jsonl   # again: everything is already stored\n"
        + plain(again.stdout),
    )


def test_ingest_refuses_a_file_with_an_invalid_line(ingest_env: Path) -> None:
    events = fifty_events()[:10]
    write_jsonl(Path("events.jsonl"), events, bad={4: '{"type": "message", "event_id": "x"}'})
    result = run("ingest", "events.jsonl", code=1)
    assert "events.jsonl:4: message.occurred_at: Field required" in result.stderr
    assert "1 invalid line(s); nothing ingested" in words(result.stderr)
    assert stored(events) == set()


def test_ingest_skip_invalid_ingests_the_rest(ingest_env: Path) -> None:
    events = fifty_events()[:10]
    write_jsonl(Path("events.jsonl"), events, bad={3: "not json", 7: '{"type": "nope"}'})
    result = run("ingest", "--skip-invalid", "events.jsonl")
    assert "events.jsonl:3: not JSON" in result.stderr
    assert "events.jsonl:7:" in result.stderr
    assert "events.jsonl: 10 events" in result.stdout
    assert stored(events) == {e["event_id"] for e in events}


def test_audit_verify_passes_then_names_a_tampered_record(ingest_env: Path) -> None:
    write_jsonl(Path("events.jsonl"), fifty_events())
    run("ingest", "events.jsonl")
    assert re.search(
        r"audit chain verifies: \d+ records, head [0-9a-f]{16}", run("audit", "verify").stdout
    )

    with sqlite3.connect(ingest_env / "cli.db") as db:
        db.execute("UPDATE audit_log SET actor = 'x' WHERE seq = 2")
    db.close()
    result = run("audit", "verify", code=1)
    assert "audit chain broken at record 2: content does not match its hash" in words(result.stderr)


@pytest.mark.parametrize(
    ("tamper", "found"),
    [
        (
            ["DELETE FROM audit_log WHERE seq = 1"],
            "audit chain broken at record 2: expected record 1",
        ),
        (
            [
                "UPDATE audit_log SET seq = -1 WHERE seq = 1",
                "UPDATE audit_log SET seq = 1 WHERE seq = 2",
                "UPDATE audit_log SET seq = 2 WHERE seq = -1",
            ],
            "audit chain broken at record 1: does not follow the record before it",
        ),
    ],
    ids=["deleted", "reordered"],
)
def test_audit_verify_names_deleted_and_reordered_records(
    ingest_env: Path, tamper: list[str], found: str
) -> None:
    write_jsonl(Path("events.jsonl"), fifty_events())
    run("ingest", "events.jsonl")
    with sqlite3.connect(ingest_env / "cli.db") as db:
        for statement in tamper:
            db.execute(statement)
    db.close()
    assert found in words(run("audit", "verify", code=1).stderr)


def test_a_checkpoint_catches_a_chain_rewritten_with_recomputed_hashes(ingest_env: Path) -> None:
    write_jsonl(Path("events.jsonl"), fifty_events())
    run("ingest", "events.jsonl")
    assert "checkpoint of record" in run("audit", "checkpoint", "--out", "cp.json").stdout
    assert "matches the checkpoint" in run("audit", "verify", "--checkpoint", "cp.json").stdout

    rewrite_chain_from(ingest_env / "cli.db", seq=2)
    assert "differs from the checkpoint" in words(run("audit", "verify", code=1).stderr)
    for kept in (ingest_env / "data" / "audit-checkpoints").iterdir():
        kept.unlink()  # without the checkpoint folder, the plain chain is fooled
    assert "audit chain verifies" in run("audit", "verify").stdout
    result = run("audit", "verify", "--checkpoint", "cp.json", code=1)
    assert "differs from the checkpoint" in words(result.stderr)
    assert "the chain was rewritten" in words(result.stderr)


def test_a_forged_checkpoint_is_refused(ingest_env: Path) -> None:
    write_jsonl(Path("events.jsonl"), fifty_events())
    run("ingest", "events.jsonl")
    run("audit", "checkpoint", "--out", "cp.json")
    forged = json.loads(Path("cp.json").read_text()) | {"hash": "0" * 64}
    Path("cp.json").write_text(json.dumps(forged))
    result = run("audit", "verify", "--checkpoint", "cp.json", code=1)
    assert "its signature does not match its content" in words(result.stderr)


def rewrite_chain_from(database: Path, seq: int) -> None:
    """What someone with database access could do: edit a record, recompute every later hash."""
    from datetime import UTC, datetime

    from safeguarding.domain.audit import GENESIS_HASH, AuditRecord

    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit_log "
            "ORDER BY seq"
        ).fetchall()
        prev = GENESIS_HASH
        for row in rows:
            record = AuditRecord(
                seq=row[0],
                at=datetime.fromisoformat(row[1]).replace(tzinfo=UTC),
                actor=row[2],
                action=row[3],
                subject=row[4],
                details=json.loads(row[5]),
                prev_hash=row[6],
                hash=row[7],
            )
            entry = record.entry()
            if record.seq == seq:
                entry = entry.model_copy(update={"actor": "someone else"})
            if record.seq >= seq:
                new = entry.chained(record.seq, prev)
                db.execute(
                    "UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                    (new.actor, new.prev_hash, new.hash, record.seq),
                )
                prev = new.hash
            else:
                prev = record.hash
    db.close()


def test_worker_once_processes_what_is_due(ingest_env: Path) -> None:
    run("db", "upgrade")
    with opened() as container:  # decided as `serve` decides: side effects queued, not run
        container.ingest.ingest([f.event(e) for e in fifty_events()], source="test")
        due = container.review.outbox_pending()
    assert due > 0
    assert run("worker", "--once").stdout.strip() == f"processed {due} outbox item(s)"
    with opened() as container:
        assert container.review.outbox_pending() == 0
        assert container.review.counts().cases_by_status.get("open", 0) > 0  # cases opened
    assert run("worker", "--once").stdout.strip() == "processed 0 outbox item(s)"


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
