"""Reading a config's YAML within bounds: a few aliases, a sane size once expanded, a sane
depth.

YAML aliases make a small file stand for a huge value (nine aliases nine levels deep are 9⁹
strings), and PyYAML builds it without a limit. The document is composed into nodes first;
its aliases are counted as they are read, and its size is counted with every alias
expanded (each node's size once, so the count itself stays cheap) before any Python value is
built. A config never needs more: its anchors save typing, not megabytes.
"""

from __future__ import annotations

from typing import Any

import yaml

from briefing.errors import ConfigError

MAX_CONFIG_BYTES = 1_000_000  # the file itself
MAX_ALIASES = 50  # alias uses (``*name``) in one config
MAX_NODES = 100_000  # values (strings, numbers, lists, mappings) once aliases are expanded
MAX_DEPTH = 64  # lists and mappings inside one another
MAX_STRING = 100_000  # characters in one string, aliases expanded or not


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader counting alias uses and nesting as it composes."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.aliases = 0
        self.depth = 0

    def compose_node(self, parent, index):  # noqa: ANN001 (PyYAML's signature)
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise _refusal(f"it uses more than {MAX_ALIASES} aliases",
                               self.peek_event().start_mark)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _refusal(f"it nests lists or mappings more than {MAX_DEPTH} deep",
                               self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def load_config_yaml(text: str) -> Any:
    """The value of a config's YAML text; ConfigError (one line) for text that is not YAML or
    that is beyond the bounds above."""
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigError(f"config is over {MAX_CONFIG_BYTES:,} characters; nothing a config "
                          "needs is that large")
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_size(node)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"config is not valid YAML{where}: {problem}") from None
    finally:
        loader.dispose()


def _check_size(root: yaml.Node) -> None:
    """Refuse a document of more than MAX_NODES values with its aliases expanded, or with a
    string over MAX_STRING characters. Each node's expanded size is worked out once (nodes
    an alias shares are the same objects), children before parents, without recursion."""
    sizes: dict[int, int] = {}
    opened: set[int] = set()  # nodes whose children are being added up
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes or (id(node) in opened and not children_done):
            continue
        if isinstance(node, yaml.ScalarNode):
            if len(node.value) > MAX_STRING:
                raise _refusal(f"a value is over {MAX_STRING:,} characters", node.start_mark)
            sizes[id(node)] = 1
            continue
        children = _children(node)
        if not children_done:
            opened.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
            continue
        # Every child is added up before its parent, unless it contains the parent.
        if any(id(child) not in sizes for child in children):
            raise _refusal("an alias refers to a value it is part of", node.start_mark)
        total = 1 + sum(sizes[id(child)] for child in children)
        if total > MAX_NODES:
            raise _refusal(f"it stands for more than {MAX_NODES:,} values once its aliases "
                           "are expanded", node.start_mark)
        sizes[id(node)] = total


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value)


def _refusal(reason: str, mark: Any) -> ConfigError:
    where = f" (line {mark.line + 1})" if mark is not None else ""
    return ConfigError(f"config refused{where}: {reason}")
