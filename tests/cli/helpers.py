"""Run the real ``armednet`` command in a subprocess, as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "armednet", *args], capture_output=True, text=True,
        cwd=cwd, timeout=timeout, check=False,
    )


def assert_clean_usage_error(proc: subprocess.CompletedProcess[str]) -> None:
    """Exit code 2, a message on stderr, and no traceback."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert proc.stderr.strip()
    assert "Traceback" not in proc.stderr + proc.stdout
