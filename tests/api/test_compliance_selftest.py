"""The child-safe defaults measure reads behaviour: the adversary's shortest sequences run against
the live policy in a scratch transaction, and the API, the page and the CLI name the sequence that
got through. Nothing of the run is kept: no event, account, case or audit record.
"""

from __future__ import annotations

import httpx
import pytest

from safeguarding.adapters.http.app import create_app
from safeguarding.bootstrap import Container
from safeguarding.domain.access import Role
from safeguarding.services.policy import default_policy_source
from safeguarding.services.selftest import SEQUENCES
from tests.conftest import auth
from tests.web.conftest import key
from tests.web.session import browser

pytestmark = pytest.mark.anyio
YAML = {"Content-Type": "application/yaml"}

# Tagged and enforced, so a configuration count calls the defaults met; but it stops nothing.
DECOY = """  - name: child-safe-default-in-name-only
    description: Tagged as a child-safe default, but it only reads livestreams.
    tags: [child_safety_default]
    when:
      event_type: livestream_start
      actor: {age_band: adult}
    then: [hold_for_review]

"""


def decoy_policy() -> str:
    """The default policy with its child-safe defaults (the live-stream ones too) swapped for
    the decoy."""
    source = default_policy_source()
    start = source.index("  # -- Child-safe defaults")
    end = source.index("  # -- Self-harm")
    return source[:start] + DECOY + source[end : source.index("  # -- Live streams")]


async def grooming_measure(client: httpx.AsyncClient, keys) -> dict:
    answer = await client.get("/v1/compliance", headers=auth(keys[Role.REGULATOR]))
    assert answer.status_code == 200, answer.text
    (found,) = [m for m in answer.json()["measures"] if m["id"] == "grooming_defaults"]
    return found


def trace(container: Container) -> tuple:
    """What a run would leave if it were kept: events, cases, accounts, decision records."""
    with container.store.read() as uow:
        counts = uow.figures.counts()
        decided = [r.seq for r in uow.audit.records() if r.action == "decisions"]
        return counts.events_by_type, counts.cases_by_queue, decided


async def test_defaults_that_stop_nothing_fail_and_the_sequence_is_named(
    client: httpx.AsyncClient, keys, container: Container
) -> None:
    put = await client.put(
        "/v1/policy", content=decoy_policy(), headers={**auth(keys[Role.ADMIN]), **YAML}
    )
    assert put.status_code == 200, put.text
    before = trace(container)
    found = await grooming_measure(client, keys)
    assert found["met"] is False
    first = '"contact request, then a message": the adult\'s contact request to the child'
    assert first + " was answered allow" in found["evidence"]
    assert '"a message without a request"' in found["evidence"]
    assert first in found["how_to_meet"]
    assert "1 of 1 child-safe defaults enforced" in found["evidence"]  # configuration says yes
    # the web page says the same
    page_app = create_app(container, run_outbox_worker=False)
    async with browser(page_app, key(container, Role.ADMIN)) as ui:
        page = (await ui.get("/ui/compliance")).text
    assert "contact request, then a message" in page.replace("&#34;", '"').replace("&#39;", "'")
    # nothing of the runs was kept
    assert trace(container) == before


async def test_the_self_test_runs_every_sequence_and_keeps_nothing(container: Container) -> None:
    selftest = container.compliance.selftest
    assert selftest is not None
    issued: list[str] = []
    real = selftest.ids

    class Recording:
        def new(self, prefix: str) -> str:
            issued.append(real.new(prefix))
            return issued[-1]

    selftest.ids = Recording()
    before = trace(container)
    outcomes = selftest.run()
    assert [o.name for o in outcomes] == [s.name for s in SEQUENCES]
    assert {o.name for o in outcomes if o.stopped} >= {
        "a message without a request",
        "an image",
        "after a restriction, a message to another child",
    }
    assert trace(container) == before
    with container.store.read() as uow:
        assert uow.accounts.get(issued) == {}
        assert uow.events.find(issued) == {}
        assert uow.accounts.restrictions_of(issued) == set()


async def test_the_default_policy_stops_every_sequence_and_the_measure_is_met(
    client: httpx.AsyncClient, keys
) -> None:
    found = await grooming_measure(client, keys)
    assert "7 of 7 sequences stopped" in found["evidence"], found["evidence"]
    assert found["met"] is True
