"""A plugin adds an effect handler through the ``safeguarding.effects`` entry-point group.

The entry points here are real ``importlib.metadata.EntryPoint`` objects naming classes in this
module, passed to the registry as a list (no test distribution is installed): the registry
loads and checks them exactly as it does the installed ones.
"""

from __future__ import annotations

import json
from importlib.metadata import EntryPoint
from typing import Any, ClassVar

import pytest

from safeguarding.domain.access import Role
from safeguarding.domain.actions import ActionName, OpenCaseParams
from safeguarding.domain.cases import CaseStatus
from safeguarding.domain.effects import SideEffect
from safeguarding.domain.errors import InvalidInput
from safeguarding.plugins import EFFECTS_GROUP
from safeguarding.ports.effects import EffectWork
from safeguarding.services import effect_handlers
from safeguarding.services.outbox import EffectHandlerFailed
from tests.conftest import auth
from tests.factories import BASE, report
from tests.services.test_outbox import stored_outbox
from tests.test_docs import code_blocks, doc, section

pytestmark = pytest.mark.anyio


class CaseTally:
    """Stands in for a platform's plugin: it sees every case opened and every suspension."""

    actions = frozenset({ActionName.OPEN_CASE, ActionName.SUSPEND_ACCOUNT})
    seen: ClassVar[list[SideEffect]] = []

    def handle(self, uow: EffectWork, effect: SideEffect) -> str:
        CaseTally.seen.append(effect)
        return "tallied"


class Broken(CaseTally):
    def handle(self, uow: EffectWork, effect: SideEffect) -> str:
        raise RuntimeError("the plugin's own fault")


class NoActions:
    def handle(self, uow: EffectWork, effect: SideEffect) -> str:
        return "never"


class DecidesVerdicts(CaseTally):
    actions = frozenset({ActionName.BLOCK})


def fails_to_build() -> CaseTally:
    raise OSError("no config file")


def point(name: str, target: str) -> EntryPoint:
    return EntryPoint(name=name, value=f"{__name__}:{target}", group=EFFECTS_GROUP)


async def test_a_plugin_handler_runs_beside_the_built_in_one_in_its_transaction(
    container, client, keys
) -> None:
    CaseTally.seen = []
    container.outbox.plugins = effect_handlers.by_action(
        effect_handlers.discover([point("case_tally", "CaseTally")])
    )
    sent = report("kid", "adult", "grooming")
    answer = await client.post("/v1/events", json=sent, headers=auth(keys[Role.PLATFORM]))
    assert answer.status_code == 200, answer.text
    container.outbox.run_once()
    (effect,) = CaseTally.seen
    assert (effect.action, effect.event_id, effect.subject) == (
        ActionName.OPEN_CASE,
        sent["event_id"],
        "adult",
    )
    assert isinstance(effect.params, OpenCaseParams)
    results = [i.result for i in stored_outbox(container) if i.kind == "open_case"]
    assert [r.split("; ")[-1] for r in results] == ["case_tally: tallied"]


async def test_a_failing_plugin_rolls_the_item_back_and_is_named(container, client, keys) -> None:
    container.outbox.plugins = effect_handlers.by_action(
        effect_handlers.discover([point("broken_tally", "Broken")])
    )
    sent = report("kid", "adult", "grooming")
    await client.post("/v1/events", json=sent, headers=auth(keys[Role.PLATFORM]))
    with pytest.raises(EffectHandlerFailed, match="effect handler broken_tally failed"):
        container.outbox.run_once()
    with container.store.read() as uow:
        assert uow.cases.listed(list(CaseStatus), 10) == []  # the built-in's case went with it
        assert uow.outbox.pending() >= 1


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        ("NoActions", "is not an EffectHandler"),
        ("DecidesVerdicts", "names actions without a side effect: block"),
        ("fails_to_build", "could not be built: OSError"),
        ("Missing", "could not be built: AttributeError"),
    ],
)
def test_a_wrong_plugin_stops_start_up_with_its_name(target: str, problem: str) -> None:
    with pytest.raises(InvalidInput, match=f"effect handler wrong_one .*{problem}"):
        effect_handlers.discover([point("wrong_one", target)])


def test_two_plugins_of_one_name_stop_start_up() -> None:
    twins = [point("tally", "CaseTally"), point("tally", "CaseTally")]
    with pytest.raises(InvalidInput, match="two installed effect handlers are named 'tally'"):
        effect_handlers.discover(twins)


def test_nothing_is_installed_in_the_group_by_default() -> None:
    assert effect_handlers.discover() == {}


def test_the_documented_example_is_an_effect_handler(tmp_path) -> None:
    documented = section(doc("architecture.md"), "## Adding an effect handler")
    (snippet,) = code_blocks(documented, "python")
    namespace: dict[str, Any] = {}
    exec(snippet, namespace)
    handler = namespace["SuspensionLog"](tmp_path / "suspensions.jsonl")
    assert effect_handlers.by_action({"suspension_log": handler}) == {
        ActionName.SUSPEND_ACCOUNT: [("suspension_log", handler)]
    }
    effect = SideEffect.from_stored(
        item_id="obx_1",
        kind="suspend_account",
        event_id="e1",
        created_at=BASE,
        payload={"actor_id": "kid", "subject_account_id": "adult", "rule": "r"},
    )
    assert handler.handle(None, effect) == "logged"
    line = json.loads((tmp_path / "suspensions.jsonl").read_text())
    assert line == {"delivery_id": "obx_1", "account_id": "adult", "event_id": "e1", "rule": "r"}
    assert 'suspension_log = "my_package.effects:SuspensionLog"' in documented
