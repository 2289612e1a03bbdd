"""Timing helpers for bench/: wall-clock medians of commands, and the table they go in.

Every figure is the median of several runs, printed next to its floor measured in the
same run, the ratio and the target. Nothing here is a test: a slow machine gives
bigger numbers, never a failure.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Timing:
    """Seconds of each run; the median is the figure."""

    runs: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    def spread(self) -> str:
        return f"{min(self.runs):.2f}–{max(self.runs):.2f}"


def run(cmd: list[str] | str, cwd: Path, env: dict | None = None, check: bool = True,
        timeout: float = 1800) -> tuple[float, subprocess.CompletedProcess]:
    """Run a command once; wall-clock seconds and the finished process (output captured)."""
    started = time.perf_counter()
    out = subprocess.run(cmd, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True,
                         shell=isinstance(cmd, str), timeout=timeout)
    elapsed = time.perf_counter() - started
    if check and out.returncode != 0:
        shown = cmd if isinstance(cmd, str) else " ".join(map(str, cmd))
        raise RuntimeError(f"`{shown}` failed ({out.returncode}) in {cwd}:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    return elapsed, out


def time_command(cmd: list[str] | str, cwd: Path, runs: int, env: dict | None = None, before=None,
                 warmup: int = 0) -> Timing:
    """Median-able timings of a command; `before()` runs untimed before each run (e.g. a clean)."""
    times = []
    for i in range(warmup + runs):
        if before is not None:
            before()
        elapsed, _ = run(cmd, cwd, env)
        if i >= warmup:
            times.append(elapsed)
    return Timing(times)


def time_pair(figure_cmd, floor_cmd, cwd: Path, runs: int, env: dict | None = None) -> tuple[Timing, Timing]:
    """Figure and floor, interleaved run by run so that a busy moment hits both alike."""
    run(figure_cmd, cwd, env)  # warm disk caches and .pyc for both
    run(floor_cmd, cwd, env)
    fig, flo = [], []
    for _ in range(runs):
        fig.append(run(figure_cmd, cwd, env)[0])
        flo.append(run(floor_cmd, cwd, env)[0])
    return Timing(fig), Timing(flo)


@dataclass
class Row:
    """One line of the table: the figure, its floor (or none), the target and whether it is met."""

    figure: str
    measured: str
    floor: str = "none (absolute)"
    ratio: str = "—"
    target: str = ""
    met: bool | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        return {True: "met", False: "**missed**", None: "—"}[self.met]


def seconds(t: float) -> str:
    return f"{t:.2f} s" if t < 10 else f"{t:.1f} s"


def ratio_row(figure: str, fig: Timing, floor: Timing, floor_label: str, limit: float, target: str,
              extra: str = "") -> Row:
    """A row whose target is a ratio to a floor measured beside it."""
    r = fig.median / floor.median
    return Row(figure, f"{seconds(fig.median)} ({len(fig.runs)} runs, {fig.spread()}){extra}",
               f"{floor_label}: {seconds(floor.median)} ({floor.spread()})", f"{r:.2f}×", target, r <= limit)


def absolute_row(figure: str, fig: Timing, limit: float, target: str, extra: str = "") -> Row:
    return Row(figure, f"{seconds(fig.median)} ({len(fig.runs)} runs, {fig.spread()}){extra}",
               target=target, met=fig.median < limit)


def table(rows: list[Row]) -> str:
    """The rows as one markdown table."""
    lines = ["| figure | measured (median) | floor, same run | ratio | target | verdict |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        cells = (r.figure, r.measured, r.floor, r.ratio, r.target, r.verdict)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)
