"""A sidecar's text into raw `key -> value` pairs: safe YAML without aliases or deep nesting, or plain lines.

Archivists write `title: Letter: from Moscow` and `access:<TAB>restricted`, which YAML refuses. When YAML fails,
the sidecar is read again as plain `key: value` lines, split at the first colon; that reading is used only if
every non-blank, non-comment line is such a line. Otherwise `Unreadable` is raised and the item fails closed.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode

from samizdat.archivist.files import Unreadable

MAX_DEPTH = 3  # the mapping, a list or mapping as a value, and one level inside that
MAX_NODES = 10_000

# `key: value`: the key a word (letters, digits, `_`, `-`, `.`, spaces; `dc:` / `dcterms:` allowed before it),
# then a colon, then nothing or blanks (tabs too) and the value, taken as written.
_LINE = re.compile(
    r"^(?P<key>(?:(?:dc|dcterms):)?[^\W\d][\w .\-]{0,63}?)[ \t]*:(?:[ \t]+(?P<value>.*?))?[ \t]*$", re.IGNORECASE
)
# A plain value with ` #` in it: YAML drops what follows as a comment (`title: Letter #3` -> `Letter`).
_COMMENT_IN_VALUE = re.compile(r"^([^\s#:][^:\n]*):[ \t]+[^\s'\"\[{|>&*!#][^#\n]*?[ \t]#", re.MULTILINE)


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases (billion laughs), deep nesting, too many nodes and duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()
        if self.check_event(yaml.AliasEvent):
            raise ComposerError(None, None, "aliases (*name) are not allowed in a sidecar", event.start_mark)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise ComposerError(None, None, f"more than {MAX_NODES:,} values", event.start_mark)
        nested = self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent)
        self._depth += nested
        try:
            if self._depth > MAX_DEPTH:
                raise ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= nested

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        if len(mapping) < len(node.value):
            seen: set[str] = set()
            for key_node, _ in node.value:
                key = key_node.value if isinstance(key_node, ScalarNode) else "?"
                if key in seen:
                    raise ConstructorError(None, None, f"the key '{key}' appears twice", key_node.start_mark)
                seen.add(key)
            raise ConstructorError(None, None, "a key appears twice", node.start_mark)
        return mapping


def load_sidecar(text: str) -> tuple[dict[Any, Any], str | None]:
    """The sidecar's pairs, and a note when they were read as plain lines because YAML refused the text."""
    try:
        document = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        detail = _yaml_problem(error)
        refused = isinstance(error, ComposerError | ConstructorError)
        pairs = None if refused else _plain_lines(text)
        if pairs is None:
            raise Unreadable(detail) from None
        return pairs, f"is not valid YAML ({detail}); each line was read as plain 'key: value' text"
    except (ValueError, RecursionError, MemoryError) as error:  # e.g. an integer of 5,000 digits
        raise Unreadable(f"{type(error).__name__}: {str(error)[:120]}") from None
    if document is None:
        return {}, None
    if not isinstance(document, dict):
        raise Unreadable(f"expected 'key: value' lines, found a {_type_name(document)}")
    return document, None


def comment_warnings(text: str) -> list[str]:
    """Lines where YAML read part of a plain value as a comment (`title: Letter #3` is read as `Letter`)."""
    return [m.group(1).strip() for m in _COMMENT_IN_VALUE.finditer(text)]


def _plain_lines(text: str) -> dict[str, str | None] | None:
    pairs: dict[str, str | None] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None or match.group("key").strip() in pairs:
            return None
        pairs[match.group("key").strip()] = match.group("value") or None
    return pairs


def _yaml_problem(error: yaml.YAMLError) -> str:
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "not YAML"
        return f"line {mark.line + 1}: {problem}" if mark is not None else problem
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _type_name(value: Any) -> str:
    names: dict[type, str] = {list: "list", dict: "mapping", str: "single text"}
    return names.get(type(value), type(value).__name__)
