"""Synthetic cases: same seed same bytes, every case valid, realistic shape, never in data/cases.

Also one real render: a 50-case series from synthetic cases, in a scratch project.
Nothing here is timed (the timings are `make bench`).
"""

import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from caseseries.model import drugs, synth
from caseseries.cli import main as cli
from caseseries.model.dates import Bounded, RelativeDate, Season
from caseseries.model.load import load_case
from caseseries.model.timeline import timeline

ROOT = Path(__file__).resolve().parents[1]
N = 30
FAST = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synth")
    return synth.write_cases(folder, N, seed=7)


@pytest.fixture(scope="module")
def cases(written):
    return [load_case(p) for p in written]  # raises, naming file and line, on any invalid case


def test_same_seed_same_bytes(written, tmp_path):
    again = synth.write_cases(tmp_path, N, seed=7)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in written]
    assert synth.case_text(8, 1) != synth.case_text(7, 1)


def test_a_case_does_not_depend_on_how_many_are_written(written, tmp_path):
    assert synth.write_cases(tmp_path, 3, seed=7)[2].read_bytes() == written[2].read_bytes()


def test_same_bytes_in_another_process_with_another_hash_seed():
    code = "import sys; from caseseries.model.synth import case_text; sys.stdout.write(case_text(7, 4))"
    texts = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert texts == {synth.case_text(7, 4)}


def test_every_synthetic_case_validates(cases):
    assert len(cases) == N and len({c.case_id for c in cases}) == N


def test_marked_synthetic_everywhere(written, cases):
    for path, case in zip(written, cases):
        assert case.source.synthetic and not (case.source.doi or case.source.url or case.source.file)
        assert path.read_text().startswith("# SYNTHETIC CASE - NOT A REAL PATIENT.")
        assert case.case_id.startswith("synth-")
        for locator in _locators(yaml.load(path.read_text(), Loader=FAST)):
            assert locator["section"] == "Synthetic"


def _locators(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "locator":
                yield value
            else:
                yield from _locators(value)
    elif isinstance(node, list):
        for item in node:
            yield from _locators(item)


def test_shape_ranges(cases):
    for case in cases:
        assert 10 <= len(case.events) <= 80
        assert 1 <= len(case.regimens) <= 4
        values = [m for m in case.markers if m.value is not None]
        assert len(values) <= 40
        if case.markers:
            assert 1 <= len({m.analyte for m in case.markers}) <= 4
        for limits in Counter(limit.analyte for limit in case.reference_limits).values():
            assert limits in (1, 2)  # a limit changes at most once
        for course in case.radiotherapy:
            assert course.targets and all(t.total_dose_gy and t.fractions for t in course.targets)


def test_the_variety_a_series_needs(cases):
    axes = Counter("calendar" if timeline(c).axis == "calendar" else "relative" for c in cases)
    assert axes["calendar"] and axes["relative"]
    assert any(e.date.precision == "month" for c in cases for e in c.events)
    assert any(d.censored for c in cases for d in c.outcome.durations)
    assert any(not d.censored for c in cases for d in c.outcome.durations)
    changed = [c for c in cases if any(limit.valid_until is not None for limit in c.reference_limits)]
    assert changed and len(changed) < len(cases)
    assert any(m.value is not None for c in cases for m in c.markers)
    assert any(not c.markers for c in cases)
    assert {len(c.regimens) for c in cases} >= {1, 2, 3}


def test_the_date_forms_the_timeline_must_hold(cases):
    """Open offsets, bounds, parts of years and reported course lengths, so that bench and tests exercise them."""
    dates = [i.date for c in cases for i in c.imaging] + [e.date for c in cases for e in c.events]
    assert any(isinstance(d, Bounded) for d in dates)
    assert any(isinstance(d, RelativeDate) and d.at_least for d in dates)
    assert any(isinstance(d, Season) for d in dates)
    assert any(d.of is not None for c in cases for d in c.outcome.durations)
    assert any(d.origin is not None for c in cases for d in c.outcome.durations)
    for c in cases:  # a course given "for N months" has its end from that report
        for i, r in enumerate(c.regimens):
            if any(d.of == r.id for d in c.outcome.durations):
                assert timeline(c).span("regimens", i).end_basis == "reported"


def test_drugs_are_in_the_drug_reference():
    assert set(synth.DRUGS) <= set(drugs.known_names())


def test_cli_writes_valid_cases(tmp_path, capsys):
    assert cli(["synth", "3", "--seed", "2", "--out", str(tmp_path / "out")]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f"synth-2-0000{i}.yaml" for i in (1, 2, 3)]
    assert cli(["validate", str(tmp_path / "out")]) == 0


@pytest.mark.parametrize("inside", ["data/cases", "data/cases/sub", "data/cases/../cases"])
def test_cli_refuses_data_cases(inside, capsys):
    before = sorted((ROOT / "data/cases").iterdir())
    assert cli(["synth", "2", "--out", str(ROOT / inside)]) == 1
    assert "refusing to write synthetic cases into" in capsys.readouterr().err
    assert sorted((ROOT / "data/cases").iterdir()) == before


def test_series_of_50_synthetic_cases_renders(tmp_path):
    from caseseries.outputs import render

    if not (ROOT / "notebooks/case_series.ipynb").exists() or not hasattr(render, "series_job"):
        pytest.skip("series notebook not built yet")
    synth.write_cases(tmp_path / "data/cases", 50, seed=3)
    shutil.copytree(ROOT / "data/reference", tmp_path / "data/reference")
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    out = subprocess.run([sys.executable, "-m", "caseseries", "series"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=600, env={**os.environ, "CASESERIES_ROOT": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    page = (tmp_path / "reports/series.html").read_text()
    assert "synth-3-00050" in page and "Traceback" not in page
