"""``armednet serve``: one-line errors with exit code 2, and a real server on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.cli.helpers import assert_clean_usage_error, run_cli


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_help_describes_the_options() -> None:
    proc = run_cli("serve", "--help")
    assert proc.returncode == 0
    for word in ("--db", "--port", "--host", "--scenario", "--events", "127.0.0.1"):
        assert word in proc.stdout


@pytest.mark.parametrize(("args", "message"), [
    (("--port", "0"), "error: --port: expected a number from 1 to 65535, got 0"),
    (("--port", "http"), "error: --port: expected a number from 1 to 65535, got 'http'"),
    (("--db", "no-such.duckdb"), "error: no-such.duckdb: no such results database"),
    (("--events", "no-such.duckdb"), "error: no-such.duckdb: no such events database"),
    (("--scenario", "no-such-scenario"), "error: "),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: tuple[str, ...],
                                           message: str) -> None:
    proc = run_cli("serve", *args, cwd=tmp_path)
    assert_clean_usage_error(proc)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), proc.stderr


def test_a_port_in_use_is_refused(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = run_cli("serve", "--port", str(port), cwd=tmp_path)
    assert_clean_usage_error(proc)
    assert proc.stderr.strip() == (f"error: cannot listen on 127.0.0.1:{port} (Address already "
                                   "in use); choose another --port")


def test_serves_the_dashboard_on_localhost(tmp_path: Path,
                                           results_db: tuple[Path, str]) -> None:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "armednet", "serve", "--port", str(port),
                             "--db", str(results_db[0])], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # printed once the app is built, before serving
        assert first.startswith(f"armednet dashboard on http://127.0.0.1:{port}/"), first
        body = ""
        for _ in range(100):  # the socket opens right after the line above
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                    body = r.read().decode()
                break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.05)  # polling a port that is about to open
        assert "_dash-renderer" in body or "dash_renderer" in body
    finally:
        proc.terminate()
        proc.wait(timeout=10)
