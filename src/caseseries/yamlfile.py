"""Safe YAML reading that remembers the line of every key and item.

Built on PyYAML's safe composer: no tags, no Python objects, nothing executed.
Dates stay strings so that ``2019-04`` and ``2019-04-08`` keep their precision.
Parsed with libyaml when PyYAML has it (about 8x faster: most of `caseseries
validate`'s own time was the pure-Python parser); a file libyaml refuses is parsed
again by the pure-Python parser, whose error wording data/README.md documents.
"""

from __future__ import annotations

from pathlib import Path

import yaml

Path_ = tuple[str | int, ...]


class YamlError(Exception):
    """A file that is not readable YAML; ``line`` is 1-based."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


class _Loader(yaml.SafeLoader):
    pass


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    pass


# Keep ISO dates as text: the case model parses them at their stated precision.
_Loader.yaml_implicit_resolvers = _FastLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path) -> tuple[object, dict[Path_, int]]:
    """Return the document and a map from each key/item path to its 1-based line."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        return _read(_FastLoader(text))
    except YamlError:
        return _read(_Loader(text))  # same verdict, in the documented wording


def _read(loader: _Loader) -> tuple[object, dict[Path_, int]]:
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines: dict[Path_, int] = {}
        data = _build(loader, node, (), lines)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlError(line, f"not valid YAML: {exc.problem or exc}") from None
    finally:
        loader.dispose()
    return data, lines


_PLAIN_TAGS = {"tag:yaml.org,2002:" + t for t in ("map", "seq", "str", "int", "float", "bool", "null")}


def _build(loader: _Loader, node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> object:
    lines[path] = node.start_mark.line + 1
    if node.tag not in _PLAIN_TAGS:
        raise YamlError(lines[path], f"not valid YAML for a case file: tag '{node.tag}' is not allowed")
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int)):
                raise YamlError(key_node.start_mark.line + 1, f"a key must be text, found {key!r}")
            if key in out:
                raise YamlError(key_node.start_mark.line + 1, f"duplicate key '{key}'")
            out[key] = _build(loader, value_node, path + (key,), lines)
            lines[path + (key,)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, path + (i,), lines) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)
