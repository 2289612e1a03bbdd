"""`caseseries new`: a case file to fill in, generated from the case model.

The skeleton holds every section of :class:`caseseries.model.case.Case`, written from the same
JSON Schema that editors use (``caseseries.model.schema``), so a field added to the model appears
in it without a change here:

- the schema line first, so that an editor completes keys and flags errors while one types;
- a required field is an empty placeholder (``title:``) and every locator is ``locator: {}``:
  the loader refuses each one left (``file:LINE: field: message``) until it is filled in;
- an optional field is a comment (``# detail:``): remove the ``# `` to use it;
- a section (a fact of ``patient``, a list such as ``events``) is written once, as a template
  whose placeholders fail validation until it is filled in, copied or deleted;
- the comment beside each field says whether it is required, its type, the allowed values of
  a fixed list (from the model's ``Literal`` types) and the field's description.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import TypeAdapter, ValidationError

from caseseries.model import dates, case as model
from caseseries.model.paths import cases_dir, project_root
from caseseries.model.schema import DATE_ANY_OF, case_schema, date_description, schema_comment

NULL = {"type": "null"}
COMMENT_COLUMN = 34
WIDTH = 100


class NewCaseError(ValueError):
    """A case file that cannot be written: bad id, file already there, unknown source file."""


# ------------------------------------------------------------------ the command


def sources_dir() -> Path:
    """../shared/sources/ beside the project: the source texts that case files cite by `file`."""
    return project_root().parent / "shared" / "sources"


def check_case_id(case_id: str) -> None:
    """Refuse an id the model would refuse, with the loader's wording."""
    from caseseries.model.load import _message

    field = model.Case.model_fields["case_id"]
    try:
        TypeAdapter(Annotated[field.annotation, *field.metadata]).validate_python(case_id)
    except ValidationError as exc:
        raise NewCaseError(f"case id: {_message(exc.errors()[0])}; for example smith2024 or smith2024-p1 "
                           "(the file is data/cases/<case_id>.yaml)") from None


def source_file_name(given: str) -> str:
    """The name of an existing file in ../shared/sources/, given as a name or a path to it."""
    folder = sources_dir()
    path = Path(given)
    if path.parent != Path(".") and path.resolve().parent != folder.resolve():
        raise NewCaseError(f"--source: '{given}' is not in {folder}: name a file of that folder")
    if (folder / path.name).is_file():
        return path.name
    if not folder.is_dir():
        raise NewCaseError(f"--source: no folder {folder} (the source texts); --doi gives the source by its DOI")
    known = sorted(p.name for p in folder.iterdir() if p.is_file() and p.name != "README.md")
    raise NewCaseError(f"--source: no file '{path.name}' in {folder}; files there: {', '.join(known) or 'none'}")


def clean_doi(doi: str) -> str:
    text = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", doi.strip(), flags=re.I)
    if not re.match(r"^10\.\S+/\S+$", text):
        raise NewCaseError(f"--doi: expected a DOI such as 10.3389/fonc.2025.1541760, found {doi!r}")
    return text


def new_case(case_id: str, source: str | None = None, doi: str | None = None, out: Path | None = None) -> Path:
    """Write <out>/<case_id>.yaml (out: data/cases) from the skeleton; never overwrite a file."""
    check_case_id(case_id)
    if not source and not doi:
        raise NewCaseError("give the source: --source FILE (a file in ../shared/sources/), --doi DOI, or both")
    filled: dict[tuple, object] = {("case_id",): case_id}
    if doi:
        filled[("source", "doi")] = clean_doi(doi)
    if source:
        filled[("source", "file")] = source_file_name(source)
    from caseseries.model.load import display_path

    folder = Path(out) if out is not None else cases_dir()
    path = folder / f"{case_id}.yaml"
    exists = f"{display_path(path)} already exists; refusing to overwrite it (edit it, or delete it first)"
    if path.exists():
        raise NewCaseError(exists)
    if folder.exists() and not folder.is_dir():
        raise NewCaseError(f"--out: {display_path(folder)} is not a folder")
    text = skeleton(filled, schema_comment(folder))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as f:
            f.write(text)
    except FileExistsError:
        raise NewCaseError(exists) from None
    return path


# ------------------------------------------------------------------ the text


def skeleton(filled: dict[tuple, object], first_line: str) -> str:
    """The case file: first_line (the schema comment), a header, then every field of the model."""
    schema = case_schema()
    writer = _Writer(schema["definitions"], filled)
    writer.model(schema, indent=0, path=())
    header = [
        first_line,
        f"# {filled.get(('case_id',), '<case_id>')}: written by `caseseries new` from the case model. Fill it in from",
        "# the source, one fact at a time, each with its locator (data/README.md explains every field):",
        "# - An empty field (`title:`) or `locator: {}` is a placeholder: `caseseries validate` names",
        "#   every placeholder left, by line, until each is filled in or deleted.",
        "# - A line `# key: ...` is an optional field: remove the `# ` to use it.",
        "# - Each section (a fact of `patient`, an item of `events`, ...) is written once as a",
        "#   template: copy an item for each one the source gives, and delete every field, fact",
        "#   or section it does not give (write `events: []` for none). Never guess a value.",
        *_comment_block(f"Dates: {dates.DATE_FORMS}.", "# "),
        *_comment_block("Locator fields: " + _locator_words(writer.definitions) + ".", "# "),
        "# Delete these instructions when done; keep the first line (the schema, for editors).",
    ]
    return "\n".join(header + writer.lines) + "\n"


def _comment_block(text: str, prefix: str) -> list[str]:
    return [prefix + line for line in textwrap.wrap(text, WIDTH - len(prefix), subsequent_indent="  ")]


class _Writer:
    def __init__(self, definitions: dict, filled: dict[tuple, object]):
        self.definitions = definitions
        self.filled = filled
        self.lines: list[str] = []

    def model(self, node: dict, indent: int, path: tuple) -> None:
        required = set(node.get("required", ()))
        for key, prop in node.get("properties", {}).items():
            self.field(key, prop, key in required, indent, path + (key,))

    def field(self, key: str, prop: dict, required: bool, indent: int, path: tuple) -> None:
        pad = " " * indent
        inner = _optional_inner(prop)
        name = _ref_name(inner)
        description = _own(prop.get("description"))
        if path in self.filled:
            self.line(f"{pad}{key}: {_scalar(self.filled[path])}", _join(_words(inner, self.definitions), description))
        elif name == "Locator":
            self.line(f"{pad}{key}: {{}}", _join("required" if required else "optional", "section, paragraph, ... "
                                                 "(see the top of the file)"))
        elif name:  # a section or a fact: written out, its placeholders fail until filled in or deleted
            top = len(path) == 1
            if top:
                self.section_rule(key, description or _own(self.definitions[name].get("description")))
                description = None
            start = len(self.lines)
            self.line(f"{pad}{key}:", _join("" if required or top else "optional: delete it if not given", description))
            header = len(self.lines)
            self.model(self.definitions[name], indent + 2, path)
            if not any(_is_live(line) for line in self.lines[start + 1:]):
                if required or top:
                    self.lines[start] = self.lines[start].replace(f"{key}:", f"{key}: {{}}", 1)
                else:  # every field optional (source.dates): the block is a comment too, not a placeholder
                    fields = self.lines[header:]
                    del self.lines[start:]
                    self.line(f"{pad}# {key}:", _join("optional: remove the `# ` here and on the fields used",
                                                      description))
                    self.lines += fields
        elif inner.get("type") == "array" and _ref_name(inner.get("items", {})):
            item = _ref_name(inner["items"])
            if len(path) == 1:
                self.section_rule(key, description or _own(self.definitions[item].get("description")))
                description = None
            how = "copy the item for each one; delete it if none"
            if required or inner.get("minItems"):
                how = f"at least {inner.get('minItems', 1)}; copy the item for each one"
            self.line(f"{pad}{key}:", _join(f"list of {item}: {how}", description))
            for _ in range(max(1, inner.get("minItems", 1))):
                self.item(self.definitions[item], indent + 2, path + (0,))
        else:
            words = _words(inner, self.definitions)
            if required:
                empty = " []" if inner.get("type") == "array" else ""
                self.line(f"{pad}{key}:{empty}", _join("required", words, description))
            else:
                default = prop.get("default")
                value = "" if default is None else " " + _scalar(default)
                self.line(f"{pad}# {key}:{value}", _join(words, description))

    def item(self, definition: dict, indent: int, path: tuple) -> None:
        start = len(self.lines)
        self.model(definition, indent + 2, path)
        for n in range(start, len(self.lines)):
            if _is_live(self.lines[n]):
                self.lines[n] = " " * indent + "- " + self.lines[n][indent + 2:]
                return
        self.lines.append(" " * indent + "- {}")

    def section_rule(self, key: str, description: str | None) -> None:
        title = f"# --- {key}" + (f": {description.rstrip('.')}" if description else "") + " "
        self.lines += ["", title + "-" * max(3, 88 - len(title))]

    def line(self, code: str, comment: str) -> None:
        if not comment:
            self.lines.append(code)
            return
        column = max(COMMENT_COLUMN, len(code) + 2)
        if column + 2 + len(comment) <= WIDTH:
            self.lines.append(f"{code.ljust(column)}# {comment}")
            return
        first, *rest = textwrap.wrap(comment, max(40, WIDTH - column - 4), break_on_hyphens=False)
        self.lines.append(f"{code.ljust(column)}# {first}")
        self.lines += [" " * column + "#   " + chunk for chunk in rest]


def _is_live(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _optional_inner(prop: dict) -> dict:
    """The schema of the value itself: X of `X | None`, and the $ref of an allOf wrapper."""
    options = prop.get("anyOf")
    if options and NULL in options:
        rest = [o for o in options if o != NULL]
        if len(rest) == 1:
            return rest[0]
        return {"anyOf": rest}
    return prop


def _ref_name(node: dict) -> str | None:
    """The definition a node refers to: {"$ref": ...} or {"allOf": [{"$ref": ...}], ...}."""
    ref = node.get("$ref")
    if ref is None and len(node.get("allOf", [])) == 1:
        ref = node["allOf"][0].get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None


def _id_pattern() -> str:
    return TypeAdapter(model.Id).json_schema().get("pattern", "")


def _words(node: dict, definitions: dict) -> str:
    """A field's type in words: 'text', 'whole number ≥ 1', 'one of: CT | MRI | ...', 'date'."""
    node = _optional_inner(node)
    if node.get("anyOf") == DATE_ANY_OF:
        return "date"
    if "anyOf" in node:
        words = list(dict.fromkeys(_words(o, definitions) for o in node["anyOf"]))
        if "number" in words and "whole number" in words:
            words.remove("whole number")
        return " or ".join(words)
    if "enum" in node:
        return "one of: " + " | ".join(str(v) for v in node["enum"])
    if "const" in node:
        return f"only: {node['const']}"
    name = _ref_name(node)
    if name:
        return name
    kind = node.get("type")
    if kind == "string":
        if node.get("pattern") == _id_pattern():
            return "id (a-z, 0-9, '-', '_'; starts with a letter)"
        return f"text matching {node['pattern']}" if "pattern" in node else "text"
    if kind in ("integer", "number"):
        bounds = [f"{sign} {_num(node[k])}" for k, sign in
                  (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"), ("exclusiveMaximum", "<"))
                  if k in node]
        return ("whole number" if kind == "integer" else "number") + "".join(" " + b for b in bounds)
    if kind == "boolean":
        return "true or false"
    if kind == "array":
        low, high = node.get("minItems"), node.get("maxItems")
        count = f" ({low} to {high})" if low and high else f" (at least {low})" if low else \
            f" (at most {high})" if high else ""
        return f"list{count} of {_words(node.get('items', {}), definitions)}"
    return "value"


def _locator_words(definitions: dict) -> str:
    locator = definitions["Locator"]
    required = set(locator.get("required", ()))
    parts = [f"{key} ({'required, ' if key in required else ''}{_words(prop, definitions)})"
             for key, prop in locator["properties"].items()]
    return "{" + ", ".join(parts) + "}, e.g. locator: {section: ..., paragraph: 2, quote: \"...\"}"


def _own(description: str | None) -> str | None:
    """A description without the accepted date forms, which the header gives once."""
    if not description:
        return None
    return description.replace(date_description(), "").strip() or None


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _join(*parts: str | None) -> str:
    return " · ".join(p for p in parts if p)


def _scalar(value: object) -> str:
    """A value as YAML: plain when it reads back as itself, else double-quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _num(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)  # JSON is YAML flow style: [], ["a", 1], {}
    text = str(value)
    try:
        if text and yaml.safe_load(f"k: {text}") == {"k": text}:
            return text
    except yaml.YAMLError:
        pass
    return json.dumps(text, ensure_ascii=False)
