"""Validate a policy document and report every problem at once, each with file:line:col.

Messages follow one shape, with a caret under the place and a hint where one
helps (a "did you mean" for misspelt names):

    policy.yaml:7:9: error: rules[0].when.signal.min_scor: unknown field
        min_scor: 0.9
        ^
      hint: did you mean 'min_score'?
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from safeguarding.domain.actions import ACTION_PARAMETERS, ActionName
from safeguarding.domain.errors import FieldError, PolicyInvalid
from safeguarding.domain.policy import PolicyDocument
from safeguarding.policy.loader import LoadedYaml, Path, Position, YamlSyntaxError, load_yaml


@dataclass(frozen=True)
class Problem:
    """One error or warning in a policy source."""

    severity: str
    path: Path
    message: str
    position: Position
    hint: str | None = None

    def render(self, source: str, filename: str) -> str:
        lines = source.splitlines()
        where = f"{filename}:{self.position.line}:{self.position.column}"
        text = [f"{where}: {self.severity}: {dotted(self.path)}: {self.message}"]
        if 0 < self.position.line <= len(lines):
            text.append("    " + lines[self.position.line - 1])
            text.append("    " + " " * (self.position.column - 1) + "^")
        if self.hint:
            text.append(f"  hint: {self.hint}")
        return "\n".join(text)

    def as_field_error(self) -> FieldError:
        return FieldError(
            location=self.path,
            message=self.message,
            extra={
                "line": self.position.line,
                "column": self.position.column,
                "severity": self.severity,
                **({"hint": self.hint} if self.hint else {}),
            },
        )


@dataclass(frozen=True)
class CheckedPolicy:
    """A policy source that validated, with the warnings it raised."""

    document: PolicyDocument
    source: str
    sha256: str
    warnings: tuple[Problem, ...]


def dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "(document)"


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def check_policy(
    source: str,
    *,
    filename: str = "policy.yaml",
    known_detectors: Iterable[str] | None = None,
    warnings_as_errors: bool = False,
) -> CheckedPolicy:
    """Validate ``source``; raise PolicyInvalid listing every problem, rendered and located."""
    problems = _problems(source, known_detectors)
    errors = [p for p in problems if p.severity == "error" or warnings_as_errors]
    if errors:
        rendered = "\n".join(p.render(source, filename) for p in errors)
        raise PolicyInvalid(
            f"{len(errors)} problem(s) in {filename}:\n{rendered}",
            [p.as_field_error() for p in errors],
        )
    document = PolicyDocument.model_validate(_normalise(load_yaml(source).data))
    return CheckedPolicy(
        document=document,
        source=source,
        sha256=hashlib.sha256(source.encode()).hexdigest(),
        warnings=tuple(problems),
    )


def _problems(source: str, known_detectors: Iterable[str] | None) -> list[Problem]:
    try:
        loaded = load_yaml(source)
    except YamlSyntaxError as exc:
        return [Problem("error", (), f"not valid YAML: {exc}", exc.position)]
    if not isinstance(loaded.data, dict) or "rules" not in loaded.data:
        return [Problem("error", (), "a policy is a mapping with a 'rules' list", Position(1, 1))]
    problems = [
        Problem("error", path, "key given twice", loaded.position(path, key=True))
        for path in loaded.duplicate_keys
    ]
    problems += _schema_problems(loaded)
    if not problems:
        problems += _semantic_problems(loaded, known_detectors)
    return problems


def _normalise(data: Any) -> Any:
    """Turn the friendly YAML shapes into the model's: one value or a list; 'then' shorthands."""
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        return data
    rules = []
    for rule in data["rules"]:
        if isinstance(rule, dict):
            rule = dict(rule)
            if isinstance(rule.get("then"), list):
                rule["then"] = [_action(item) for item in rule["then"]]
            if isinstance(rule.get("when"), dict):
                rule["when"] = _listify_when(rule["when"])
            if isinstance(rule.get("tags"), str):
                rule["tags"] = [rule["tags"]]
        rules.append(rule)
    return {**data, "rules": rules}


def _action(item: Any) -> Any:
    if isinstance(item, str):
        return {"name": item}
    if isinstance(item, dict) and len(item) == 1:
        ((name, params),) = item.items()
        return {"name": name, "params": params if params is not None else {}}
    return item


def _listify_when(when: dict[str, Any]) -> dict[str, Any]:
    when = dict(when)
    for listed in ("event_type", "conversation_kind", "relationship", "stream_audience"):
        if isinstance(when.get(listed), str):
            when[listed] = [when[listed]]
    for side in ("actor", "target"):
        part = when.get(side)
        if isinstance(part, dict) and isinstance(part.get("age_band"), str):
            when[side] = {**part, "age_band": [part["age_band"]]}
    return when


def _model_path(loc: tuple[Any, ...]) -> Path:
    """Map a pydantic error location back to a YAML path (an action's 'name' is the item)."""
    path: list[str | int] = []
    for part in loc:
        if part in ("name", "params") and len(path) >= 2 and path[-2] == "then":
            break
        path.append(part if isinstance(part, int) else str(part))
    return tuple(path)


def _schema_problems(loaded: LoadedYaml) -> list[Problem]:
    try:
        PolicyDocument.model_validate(_normalise(loaded.data))
    except ValidationError as exc:
        return [_problem_for(error, loaded) for error in exc.errors(include_url=False)]
    return []


def _problem_for(error: Any, loaded: LoadedYaml) -> Problem:
    path = _model_path(tuple(error["loc"]))
    kind = error["type"]
    if kind == "extra_forbidden":
        choices = _fields_at(tuple(error["loc"][:-1]))
        return Problem(
            "error",
            path,
            "unknown field",
            loaded.position(path, key=True),
            did_you_mean(str(path[-1]), choices),
        )
    if kind == "missing":
        return Problem("error", path, "required field is missing", loaded.position(path[:-1]))
    hint = None
    expected = (error.get("ctx") or {}).get("expected")
    if expected:
        words = [w.strip(" '") for w in expected.replace(" or ", ",").split(",")]
        hint = did_you_mean(str(error.get("input")), words) or f"expected {expected}"
    return Problem("error", path, error["msg"].lower(), loaded.position(path), hint)


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    """Names of the fields the model accepts at a location, for 'did you mean'."""
    model: type[BaseModel] | None = PolicyDocument
    for part in loc:
        if model is None or isinstance(part, int):
            continue
        info = model.model_fields.get(str(part))
        model = _inner_model(info.annotation) if info else None
    return list(model.model_fields) if model else []


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found:
            return found
    return None


def _semantic_problems(loaded: LoadedYaml, known_detectors: Iterable[str] | None) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    detectors = set(known_detectors) if known_detectors is not None else None
    for i, rule in enumerate(loaded.data["rules"]):
        name = rule["name"]
        if name in seen:
            problems.append(
                Problem(
                    "error",
                    ("rules", i, "name"),
                    f"rule name '{name}' is used by rules[{seen[name]}] too",
                    loaded.position(("rules", i, "name")),
                )
            )
        seen.setdefault(name, i)
        problems += _action_problems(i, rule, loaded)
        problems += _detector_problems(i, rule, loaded, detectors)
    return problems


def _action_problems(i: int, rule: dict[str, Any], loaded: LoadedYaml) -> list[Problem]:
    problems = []
    if not rule["then"]:
        problems.append(
            Problem(
                "error",
                ("rules", i, "then"),
                "a rule needs at least one action",
                loaded.position(("rules", i, "then")),
            )
        )
    for j, item in enumerate(_normalise({"rules": [rule]})["rules"][0]["then"]):
        problems += _param_problems(("rules", i, "then", j, item["name"]), item, loaded)
    return problems


def _param_problems(base: Path, item: dict[str, Any], loaded: LoadedYaml) -> list[Problem]:
    model = ACTION_PARAMETERS.get(ActionName(item["name"]))
    params = item.get("params", {})
    if model is None:
        return (
            []
            if not params
            else [
                Problem(
                    "error",
                    base,
                    f"action {item['name']} takes no parameters",
                    loaded.position(base),
                )
            ]
        )
    if not isinstance(params, dict):
        return [Problem("error", base, "parameters must be a mapping", loaded.position(base))]
    try:
        model.model_validate(params)
    except ValidationError as exc:
        return [
            _param_problem(base, error, model, loaded) for error in exc.errors(include_url=False)
        ]
    return []


def _param_problem(base: Path, error: Any, model: type[BaseModel], loaded: LoadedYaml) -> Problem:
    path = (*base, *error["loc"])
    if error["type"] == "extra_forbidden":
        name = str(error["loc"][-1])
        return Problem(
            "error",
            path,
            f"action {base[-1]} takes no parameter '{name}'",
            loaded.position(path, key=True),
            did_you_mean(name, model.model_fields) or f"it takes: {', '.join(model.model_fields)}",
        )
    if error["type"] == "string_pattern_mismatch":
        return _pattern_problem(path, error, model, loaded)
    return Problem("error", path, error["msg"].lower(), loaded.position(path))


def _pattern_problem(path: Path, error: Any, model: type[BaseModel], loaded: LoadedYaml) -> Problem:
    """A name outside its closed pattern; the hint is the field's own words on what it may be
    (repr keeps a CR or LF in the value from breaking the message's lines)."""
    field = model.model_fields.get(str(error["loc"][0]))
    message = f"{error['input']!r} is not an allowed {error['loc'][0]}"
    return Problem("error", path, message, loaded.position(path), field and field.description)


def _detector_problems(
    i: int, rule: dict[str, Any], loaded: LoadedYaml, detectors: set[str] | None
) -> list[Problem]:
    signal = (rule.get("when") or {}).get("signal") or {}
    name = signal.get("detector")
    if detectors is None or name is None or name in detectors:
        return []
    path = ("rules", i, "when", "signal", "detector")
    return [
        Problem(
            "warning",
            path,
            f"no detector named '{name}' is installed and enabled",
            loaded.position(path),
            did_you_mean(name, detectors),
        )
    ]
