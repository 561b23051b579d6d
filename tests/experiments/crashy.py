"""A chunk function whose first call kills the process it runs in (a lost Dask worker).

Importable by Dask workers (they inherit the test process's ``sys.path``). The marker file
is named by the environment variable ``ARMEDNET_CRASH_MARKER``; once it exists, calls run
the real chunk evaluation.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from armednet.experiments.evaluate import ChunkTask, evaluate_chunk


def crash_once(task: ChunkTask) -> Any:
    marker = Path(os.environ["ARMEDNET_CRASH_MARKER"])
    if not marker.exists():
        marker.write_text(str(os.getpid()))
        os._exit(1)  # the worker dies mid-task, as a killed machine would
    return evaluate_chunk(task)
