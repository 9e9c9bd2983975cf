"""Find effect handlers by entry point (``safeguarding.effects``) and check each at start-up.

An entry point that cannot be loaded or called, that does not give an ``EffectHandler``, or
that names actions without a side effect stops start-up with a message naming the plugin, as
the detector registry does (detectors/registry.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from importlib.metadata import EntryPoint, entry_points

from safeguarding.domain.actions import ActionName
from safeguarding.domain.effects import SIDE_EFFECTS
from safeguarding.domain.errors import InvalidInput
from safeguarding.plugins import EFFECTS_GROUP
from safeguarding.ports.effects import EffectHandler


def discover(points: Iterable[EntryPoint] | None = None) -> dict[str, EffectHandler]:
    """Every installed effect handler, built once, by entry point name."""
    found: dict[str, EffectHandler] = {}
    for point in entry_points(group=EFFECTS_GROUP) if points is None else points:
        plugin = f"effect handler {point.name} ({point.value})"
        if point.name in found:
            raise InvalidInput(f"two installed effect handlers are named '{point.name}'")
        try:
            handler = point.load()()
        except Exception as exc:
            raise InvalidInput(f"{plugin} could not be built: {type(exc).__name__}") from exc
        found[point.name] = _checked(plugin, handler)
    return found


def by_action(
    handlers: Mapping[str, EffectHandler],
) -> dict[ActionName, list[tuple[str, EffectHandler]]]:
    """The plugin handlers for each action, in name order (so every process runs them alike)."""
    keyed: dict[ActionName, list[tuple[str, EffectHandler]]] = {}
    for name in sorted(handlers):
        for action in sorted(handlers[name].actions):
            keyed.setdefault(action, []).append((name, handlers[name]))
    return keyed


def _checked(plugin: str, handler: object) -> EffectHandler:
    if not isinstance(handler, EffectHandler) or not callable(handler.handle):
        raise InvalidInput(
            f"{plugin} is not an EffectHandler: it needs `actions` (a frozenset of action "
            "names) and `handle(uow, effect)`"
        )
    actions = handler.actions
    if not isinstance(actions, frozenset) or not actions:
        raise InvalidInput(f"{plugin}: `actions` must be a non-empty frozenset of action names")
    wrong = sorted(str(a) for a in actions if a not in SIDE_EFFECTS)
    if wrong:
        raise InvalidInput(
            f"{plugin} names actions without a side effect: {', '.join(wrong)}; "
            f"it may name {', '.join(sorted(SIDE_EFFECTS))}"
        )
    return handler
