"""A live dashboard on a free port of 127.0.0.1, with a small real experiment and a
made-up calibration record in its results database."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.report.browser import browser, page  # noqa: F401  (shared fixtures)
from tests.report.fakes import make_results_db, make_theatres_db


@dataclass
class Live:
    """A running dashboard: its URL, app, results database and experiment id."""

    url: str
    app: Any
    db: Path
    experiment: str
    server: Any

    def stop(self) -> None:
        self.server.shutdown()


@pytest.fixture(scope="session")
def results_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A results database: three presets over 20 worlds (26 weeks), a calibration, a
    theatre comparison (30 runs) and a made-up joint calibration over theatres."""
    db, eid = make_results_db(tmp_path_factory.mktemp("results") / "results.duckdb")
    make_theatres_db(db, runs=30)
    return db, eid


@pytest.fixture(scope="module")
def live(results_db: tuple[Path, str]) -> Iterator[Live]:
    from werkzeug.serving import make_server

    from armednet.app.server import create_app

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    db, eid = results_db
    app = create_app(db=db)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    lv = Live(f"http://127.0.0.1:{server.server_port}", app, db, eid, server)
    try:
        yield lv
    finally:
        lv.stop()
