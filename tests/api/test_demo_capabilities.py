"""A fresh `safeguarding demo` holds one of each of issue #21's capabilities (a URL-list match,
a child's live stream with a stranger's comment blocked, an intimate-image bank match), and
each works through ``POST /v1/events`` on it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from safeguarding.adapters.cli.demo import run_demo
from safeguarding.bootstrap import Container
from safeguarding.demo import image_bytes
from tests.api.platform_api import Api, api_over
from tests.factories import media, message, profile


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[Container, Api]]:
    container = run_demo(tmp_path / "demo")
    try:
        for api in api_over(container):
            yield container, api
    finally:
        container.close()


def rules_of(container: Container, event_id: str) -> tuple[str, list[str]]:
    with container.store.read() as uow:
        _, decision = uow.events.decisions([event_id])[event_id]
    return decision.verdict.value, [r.rule for r in decision.rules]


def test_the_demo_holds_one_of_each(demo: tuple[Container, Api]) -> None:
    container, _ = demo
    assert rules_of(container, "demo-post-listed-link") == ("block", ["listed-abuse-url"])
    assert rules_of(container, "demo-live-1-start") == ("allow", ["child-starts-public-livestream"])
    assert rules_of(container, "demo-live-3-comment") == ("allow", [])  # her friend
    assert rules_of(container, "demo-live-5-comment") == (
        "block",
        ["adult-livestream-interaction-with-unconnected-child"],
    )
    assert rules_of(container, "demo-upload-shared") == ("block", ["known-intimate-image"])
    cases = {c.queue: c for c in container.review.queue(100)}
    assert cases["intimate_image_abuse"].takedown_by is not None
    assert cases["intimate_image_abuse"].report_to_authority is False


def test_each_works_through_the_events_api_on_the_fresh_demo(
    demo: tuple[Container, Api],
) -> None:
    _, api = demo
    api.send([profile("fresh-adult", 35), profile("fresh-adult-2", 29)])
    picture = image_bytes("shared_benign.png")
    shared = {  # the platform sends the MD5 with the bytes, as a StopNCII member would
        **media("fresh-adult", picture, to="fresh-adult-2"),
        "hashes": {"md5": hashlib.md5(picture).hexdigest()},
    }
    link = message("fresh-adult", "fresh-adult-2", "see example . com/listed/demo-page.html")
    comment = {
        "type": "livestream_comment",
        "event_id": "fresh-live-comment",
        "occurred_at": link["occurred_at"],
        "actor_id": "fresh-adult",
        "stream_id": "demo-stream-maya",
        "text": "hello",
    }
    decisions = api.send([shared, link, comment])
    assert [d["verdict"] for d in decisions] == ["block", "block", "block"]
    assert [[r["rule"] for r in d["rules"]] for d in decisions] == [
        ["known-intimate-image"],
        ["listed-abuse-url"],
        ["adult-livestream-interaction-with-unconnected-child"],
    ]
