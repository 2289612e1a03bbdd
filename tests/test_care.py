"""CARE checklist coverage: one row per CARE 2013 item, derived from the case model."""

from __future__ import annotations

from pathlib import Path

import pytest

from caseseries import care
from caseseries.load import find_case, load_cases
from caseseries.model import AdverseEvent, Fact
from conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]
ITEMS = ["Title", "Key words", "Abstract", "Introduction", "Patient information", "Clinical findings", "Timeline",
         "Diagnostic assessment", "Therapeutic intervention", "Follow-up and outcomes", "Discussion",
         "Patient perspective", "Informed consent"]


@pytest.fixture(scope="module")
def cases():
    return {c.case_id: c for c in load_cases()}


def row(case, name) -> dict:
    table = care.care_table(case)
    return table[table["name"] == name].iloc[0].to_dict()


def test_one_row_per_care_item_in_checklist_order(cases):
    for case in cases.values():
        table = care.care_table(case)
        assert table.columns.to_list() == ["item", "name", "covered", "evidence", "missing"]
        assert table["name"].to_list() == ITEMS and table["item"].to_list() == list(range(1, 14))
        assert set(table["covered"]) <= {"yes", "partly", "no"}
        # every gap says what is missing; full coverage says nothing is
        assert all(bool(m) == (c != "yes") for c, m in zip(table["covered"], table["missing"]))


def test_patient_information_names_the_missing_fields(cases):
    soca = row(cases["socazolimab-xu2025"], "Patient information")
    assert soca["covered"] == "partly" and soca["missing"] == "family history"
    assert "age at diagnosis 46" in soca["evidence"] and "presenting complaint" in soca["evidence"]
    assert row(cases["toripalimab-iiic2p"], "Patient information")["covered"] == "yes"
    bian = row(cases["bian2024-p1"], "Patient information")
    assert bian["covered"] == "no" and bian["missing"].startswith("age; sex; main symptoms")


def test_therapy_lists_doses_and_ends_the_source_does_not_give(cases):
    soca = row(cases["socazolimab-xu2025"], "Therapeutic intervention")
    assert soca["covered"] == "partly"
    assert "doses of paclitaxel (pc-apatinib), carboplatin (pc-apatinib)" in soca["missing"]
    assert "end of radiotherapy rt-2020" in soca["missing"]
    assert "3 systemic regimens; 1 radiotherapy course; 1 surgery" == soca["evidence"]
    bian = row(cases["bian2024-p1"], "Therapeutic intervention")
    assert bian["covered"] == "partly" and "no systemic regimen recorded" in bian["missing"]


def test_timeline_of_a_relative_case_lacks_calendar_dates(cases):
    bian = row(cases["bian2024-p1"], "Timeline")
    assert bian["covered"] == "partly" and "calendar dates" in bian["missing"] and "crt-failure" in bian["missing"]
    soca = row(cases["socazolimab-xu2025"], "Timeline")
    assert soca["covered"] == "yes" and soca["evidence"].startswith("28 dated items, 2008-04 to 2025-01")


def test_adverse_events_count_for_follow_up(cases):
    soca = cases["socazolimab-xu2025"]
    assert row(soca, "Follow-up and outcomes")["covered"] == "yes"
    without = soca.model_copy(update={"adverse_events": []})
    r = row(without, "Follow-up and outcomes")
    assert r["covered"] == "partly" and r["missing"] == "adverse events, or that none occurred (CARE 10d)"


def test_items_without_a_field_are_no_and_say_so(cases):
    for case in cases.values():
        for name in ("Key words", "Patient perspective", "Informed consent"):
            r = row(case, name)
            assert r["covered"] == "no" and "the case model has no field for it" in r["missing"]


def test_narrative_items_are_at_most_partly_covered_by_cited_sections(cases):
    tori = cases["toripalimab-iiic2p"]
    discussion = row(tori, "Discussion")
    assert discussion["covered"] == "partly" and "3 discussion questions" in discussion["evidence"]
    assert row(tori, "Introduction") == {"item": 4, "name": "Introduction", "covered": "partly",
                                         "evidence": "1 fact cites the source's introduction",
                                         "missing": "the introduction (what is unique about the case, with "
                                                    "references) is not recorded in the case file"}
    assert row(cases["socazolimab-xu2025"], "Introduction")["covered"] == "no"


def test_coverage_follows_the_data(cases):
    bian = cases["bian2024-p1"]
    more = bian.model_copy(update={"patient": bian.patient.model_copy(update={
        "age_at_diagnosis": Fact(value=50, locator={"section": "Abstract"})})})
    assert row(more, "Patient information")["covered"] == "partly"
    assert "age" not in row(more, "Patient information")["missing"].split("; ")
    ae = AdverseEvent(term="fatigue", locator={"section": "Abstract"})
    assert "adverse events" not in row(bian.model_copy(update={"adverse_events": [ae]}), "Follow-up and outcomes")["missing"]


def test_series_table_and_matrix(cases):
    ordered = [cases[k] for k in sorted(cases)]
    table = care.series_care_table(ordered)
    assert len(table) == 13 * len(ordered) and table.columns[0] == "case_id"
    matrix = care.care_matrix(ordered)
    assert matrix.columns.to_list() == ["item", "name", *sorted(cases)]
    assert matrix.loc[matrix["name"] == "Patient information", "toripalimab-iiic2p"].item() == "yes"
    assert care.series_care_table([]).empty


def run(*args):
    return run_cli(*args)


def test_cli_prints_the_series_table_and_the_matrix():
    out = run("care")
    assert out.returncode == 0, out.stderr
    header, *rows = out.stdout.splitlines()
    assert header == "case_id,item,name,covered,evidence,missing" and len(rows) == 13 * 4
    matrix = run("care", "--matrix", "--format", "markdown")
    assert matrix.returncode == 0 and "| Patient information" in matrix.stdout and "toripalimab-iiic2p" in matrix.stdout
    one = run("care", "bian2024-p1")
    assert one.returncode == 0 and len(one.stdout.splitlines()) == 14
    bad = run("care", "nope")
    assert bad.returncode == 1 and "no case 'nope'" in bad.stderr and "Traceback" not in bad.stderr
    assert find_case("bian2024-p1").case_id in one.stdout
