"""Read policy YAML into plain data while keeping the line and column of every field.

PyYAML's composer gives each node its source position; we walk the node tree
ourselves so validation errors can point at the exact key or value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    """A 1-based line and column in the policy source."""

    line: int
    column: int


@dataclass
class LoadedYaml:
    """Plain data plus where each path's key and value came from."""

    data: Any
    key_positions: dict[Path, Position] = field(default_factory=dict)
    value_positions: dict[Path, Position] = field(default_factory=dict)
    duplicate_keys: list[Path] = field(default_factory=list)

    def position(self, path: Path, *, key: bool = False) -> Position:
        """The closest known position for a path: the path itself, else its nearest parent."""
        table = self.key_positions if key else self.value_positions
        for end in range(len(path), -1, -1):
            found = table.get(path[:end]) or self.value_positions.get(path[:end])
            if found:
                return found
        return Position(1, 1)


class YamlSyntaxError(ValueError):
    """The text is not YAML; carries the position the parser stopped at."""

    def __init__(self, message: str, position: Position) -> None:
        super().__init__(message)
        self.position = position


MAX_NODES = 20_000  # a policy is a few hundred nodes; aliases must not multiply it
MAX_DEPTH = 64


def load_yaml(text: str) -> LoadedYaml:
    """Parse ``text``; every failure, hostile input included, is a YamlSyntaxError."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        loaded = LoadedYaml(data=None)
        if root is not None:
            loaded.data = _walk(root, (), loaded, _Budget())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)
        raise YamlSyntaxError(str(exc.problem or exc), where) from exc
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        raise YamlSyntaxError(str(exc).splitlines()[0], Position(1, 1)) from exc
    except RecursionError as exc:
        raise YamlSyntaxError("the document is nested too deeply", Position(1, 1)) from exc
    return loaded


class _Budget:
    """Counts nodes as they are expanded, so an alias bomb stops early instead of eating memory."""

    def __init__(self) -> None:
        self.nodes = 0

    def spend(self, node: Node, depth: int) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise YamlSyntaxError(
                f"the document expands to over {MAX_NODES} values (too large, or too many aliases)",
                _mark(node),
            )
        if depth > MAX_DEPTH:
            raise YamlSyntaxError(
                f"the document is nested over {MAX_DEPTH} levels deep", _mark(node)
            )


def _mark(node: Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


def _walk(node: Node, path: Path, out: LoadedYaml, budget: _Budget) -> Any:
    budget.spend(node, len(path))
    out.value_positions.setdefault(path, _mark(node))
    if isinstance(node, MappingNode):
        return _walk_mapping(node, path, out, budget)
    if isinstance(node, SequenceNode):
        return [_walk(child, (*path, i), out, budget) for i, child in enumerate(node.value)]
    assert isinstance(node, ScalarNode)
    return _scalar(node)


def _walk_mapping(
    node: MappingNode, path: Path, out: LoadedYaml, budget: _Budget
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, ScalarNode):
            raise YamlSyntaxError(
                "a key must be a plain name, not a list or mapping", _mark(key_node)
            )
        key = str(_scalar(key_node))
        child = (*path, key)
        if key in result:
            out.duplicate_keys.append(child)
        out.key_positions[child] = _mark(key_node)
        out.value_positions[child] = _mark(value_node)
        result[key] = _walk(value_node, child, out, budget)
    return result


def _scalar(node: ScalarNode) -> Any:
    # YAML 1.1 reads 13_15 as the integer 1315; in a policy that is always the age band.
    if node.tag == "tag:yaml.org,2002:int" and "_" in node.value:
        return node.value
    # SafeLoader's resolver decided the tag (int, float, bool, null, str); construct by it.
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()
