"""The lines a bad file gets: ``data/cases/x.yaml:LINE: regimens[2].agents[0].dose: expected a positive
number, found '-5'``, from YAML and pydantic errors, for case files and the drug reference alike.

The bottom of the package: every layer raises :class:`CaseFileError` and names files with
:func:`display_path`; nothing here imports another caseseries module but the model.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from pydantic import ValidationError


class CaseFileError(Exception):
    """One or more problems in one case file; ``errors`` holds the formatted lines."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


def display_path(path: Path) -> str:
    """The path as the user would type it: relative to the working directory when inside it."""
    absolute = Path(os.path.abspath(path))  # not resolve(): a link is named as given, a loop does not raise
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def dotted(path: tuple) -> str:
    """A path as the error messages show it: regimens[2].agents[0].dose."""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


def leaf_errors(exc: ValidationError) -> list[dict]:
    """Pydantic errors minus the noise of union branches and wrapper types."""
    out, seen = [], set()
    for e in exc.errors(include_url=False):
        loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and p.startswith(("function-", "constrained-"))))
        # A union (e.g. str | int | float) reports one error per branch: keep the first.
        loc = tuple(p for p in loc if p not in ("str", "int", "float", "bool", "list[float]"))
        key = loc
        if key in seen:
            continue
        seen.add(key)
        out.append({**e, "loc": loc})
    return out


_TYPE_WORDS = {
    "string_type": "expected text",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "list_type": "expected a list",
    "dict_type": "expected a mapping of fields",
    "model_type": "expected a mapping of fields",
    "missing": "missing (required)",
    "string_too_short": "expected non-empty text",
}


def message(e: dict) -> str:
    kind, ctx, found = e["type"], e.get("ctx") or {}, e.get("input")
    if kind == "extra_forbidden":
        return f"unknown key '{e['loc'][-1]}'{_did_you_mean(e)}"
    if kind == "missing":
        return "missing (required)"
    if kind in ("greater_than", "greater_than_equal"):
        bound = ctx.get("gt", ctx.get("ge"))
        what = "a positive number" if bound == 0 and kind == "greater_than" else f"a number {'>' if kind == 'greater_than' else '≥'} {bound}"
        return f"expected {what}, found {_show(found)}"
    if kind in ("less_than", "less_than_equal"):
        return f"expected a number {'<' if kind == 'less_than' else '≤'} {ctx.get('lt', ctx.get('le'))}, found {_show(found)}"
    if kind in ("literal_error", "enum"):
        return f"expected one of {ctx.get('expected')}, found {_show(found)}"
    if kind == "string_pattern_mismatch":
        return f"expected an id of lower-case letters, digits, '-' or '_', starting with a letter, found {_show(found)}"
    if kind == "too_short":
        return f"expected at least {ctx.get('min_length')} item(s), found {ctx.get('actual_length')}"
    if kind == "too_long":
        return f"expected at most {ctx.get('max_length')} item(s), found {ctx.get('actual_length')}"
    if kind == "finite_number":
        return f"expected a finite number, found {_show(found)}"
    if kind == "value_error":
        msg = str(ctx.get("error", e["msg"]))
        return msg if isinstance(found, dict) else f"{msg}, found {_show(found)}"
    if kind in _TYPE_WORDS:
        return f"{_TYPE_WORDS[kind]}, found {_show(found)}"
    return f"{e['msg']}, found {_show(found)}"


def _show(value: object) -> str:
    if isinstance(value, (dict, list)):
        return type(value).__name__ == "dict" and "a mapping" or "a list"
    if value is None:
        return "nothing"
    text = str(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _did_you_mean(e: dict) -> str:
    from caseseries.model import case as model

    key, parent = e["loc"][-1], e["loc"][:-1]
    fields = fields_at(model.Case, parent)
    hint = difflib.get_close_matches(str(key), fields, n=1, cutoff=0.6)
    return f" (did you mean '{hint[0]}'?)" if hint else f" (expected one of: {', '.join(fields)})" if fields else ""


def fields_at(cls, path: tuple) -> list[str]:
    """The field names of the model found by walking path from cls."""
    import typing

    for step in path:
        if isinstance(step, int):
            continue
        field = getattr(cls, "model_fields", {}).get(step)
        if field is None:
            return []
        cls = model_in(field.annotation, typing)
        if cls is None:
            return []
    return list(getattr(cls, "model_fields", {}))


def model_in(annotation, typing):
    if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
        return annotation
    for arg in typing.get_args(annotation):
        found = model_in(arg, typing)
        if found is not None:
            return found
    return None


def format_error(shown: str, lines: dict, loc: tuple, message: str) -> str:
    line = line_of(lines, loc)
    where = dotted(loc)
    return f"{shown}:{line}: {where}: {message}" if where else f"{shown}:{line}: {message}"


def line_of(lines: dict, loc: tuple) -> int:
    """The line of the deepest part of loc present in the file (a missing key: its parent)."""
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return 1
