"""environment.yml for conda users, written from requirements.lock so the two pins agree.

Run as ``python -m caseseries.model.environment requirements.lock > environment.yml``
(``make lock`` does it); tests/test_environment.py fails when they disagree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)")


def lock_pins(text: str) -> dict[str, str]:
    """name → version for every pinned line of a pip requirements lock."""
    return {m[1].lower(): m[2] for line in text.splitlines() if (m := PIN.match(line.strip()))}


def environment_yml(pins: dict[str, str]) -> str:
    lines = [
        "# Written by `make lock` from requirements.lock: edit pyproject.toml, not this file.",
        "# conda env create -f environment.yml && conda activate caseseries",
        "name: caseseries",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        "  - python=3.11",
        "  - pip",
        "  - pip:",
    ]
    lines += [f"      - {name}=={version}" for name, version in sorted(pins.items())]
    lines.append("      - -e .")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    lock = Path(argv[1] if len(argv) > 1 else "requirements.lock")
    sys.stdout.write(environment_yml(lock_pins(lock.read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
