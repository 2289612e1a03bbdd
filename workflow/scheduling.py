"""A fix applied to Snakemake's scheduler by workflow/Snakefile when it is loaded (tests/test_workflow.py)."""

from __future__ import annotations

import threading


def one_reevaluation_timer() -> None:
    """Keep one pending re-evaluation timer in Snakemake's scheduler, not one more per ended job.

    Snakemake (9.27.1, the lock's) arms a timer of --max-jobs-per-timespan's span (default 100/1s) on
    every scheduling pass that leaves a job waiting, and each timer that fires makes a pass that arms
    another. So every ended job adds a chain: with k jobs ended it makes k passes a second, each one
    checking the size of every ready job's inputs. At 200 cases that was most of the 97 s of CPU it used
    besides the jobs (docs/scaling.md). One pending timer still re-evaluates within the span.
    """
    from snakemake.scheduling.job_scheduler import JobScheduler

    arm = getattr(JobScheduler, "_schedule_reevalutation", None)  # sic: Snakemake's own spelling
    if arm is None or getattr(arm, "one_timer", False):
        return  # another Snakemake, or done already

    def once(self, delay) -> None:
        timer = getattr(self, "_caseseries_timer", None)
        if timer is None or not timer.is_alive():
            self._caseseries_timer = threading.Timer(delay, self._open_jobs.release)
            self._caseseries_timer.start()

    once.one_timer = True
    JobScheduler._schedule_reevalutation = once
