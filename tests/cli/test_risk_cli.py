"""`safeguarding risk` and `safeguarding compliance`, run in-process on a fresh SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safeguarding.services.policy import default_policy_source
from tests.cli.cli_env import cli_environment, run

MANAGER = "Sam Patel, Chief Safety Officer"


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Only our SAFEGUARDING_ variables, pointing at a SQLite file in tmp_path; a wide console."""
    return cli_environment(monkeypatch, tmp_path, width=200, senior_manager=MANAGER)


def test_show_before_any_assessment_says_how_to_make_one() -> None:
    result = run("risk", "show", code=2)
    assert "no risk assessment yet; run `safeguarding risk assess`" in result.output


def test_assess_then_show_the_dated_document(workdir: Path) -> None:
    assessed = run("risk", "assess", "--by", "ops-team")
    assert "Risk assessment version 1 stored (policy version 1" in assessed.output
    assert "Video chat" in assessed.output
    assert "not observed" in assessed.output
    shown = run("risk", "show")
    assert shown.stdout.startswith("# Children's risk assessment")
    assert "by ops-team (version 1)" in shown.output
    assert MANAGER in shown.output
    assert "review due" not in shown.output
    out = workdir / "assessment.md"
    run("risk", "show", "--output", str(out))
    assert out.read_text(encoding="utf-8").count("\n## ") >= 9
    body = json.loads(run("risk", "show", "--format", "json").stdout)
    assert body["review_due"] is False
    assert body["assessment"]["assessed_by"] == "ops-team"
    assert len(body["assessment"]["features"]) == 8


def test_a_policy_change_is_shown_as_review_due(workdir: Path) -> None:
    run("risk", "assess")
    policy = workdir / "policy.yaml"
    policy.write_text(default_policy_source())
    run("policy", "apply", str(policy), "--note", "a change")
    shown = run("risk", "show")
    assert "**Review due**: the policy in force is version 2" in shown.output
    assert "review due: the policy in force is version 2" in shown.output
    assert json.loads(run("risk", "show", "--format", "json").stdout)["review_due"] is True


@pytest.mark.parametrize(
    "args", [("risk", "show", "--format", "pdf"), ("compliance", "--format", "pdf")]
)
def test_a_bad_format_exits_2_naming_the_allowed_ones(args: tuple[str, ...]) -> None:
    result = run(*args, code=2)
    allowed = ("markdown", "json") if args[0] == "risk" else ("text", "json")
    assert "'pdf' is not one of" in result.output
    assert all(f"'{name}'" in result.output for name in allowed)


def test_compliance_is_a_table_with_the_penalty_and_the_manager(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SAFEGUARDING_QUALIFYING_REVENUE_GBP", "500000000")
    result = run("compliance")  # measures are not met, and it still exits 0: it is a report
    assert "Suicide and self-harm content is acted on like illegal content" in result.output
    assert "✗" in result.output
    assert "✓" in result.output
    assert "Maximum penalty exposure: £50,000,000" in result.output
    assert f"Senior manager accountable for children's safety: {MANAGER}" in result.output
    body = json.loads(run("compliance", "--format", "json").stdout)
    assert body["penalty"]["amount_gbp"] == 50_000_000
    met = {m["id"]: m["met"] for m in body["measures"]}
    assert (met["senior_manager"], met["self_harm"], met["transparency"]) == (True, True, False)
    run("risk", "assess")
    body = json.loads(run("compliance", "--format", "json").stdout)
    assert {m["id"]: m["met"] for m in body["measures"]}["transparency"] is True


def test_compliance_names_the_adversary_sequence_that_got_through(workdir: Path) -> None:
    from tests.api.test_compliance_selftest import decoy_policy

    policy = workdir / "decoy.yaml"
    policy.write_text(decoy_policy())
    run("policy", "apply", str(policy), "--note", "defaults in name only")
    shown = " ".join(run("compliance").output.split())
    assert (
        "✗ Children are protected from grooming by default: make the policy in force stop every "
        'adversary sequence, first "contact request, then a message": the adult\'s contact '
        "request to the child was answered allow"
    ) in shown
