"""The lines a bad file gets: `file:LINE: field: message`, from pydantic's errors and the file's lines."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from caseseries.model.messages import dotted, format_error, leaf_errors, line_of, message
from caseseries.model.case import Case


def errors_of(data: dict) -> list[dict]:
    with pytest.raises(ValidationError) as exc:
        Case.model_validate(data)
    return leaf_errors(exc.value)


def test_a_path_reads_as_the_fields_and_items_of_the_file():
    assert dotted(("regimens", 2, "agents", 0, "dose")) == "regimens[2].agents[0].dose"
    assert dotted(()) == "" and dotted(("title",)) == "title"


def test_the_line_is_that_of_the_deepest_part_of_the_path_the_file_has():
    lines = {(): 1, ("regimens",): 10, ("regimens", 0): 11, ("regimens", 0, "start"): 13}
    assert line_of(lines, ("regimens", 0, "start")) == 13
    assert line_of(lines, ("regimens", 0, "end")) == 11  # a missing key: the item it belongs to
    assert line_of(lines, ("outcome", "status")) == 1
    assert format_error("x.yaml", lines, ("regimens", 0, "end"), "missing (required)") == \
        "x.yaml:11: regimens[0].end: missing (required)"
    assert format_error("x.yaml", lines, (), "not a mapping") == "x.yaml:1: not a mapping"


def test_messages_say_what_was_expected_and_what_was_found():
    by_field = {dotted(e["loc"]): message(e) for e in errors_of({"case_id": "Bad Id", "titel": "T", "outcome": 5})}
    assert by_field["case_id"].startswith("expected an id of lower-case letters") and "'Bad Id'" in by_field["case_id"]
    assert by_field["titel"] == "unknown key 'titel' (did you mean 'title'?)"
    assert by_field["title"] == "missing (required)"
    assert by_field["outcome"] == "expected a mapping of fields, found '5'"


def test_one_error_per_place_even_for_a_union():
    loc_counts = {}
    for e in errors_of({"case_id": "x", "title": "T", "source": {"citation": "c", "patient": "p"},
                        "outcome": {"status": "alive", "last_contact": ["not", "a", "date"], "locator": {}}}):
        loc_counts[e["loc"]] = loc_counts.get(e["loc"], 0) + 1
    assert loc_counts and set(loc_counts.values()) == {1}
