"""`python -m tests`: lint, format check, type check, then the whole test suite (what CI runs)."""

from __future__ import annotations

import subprocess
import sys

STEPS = [
    [sys.executable, "-m", "ruff", "check", "assistant", "ui", "tests", "bench", "scripts"],
    [sys.executable, "-m", "ruff", "format", "--check", "assistant", "ui", "tests", "bench", "scripts"],
    [sys.executable, "-m", "mypy", "assistant"],
    [sys.executable, "-m", "pytest", *sys.argv[1:]],
]

for step in STEPS:
    print("$", " ".join(step[2:]), flush=True)
    code = subprocess.call(step)
    if code != 0:
        sys.exit(code)
