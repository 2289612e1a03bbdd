"""Exports of a case to the formats the field uses: FHIR R4B (on mCODE's model), cBioPortal timeline, Phenopacket v2.

Each format module is a pure function of the case (and the drug reference); :func:`export_files`
gives a case's files by name, and :func:`write_exports` is the one writer (atomic, like every
output of caseseries). What each format holds and loses is in docs/exports.md and the README.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from caseseries.model.drugs import Drug
from caseseries.model.case import Case

FORMATS = ("fhir", "cbioportal", "phenopacket")


def export_files(case: Case, fmt: str, reference: Mapping[str, Drug]) -> dict[str, str]:
    """The files of one case in one format, by file name (each named after the case: ``<id>.<...>``)."""
    if fmt == "fhir":
        from caseseries.views.exports.fhir import bundle

        return {f"{case.case_id}.fhir.json": json.dumps(bundle(case, reference), indent=2, ensure_ascii=False) + "\n"}
    if fmt == "cbioportal":
        from caseseries.views.exports.cbioportal import files

        return files(case, reference)
    if fmt == "phenopacket":
        from caseseries.views.exports.phenopacket import to_json

        return {f"{case.case_id}.phenopacket.json": to_json(case, reference)}
    raise ValueError(f"unknown export format '{fmt}' (expected one of: {', '.join(FORMATS)})")


def write_exports(case_ids: list[str], fmt: str, out: Path, root: Path | None = None) -> list[Path]:
    """Export the named cases (every case when none is named) into ``out``; return the paths written.

    Every case is loaded (and so validated) before anything is written. A case's files that an
    earlier export wrote and this one does not (an event type it no longer has) are removed.
    """
    from caseseries.model.drugs import view_reference
    from caseseries.model.load import each_or_errors, find_case
    from caseseries.model.paths import case_files, project_root
    from caseseries.model.files import write_atomic

    root = root or project_root()
    if not case_ids:
        case_ids = [p.stem for p in case_files(root / "data" / "cases")]
    cases = each_or_errors(lambda c: find_case(c, cases_dir=root / "data" / "cases"), case_ids)
    reference = view_reference()
    written = []
    for case in cases:
        files = export_files(case, fmt, reference)
        out.mkdir(parents=True, exist_ok=True)
        for stale in sorted(out.glob(f"{case.case_id}.*")):
            if stale.name not in files and stale.is_file():
                stale.unlink()
        for name, text in files.items():
            write_atomic(out / name, text)
            written.append(out / name)
    return written
