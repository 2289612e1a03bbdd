"""`make mutation`'s summary: the score of each mutated module and its surviving mutants, from `mutmut results`.

    .venv/bin/python tools/mutation_score.py    (after `mutmut run`, in the project folder)

A mutant is killed when a test fails on it (or it times out); it survives when every test that
reaches it passes. Mutants no test reaches count against the score too: nothing checks them.
"""

from __future__ import annotations

import collections
import re
import subprocess
import sys
from pathlib import Path

LINE = re.compile(r"^\s*(?P<name>caseseries\.(?P<module>[a-z_.]+?)\.x\S*__mutmut_\d+): (?P<status>.+?)\s*$")
KILLED = {"killed", "timeout", "segfault"}
TARGET = 0.85  # issue 19


def results(mutmut: str) -> list[tuple[str, str, str]]:
    out = subprocess.run([mutmut, "results", "--all", "true"], capture_output=True, text=True, check=True).stdout
    return [(m["module"], m["name"], m["status"]) for line in out.splitlines() if (m := LINE.match(line))]


def main() -> int:
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    rows = results(mutmut)
    if not rows:
        print("no mutants found: run `mutmut run` first (make mutation does)", file=sys.stderr)
        return 1
    by_module: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    survivors = collections.defaultdict(list)
    for module, name, status in rows:
        by_module[module][status] += 1
        if status not in KILLED:
            survivors[module].append(f"{name} ({status})")
    print(f"| module | mutants | killed | survived | no test reaches | score (target {TARGET:.0%}) |")
    print("|---|---|---|---|---|---|")
    total = collections.Counter()
    for module, counts in sorted(by_module.items()):
        total.update(counts)
        killed = sum(counts[s] for s in KILLED)
        n = sum(counts.values())
        print(f"| {module} | {n} | {killed} | {counts['survived']} | {counts['no tests']} | {killed / n:.1%} |")
    killed = sum(total[s] for s in KILLED)
    print(f"| all | {sum(total.values())} | {killed} | {total['survived']} | {total['no tests']} | "
          f"{killed / sum(total.values()):.1%} |")
    for module, names in sorted(survivors.items()):
        print(f"\n{module}: {len(names)} not killed (`.venv/bin/mutmut show NAME` shows one)")
        for name in names:
            print(f"  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
