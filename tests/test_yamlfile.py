"""Reading a case file's YAML: values read before are reused (keys, dates and locators recur from file to
file), and that never changes what a file reads as, nor what a bad value is told."""

from __future__ import annotations

import pytest

from caseseries.model import yamlfile
from caseseries.model.yamlfile import YamlError, read_yaml

MIXED = ('a: 5\nb: "5"\nc: 5.0\nd: yes\ne: "yes"\nf: null\ng: ~\nh: 2019-04\ni: "2019-04"\nj: [5, "5", yes]\n'
         "k: {5: five}\n")
READ = {"a": 5, "b": "5", "c": 5.0, "d": True, "e": "yes", "f": None, "g": None, "h": "2019-04", "i": "2019-04",
        "j": [5, "5", True], "k": {5: "five"}}


@pytest.fixture
def fresh(monkeypatch):
    """Nothing read before."""
    monkeypatch.setattr(yamlfile, "_SCALARS", {})
    return yamlfile._SCALARS


def test_a_text_reads_the_same_read_before_or_not_quoted_or_plain(tmp_path, fresh):
    path = tmp_path / "x.yaml"
    path.write_text(MIXED)
    first = read_yaml(path)
    assert fresh, "nothing kept"
    again = read_yaml(path)
    assert first == again and first[0] == READ
    assert [type(first[0][k]) for k in "abcd"] == [int, str, float, bool]
    assert [type(v) for v in again[0]["j"]] == [int, str, bool]
    reverse = tmp_path / "y.yaml"  # the quoted texts first this time
    reverse.write_text("".join(reversed(MIXED.splitlines(keepends=True))))
    assert read_yaml(reverse)[0] == READ


def test_documents_read_from_the_same_text_share_no_list_or_mapping(tmp_path, fresh):
    path = tmp_path / "x.yaml"
    path.write_text(MIXED)
    first, _ = read_yaml(path)
    first["j"].append("edited")
    first["k"][6] = "six"
    assert read_yaml(path)[0] == READ


def test_a_value_that_cannot_be_read_fails_each_time_and_is_not_kept(tmp_path, fresh):
    path = tmp_path / "x.yaml"
    path.write_text("cycles: 5\ncycles_given: !!int five\n")
    for _ in range(2):
        with pytest.raises(YamlError) as failed:
            read_yaml(path)
        assert (failed.value.line, failed.value.message) == (2, "cannot read 'five' as a whole number")
    assert not [key for key in fresh if key[1] == "five"]


def test_what_is_kept_stays_bounded(tmp_path, fresh, monkeypatch):
    monkeypatch.setattr(yamlfile, "_SCALARS_KEPT", 10)
    path = tmp_path / "x.yaml"
    path.write_text("".join(f"key{i}: value {i}\n" for i in range(50)))
    document, _ = read_yaml(path)
    assert document == {f"key{i}": f"value {i}" for i in range(50)}
    assert 0 < len(fresh) <= 10
