"""What `caseseries validate` adds to loading: every table of a valid case is built."""

from conftest import FIXTURE


def test_validate_builds_every_table_and_names_the_file_when_one_cannot_be_built(monkeypatch):
    """`validate` builds the tables of each valid case (issue 11): a failure is one line, no traceback."""
    from caseseries.views import selfcheck, tables
    from caseseries.model.load import load_case

    case = load_case(FIXTURE / "data/cases/fx-cervix-calendar.yaml")
    assert selfcheck.build_problems(case, "x.yaml") == []

    def broken(case, name):
        raise ValueError(f"cannot lay out {name}")

    monkeypatch.setattr(tables, "table", broken)
    lines = selfcheck.build_problems(case, "x.yaml")
    assert len(lines) == len(tables.TABLE_NAMES)
    assert lines[0].startswith("x.yaml:1: table timeline: cannot be built (ValueError: cannot lay out timeline)")
