"""The JSON Schema of a case file, generated from the case model (`caseseries schema`, `make schema`).

The schema is kept in the repository as ``data/case.schema.json``. Every case file names it
on its first line, ``# yaml-language-server: $schema=../case.schema.json``, so that editors
with YAML support (VS Code's YAML extension, JupyterLab's LSP with yaml-language-server)
complete keys, show each field's description and flag unknown keys, wrong types and values
outside the allowed lists as one types.

Everything comes from :class:`caseseries.model.case.Case`: a field added to the model appears
in the schema at the next `make schema` (tests/test_schema.py fails until then). Dates are
described as text (or a whole-number year) with the accepted forms of
:data:`caseseries.model.dates.DATE_FORMS`. The schema checks less than `caseseries validate`:
the rules within a block and across the file (the model's validators, ``checks.py``) are
not expressed in it, and the forms of a date are described, not checked.

Written as JSON Schema draft-07, the newest draft that yaml-language-server fully supports.
"""

from __future__ import annotations

import json
import os
import typing
from functools import cache
from pathlib import Path

from pydantic import AfterValidator, BeforeValidator, PlainValidator, WrapValidator
from pydantic.json_schema import GenerateJsonSchema

from caseseries.model import dates, case as model
from caseseries.model.paths import project_root

DRAFT = "http://json-schema.org/draft-07/schema#"
SCHEMA_COMMENT = "# yaml-language-server: $schema="
TITLE = "caseseries case file"
DESCRIPTION = ("One patient of a published case report (data/README.md documents the format). "
               "Generated from caseseries.model.case.Case by `make schema`: do not edit by hand.")

# A date in a case file: text such as 2019-04 or 'surgery + 2 weeks', or a year written as a number.
DATE_ANY_OF = [{"type": "string", "minLength": 1}, {"type": "integer"}]


def date_description() -> str:
    return f"Accepted forms: {dates.DATE_FORMS}. See 'Dates and precision' in data/README.md."


def schema_path() -> Path:
    """data/case.schema.json of the project."""
    return project_root() / "data" / "case.schema.json"


def schema_comment(folder: Path) -> str:
    """The first line of a case file in folder: the schema, relative to the file (../case.schema.json in data/cases)."""
    relative = os.path.relpath(schema_path(), Path(folder).resolve())
    return SCHEMA_COMMENT + Path(relative).as_posix()


# ------------------------------------------------------------------ generation


@cache
def _date_validators() -> frozenset:
    """The validator functions of model.Date: how the Date type is recognised in the model's core schema."""
    kinds = (BeforeValidator, AfterValidator, WrapValidator, PlainValidator)
    return frozenset(m.func for m in typing.get_args(model.Date)[1:] if isinstance(m, kinds))


class _CaseSchema(GenerateJsonSchema):
    """Pydantic's generator, with model.Date as text (or a year) described by its accepted forms."""

    def _date_or(self, schema, generate):
        if schema.get("function", {}).get("function") in _date_validators():
            return {"anyOf": [dict(s) for s in DATE_ANY_OF], "description": date_description()}
        return generate(schema)

    def function_before_schema(self, schema):
        return self._date_or(schema, super().function_before_schema)

    def function_after_schema(self, schema):
        return self._date_or(schema, super().function_after_schema)

    def function_wrap_schema(self, schema):
        return self._date_or(schema, super().function_wrap_schema)

    def function_plain_schema(self, schema):
        return self._date_or(schema, super().function_plain_schema)


def case_schema() -> dict:
    """The JSON Schema (draft-07) of a case file, as a dict (properties in the model's order)."""
    raw = model.Case.model_json_schema(ref_template="#/definitions/{model}", schema_generator=_CaseSchema)
    definitions = raw.pop("$defs", {})
    leaked = sorted(set(definitions) & {cls.__name__ for cls in typing.get_args(dates.DateSpec)})
    if leaked:  # model.Date no longer recognised: its schema would describe Python classes
        raise RuntimeError(f"schema: model.Date was not recognised (definitions {', '.join(leaked)} leaked); "
                           "update caseseries.model.schema._date_validators")
    raw.pop("title", None)
    raw.pop("description", None)
    out = {"$schema": DRAFT, "title": TITLE, "description": DESCRIPTION, **raw, "definitions": definitions}
    return _draft7(out)


def _draft7(node):
    """Draft-07 ignores keys beside a $ref: move the $ref into allOf so descriptions and defaults count.

    Also: a section's default is written as {} rather than every field as null, and a date field
    with a description of its own keeps the accepted date forms in it.
    """
    if isinstance(node, list):
        return [_draft7(x) for x in node]
    if not isinstance(node, dict):
        return node
    node = {k: (v if k in ("default", "enum", "const") else _draft7(v)) for k, v in node.items()}
    if isinstance(node.get("default"), dict):  # a section's default (patient, diagnosis): empty, not all nulls
        node["default"] = {k: v for k, v in node["default"].items() if v not in (None, [])}
    if "$ref" in node and len(node) > 1:
        node = {"allOf": [{"$ref": node.pop("$ref")}], **node}
    if node.get("anyOf") == DATE_ANY_OF and node.get("description", "") != date_description():
        node["description"] = f"{node['description'].rstrip('.')}. {date_description()}"
    return node


def schema_text() -> str:
    """The schema as kept in data/case.schema.json: sorted keys, two-space indent, trailing newline."""
    return json.dumps(case_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_schema(path: Path | None = None) -> tuple[Path, bool]:
    """Write the schema to path (default data/case.schema.json); return the path and whether it changed."""
    from caseseries.model.files import write_atomic

    path = Path(path) if path is not None else schema_path()
    text = schema_text()
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return path, False
    write_atomic(path, text)
    return path, True
