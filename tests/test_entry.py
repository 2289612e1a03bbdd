"""The console script: a Ctrl-C that lands while the command line is still being imported ends in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

# The real signal, sent to the process itself while it imports caseseries.cli (a finder that sees the import
# coming sends it, then waits for it to land): what a user's Ctrl-C does at that moment.
DURING_IMPORT = """
import os, signal, sys, time

AT = sys.argv.pop(1)  # the module whose import the Ctrl-C meets; the rest is the command line
# As in a terminal: a test run started in the background (`pytest &`) passes SIGINT on ignored, and Python keeps
# an ignored SIGINT ignored until interrupts.install().
signal.signal(signal.SIGINT, signal.default_int_handler)

class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == AT:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        return None

sys.meta_path.insert(0, CtrlC())
from caseseries.entry import main
sys.exit(main())
"""


def run(code: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=60)


def test_ctrl_c_while_the_command_line_is_imported_ends_in_one_line():
    done = run(DURING_IMPORT, "caseseries.cli", "list")
    assert (done.returncode, done.stderr, done.stdout) == (130, "caseseries: interrupted\n", "")


def test_ctrl_c_while_the_signal_handler_itself_is_imported_ends_in_one_line():
    """The few ms of importing interrupts.py (signal, threading) are covered too (make -j2 reports met them)."""
    for module in ("caseseries.model.interrupts", "threading"):  # (signal: this harness imports it first)
        done = run(DURING_IMPORT, module, "list")
        assert (done.returncode, done.stderr, done.stdout) == (130, "caseseries: interrupted\n", ""), module


def test_the_console_script_runs_the_command_line():
    done = run("import sys\nfrom caseseries.entry import main\nsys.exit(main())", "validate", "--help")
    assert done.returncode == 0, done.stderr
    assert "usage: " in done.stdout and "validate" in done.stdout
