"""Case ids on the command line are names, never paths; teaching outputs get names that give nothing away."""

from __future__ import annotations

import pytest

from caseseries.model.paths import CASE_ID_MAX, NEUTRAL_STEM, CaseIdError, case_files, check_case_id, neutral_stem


@pytest.mark.parametrize("case_id", ["bian2024-p1", "a", "x_y-1", "a" * CASE_ID_MAX])
def test_a_name_is_a_case_id(case_id):
    assert check_case_id(case_id) == case_id


@pytest.mark.parametrize("given, hint", [
    ("data/cases/bian2024-p1.yaml", "(did you mean 'bian2024-p1'?)"), ("../x", "(did you mean 'x'?)"),
    ("Bian2024", ""), ("1abc", ""), ("a" * (CASE_ID_MAX + 1), ""), ("a\nb", ""),
])
def test_anything_else_is_refused_in_one_line_with_a_hint(given, hint):
    with pytest.raises(CaseIdError) as exc:
        check_case_id(given)
    text = str(exc.value)
    assert "\n" not in text and "is not a case id" in text and text.endswith(hint or "e.g. bian2024-p1")


def test_a_neutral_stem_is_stable_and_names_no_part_of_the_id():
    stem = neutral_stem("toripalimab-iiic2p")
    assert NEUTRAL_STEM.fullmatch(stem) and stem == neutral_stem("toripalimab-iiic2p")
    assert "toripalimab" not in stem and stem != neutral_stem("toripalimab-iiic2q")


def test_case_files_are_the_yaml_files_of_a_folder_in_order(tmp_path):
    for name in ("b.yaml", "a.yaml", "notes.txt"):
        (tmp_path / name).write_text("x")
    (tmp_path / "c.yaml").mkdir()  # a folder named like a case file is not one
    assert [p.name for p in case_files(tmp_path)] == ["a.yaml", "b.yaml"]
