"""`safeguarding policy`: check, apply and show, with errors compared to golden files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from safeguarding.policy.validate import check_policy
from safeguarding.services.policy import default_policy_source
from tests.cli.cli_env import Check, opened, run, set_width, transcript, words

DEFAULT_RULES = len(check_policy(default_policy_source()).document.rules)


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
