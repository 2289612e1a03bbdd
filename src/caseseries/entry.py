"""The `caseseries` console script: Ctrl-C is handled before the command line is even imported.

Importing cli.py (argparse, the package's modules) takes a moment; a Ctrl-C in it would end
in Python's KeyboardInterrupt traceback. So the signal handler goes in first (interrupts.py
imports only the standard library) and an interrupt during the imports ends in the same one
line and exit code as one during a command.
"""

from __future__ import annotations

import sys

from caseseries.model import interrupts


def main() -> int:
    interrupts.install()
    try:
        from caseseries.cli import main as command_line
    except KeyboardInterrupt as exc:
        interrupts.ignore()
        print(interrupts.MESSAGE, file=sys.stderr, flush=True)
        return 128 + getattr(exc, "signum", 2)
    return command_line()
