"""The conda file and the pip lock must pin the same packages at the same versions."""

from pathlib import Path

import yaml

from caseseries.environment import environment_yml, lock_pins

ROOT = Path(__file__).resolve().parents[1]


def test_environment_yml_pins_exactly_the_lock():
    lock = lock_pins((ROOT / "requirements.lock").read_text())
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d for d in env["dependencies"] if isinstance(d, dict))["pip"]
    conda_pins = lock_pins("\n".join(p for p in pip if "==" in p))
    assert conda_pins == lock, "environment.yml disagrees with requirements.lock: run `make lock`"
    assert "python=3.11" in env["dependencies"]


def test_environment_yml_is_what_make_lock_writes():
    lock = lock_pins((ROOT / "requirements.lock").read_text())
    assert (ROOT / "environment.yml").read_text() == environment_yml(lock)


def test_lock_pins_every_direct_dependency():
    lock = lock_pins((ROOT / "requirements.lock").read_text())
    for name in ("pydantic", "pyyaml", "pandas", "matplotlib", "seaborn", "papermill", "nbconvert", "nbval", "pytest"):
        assert name in lock
