"""Fuzz table: mutants per loader and what the loaders made of them (issue 17).

Run: ``.venv/bin/python benchmarks/bench_fuzz.py [--mutants N] [--seed S]`` from the
repository root. Feeds ``N`` mutants (default 1,000) of small generated documents to each
loader of user files (scenario file, scenario directory, policy file, experiment spec,
intervals CSV), with the mutations and invariants of the fuzz tests
(``tests/hardening/mutants.py``), and prints a Markdown table: mutants, valid results,
clean errors (an input error, exit 2, one line per problem), other outcomes (a traceback,
a hang past 10 s, a bad message or an accepted impossible value) and the time per mutant.
Each ``other`` is listed with its seed, so ``--seed`` and ``--mutants 1`` replay it.
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.hardening.mutants import LOADERS


def run(mutants: int, seed: int) -> list[str]:
    """Feed ``mutants`` mutants to every loader; return the table's lines."""
    lines = ["| loader | mutants | valid | clean error | other | ms per mutant |",
             "|---|---:|---:|---:|---:|---:|"]
    others: list[str] = []
    total: Counter[str] = Counter()
    for name, loader in LOADERS.items():
        counts: Counter[str] = Counter()
        t0 = time.perf_counter()
        for k in range(seed, seed + mutants):
            rng = random.Random(f"{name}:{k}")
            with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
                warnings.simplefilter("ignore")
                outcome = loader(Path(folder), rng.randrange)
            counts[outcome.kind] += 1
            if outcome.kind == "other":
                others.append(f"- {name}, seed {k}: {outcome.detail}")
        ms = (time.perf_counter() - t0) / mutants * 1000
        total.update(counts)
        lines.append(f"| {name} | {mutants:,} | {counts['valid']:,} | "
                     f"{counts['clean error']:,} | {counts['other']:,} | {ms:.1f} |")
    lines.append(f"| **all** | {mutants * len(LOADERS):,} | {total['valid']:,} | "
                 f"{total['clean error']:,} | {total['other']:,} | |")
    return lines + (["", *others] if others else [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutants", type=int, default=1000, help="Mutants per loader.")
    parser.add_argument("--seed", type=int, default=0, help="First seed.")
    args = parser.parse_args()
    print("\n".join(run(args.mutants, args.seed)))


if __name__ == "__main__":
    main()
