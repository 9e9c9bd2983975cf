"""The documentation is complete and current: these tests fail when something is undocumented.

Every setting, HTTP route, CLI command, event type and field, policy condition, action and
parameter, and metric must be named in docs/. The generated parts (CLI help, the settings
table) must match what cog would generate now, and the code in the docs must work.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from typer.main import get_command

from safeguarding.adapters.cli.main import app as cli_app
from safeguarding.adapters.http.app import create_app
from safeguarding.adapters.http.middleware import Metrics
from safeguarding.adapters.metrics import StateCollector
from safeguarding.adapters.webhooks import signature
from safeguarding.bootstrap import build
from safeguarding.domain.accounts import Account, AgeBand
from safeguarding.domain.actions import ACTION_PARAMETERS, ActionName
from safeguarding.domain.detectors import Detector, DetectorContext
from safeguarding.domain.events import EVENT_ADAPTER, EVENT_TYPES, Event
from safeguarding.domain.policy import AccountCondition, Condition, Rule, SignalCondition
from safeguarding.policy.validate import check_policy
from safeguarding.services.policy import default_policy_source
from safeguarding.settings_doc import settings_table
from tests.conftest import make_settings
from tests.factories import BASE, event, message

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs"
OPERATIONS_PATHS = ("/healthz", "/readyz", "/metrics")


def doc(name: str) -> str:
    return (DOCS / name).read_text()


def code_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)


def section(text: str, heading: str) -> str:
    """The text under a Markdown heading, up to the next heading of the same or higher level."""
    level = heading.split(" ", 1)[0]
    start = text.index(f"\n{heading}\n")
    following = re.search(rf"^#{{1,{len(level)}}} ", text[start + len(heading) + 2 :], re.M)
    end = start + len(heading) + 2 + following.start() if following else len(text)
    return text[start:end]


# -- settings -------------------------------------------------------------------------------
def test_every_setting_is_documented() -> None:
    text = doc("settings.md")
    missing = [
        f"{row['name']} ({row['env']})"
        for row in settings_table()
        if f"`{row['env']}`" not in text or f"`{row['name']}`" not in text
    ]
    assert missing == [], "run `.venv/bin/cog -r docs/settings.md`"


# -- HTTP routes ----------------------------------------------------------------------------
def route_table(app: FastAPI) -> list[Any]:
    """Every route with its router prefix applied, whichever way this FastAPI stores them."""
    try:
        from fastapi.routing import iter_route_contexts  # FastAPI 0.16x nests included routers
    except ImportError:
        return list(app.routes)
    return list(iter_route_contexts(app.routes))


@pytest.fixture
def http_app(tmp_path: Path) -> Iterator[FastAPI]:
    container = build(make_settings(f"sqlite:///{tmp_path / 'docs.db'}", tmp_path))
    try:
        yield create_app(container, run_outbox_worker=False)
    finally:
        container.close()


def test_every_route_is_documented(http_app: FastAPI) -> None:
    text = doc("api.md")
    endpoints = sorted(
        f"{method} {route.path}"
        for route in route_table(http_app)
        if route.path.startswith("/v1/") or route.path in OPERATIONS_PATHS
        for method in (getattr(route, "methods", None) or ())
        if method != "HEAD"
    )
    assert len(endpoints) > len(OPERATIONS_PATHS)  # the walk found the /v1 routes
    assert [e for e in endpoints if f"`{e}`" not in text] == []


# -- CLI ------------------------------------------------------------------------------------
def command_paths(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[str]:
    yield " ".join(("safeguarding", *path))
    for name, sub in getattr(command, "commands", {}).items():
        yield from command_paths(sub, (*path, name))


def test_every_cli_command_is_documented() -> None:
    text = doc("cli.md")
    commands = list(command_paths(get_command(cli_app)))
    assert "safeguarding keys create" in commands  # the walk reached the sub-commands
    assert [c for c in commands if f"### `{c}`" not in text] == [], (
        "run `.venv/bin/cog -r docs/cli.md`"
    )


def test_generated_help_and_settings_are_current() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFEGUARDING_")}
    result = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", "--diff", "docs/cli.md", "docs/settings.md"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, (
        "docs are out of date; run `.venv/bin/cog -r docs/cli.md docs/settings.md`\n"
        + result.stdout
        + result.stderr
    )


# -- events ---------------------------------------------------------------------------------
def event_models() -> list[type[BaseModel]]:
    union = Event.__origin__  # type: ignore[attr-defined]
    return list(union.__args__)


def event_examples() -> list[dict[str, Any]]:
    blocks = [json.loads(b) for b in code_blocks(doc("events.md"), "json")]
    return [b for b in blocks if isinstance(b, dict) and b.get("type") in EVENT_TYPES]


def test_every_event_type_and_field_is_documented() -> None:
    text = doc("events.md")
    missing = []
    for model in event_models():
        kind = model.model_fields["type"].annotation.__args__[0].value
        part = section(text, f"### `{kind}`") if f"\n### `{kind}`\n" in text else ""
        missing += [f"{kind} (heading)"] if not part else []
        missing += [
            f"{kind}.{name}"
            for name in model.model_fields
            if f"`{name}`" not in part and f"`{name}`" not in section(text, "## Common fields")
        ]
    assert missing == []


def test_every_event_type_has_a_valid_example() -> None:
    examples = event_examples()
    for example in examples:
        EVENT_ADAPTER.validate_python(example)
    assert sorted({e["type"] for e in examples}) == sorted(EVENT_TYPES)


def test_decision_fields_are_documented() -> None:
    from safeguarding.domain.decisions import Decision, RuleOutcome
    from safeguarding.domain.signals import Evidence, Signal

    text = section(doc("events.md"), "## The decision")
    fields = {*Decision.model_fields, *RuleOutcome.model_fields, *Signal.model_fields}
    fields |= set(Evidence.model_fields) - {"details"}
    assert sorted(f for f in fields if f"`{f}`" not in text) == []


# -- policy ---------------------------------------------------------------------------------
def test_every_action_and_parameter_is_documented() -> None:
    text = doc("policy.md")
    actions = section(text, "## Actions")
    missing = [f"action {a.value}" for a in ActionName if f"`{a.value}`" not in actions]
    for action, model in ACTION_PARAMETERS.items():
        part = section(text, f"### `{action.value}`")
        missing += [f"{action.value}.{p}" for p in model.model_fields if f"`{p}`" not in part]
    assert missing == []


def test_every_policy_key_and_condition_is_documented() -> None:
    text = doc("policy.md")
    names = {*Rule.model_fields, *Condition.model_fields, *SignalCondition.model_fields}
    names |= set(AccountCondition.model_fields)
    values = {band.value for band in AgeBand} | {"enforce", "shadow"}
    assert sorted(n for n in names | values if f"`{n}`" not in text) == []


def test_every_default_rule_is_explained() -> None:
    text = doc("policy.md")
    rules = check_policy(default_policy_source()).document.rules
    assert [r.name for r in rules if not re.search(rf"^### \d+\. `{r.name}`", text, re.M)] == []


def test_policy_examples_validate() -> None:
    """Every complete policy in the docs checks out, apart from the ones shown as broken."""
    blocks = code_blocks(doc("policy.md"), "yaml")
    complete = [b for b in blocks if b.startswith("rules:")]
    broken = [b for b in complete if "min_scor:" in b or "priorty:" in b]
    assert len(broken) == 2
    for source in complete:
        if source not in broken:
            check_policy(source)


# -- operations -----------------------------------------------------------------------------
def test_every_metric_is_documented() -> None:
    text = doc("operations.md")
    names = []
    state = StateCollector(outbox_pending=lambda: 0, webhook_deliveries=dict, bank_hashes=dict)
    for family in Metrics(state).registry.collect():
        suffix = "_total" if family.type == "counter" else ""
        names.append(family.name + suffix)
    assert names
    assert [n for n in names if f"`{n}`" not in text] == []


def test_webhook_verification_snippet_accepts_our_signatures() -> None:
    (snippet,) = code_blocks(section(doc("operations.md"), "## Webhooks"), "python")
    namespace: dict[str, Any] = {}
    exec(snippet, namespace)
    verify = namespace["verify_webhook"]
    body = b'{"event_id":"e1","topic":"decision"}'
    header = signature("s3cret", int(time.time()), body)
    assert verify("s3cret", header, body)
    assert not verify("s3cret", header, body.replace(b"e1", b"e2"))
    assert not verify("other", header, body)
    assert not verify("s3cret", signature("s3cret", int(time.time()) - 3600, body), body)
    assert not verify("s3cret", "garbage", body)
    rotating = signature(["whsec_bmV3LWtleQ==", "s3cret"], int(time.time()), body)
    assert verify("s3cret", rotating, body)
    assert verify("whsec_bmV3LWtleQ==", rotating, body)
    assert not verify("other", rotating, body)


# -- architecture ---------------------------------------------------------------------------
def test_detector_example_works() -> None:
    snippet, contract = code_blocks(
        section(doc("architecture.md"), "## Adding a detector"), "python"
    )
    namespace: dict[str, Any] = {}
    exec(snippet, namespace)
    cls = namespace["LinkSharingDetector"]
    assert issubclass(cls, Detector)
    assert cls.get_name() == "link_sharing"
    assert 'link_sharing = "' in doc("architecture.md")
    child = Account.first_seen("child1", BASE).declare_age(12, BASE)
    ev = event(message(text="add me on https://example.org/app"))
    context = DetectorContext(now=BASE, actor=Account.first_seen("adult1", BASE), targets=(child,))
    (found,) = cls().observe(ev, context)
    assert (found.detector, found.kind) == ("link_sharing", "off_platform_link")
    assert cls().observe(event(message(text="see you at practice")), context) == []
    exec(contract, namespace)  # the shipped contract suite passes on the example
    suite = namespace["TestLinkSharing"]()
    for check in [name for name in dir(suite) if name.startswith("test_")]:
        getattr(suite, check)()


# Paths into the repository as the source names them (help texts, docstrings, messages), and
# bare upper-case Markdown names such as a design note that lives only outside it.
REPOSITORY_PATH = re.compile(r"\b(?:docs|datasets|scripts|bench)/[\w./-]*\w")
BARE_NOTE = re.compile(r"(?<![\w/.-])[A-Z][A-Z_]+\.md\b")


def test_every_file_the_source_names_is_in_the_repository() -> None:
    missing = set()
    for source in (ROOT / "src").rglob("*"):
        if source.suffix not in {".py", ".yaml", ".html", ".md"}:
            continue
        text = source.read_text(encoding="utf-8")
        named = REPOSITORY_PATH.findall(text) + BARE_NOTE.findall(text)
        missing |= {
            f"{source.relative_to(ROOT)}: {name}"
            for name in named
            if not (ROOT / name).exists() and name != "README.md"
        }
    assert not missing, sorted(missing)
