"""Compile the kernels once and cache them on disk: ``python -m armednet.sim.kernels``.

``make setup`` runs it after installing, so that the first simulation (and every process of
a parallel test run) loads cached machine code instead of compiling (about half a minute of
CPU). Each bundled scenario runs every preset briefly, with parameters shared by all runs
and drawn per run (the two kinds of parameter arrays), on the compiled backend.
"""

from __future__ import annotations

import sys
import time
import warnings


def main() -> int:
    from armednet.kb.bundled import bundled_scenarios
    from armednet.sim.engine import load_graph, simulate
    from armednet.sim.params import PriorDraws
    from armednet.sim.policy import PRESETS

    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # levers with nothing to act on, said elsewhere
        for scenario in sorted(bundled_scenarios()):
            kg = load_graph(scenario)
            for policy in sorted(PRESETS):
                simulate(kg, policy, runs=4, weeks=20, workers=1, backend="numba")
                simulate(kg, policy, runs=4, weeks=20, workers=1, backend="numba",
                         draws=PriorDraws(0))
    print(f"armednet kernels compiled and cached in {time.perf_counter() - t:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
