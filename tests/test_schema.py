"""The case-file JSON Schema (`caseseries schema`, data/case.schema.json), `caseseries new`, and
what `caseseries validate` says to do next."""

from __future__ import annotations

import copy
import json
import re
import typing
from pathlib import Path

import jsonschema
import pytest
from conftest import ROOT, run_cli
from pydantic import BaseModel, ValidationError

from caseseries.model import dates, case as model
from caseseries.model.schema import DATE_ANY_OF, SCHEMA_COMMENT, case_schema, schema_text
from caseseries.model.yamlfile import read_yaml

KEPT = ROOT / "data" / "case.schema.json"
CASE_FILES = sorted((ROOT / "data" / "cases").glob("*.yaml"))
FIXTURES = ROOT / "tests" / "fixtures"
SCHEMA_LINE = "# yaml-language-server: $schema=../case.schema.json"


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(KEPT.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def schema_errors(validator, data) -> list[str]:
    return [f"{'.'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in validator.iter_errors(data)]


def models(root: type[BaseModel] = model.Case) -> dict[str, type[BaseModel]]:
    """Every pydantic model reachable from root, by name."""
    found: dict[str, type[BaseModel]] = {}

    def walk(annotation):
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation.__name__ not in found:
                found[annotation.__name__] = annotation
                for field in annotation.model_fields.values():
                    walk(field.annotation)
        for arg in typing.get_args(annotation):
            walk(arg)

    walk(root)
    return found


def holds_a_model(annotation) -> bool:
    """A section: a model, an optional model or a list of models."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(holds_a_model(arg) for arg in typing.get_args(annotation))


# ------------------------------------------------------------------ the kept schema


def test_the_kept_schema_is_the_one_the_model_gives():
    assert KEPT.is_file(), "data/case.schema.json is missing: run `make schema`"
    assert KEPT.read_text(encoding="utf-8") == schema_text(), (
        "data/case.schema.json is out of date with the case model (src/caseseries/model/case.py, dates.py): "
        "run `make schema` and commit data/case.schema.json with the model change")


def test_the_schema_text_is_deterministic_sorted_and_ends_in_a_newline():
    text = schema_text()
    assert text == schema_text() and text.endswith("}\n") and not text.endswith("\n\n")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_the_schema_is_a_valid_draft_07_schema(validator):
    assert validator.META_SCHEMA["$schema"].startswith("http://json-schema.org/draft-07/")


def test_every_model_and_field_is_in_the_schema_with_its_description():
    """Generated from the model: a field added there is here, with required/optional and description."""
    definitions = case_schema()["definitions"]
    for name, cls in models().items():
        node = case_schema() if cls is model.Case else definitions[name]
        assert node["additionalProperties"] is False, name
        assert list(node["properties"]) == list(cls.model_fields), name
        assert set(node.get("required", ())) == {k for k, f in cls.model_fields.items() if f.is_required()}, name
        for key, field in cls.model_fields.items():
            if field.description:
                assert field.description in node["properties"][key]["description"], (name, key)


def test_a_date_is_text_or_a_year_described_by_the_accepted_forms():
    schema = case_schema()
    assert not set(schema["definitions"]) & {c.__name__ for c in typing.get_args(dates.DateSpec)}
    event_date = schema["definitions"]["Event"]["properties"]["date"]
    assert event_date["anyOf"] == DATE_ANY_OF and dates.DATE_FORMS in event_date["description"]
    end = schema["definitions"]["Event"]["properties"]["end"]
    assert {"type": "null"} in end["anyOf"] and any(dates.DATE_FORMS in o.get("description", "") for o in end["anyOf"])
    text = schema_text()
    assert "CalendarDate" not in text and "RelativeDate" not in text


def test_caseseries_schema_prints_the_kept_schema():
    out = run_cli("schema")
    assert out.returncode == 0, out.stderr
    assert out.stdout == KEPT.read_text(encoding="utf-8")


# ------------------------------------------------------------------ files against the schema


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_every_case_file_validates_against_the_schema(path, validator):
    data, _ = read_yaml(path)
    assert schema_errors(validator, data) == []


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_every_case_file_starts_with_the_schema_line(path):
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    assert first == SCHEMA_LINE, f"{path.name}: the first line must be `{SCHEMA_LINE}`"
    assert (path.parent / first.removeprefix(SCHEMA_COMMENT)).resolve() == KEPT


def test_the_annotated_example_of_data_readme_validates_against_the_schema(validator, tmp_path):
    text = (ROOT / "data/README.md").read_text(encoding="utf-8")
    example = tmp_path / "example-fictional.yaml"
    example.write_text(re.search(r"```yaml\n(.*?)```", text, re.S).group(1), encoding="utf-8")
    data, _ = read_yaml(example)
    assert schema_errors(validator, data) == []


def fixture_cases() -> list[Path]:
    """The case files among the YAML under tests/fixtures/ (a mapping with a case_id; not drugs.yaml)."""
    out = []
    for path in sorted(FIXTURES.rglob("*")) if FIXTURES.is_dir() else []:
        if path.suffix in (".yaml", ".yml"):
            try:
                data, _ = read_yaml(path)
            except Exception:
                data = None
            if isinstance(data, dict) and "case_id" in data:
                out.append(path)
    return out


@pytest.mark.skipif(not fixture_cases(), reason="no case file under tests/fixtures/")
@pytest.mark.parametrize("path", fixture_cases(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_fixture_case_validates_against_the_schema(path, validator):
    """The schema is never stricter than the model; a fixture broken on purpose (the model refuses it) is skipped."""
    data, _ = read_yaml(path)
    try:
        model.Case.model_validate(data)
    except ValidationError as exc:
        pytest.skip(f"the model refuses it (broken on purpose?): {str(exc).splitlines()[0]}")
    assert schema_errors(validator, data) == []


BREAKAGES = {
    "unknown top-level key": lambda d: d.update(colour="red"),
    "misspelt nested key": lambda d: d["regimens"][0].update(cycle_day=21),
    "unknown locator key": lambda d: d["events"][0]["locator"].update(page=3),
    "text where a number goes": lambda d: d["events"][0]["locator"].update(paragraph="two"),
    "a number where text goes": lambda d: d["events"][0].update(label=3),
    "a value outside the allowed list": lambda d: d["events"][0].update(kind="surgeryy"),
    "yes/no read as a boolean": lambda d: d["patient"].update(smoking={"value": False, "locator": {"section": "A"}}),
    "a negative dose": lambda d: d["regimens"][0]["agents"][0].update(dose=-5),
    "a list where a mapping goes": lambda d: d.update(outcome=[]),
    "a required field missing": lambda d: d["outcome"].pop("status"),
    "a mapping where a date goes": lambda d: d["events"][0].update(date={"year": 2019}),
}


@pytest.mark.parametrize("breakage", BREAKAGES, ids=list(BREAKAGES))
def test_a_broken_case_is_refused_by_the_schema_and_by_the_model(breakage, validator):
    data, _ = read_yaml(FIXTURES / "project/data/cases/fx-cervix-calendar.yaml")  # an invented, valid case
    data = copy.deepcopy(data)
    assert schema_errors(validator, data) == []
    BREAKAGES[breakage](data)
    assert schema_errors(validator, data), f"the schema accepts a case with {breakage}"
    with pytest.raises(ValidationError):
        model.Case.model_validate(data)


# ------------------------------------------------------------------ caseseries new


@pytest.fixture
def project(tmp_path):
    """A scratch project: data/cases, and ../shared/sources with one source text."""
    root = tmp_path / "main"
    (root / "data" / "cases").mkdir(parents=True)
    sources = tmp_path / "shared" / "sources"
    sources.mkdir(parents=True)
    (sources / "007_abc.txt").write_text("A case report.\n")
    (sources / "README.md").write_text("the sources\n")
    return root


def literal_values() -> list[tuple[str, ...]]:
    """The allowed values of every Literal field of the model."""
    out = []

    def walk(annotation):
        if typing.get_origin(annotation) is typing.Literal:
            out.append(typing.get_args(annotation))
        for arg in typing.get_args(annotation):
            walk(arg)

    for cls in models().values():
        for field in cls.model_fields.values():
            walk(field.annotation)
    return out


def comment_text(text: str) -> str:
    """Every comment of a YAML text, joined by single spaces (comments wrapped over lines read as one)."""
    parts = [line.split("#", 1)[1] for line in text.splitlines() if "#" in line]
    return " ".join(" ".join(parts).split())


def placeholder_lines(path: Path) -> set[int]:
    """Lines of the empty leaves of a case file: `key:` (null), `key: {}` and `key: []`."""
    data, lines = read_yaml(path)
    out = set()

    def walk(node, at):
        if node is None or node == {} or node == []:
            out.add(lines[at])
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(value, at + (key,))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, at + (i,))

    walk(data, ())
    return out


def set_value(text: str, path: Path, at: tuple, value: str) -> str:
    """Write value into the placeholder of the field at `at` (a path as in read_yaml), keeping its comment."""
    _, lines = read_yaml(path)
    rows = text.split("\n")
    n = lines[at] - 1
    key = re.escape(str(at[-1]))
    rows[n], count = re.subn(rf"^(\s*(?:- )?{key}):(?: \{{\}}| \[\])?(\s+#|$)", rf"\1: {value}\2", rows[n])
    assert count == 1, rows[n]
    return "\n".join(rows)


def drop(text: str, path: Path, at: tuple) -> str:
    """Delete the field at `at` and everything under it (more indented lines, comments, blank lines)."""
    _, lines = read_yaml(path)
    rows = text.split("\n")
    n = lines[at] - 1
    indent = len(rows[n]) - len(rows[n].lstrip())
    end = n + 1
    while end < len(rows) and (not rows[end].strip() or rows[end].lstrip().startswith("#")
                               or len(rows[end]) - len(rows[end].lstrip()) > indent):
        end += 1
    return "\n".join(rows[:n] + rows[end:])


def test_new_writes_every_section_with_the_schema_line_and_the_allowed_values(project):
    out = run_cli("new", "smith2024-p1", "--source", "007_abc.txt", root=project)
    assert out.returncode == 0, out.stderr
    path = project / "data/cases/smith2024-p1.yaml"
    assert "wrote data/cases/smith2024-p1.yaml" in out.stdout
    assert "caseseries validate data/cases/smith2024-p1.yaml" in out.stdout
    text = path.read_text(encoding="utf-8")
    assert text.split("\n", 1)[0] == SCHEMA_LINE
    data, _ = read_yaml(path)
    optional = {m[1] for m in re.finditer(r"^# (\w+):", text, re.M)}  # optional fields, commented out
    assert [k for k in model.Case.model_fields if k in data or k in optional] == list(model.Case.model_fields)
    assert list(data) == [k for k in model.Case.model_fields if k in data]  # in the model's order
    sections = [k for k, f in model.Case.model_fields.items() if holds_a_model(f.annotation)]
    assert set(sections) <= set(data) and {"source", "patient", "diagnosis", "events", "outcome"} <= set(sections)
    assert data["case_id"] == "smith2024-p1" and data["source"]["file"] == "007_abc.txt"
    comments = comment_text(text)
    for values in literal_values():
        assert "one of: " + " | ".join(values) in comments, values
    assert dates.DATE_FORMS in comments


def test_new_then_validate_names_every_placeholder_by_line_and_filling_them_in_makes_it_valid(project):
    assert run_cli("new", "smith2024", "--doi", "https://doi.org/10.1000/xyz.123", root=project).returncode == 0
    path = project / "data/cases/smith2024.yaml"
    text = path.read_text(encoding="utf-8")
    data, _ = read_yaml(path)
    assert data["source"]["doi"] == "10.1000/xyz.123" and "file" not in data["source"]

    out = run_cli("validate", "data/cases/smith2024.yaml", root=project)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    errors = [m for m in map(re.compile(r"^data/cases/smith2024\.yaml:(\d+): (\S+): (.+)$").match,
                             out.stderr.splitlines()[:-1])]
    assert errors and all(errors), out.stderr
    assert out.stderr.splitlines()[-1] == "1 of 1 case files invalid"
    assert {int(m[1]) for m in errors} == placeholder_lines(path)  # each placeholder, and only they
    fields = {m[2] for m in errors}
    assert {"title", "source.citation", "outcome.status", "outcome.last_contact", "outcome.locator.section",
            "events[0].locator.section", "patient.age_at_diagnosis.locator.section"} <= fields

    # Fill in what this (invented) source gives; delete the rest, as the header says.
    for at, value in [(("title",), "A test case"), (("source", "citation"), "Smith J. A case. 2024."),
                      (("source", "patient"), "the only patient"),
                      (("patient", "age_at_diagnosis", "value"), "52"),
                      (("patient", "age_at_diagnosis", "locator"), "{section: Case presentation, paragraph: 1}"),
                      (("events", 0, "id"), "diagnosis"), (("events", 0, "kind"), "diagnosis"),
                      (("events", 0, "date"), "2019-04"), (("events", 0, "label"), "Diagnosis"),
                      (("events", 0, "locator"), "{section: Case presentation, paragraph: 2}"),
                      (("outcome", "status"), "alive"), (("outcome", "last_contact"), "2020-01"),
                      (("outcome", "locator"), "{section: Case presentation, paragraph: 3}")]:
        text = set_value(text, path, at, value)
        path.write_text(text, encoding="utf-8")
    data, _ = read_yaml(path)
    doomed = [("patient", k) for k in data["patient"] if k != "age_at_diagnosis"]
    doomed += [("outcome", "durations")]
    doomed += [(k,) for k in data if k not in ("case_id", "title", "source", "patient", "events", "outcome")]
    for at in sorted(doomed, key=lambda at: -read_yaml(path)[1][at]):  # from the bottom up
        text = drop(text, path, at)
        path.write_text(text, encoding="utf-8")

    named = ["data/cases/smith2024.yaml"]
    out = run_cli("validate", *named, root=project)
    assert out.returncode == 0, out.stderr + "\n" + text
    assert out.stdout.splitlines()[0] == f"{len(named)} case files valid"
    assert text.split("\n", 1)[0] == SCHEMA_LINE


@pytest.mark.parametrize("args, message", [
    (["Smith 2024", "--doi", "10.1/x"], "case id: expected an id of lower-case letters"),
    (["../escape", "--doi", "10.1/x"], "case id: expected an id of lower-case letters"),
    (["smith2024"], "give the source: --source FILE"),
    (["smith2024", "--source", "008_missing.txt"], "no file '008_missing.txt' in"),
    (["smith2024", "--doi", "not a doi"], "--doi: expected a DOI"),
])
def test_new_refuses_bad_input_with_a_message_and_exit_1(project, args, message):
    out = run_cli("new", *args, root=project)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.startswith("caseseries new: ") and message in out.stderr, out.stderr
    assert not list((project / "data/cases").iterdir())


def test_new_names_the_source_files_there_and_refuses_to_overwrite(project):
    out = run_cli("new", "smith2024", "--source", "007_abd.txt", root=project)
    assert out.returncode == 1 and "files there: 007_abc.txt" in out.stderr and "README.md" not in out.stderr
    path = project / "data/cases/smith2024.yaml"
    path.write_text("mine\n")
    out = run_cli("new", "smith2024", "--source", "007_abc.txt", root=project)
    assert out.returncode == 1 and "already exists; refusing to overwrite it" in out.stderr
    assert path.read_text() == "mine\n"


def test_new_into_another_folder_points_the_schema_line_at_the_kept_schema(project, tmp_path):
    out = run_cli("new", "smith2024", "--doi", "10.1/x", "--out", str(tmp_path / "drafts"), root=project)
    assert out.returncode == 0, out.stderr
    path = tmp_path / "drafts/smith2024.yaml"
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    assert first.startswith(SCHEMA_COMMENT)
    assert (path.parent / first.removeprefix(SCHEMA_COMMENT)).resolve() == project / "data/case.schema.json"


# ------------------------------------------------------------------ validate: what next


def test_validate_ends_with_the_next_steps_after_the_count():
    out = run_cli("validate")
    assert out.returncode == 0, out.stderr
    first, blank, *rest = out.stdout.splitlines()
    assert first == f"{len(CASE_FILES)} case files valid" and blank == ""
    steps = "\n".join(rest)
    for words in ("make reports", "reports/cases/<id>.ipynb", "reports/series.ipynb", "data/cases/<id>.yaml",
                  "data/reference/drugs.yaml"):
        assert words in steps


def test_validate_of_one_file_names_its_report_in_the_next_steps():
    case_id = "fx-relative-axis"  # a case of the fixture project
    out = run_cli("validate", f"data/cases/{case_id}.yaml", root=FIXTURES / "project")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"{len([case_id])} case files valid\n\n")
    assert f"reports/cases/{case_id}.ipynb reports/series.ipynb" in out.stdout
    assert f"git add data/cases/{case_id}.yaml reports/cases/{case_id}.ipynb reports/series.ipynb" in out.stdout
