"""Every JSON example in docs/events.md and docs/api.md, sent to a real server.

Each example block is preceded by a marker saying what it is::

    <!-- example id=NAME send="POST /v1/events" as=platform status=200 -->

- ``send``, ``as``, ``status``: send a request with a key of that role and expect that status.
  The block is the request body, unless it is an ``answer``; ``body=ID`` sends another
  example's block instead (a ```yaml block as application/yaml).
- ``answer``: the block is the answer the request gets; ``of=ID`` says it is the answer of an
  earlier example's request, which is not sent again.
- ``compare=keys`` checks only that the answer has the fields the block shows (at every
  depth; lists by their first item); otherwise values must be equal too, where a string with
  ``...`` stands for any text there, and ``ignore=a,b`` names fields whose values vary (ids,
  times, secrets).
- ``poll``: the answer comes from the outbox moments later, so the request is repeated (for
  at most 20 s) until it matches.

The blocks run in document order, events.md first, all against one server whose SHA-256 list
holds the hash of the "With bytes" example's image.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shlex
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from safeguarding.domain.access import Role
from tests.servers import RunningServer, running_server

pytestmark = pytest.mark.server
DOCS = Path(__file__).parents[1] / "docs"
ORDER = ("events.md", "api.md")
BLOCK = re.compile(
    r"(?:^<!-- example (?P<attrs>.*?) -->\n)?^```(?P<lang>json|yaml)\n(?P<text>.*?)^```",
    re.M | re.S,
)
POLL_SECONDS = 20.0


@dataclass(frozen=True)
class Example:
    """One marked block: where it is, what its marker says, and its text."""

    where: str
    attrs: dict[str, str]
    language: str
    text: str

    @property
    def data(self) -> Any:
        return json.loads(self.text)


def examples(name: str) -> list[Example]:
    text = (DOCS / name).read_text()
    found = []
    for match in BLOCK.finditer(text):
        attrs = dict(pair.partition("=")[::2] for pair in shlex.split(match["attrs"] or ""))
        where = f"{name}:{text.count(chr(10), 0, match.start()) + 1}"
        found.append(Example(where, attrs, match["lang"], match["text"]))
    return found


def all_examples() -> Iterator[Example]:
    for name in ORDER:
        yield from examples(name)


def differences(doc: Any, real: Any, path: str, keys_only: bool, ignore: set[str]) -> list[str]:
    """Where ``real`` differs from what the doc shows (empty when it is as documented)."""
    if isinstance(doc, dict):
        if not isinstance(real, dict):
            return [f"{path}: the doc shows an object, the server answered {real!r}"]
        found = [] if set(doc) == set(real) else [f"{path}: fields {sorted(doc)} != {sorted(real)}"]
        for key in doc.keys() & real.keys() - ignore:
            found += differences(doc[key], real[key], f"{path}.{key}", keys_only, ignore)
        return found
    if isinstance(doc, list):
        if not isinstance(real, list):
            return [f"{path}: the doc shows a list, the server answered {real!r}"]
        if keys_only:
            pairs = list(zip(doc[:1], real[:1], strict=False))
        elif len(doc) != len(real):
            return [f"{path}: {len(doc)} items documented, {len(real)} answered: {real!r}"]
        else:
            pairs = list(zip(doc, real, strict=True))
        return [
            d
            for n, (a, b) in enumerate(pairs)
            for d in differences(a, b, f"{path}[{n}]", keys_only, ignore)
        ]
    if keys_only or doc == real:
        return []
    if isinstance(doc, str) and "..." in doc and isinstance(real, str):
        pattern = ".*".join(re.escape(part) for part in doc.split("..."))
        return [] if re.fullmatch(pattern, real, re.S) else [f"{path}: {real!r} is not {doc!r}"]
    return [f"{path}: documented {doc!r}, answered {real!r}"]


def compared(example: Example, answer: Any) -> list[str]:
    ignore = set(filter(None, example.attrs.get("ignore", "").split(",")))
    keys_only = example.attrs.get("compare") == "keys"
    return differences(example.data, answer, "answer", keys_only, ignore)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A real server whose SHA-256 list holds the hash of the documented upload."""
    workdir = tmp_path_factory.mktemp("doc-examples")
    upload = next(e for e in examples("events.md") if e.attrs.get("id") == "media-bytes")
    digest = hashlib.sha256(base64.b64decode(upload.data["content_base64"])).hexdigest()
    (workdir / "known.txt").write_text(digest + "\n")
    settings = {"sha256_list_path": str(workdir / "known.txt")}
    with running_server(workdir, settings=settings) as running:
        yield running


def request(
    http: httpx.Client, server: RunningServer, example: Example, blocks: dict[str, Example]
) -> httpx.Response:
    method, path = example.attrs["send"].split(" ", 1)
    headers = server.auth(Role(example.attrs["as"]))
    source = blocks[example.attrs["body"]] if "body" in example.attrs else None
    if source is None and "answer" not in example.attrs:
        source = example
    if source is None:
        return http.request(method, path, headers=headers)
    if source.language == "yaml":
        headers["Content-Type"] = "application/yaml"
        return http.request(method, path, headers=headers, content=source.text.encode())
    return http.request(method, path, headers=headers, json=source.data)


def sent(
    http: httpx.Client, server: RunningServer, example: Example, blocks: dict[str, Example]
) -> httpx.Response:
    """The answer to the example's request; repeated while it differs, for a ``poll`` one."""
    deadline = time.monotonic() + POLL_SECONDS
    while True:
        response = request(http, server, example, blocks)
        settled = "answer" not in example.attrs or not compared(example, response.json())
        if "poll" not in example.attrs or settled or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def test_every_json_example_is_marked() -> None:
    unmarked = [e.where for e in all_examples() if e.language == "json" and not e.attrs]
    assert unmarked == []


def test_every_example_gets_the_documented_answer(server: RunningServer) -> None:
    blocks: dict[str, Example] = {}
    answers: dict[str, Any] = {}
    wrong: list[str] = []
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        for example in all_examples():
            if "id" in example.attrs:
                blocks[example.attrs["id"]] = example
            if "send" in example.attrs:
                response = sent(http, server, example, blocks)
                answers[example.attrs.get("id", example.where)] = response.json()
                if response.status_code != int(example.attrs["status"]):
                    wrong.append(f"{example.where}: {response.status_code} {response.text[:300]}")
                    continue
            if "answer" in example.attrs:
                answer = answers[example.attrs.get("of", example.attrs.get("id", example.where))]
                wrong += [f"{example.where}: {d}" for d in compared(example, answer)]
    assert wrong == [], "\n".join(wrong)
