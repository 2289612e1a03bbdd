"""Safe YAML reading that remembers the line of every key and item.

Built on PyYAML's safe parser: no tags, no Python objects, nothing executed.
Dates stay strings so that ``2019-04`` and ``2019-04-08`` keep their precision.
Parsed with libyaml when PyYAML has it (about 8x faster: most of `caseseries
validate`'s own time was the pure-Python parser); a file libyaml refuses is parsed
again by the pure-Python parser, whose error wording data/README.md documents.

A case file is small, plain data, so the reader refuses, each as ``file:LINE: message``
and before building anything from it:

- a file over :data:`MAX_BYTES` (checked on the file's size, then on what is read);
- control characters other than tab, newline and carriage return (NUL, form feed, ESC, ...);
- YAML anchors and aliases (``&x``, ``*x``): no case needs them, and an alias is how a
  35 KB file expands into gigabytes ("billion laughs");
- nesting deeper than :data:`MAX_DEPTH` mappings and lists.

The document is built from the parser's events with an explicit stack (no recursion, no
composed node graph), so time and memory stay proportional to the file's size. An OS error
on the file (a folder named ``x.yaml``, permission denied, a symlink loop) is a
:class:`YamlError` on line 1 naming the problem; a missing file is ``FileNotFoundError`` and
a file that is not UTF-8 ``UnicodeDecodeError``, as before.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

import yaml

Path_ = tuple[str | int, ...]

MAX_BYTES = 2 * 1024 * 1024  # 2 MB: the largest published case file is about 36 KB
MAX_DEPTH = 50  # mappings and lists inside each other; a case file needs about 6


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

# What YAML itself calls non-printable, plus the C0 and C1 controls it would accept (only
# tab, newline and carriage return are text in a case file).
_CONTROL = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CONTROL_NAMES = {0x00: "NUL", 0x07: "bell", 0x08: "backspace", 0x0B: "vertical tab", 0x0C: "form feed",
                  0x1B: "ESC", 0x7F: "DEL", 0x85: "next line", 0xFFFE: "not a character", 0xFFFF: "not a character"}


def read_yaml(path: Path) -> tuple[object, dict[Path_, int]]:
    """Return the document and a map from each key/item path to its 1-based line."""
    text = read_text(path)
    try:
        return _read(_FastLoader(text))
    except YamlError:
        return _read(_Loader(text))  # same verdict, in the documented wording


def read_text(path: str | Path) -> str:
    """The file's text, after the checks that need no parsing: a regular file, its size, its characters."""
    path = Path(path)
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise YamlError(1, "is a folder, not a case file (a case file is a YAML text file): rename or move it")
        if not stat.S_ISREG(info.st_mode):
            raise YamlError(1, "is not a regular file (a case file is a YAML text file)")
        _check_size(info.st_size)
        with open(path, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise YamlError(1, f"cannot read the file: {_os_reason(exc)}") from None
    _check_size(len(raw))
    text = raw.decode("utf-8")  # UnicodeDecodeError: the caller names the byte
    bad = _CONTROL.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        code = ord(bad.group())
        name = _CONTROL_NAMES.get(code, "a control character" if code < 0xA0 else "not a character")
        more = len(_CONTROL.findall(text)) - 1
        raise YamlError(line, f"control character U+{code:04X} ({name}) in column {column}"
                              f"{f' (and {more} more in the file)' if more else ''}: only tab, newline and carriage "
                              "return may appear in a case file")
    return text


def _check_size(size: int) -> None:
    if size > MAX_BYTES:
        raise YamlError(1, f"the file is {size:,} bytes; a case file may be at most {MAX_BYTES:,} bytes "
                           f"({MAX_BYTES // 1024 // 1024} MB)")


def _os_reason(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied (check the file's owner and mode)"
    if exc.errno == errno.ELOOP:
        return "too many levels of symbolic links"
    return exc.strerror.lower() if exc.strerror else str(exc)


def _read(loader) -> tuple[object, dict[Path_, int]]:
    try:
        return _build(loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlError(line, f"not valid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:  # e.g. a reader error, which carries no mark
        raise YamlError(_line_of_error(exc), f"not valid YAML: {_one_line(exc)}") from None
    finally:
        loader.dispose()


def _line_of_error(exc: Exception) -> int:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return mark.line + 1 if mark is not None else 1


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


_PLAIN_TAGS = {"tag:yaml.org,2002:" + t for t in ("map", "seq", "str", "int", "float", "bool", "null")}
_SHORT = {tag: tag.rsplit(":", 1)[1] for tag in _PLAIN_TAGS}
_WHAT = {"tag:yaml.org,2002:int": "a whole number", "tag:yaml.org,2002:float": "a number",
         "tag:yaml.org,2002:bool": "true or false", "tag:yaml.org,2002:null": "nothing"}


class _Frame:
    """A mapping or list being filled: its path, and for a mapping the key waiting for its value."""

    __slots__ = ("value", "path", "key", "key_line")

    def __init__(self, value, path: Path_):
        self.value = value
        self.path = path
        self.key = self.key_line = None


def _build(loader) -> tuple[object, dict[Path_, int]]:
    """The single document of the stream, built from parser events with an explicit stack."""
    loader.get_event()  # stream start
    if loader.check_event(yaml.StreamEndEvent):
        loader.get_event()
        return None, {}
    loader.get_event()  # document start
    lines: dict[Path_, int] = {}
    stack: list[_Frame] = []
    root: list = []

    def place(value, line: int) -> Path_ | None:
        """Put a finished value where it belongs; return its path (None for a mapping key)."""
        if not stack:
            root.append(value)
            lines[()] = line
            return ()
        frame = stack[-1]
        if isinstance(frame.value, list):
            path = frame.path + (len(frame.value),)
            frame.value.append(value)
            lines[path] = line
            return path
        if frame.key is None:  # this value is a key
            if isinstance(value, bool):
                raise YamlError(line, f"a key must be text, found {value} (YAML reads yes/no/on/off/true/false as "
                                      "true or false: quote the key)")
            if not isinstance(value, (str, int)):
                raise YamlError(line, f"a key must be text, found {_shown(value)}")
            if value in frame.value:
                raise YamlError(line, f"duplicate key '{value}'")
            frame.key, frame.key_line = value, line
            return None
        path = frame.path + (frame.key,)
        frame.value[frame.key] = value
        lines[path] = frame.key_line
        frame.key = frame.key_line = None
        return path

    while True:
        event = loader.get_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            raise YamlError(line, f"YAML aliases are not allowed: '*{event.anchor}' (write the value out in full)")
        if isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            stack.pop()
            if not stack:
                break
            continue
        if event.anchor is not None:
            raise YamlError(line, f"YAML aliases are not allowed: anchor '&{event.anchor}' "
                                  "(write each value out in full)")
        if isinstance(event, yaml.ScalarEvent):
            if stack and isinstance(stack[-1].value, dict) and stack[-1].key is None and event.value == "<<" \
                    and event.tag is None and event.implicit[0]:
                raise YamlError(line, "YAML merge keys ('<<') are not allowed (write each value out in full)")
            place(_scalar(loader, event), line)
            if not stack:
                break
            continue
        # a mapping or a list starts
        is_map = isinstance(event, yaml.MappingStartEvent)
        node_class = yaml.MappingNode if is_map else yaml.SequenceNode
        tag = event.tag if event.tag not in (None, "!") else loader.resolve(node_class, None, event.implicit)
        if tag not in _PLAIN_TAGS:
            raise YamlError(line, f"not valid YAML for a case file: tag '{tag}' is not allowed")
        if stack and isinstance(stack[-1].value, dict) and stack[-1].key is None:
            raise YamlError(line, f"a key must be text, found a {'mapping' if is_map else 'list'}")
        if len(stack) >= MAX_DEPTH:
            raise YamlError(line, f"nested more than {MAX_DEPTH} levels deep (mappings and lists inside each other); "
                                  "a case file needs far fewer")
        value: dict | list = {} if is_map else []
        path = place(value, line)
        stack.append(_Frame(value, path))

    loader.get_event()  # document end
    if not loader.check_event(yaml.StreamEndEvent):
        extra = loader.peek_event()
        raise YamlError(extra.start_mark.line + 1,
                        "not valid YAML: expected a single document in the stream, but found another document")
    return root[0], lines


# Values read before, by (tag, text, implicit): keys, dates, locators and categories recur from item to item and
# file to file. Every value a plain tag makes (text, number, true/false, nothing) is immutable, so one object
# serves every place it stands; a text that fails is never kept.
_SCALARS: dict[tuple, object] = {}
_SCALARS_KEPT = 100_000


def _scalar(loader, event: yaml.ScalarEvent) -> object:
    """The value of a scalar, read before or made now (:func:`_made_scalar`)."""
    key = (event.tag, event.value, event.implicit)
    try:
        return _SCALARS[key]
    except KeyError:
        value = _made_scalar(loader, event)
    if len(_SCALARS) >= _SCALARS_KEPT:
        _SCALARS.clear()
    _SCALARS[key] = value
    return value


def _made_scalar(loader, event: yaml.ScalarEvent) -> object:
    tag = event.tag
    if tag is None or tag == "!":
        tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
    line = event.start_mark.line + 1
    if tag not in _PLAIN_TAGS:
        raise YamlError(line, f"not valid YAML for a case file: tag '{tag}' is not allowed")
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
    try:
        return type(loader).yaml_constructors[tag](loader, node)
    except (ValueError, TypeError, OverflowError):  # e.g. `!!int abc`, or an integer of 5,000 digits
        what = _WHAT.get(tag, _SHORT[tag])
        if len(event.value) > 40:
            raise YamlError(line, f"cannot read a value of {len(event.value)} characters as {what}") from None
        raise YamlError(line, f"cannot read '{event.value}' as {what}") from None


def _shown(value: object) -> str:
    if value is None:
        return "nothing"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
