"""Case text is shown as text everywhere: a payload in every free-text field of a case never becomes markup.

The payload (an element with an event handler, a closing script tag, quotes for attribute
values) goes into every string of a fixture case that still validates with it; the case is
then rendered to every output a case gets (report, deck, teaching view and its deck, staged
deck and handout, series, index, exports) and each is read back: no HTML output holds an
element made from the payload or has a script cut short, every HTML output shows the payload
as text somewhere, and each export holds it as data.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from caseseries.model.load import check_case_file
from conftest import copy_fixture_project, run_cli

PAYLOAD = "<x onerror=alert(1)>\"'</script><b>"
MARKUP = re.compile(r"<x onerror|</script><b>")  # the payload as markup: neither may stand unescaped in a page
BASE, CASE = "fx-cervix-calendar", "fx-payload"
AS_OF = "2020-09"
KEYS_KEPT = {"case_id", "schema"}  # what names the file


def _paths(data, prefix=()):
    """The path of every string in a YAML document."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for n, value in enumerate(data):
            yield from _paths(value, (*prefix, n))
    elif isinstance(data, str) and not (prefix and prefix[-1] in KEYS_KEPT):
        yield prefix


def _get(data, path):
    for step in path:
        data = data[step]
    return data


def _set(data, path, value):
    _get(data, path[:-1])[path[-1]] = value


def _dotted(path) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def payload_case(source: Path, dest: Path) -> tuple[Path, int]:
    """A copy of the case with the payload after every string that can take it; (file, how many took it)."""
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["case_id"] = CASE
    original = {path: _get(data, path) for path in _paths(data)}
    for path, value in original.items():
        _set(data, path, f"{value} {PAYLOAD}")
    target = dest / f"{CASE}.yaml"
    for _ in range(20):  # each round puts back the strings the case file refuses with the payload (ids, dates, kinds)
        target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        case, errors, _ = check_case_file(target, None)
        if case is not None and not errors:
            return target, sum(1 for path in original if PAYLOAD in str(_get(data, path)))
        refused = [path for path in original if PAYLOAD in str(_get(data, path))
                   and any(f": {_dotted(path)}" in e or f": {_dotted(path[:-1])}" in e for e in errors)]
        if not refused:  # an error that names no field (a rule across items): take the payload out of them all
            refused = [path for path in original if PAYLOAD in str(_get(data, path)) and
                       any(str(original[path]) in e for e in errors)]
        assert refused, f"cannot tell which field these errors are about: {errors[:5]}"
        for path in refused:
            _set(data, path, original[path])
    raise AssertionError("the payload case never validated")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = copy_fixture_project(tmp_path_factory.mktemp("escaping"), node_modules=True)
    cases = root / "data" / "cases"
    _, taken = payload_case(cases / f"{BASE}.yaml", cases)
    assert taken >= 50, f"the payload went into only {taken} strings"
    for args in (("render", CASE), ("series",), ("slides", CASE), ("teach", CASE, AS_OF), ("teach", CASE, "--stages"),
                 ("export", CASE, "--to", "fhir", "--out", "reports/exports/fhir"),
                 ("export", CASE, "--to", "phenopacket", "--out", "reports/exports/phenopacket"),
                 ("export", CASE, "--to", "cbioportal", "--out", "reports/exports/cbioportal"), ("index",)):
        out = run_cli(*args, root=root)
        assert out.returncode == 0, (args, out.stderr)
    return root


def html_outputs(root: Path) -> list[Path]:
    stem = f"case-{hashlib.sha256(CASE.encode()).hexdigest()[:8]}"
    return [root / f"reports/cases/{CASE}.html", root / f"reports/slides/{CASE}.slides.html", root / "reports/series.html",
            root / "reports/index.html", root / f"reports/teaching/{stem}@{AS_OF}.html",
            root / f"reports/slides/{stem}@{AS_OF}.slides.html", root / f"reports/slides/{stem}.stages.html",
            root / f"reports/teaching/{stem}.handout.html"]


def test_the_payload_fails_a_page_that_does_not_escape(tmp_path):
    """The checks below catch an unescaped payload (in text, in an attribute, in a script)."""
    for page in (f"<p>{PAYLOAD}</p>", f'<td title="{PAYLOAD}">a</td>', f"<script>var s = '{PAYLOAD}';</script>"):
        assert problems_of(page)


def problems_of(text: str) -> list[str]:
    soup = BeautifulSoup(text, "html.parser")
    problems = [f"element <{el.name}> made from case text" for el in soup.find_all("x")]
    problems += [f"payload as markup: {m.group(0)!r} at {m.start()}" for m in MARKUP.finditer(text)]
    return problems


@pytest.mark.parametrize("n", range(8))
def test_every_page_shows_case_text_as_text(project, n):
    page = html_outputs(project)[n]
    text = page.read_text(encoding="utf-8")
    assert problems_of(text) == [], page.name
    shown = BeautifulSoup(text, "html.parser").get_text()
    assert PAYLOAD in shown, f"{page.name}: the payload is not shown as text anywhere (is the test still testing?)"


def strings(data):
    """Every string in a JSON document."""
    if isinstance(data, dict):
        data = list(data.values())
    if isinstance(data, list):
        return [text for item in data for text in strings(item)]
    return [data] if isinstance(data, str) else []


def test_exports_hold_case_text_as_data(project):
    exports = project / "reports" / "exports"
    for path in [exports / "fhir" / f"{CASE}.fhir.json", exports / "phenopacket" / f"{CASE}.phenopacket.json"]:
        assert any(PAYLOAD in text for text in strings(json.loads(path.read_text(encoding="utf-8")))), path.name
    files = [path for path in sorted((exports / "cbioportal").rglob("*")) if path.is_file() and CASE in path.read_text(
        encoding="utf-8")]
    assert any(PAYLOAD in path.read_text(encoding="utf-8") for path in files)
    for path in files:
        rows = [row for row in csv.reader(path.read_text(encoding="utf-8").splitlines(), delimiter="\t")
                if row and not row[0].startswith("#")]
        assert len({len(row) for row in rows}) == 1, f"{path.name}: a payload broke a row into other columns"
