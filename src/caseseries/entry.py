"""The `caseseries` console script: Ctrl-C is handled before the command line is even imported.

Importing cli.py (argparse, the package's modules) takes a moment; a Ctrl-C in it would end
in Python's KeyboardInterrupt traceback. So the signal handler goes in first, when this module
is imported (interrupts.py imports only the standard library), and an interrupt during any
import after the interpreter's own start-up ends in the same one line and exit code as one
during a command. Only a Ctrl-C in the interpreter's start-up (a few milliseconds before this
module runs) still meets Python's default handler.
"""

from __future__ import annotations

import sys

try:  # interrupts.py's imports (signal, threading) take a few ms too: a Ctrl-C in them ends the same way
    from caseseries.model import interrupts

    interrupts.install()
except KeyboardInterrupt as exc:
    print("caseseries: interrupted", file=sys.stderr, flush=True)  # interrupts.MESSAGE, which may not be there
    raise SystemExit(128 + getattr(exc, "signum", 2)) from None

# jsonschema (imported by nbformat and papermill) imports rfc3987_syntax when it is installed (jupyter-events,
# for JupyterLab, brings it), and that module compiles about 35 Lark grammars at import: 0.9 s in every render
# process. Nothing this process validates uses the two "iri" formats it checks, so it is marked absent here and
# jsonschema leaves those formats unchecked (python-jsonschema/jsonschema#1428). Kernels and JupyterLab run in
# processes of their own and keep it.
sys.modules.setdefault("rfc3987_syntax", None)


def main() -> int:
    interrupts.install()  # again: main() may run in a process that imported this module earlier
    try:
        from caseseries.cli import main as command_line
    except KeyboardInterrupt as exc:
        interrupts.ignore()
        print(interrupts.MESSAGE, file=sys.stderr, flush=True)
        return 128 + getattr(exc, "signum", 2)
    return command_line()
