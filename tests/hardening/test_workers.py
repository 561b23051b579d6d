"""Issue 17, item 6: worker processes end with their parent.

An experiment runs in a subprocess (the real ``armednet experiment run``, two workers of the
local pool or of a Dask ``LocalCluster``); once its workers are up, the parent is killed
with ``kill -9`` or SIGTERM, and every worker must be gone soon after (bounded waits only).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from armednet.experiments.evaluators import _TermAsExit

psutil = pytest.importorskip("psutil", reason="psutil (installed with dask) finds the workers")
pytestmark = pytest.mark.skipif(sys.platform == "win32",
                                reason="workers watch their parent's pid on POSIX only")

SPEC = """
name: long
weeks: 104
seed: 1
replications: 50
design: {method: lhs, n: 400}
uncertainties:
  - {name: attack_base_rate, low: 0.1, high: 0.5}
levers: [status-quo, strikes]
outcomes:
  - {name: attacks, variable: attacks}
"""
"""40,000 runs: minutes of work, so the experiment is still running when it is killed."""

START_BOUND = 90.0
"""Seconds allowed for the workers to appear (a loaded 2-core machine)."""

GONE_BOUND = 20.0
"""Seconds allowed for every worker to end once the parent is dead (a few are expected)."""


def _workers(parent: Any) -> list[Any]:
    found = []
    for child in parent.children(recursive=True):
        try:
            line = " ".join(child.cmdline())
        except psutil.Error:
            continue
        if "spawn_main" in line and "resource_tracker" not in line:
            found.append(child)
    return found


def _alive(procs: list[Any]) -> list[Any]:
    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


@pytest.mark.parametrize("evaluator", ["local", "dask"])
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "term"])
def test_workers_end_with_their_parent(tmp_path: Path, evaluator: str, sig: int) -> None:
    if evaluator == "dask":
        pytest.importorskip("distributed", reason="the dask evaluator needs distributed")
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    err = (tmp_path / "stderr.txt").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "armednet", "experiment", "run", str(spec), "--db",
         str(tmp_path / "r.duckdb"), "--evaluator", evaluator, "--workers", "2"],
        stdout=subprocess.DEVNULL, stderr=err, cwd=tmp_path)
    workers: list[Any] = []
    try:
        parent = psutil.Process(proc.pid)
        deadline = time.monotonic() + START_BOUND
        while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)  # polling for the workers to start
            workers = _workers(parent)
        assert len(workers) >= 2, (tmp_path / "stderr.txt").read_text()
        time.sleep(1.0)  # let them reach their first task
        os.kill(proc.pid, sig)
        proc.wait(timeout=60)
        deadline = time.monotonic() + GONE_BOUND
        while _alive(workers) and time.monotonic() < deadline:
            time.sleep(0.1)  # polling for the orphans to notice
        assert not _alive(workers), [p.pid for p in _alive(workers)]
        stderr = (tmp_path / "stderr.txt").read_text()
        assert "Traceback" not in stderr, stderr
        if sig == signal.SIGTERM:
            assert proc.returncode == 128 + signal.SIGTERM, stderr
    finally:
        err.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for p in _alive(workers):  # never leave a stray worker behind, even on failure
            p.kill()


def test_a_worker_whose_parent_died_while_it_started_ends_at_once() -> None:
    # the race a late watch would miss: the parent is gone before the worker is ready
    code = ("import os, time; from armednet.experiments.evaluators import exit_with_parent; "
            "exit_with_parent(os.getppid() + 1); time.sleep(60)")
    proc = subprocess.run([sys.executable, "-c", code], timeout=60, check=False)
    assert proc.returncode == 1


def test_the_watch_ends_a_worker_once_its_parent_is_gone(tmp_path: Path) -> None:
    # a parent (sh) starts a worker and ends once it is ready; the worker, reparented, ends
    pid_file = tmp_path / "pid"
    code = ("import os, sys, time; from armednet.experiments.evaluators import "
            f"exit_with_parent; open({str(pid_file)!r}, 'w').write(str(os.getpid())); "
            "exit_with_parent(int(sys.argv[1]), 0.05); time.sleep(60)")
    script = (f'"{sys.executable}" -c "{code}" $$ & '
              f'while [ ! -s "{pid_file}" ]; do sleep 0.05; done; exit 0')
    subprocess.run(["sh", "-c", script], timeout=60, check=True)
    worker = psutil.Process(int(pid_file.read_text()))
    deadline = time.monotonic() + GONE_BOUND
    while _alive([worker]) and time.monotonic() < deadline:
        time.sleep(0.05)  # polling for the orphan to notice
    alive = _alive([worker])
    for p in alive:
        p.kill()
    assert not alive


def test_sigterm_becomes_systemexit_only_while_open_and_is_restored() -> None:
    before = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        with _TermAsExit(), pytest.raises(SystemExit) as info:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler runs at the next bytecode; never reached
        assert info.value.code == 143
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, before)
