"""What the self-harm tests share: the dataset folder, its splits, the fitting script and
one example text per class (used by the detector, policy and retention tests).

Texts here show warning signs only in general words; none describes a method.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).parents[2]
DATA = ROOT / "datasets" / "self_harm"
VEILED = "ive written letters to everyone and given my stuff away. wont be a problem much longer"


def read_split(name: str) -> tuple[list[str], list[str]]:
    texts = [json.loads(line) for line in (DATA / f"{name}.texts.jsonl").open(encoding="utf-8")]
    labels = {r["id"]: r["label"] for r in map(json.loads, (DATA / f"{name}.labels.jsonl").open())}
    return [r["text"] for r in texts], [labels[r["id"]] for r in texts]


def load_fit_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "fit_self_harm", ROOT / "scripts" / "fit_self_harm.py"
    )
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["fit_self_harm"] = module
    spec.loader.exec_module(module)
    return module


# One example per class, shared with the policy tests (tests/api/test_self_harm_policy.py).
ACTION_EXAMPLES = {
    "ideation": "honestly i just want to unalive myself, i dont see the point anymore",
    "intent_or_plan": "this is my last post. ive written letters to everyone. goodbye tonight",
    "self_harm_disclosure": "i self harmed again last night. i keep doing it",
    "encouragement": "kys nobody would miss you. just do it already",
}
NO_ACTION_EXAMPLES = {
    "recovery_support": "one year self harm free today. if youre struggling, talk to someone",
    "news_or_education": "a new study reports that rates of self-harm among teenagers have risen",
    "idiom_or_hyperbole": "this homework is killing me lol",
}
