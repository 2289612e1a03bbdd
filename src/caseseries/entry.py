"""The `caseseries` console script: Ctrl-C is handled before the command line is even imported.

Importing cli.py (argparse, the package's modules) takes a moment; a Ctrl-C in it would end
in Python's KeyboardInterrupt traceback. So the signal handler goes in first (interrupts.py
imports only the standard library) and an interrupt during the imports ends in the same one
line and exit code as one during a command.
"""

from __future__ import annotations

import sys

from caseseries.model import interrupts

# jsonschema (imported by nbformat and papermill) imports rfc3987_syntax when it is installed (jupyter-events,
# for JupyterLab, brings it), and that module compiles about 35 Lark grammars at import: 0.9 s in every render
# process. Nothing this process validates uses the two "iri" formats it checks, so it is marked absent here and
# jsonschema leaves those formats unchecked (python-jsonschema/jsonschema#1428). Kernels and JupyterLab run in
# processes of their own and keep it.
sys.modules.setdefault("rfc3987_syntax", None)


def main() -> int:
    interrupts.install()
    try:
        from caseseries.cli import main as command_line
    except KeyboardInterrupt as exc:
        interrupts.ignore()
        print(interrupts.MESSAGE, file=sys.stderr, flush=True)
        return 128 + getattr(exc, "signum", 2)
    return command_line()
