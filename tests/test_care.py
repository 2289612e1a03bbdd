"""CARE checklist coverage: one row per CARE 2013 item, derived from the case model.

Behaviour on the fixture cases; on data/cases only what holds for any case (13 rows per
case present, in checklist order; the items without a field are 'no').
"""

from __future__ import annotations

import pytest

from caseseries.views import care
from caseseries.model.load import load_cases
from caseseries.model.case import AdverseEvent, Fact
from conftest import FIXTURE, published_ids, run_cli

ITEMS = ["Title", "Key words", "Abstract", "Introduction", "Patient information", "Clinical findings", "Timeline",
         "Diagnostic assessment", "Therapeutic intervention", "Follow-up and outcomes", "Discussion",
         "Patient perspective", "Informed consent"]


@pytest.fixture(scope="module")
def published():
    return load_cases()


def row(case, name) -> dict:
    table = care.care_table(case)
    return table[table["name"] == name].iloc[0].to_dict()


def assert_well_formed(case) -> None:
    table = care.care_table(case)
    assert table.columns.to_list() == ["item", "name", "covered", "evidence", "missing"]
    assert table["name"].to_list() == ITEMS and table["item"].to_list() == list(range(1, 14))
    assert set(table["covered"]) <= {"yes", "partly", "no"}
    # every gap says what is missing; full coverage says nothing is
    assert all(bool(m) == (c != "yes") for c, m in zip(table["covered"], table["missing"])), case.case_id
    for name in ("Key words", "Patient perspective", "Informed consent"):
        r = row(case, name)
        assert r["covered"] == "no" and "the case model has no field for it" in r["missing"], (case.case_id, name)


def test_one_row_per_care_item_in_checklist_order_for_every_published_case(published):
    assert [c.case_id for c in published] == published_ids()
    for case in published:
        assert_well_formed(case)


def test_one_row_per_care_item_in_checklist_order_for_every_fixture_case(cases):
    for case in cases.all():
        assert_well_formed(case)


def test_patient_information_names_the_missing_fields(cases):
    assert row(cases["fx-cervix-calendar"], "Patient information")["covered"] == "yes"
    lung = row(cases["fx-lung-egfr"], "Patient information")
    assert lung["covered"] == "partly" and lung["missing"] == "family history"  # the only part the file lacks
    assert "age at diagnosis 61" in lung["evidence"] and "presenting complaint" in lung["evidence"]
    relative = row(cases["fx-relative-axis"], "Patient information")  # no patient block at all
    assert relative["covered"] == "no" and relative["missing"].startswith("age; sex; main symptoms")


def test_therapy_lists_what_the_source_does_not_give(cases):
    cervix = row(cases["fx-cervix-calendar"], "Therapeutic intervention")
    assert cervix == {"item": 9, "name": "Therapeutic intervention", "covered": "yes",
                      "evidence": "3 systemic regimens; 2 radiotherapy courses; 1 surgery", "missing": ""}
    lung = row(cases["fx-lung-egfr"], "Therapeutic intervention")  # osimertinib is daily: no cycle length
    assert lung["covered"] == "partly" and lung["missing"] == "cycle length of osimertinib"
    assert lung["evidence"] == "2 systemic regimens; 1 radiotherapy course"
    relative = row(cases["fx-relative-axis"], "Therapeutic intervention")  # immunotherapy only as an event
    assert relative["covered"] == "partly" and "no systemic regimen recorded" in relative["missing"]
    case = cases["fx-cervix-calendar"]
    no_dose = case.model_copy(update={"regimens": [
        r.model_copy(update={"agents": [a.model_copy(update={"dose": None, "unit": None}) for a in r.agents]})
        if r.id == "cis-weekly" else r for r in case.regimens]})
    assert row(no_dose, "Therapeutic intervention")["missing"] == "doses of cisplatin (cis-weekly)"


def test_timeline_names_what_cannot_be_placed(cases):
    relative = row(cases["fx-relative-axis"], "Timeline")
    assert relative["covered"] == "partly" and "calendar dates" in relative["missing"]
    assert "crt-failure" in relative["missing"]  # undated, anchors nothing
    cervix = row(cases["fx-cervix-calendar"], "Timeline")
    assert cervix["covered"] == "partly" and cervix["missing"] == "dates of pet-undated"  # the one undated item
    # one date of year precision (the 2016 screening), one open interval ('ct-response + >12 months')
    assert "year: 1" in cervix["evidence"] and "open interval: 1" in cervix["evidence"]
    lung = row(cases["fx-lung-egfr"], "Timeline")  # everything dated, from the cough (2021-01) to death (2023-01-17)
    # first and last dates in the timeline's words, at the precision the file gives (the death is a day)
    assert lung["covered"] == "yes" and " dated items, 2021-01 to 2023-01-17 " in lung["evidence"]


def test_adverse_events_count_for_follow_up(cases):
    case = cases["fx-cervix-calendar"]
    assert row(case, "Follow-up and outcomes")["covered"] == "yes"
    without = case.model_copy(update={"adverse_events": []})
    r = row(without, "Follow-up and outcomes")
    assert r["covered"] == "partly" and r["missing"] == "adverse events, or that none occurred (CARE 10d)"
    assert row(cases["fx-relative-axis"], "Follow-up and outcomes")["missing"] == r["missing"]  # none stated


def test_narrative_items_are_at_most_partly_covered_by_cited_sections(cases):
    cervix = cases["fx-cervix-calendar"]
    # one fact of the file cites the Introduction (the last screening)
    assert row(cervix, "Introduction") == {"item": 4, "name": "Introduction", "covered": "partly",
                                           "evidence": "1 fact cites the source's introduction",
                                           "missing": "the introduction (what is unique about the case, with "
                                                      "references) is not recorded in the case file"}
    assert row(cases["fx-lung-egfr"], "Introduction")["covered"] == "no"
    discussion = row(cervix, "Discussion")
    assert discussion["covered"] == "partly"
    assert "2 discussion questions" in discussion["evidence"] and "2 recorded discrepancies" in discussion["evidence"]
    assert row(cases["fx-relative-axis"], "Abstract")["covered"] == "partly"  # every fact cites the abstract


def test_coverage_follows_the_data(cases):
    relative = cases["fx-relative-axis"]
    more = relative.model_copy(update={"patient": relative.patient.model_copy(update={
        "age_at_diagnosis": Fact(value=50, locator={"section": "Abstract"})})})
    assert row(more, "Patient information")["covered"] == "partly"
    assert "age" not in row(more, "Patient information")["missing"].split("; ")
    ae = AdverseEvent(term="fatigue", locator={"section": "Abstract"})
    assert "adverse events" not in row(relative.model_copy(update={"adverse_events": [ae]}),
                                       "Follow-up and outcomes")["missing"]


def test_series_table_and_matrix(cases):
    ordered = cases.all()
    table = care.series_care_table(ordered)
    assert len(table) == 13 * len(ordered) and table.columns[0] == "case_id"
    matrix = care.care_matrix(ordered)
    assert matrix.columns.to_list() == ["item", "name", *cases.ids]
    info = matrix[matrix["name"] == "Patient information"].iloc[0]
    assert (info["fx-cervix-calendar"], info["fx-lung-egfr"], info["fx-relative-axis"]) == ("yes", "partly", "no")
    assert care.series_care_table([]).empty


def test_cli_prints_13_rows_for_every_published_case():
    out = run_cli("care")
    assert out.returncode == 0, out.stderr
    header, *rows = out.stdout.splitlines()
    assert header == "case_id,item,name,covered,evidence,missing"
    ids = published_ids()
    assert len(rows) == 13 * len(ids) and {r.split(",", 1)[0] for r in rows} == set(ids)


def test_cli_matrix_one_case_and_an_unknown_case(cases):
    matrix = run_cli("care", "--matrix", "--format", "markdown", root=FIXTURE)
    assert matrix.returncode == 0, matrix.stderr
    assert "| Patient information" in matrix.stdout and all(i in matrix.stdout for i in cases.ids)
    one = run_cli("care", "fx-relative-axis", root=FIXTURE)
    assert one.returncode == 0 and len(one.stdout.splitlines()) == 1 + 13
    assert {line.split(",", 1)[0] for line in one.stdout.splitlines()[1:]} == {"fx-relative-axis"}
    bad = run_cli("care", "nope", root=FIXTURE)
    assert bad.returncode == 1 and "no case 'nope'" in bad.stderr and "Traceback" not in bad.stderr
