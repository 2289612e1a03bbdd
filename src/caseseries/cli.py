"""The `caseseries` command line: list, validate, table, render.

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="caseseries", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("list", help="one line per case: <case_id>  <title>")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("validate", help="check case files (default: every file in data/cases)")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("table", help="print one tidy table of a case")
    p.add_argument("case_id")
    p.add_argument("name", choices=TABLES)
    p.add_argument("--format", choices=("csv", "markdown"), default="csv")
    p.set_defaults(func=cmd_table)

    p = sub.add_parser("render", help="run the report notebook for cases into reports/cases (default: all)")
    p.add_argument("case_ids", nargs="*", metavar="CASE_ID")
    p.set_defaults(func=cmd_render)
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
