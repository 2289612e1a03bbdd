"""Writing outputs: a reader sees the old file or the new one, never half of one; unwritable folders refused first."""

from __future__ import annotations

import os

import pytest

from caseseries.model.files import RenderError, check_writable, write_atomic


def test_a_write_replaces_the_file_whole_and_leaves_nothing_beside_it(tmp_path):
    target = tmp_path / "out" / "report.html"
    write_atomic(target, "first")
    write_atomic(target, "second ✓")
    assert target.read_text(encoding="utf-8") == "second ✓"
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.html"]
    assert oct(target.stat().st_mode & 0o777) == "0o644"


def test_a_write_that_fails_keeps_the_old_file_and_removes_its_temporary(tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    write_atomic(target, "old")

    def interrupted(*args):
        raise KeyboardInterrupt  # Ctrl-C just before the new file takes the old one's place

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_a_folder_where_a_file_should_go_is_refused_before_anything_runs(tmp_path):
    (tmp_path / "report.html").mkdir()
    with pytest.raises(RenderError, match="it is a folder; move it away"):
        check_writable([tmp_path / "report.html"])


def test_a_file_where_a_folder_should_go_is_refused_naming_it(tmp_path):
    (tmp_path / "reports").write_text("not a folder")
    with pytest.raises(RenderError, match="cannot write into .*reports/cases: .* is not a folder; nothing was rendered"):
        check_writable([tmp_path / "reports" / "cases" / "x.html"])
