"""The `caseseries` command line: list, validate, schema, new, table, render, series, teach, ...

Bad input ends in a message and exit 1, never a traceback. Heavy imports happen
inside the commands that need them so that `validate` answers quickly.
"""

from __future__ import annotations

import argparse
import sys

from .load import CaseFileError, case_paths, find_case, load_case, load_cases

TABLES = ("timeline", "regimens", "radiotherapy", "markers", "imaging", "adverse-events", "metrics")


def cmd_list(args: argparse.Namespace) -> int:
    for case in load_cases():
        print(f"{case.case_id}  {case.title}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    paths = case_paths(args.paths)
    if not paths:
        print("caseseries validate: no case files found", file=sys.stderr)
        return 1
    bad = 0
    for path in paths:
        try:
            load_case(path)
        except CaseFileError as exc:
            bad += 1
            for line in exc.errors:
                print(line, file=sys.stderr)
    if bad:
        print(f"{bad} of {len(paths)} case files invalid", file=sys.stderr)
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
    from .load import display_path
    from .schema import schema_text, write_schema

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
    from .load import display_path
    from .skeleton import NewCaseError, new_case

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
    from . import tables

    case = find_case(args.case_id)
    frame = tables.table(case, args.name)
    if args.format == "markdown":
        print(tables.to_markdown(frame))
    else:
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from .render import RenderError, render_cases

    try:
        render_cases(args.case_ids)
    except RenderError as exc:
        print(f"caseseries: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_teach(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from .disclosure import DisclosureError
    from .render import RenderError, run, teach_job
    from .slides import SlidesError, install_reveal

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


def cmd_slides(args: argparse.Namespace) -> int:
    from .slides import SlidesError, render_case_decks

    try:
        render_case_decks(args.case_ids, progress=sys.stderr)
    except SlidesError as exc:
        print(f"caseseries slides: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_care(args: argparse.Namespace) -> int:
    from . import care, tables

    cases = [find_case(c) for c in args.case_ids] if args.case_ids else load_cases()
    frame = care.care_matrix(cases) if args.matrix else care.series_care_table(cases)
    if args.format == "markdown":
        print(tables.to_markdown(frame.replace("", None)))
    else:
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0


def cmd_synth(args: argparse.Namespace) -> int:
    from .synth import write_cases

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
    from . import series

    try:
        series.check_align_on(args.align_on)
    except ValueError as exc:
        print(f"caseseries series: {exc}", file=sys.stderr)
        return 1
    if args.table:
        from . import tables

        cases = [find_case(c) for c in args.case_ids] if args.case_ids else load_cases()
        frame = series.series_table(cases, args.table, args.align_on)
        if args.format == "markdown":
            print(tables.to_markdown(frame))
        else:
            frame.to_csv(sys.stdout, index=False, lineterminator="\n")
        return 0
    from .index import write_index
    from .load import display_path
    from .render import RenderError, run, series_job

    try:
        run([series_job(args.case_ids or None, args.align_on)])
    except RenderError as exc:
        print(f"caseseries: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {display_path(write_index())}", file=sys.stderr)
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    from .index import write_index
    from .load import display_path

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

    p = sub.add_parser("teach", help="the teaching view as of a date: reports/teaching/<id>@<date>.html and a deck")
    p.add_argument("case_id", metavar="CASE_ID")
    p.add_argument("as_of", metavar="AS_OF", help="2023-09, 2019-04-04, or an offset such as 'rit-start + 6 months'")
    p.add_argument("--no-slides", action="store_true", help="skip the reveal.js deck in reports/slides")
    p.set_defaults(func=cmd_teach)

    p = sub.add_parser("slides", help="reveal.js decks of the rendered reports in reports/slides (default: all)")
    p.add_argument("case_ids", nargs="*", metavar="CASE_ID")
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
    p.set_defaults(func=cmd_series)

    p = sub.add_parser("index", help="write reports/index.html: every case and the series, with links")
    p.set_defaults(func=cmd_index)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CaseFileError as exc:
        for line in exc.errors:
            print(line, file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
