"""The `caseseries` command line: list, validate, schema, new, table, render, series, teach, ...

Bad input ends in a message and exit 1, never a traceback: a case id on the command line
must be a name (never a path), and an OS error (a file or folder that cannot be read or
written) is one line. Ctrl-C (or SIGTERM, SIGHUP) ends every command with the one line
`caseseries: interrupted` and exit 130 (143, 129), after the temporary folders and
half-written files are removed. Heavy imports happen inside the commands that need them
so that `validate` answers quickly.
"""

from __future__ import annotations

import argparse
import os
import sys

from caseseries.model import interrupts
from caseseries.model.paths import CaseIdError, check_case_id

# Nothing heavy at module level: `main` handles Ctrl-C before the case model (pydantic) is imported.

TABLES = ("timeline", "regimens", "radiotherapy", "markers", "imaging", "adverse-events", "metrics")


def cmd_list(args: argparse.Namespace) -> int:
    from caseseries.model.load import load_cases

    for case in load_cases():
        print(f"{case.case_id}  {case.title}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from caseseries.model.load import case_paths

    paths = case_paths(args.paths)
    if not args.paths:  # a folder named x.yaml in data/cases: not a case file, said once, by name
        from caseseries.model.paths import not_case_files

        paths = [p for p in paths if not p.is_dir()] + not_case_files()
    if not paths:
        print("caseseries validate: no case files found", file=sys.stderr)
        return 1
    from caseseries.model.load import display_path, validate_files
    from caseseries.views.selfcheck import build_problems

    # Every file in one run; the drug reference's own errors once, under its own name.
    result = validate_files(paths)
    errors = dict(result.errors)
    for path, case in result.cases.items():
        if problems := build_problems(case, display_path(path)):
            errors[path] = problems
    for line in result.reference_errors + [line for p in result.paths for line in errors.get(p, [])]:
        print(line, file=sys.stderr)
    if errors or result.reference_errors:
        if result.reference_errors:
            print(f"{display_path(result.reference.path)} invalid", file=sys.stderr)
        print(f"{len(errors)} of {len(paths)} case files invalid", file=sys.stderr)
        return 1
    print(f"{len(paths)} case files valid")
    print()
    print(next_steps([p.stem for p in paths] if args.paths else []))
    return 0


def next_steps(case_ids: list[str]) -> str:
    """What to do once the case files are valid: render, review, commit."""
    one = case_ids[0] if len(case_ids) == 1 else "<id>"
    return "\n".join([
        "Next:",
        f"  1. make reports   renders the changed cases (reports/cases/{one}.ipynb and .html) and the series",
        f"  2. review what changed in reports/cases/{one}.ipynb and reports/series.ipynb",
        f"     (git status; git diff reports/cases/{one}.ipynb reports/series.ipynb; the HTML beside them)",
        "  3. commit the case file with its report and the series:",
        f"     git add data/cases/{one}.yaml reports/cases/{one}.ipynb reports/series.ipynb",
        "     and data/reference/drugs.yaml too if you added a drug to it",
    ])


def cmd_schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of a case file, or write it (make schema: data/case.schema.json)."""
    from caseseries.model.load import display_path
    from caseseries.model.schema import schema_text, write_schema

    try:
        if args.out is None:
            sys.stdout.write(schema_text())
            return 0
        path, changed = write_schema(args.out)
    except (RuntimeError, OSError) as exc:
        print(f"caseseries schema: {exc}", file=sys.stderr)
        return 1
    print(f"{'wrote' if changed else 'up to date:'} {display_path(path)}", file=sys.stderr)
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    """Write data/cases/<id>.yaml: every section of the model, with placeholders that fail until filled in."""
    from caseseries.model.load import display_path
    from caseseries.model.skeleton import NewCaseError, new_case

    try:
        path = new_case(args.case_id, source=args.source, doi=args.doi, out=args.out)
    except (NewCaseError, OSError) as exc:
        print(f"caseseries new: {exc}", file=sys.stderr)
        return 1
    shown = display_path(path)
    print(f"wrote {shown}")
    print()
    print("Next: fill it in from the source (data/README.md explains each field), deleting what the source")
    print("does not give, then run")
    print(f"  caseseries validate {shown}")
    print("until it prints '1 case files valid'. It names every placeholder left, by line.")
    return 0


def cmd_table(args: argparse.Namespace) -> int:
    from caseseries.views import tables
    from caseseries.model.load import find_case

    case = find_case(args.case_id)
    frame = tables.table(case, args.name)
    if args.format == "markdown":
        print(tables.to_markdown(frame))
    else:
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from caseseries.outputs.render import RenderError, render_cases

    try:
        render_cases(args.case_ids)
    except RenderError as exc:
        print(f"caseseries: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_teach(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from caseseries.model.disclosure import DisclosureError
    from caseseries.outputs.render import RenderError, run, teach_job
    from caseseries.outputs.slides import SlidesError, install_reveal

    if args.stages:
        return _teach_stages(args)
    if args.as_of is None:
        print("caseseries teach: give an as-of date (e.g. 2023-09, or 'rit-start + 6 months'), or --stages for the "
              "unfolding deck of every decision point", file=sys.stderr)
        return 2
    try:
        job = teach_job(args.case_id, args.as_of)
        if args.no_slides:
            job = replace(job, slides=None)
        else:
            install_reveal(job.slides.parent)
        run([job])
    except (DisclosureError, RenderError, SlidesError) as exc:
        print(f"caseseries teach: {exc}", file=sys.stderr)
        return 1
    return 0


def _teach_stages(args: argparse.Namespace) -> int:
    from caseseries.outputs.render import RenderError
    from caseseries.outputs.slides import SlidesError
    from caseseries.outputs.stagedeck import StageError, write_stages

    if args.as_of is not None:
        print("caseseries teach: --stages makes every decision point's stage; give no as-of date with it",
              file=sys.stderr)
        return 2
    try:
        write_stages(args.case_id, single_file=args.single_file, progress=sys.stderr)
    except (RenderError, SlidesError, StageError) as exc:
        print(f"caseseries teach: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_slides(args: argparse.Namespace) -> int:
    from caseseries.model.paths import project_root
    from caseseries.outputs.slides import SlidesError, install_reveal, render_case_decks

    try:
        if args.reveal_only:
            if args.case_ids or args.single_file:
                print("caseseries slides: --reveal-only takes no case and no --single-file", file=sys.stderr)
                return 2
            install_reveal(project_root() / "reports" / "slides")
            return 0
        render_case_decks(args.case_ids, progress=sys.stderr, single_file=args.single_file)
    except SlidesError as exc:
        print(f"caseseries slides: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_care(args: argparse.Namespace) -> int:
    from caseseries.views import care, tables
    from caseseries.model.load import find_case, load_cases

    cases = [find_case(c) for c in args.case_ids] if args.case_ids else load_cases()
    frame = care.care_matrix(cases) if args.matrix else care.series_care_table(cases)
    if args.format == "markdown":
        print(tables.to_markdown(frame.replace("", None)))
    else:
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0


def cmd_synth(args: argparse.Namespace) -> int:
    from caseseries.model.synth import write_cases

    if args.n < 0 or args.seed < 0:
        print("caseseries synth: N and --seed must be whole numbers ≥ 0", file=sys.stderr)
        return 1
    try:
        paths = write_cases(args.out, args.n, args.seed)
    except ValueError as exc:
        print(f"caseseries synth: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {len(paths)} synthetic case files (seed {args.seed}) to {args.out}")
    return 0


def cmd_series(args: argparse.Namespace) -> int:
    """Render the series notebook (reports/series.*) and the index, or print one series table."""
    from caseseries.views import series

    try:
        series.check_align_on(args.align_on)
    except ValueError as exc:
        print(f"caseseries series: {exc}", file=sys.stderr)
        return 1
    if args.table:
        from caseseries.views import tables
        from caseseries.model.load import find_case, load_cases

        cases = [find_case(c) for c in args.case_ids] if args.case_ids else load_cases()
        frame = series.series_table(cases, args.table, args.align_on)
        if args.format == "markdown":
            print(tables.to_markdown(frame))
        else:
            frame.to_csv(sys.stdout, index=False, lineterminator="\n")
        return 0
    from caseseries.outputs.index import write_index
    from caseseries.model.load import display_path
    from caseseries.model.checked import unpacked
    from caseseries.outputs.render import RenderError, run, series_job

    try:
        job = series_job(args.case_ids or None, args.align_on)
        run([job])
    except RenderError as exc:
        print(f"caseseries: {exc}", file=sys.stderr)
        return 1
    if not args.no_index:
        print(f"wrote {display_path(write_index(checked=unpacked(job.checked.packed())))}", file=sys.stderr)
    return 0


def cmd_prune(args: argparse.Namespace) -> int:
    """Remove (--list: only list) the reports, decks and exports under reports/ whose case file is gone."""
    from caseseries.outputs.render import RenderError, prune

    try:
        prune(list_only=args.list, out=sys.stderr)
    except RenderError as exc:
        print(f"caseseries prune: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_check_reports(args: argparse.Namespace) -> int:
    """Fail, one line each, for kept reports to render again (template or version changed) and orphans."""
    from caseseries.outputs.render import report_problems

    problems = report_problems()
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        print(f"{len(problems)} report(s) out of date: run `make reports` (it renders again and removes orphans), "
              "review the diff in reports/ and commit it", file=sys.stderr)
        return 1
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write cases as FHIR R4B bundles, cBioPortal timeline files or Phenopackets into --out."""
    from pathlib import Path

    from caseseries.outputs.exports import write_exports
    from caseseries.model.load import display_path

    if bool(args.case_ids) == bool(args.all):
        print("caseseries export: name one or more CASE_IDs, or --all", file=sys.stderr)
        return 1
    written = write_exports([] if args.all else args.case_ids, args.to, Path(args.out))
    print(f"wrote {len(written)} {args.to} file(s) to {display_path(Path(args.out))}", file=sys.stderr)
    return 0


def cmd_teaching_notebook(args: argparse.Namespace) -> int:
    from caseseries.outputs.interactive import render_teaching
    from caseseries.model.load import CaseFileError, display_path, find_case
    from caseseries.model.paths import CaseIdError
    from caseseries.outputs.render import RenderError

    try:
        if args.case_id is not None:
            find_case(args.case_id)  # a bad id or case file is named before a kernel starts
        print(f"wrote {display_path(render_teaching(args.case_id))}", file=sys.stderr)
    except (CaseIdError, CaseFileError, RenderError) as exc:
        print(f"caseseries teaching-notebook: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    from caseseries.outputs.index import write_index
    from caseseries.model.load import display_path

    print(f"wrote {display_path(write_index())}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="caseseries", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("list", help="one line per case: <case_id>  <title>")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("validate", help="check case files (default: every file in data/cases)")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("schema", help="print the JSON Schema of a case file, generated from the case model")
    p.add_argument("--out", metavar="FILE", help="write it to FILE instead (make schema: data/case.schema.json)")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("new", help="write data/cases/<CASE_ID>.yaml to fill in: every section of the model, "
                                   "with placeholders that fail validation until filled in")
    p.add_argument("case_id", metavar="CASE_ID", help="lower case, e.g. smith2024 or smith2024-p1")
    p.add_argument("--source", metavar="FILE", help="the source text: a file in ../shared/sources/ (source.file)")
    p.add_argument("--doi", metavar="DOI", help="the DOI of the report (source.doi)")
    p.add_argument("--out", metavar="DIR", help="folder to write into (default: data/cases)")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("table", help="print one tidy table of a case")
    p.add_argument("case_id")
    p.add_argument("name", choices=TABLES)
    p.add_argument("--format", choices=("csv", "markdown"), default="csv")
    p.set_defaults(func=cmd_table)

    p = sub.add_parser("render", help="run the report notebook for cases into reports/cases (default: all)")
    p.add_argument("case_ids", nargs="*", metavar="CASE_ID")
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("teach", help="the teaching view as of a date (reports/teaching/case-<hash>@<date>.html and a "
                       "deck), or with --stages the unfolding deck of every decision point and a stage-1 handout")
    p.add_argument("case_id", metavar="CASE_ID")
    p.add_argument("as_of", metavar="AS_OF", nargs="?",
                   help="2023-09, 2019-04-04, or an offset such as 'rit-start + 6 months'")
    p.add_argument("--no-slides", action="store_true", help="skip the reveal.js deck in reports/slides")
    p.add_argument("--stages", action="store_true",
                   help="one deck of every decision point (reports/slides/case-<hash>.stages.html: what is known, the "
                        "question, commit, the reveal; answers in the speaker notes) and the stage-1 handout for print "
                        "(reports/teaching/case-<hash>.handout.html)")
    p.add_argument("--single-file", action="store_true", help="with --stages: reveal.js inlined in the deck, "
                   "which then opens offline on its own (sent by mail, on a USB stick)")
    p.set_defaults(func=cmd_teach)

    p = sub.add_parser("slides", help="reveal.js decks of the rendered reports in reports/slides (default: all)")
    p.add_argument("case_ids", nargs="*", metavar="CASE_ID")
    p.add_argument("--single-file", action="store_true",
                   help="reveal.js written into each deck (one HTML file, still no network) instead of reveal.js/ beside it")
    p.add_argument("--reveal-only", action="store_true",
                   help="only copy reveal.js into reports/slides, as make and Snakemake do once before the decks")
    p.set_defaults(func=cmd_slides)

    p = sub.add_parser("care", help="CARE checklist coverage of the cases (default: the whole series)")
    p.add_argument("case_ids", nargs="*", metavar="CASE_ID")
    p.add_argument("--matrix", action="store_true", help="one column per case: yes / partly / no")
    p.add_argument("--format", choices=("csv", "markdown"), default="csv")
    p.set_defaults(func=cmd_care)

    p = sub.add_parser("synth", help="write N synthetic (invented) case files for benchmarks; never into data/cases")
    p.add_argument("n", type=int, metavar="N")
    p.add_argument("--seed", type=int, default=0, help="same seed, same files (default 0)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write into (not data/cases)")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("series", help="render the case series into reports/series.{ipynb,html} and the index, "
                                      "or print a series table with --table")
    p.add_argument("case_ids", nargs="*", metavar="CASE_ID", help="the cases to show (default: all)")
    p.add_argument("--align-on", default="immunotherapy", metavar="KIND",
                   help="time 0: 'immunotherapy' (first checkpoint-inhibitor dose, the default) or an event kind "
                        "such as diagnosis, recurrence, progression, surgery, radiotherapy")
    p.add_argument("--table", metavar="NAME", choices=("comparison", "alignment", "swimmer", "unplaced", "kinetics",
                                                       "marker-notes", "drugs"),
                   help="print this table instead of rendering: comparison, alignment, swimmer, unplaced, "
                        "kinetics, marker-notes, drugs")
    p.add_argument("--format", choices=("csv", "markdown"), default="csv")
    p.add_argument("--no-index", action="store_true",
                   help="leave reports/index.html alone (make and Snakemake write it after every page it links)")
    p.set_defaults(func=cmd_series)

    p = sub.add_parser("export", help="write cases as FHIR R4B bundles (mCODE model), cBioPortal timeline files "
                                      "or GA4GH Phenopackets v2 into --out (docs/exports.md)")
    p.add_argument("case_ids", nargs="*", metavar="CASE_ID")
    p.add_argument("--all", action="store_true", help="every case of data/cases")
    p.add_argument("--to", required=True, choices=("fhir", "cbioportal", "phenopacket"))
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write into, e.g. reports/exports/fhir")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("teaching-notebook", help="write reports/teaching.ipynb: notebooks/teaching.ipynb run for "
                       "one case (default: the case with the most dated facts), kept and checked by nbval")
    p.add_argument("case_id", metavar="CASE_ID", nargs="?")
    p.set_defaults(func=cmd_teaching_notebook)

    p = sub.add_parser("index", help="write reports/index.html: every case and the series, with links")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("prune", help="remove the reports, decks and exports under reports/ whose case file is gone "
                                     "(make reports runs it), one line each")
    p.add_argument("--list", action="store_true", help="only list them")
    p.set_defaults(func=cmd_prune)

    p = sub.add_parser("check-reports", help="fail for kept reports rendered from another template or version, "
                                             "and for reports whose case file is gone (make test runs it)")
    p.set_defaults(func=cmd_check_reports)
    return parser


def check_ids(args: argparse.Namespace) -> None:
    """A case id on the command line is a name, never a path (CaseIdError)."""
    if args.command == "new":  # `new` checks its id against the model, in its own words
        return
    ids = [getattr(args, "case_id", None)] + list(getattr(args, "case_ids", None) or [])
    for case_id in ids:
        if case_id is not None:
            check_case_id(case_id)


def main(argv: list[str] | None = None) -> int:
    previous = interrupts.install()  # first: Ctrl-C from here on ends in one line
    whole_process = argv is None and bool(previous)  # the console script, not a call from Python
    try:
        args = build_parser().parse_args(argv)
        from caseseries.model.load import CaseFileError

        try:
            check_ids(args)
            code = args.func(args)
        except CaseFileError as exc:
            for line in exc.errors:
                print(line, file=sys.stderr)
            code = 1
        except CaseIdError as exc:
            print(f"caseseries {args.command}: {exc}", file=sys.stderr)
            code = 1
        except BrokenPipeError:
            code = 0
        except OSError as exc:  # a file or folder that cannot be read or written: one line naming it
            where = f": {exc.filename}" if exc.filename else ""
            print(f"caseseries {args.command}: {exc.strerror or exc}{where}", file=sys.stderr)
            code = 1
        interrupts.check()  # an interrupt whose exception was lost on the way still ends the command
        return code
    except KeyboardInterrupt as exc:
        if previous:
            interrupts.ignore()
        return _interrupted(128 + getattr(exc, "signum", 2), whole_process)
    finally:
        interrupts.restore(previous, process_ends=argv is None)


def _interrupted(code: int, whole_process: bool) -> int:
    """Say so in one line. As the process itself, end here, once the kernels are stopped and the temporary
    folders removed: what papermill's worker thread or the kernel client would print while Python shuts down
    (pending tasks, closed sockets) is noise after an interrupt."""
    if whole_process:
        import logging
        import warnings

        logging.disable(logging.CRITICAL)
        warnings.simplefilter("ignore")
        if "caseseries.outputs.render" in sys.modules:
            from caseseries.outputs.render import remove_stale_temp, stop_kernels

            stop_kernels()
            remove_stale_temp(own=True)
            # papermill's worker thread may still be starting a kernel, and jupyter_client re-creates the
            # folder of the connection file it writes: give it a moment, then remove what it re-created
            import time

            time.sleep(0.3)
            remove_stale_temp(own=True)
    print(interrupts.MESSAGE, file=sys.stderr, flush=True)
    if whole_process:
        try:
            sys.stdout.flush()
        except (OSError, ValueError):
            pass
        os._exit(code)
    return code

