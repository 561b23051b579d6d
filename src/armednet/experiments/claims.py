"""The essay's claims C1..C9 as statements checked in every sampled world.

A *world* is one design point and replication: the same parameters and random numbers under
every policy (common random numbers). Each claim compares policies in the same world, using
outcomes the experiment recorded, and is true or false there. The share of worlds where a
claim holds, with a Wilson interval, is an output; so is the PRIM box of the uncertainty
space where it fails. Nothing here is assumed by the model: a claim comes out false whenever
the simulated mechanisms do not produce its pattern (tests show that each can).

The statements paraphrase the brief (docs/claims.md gives each definition and its
rationale); thresholds are stated in :data:`CLAIMS` and in the report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from armednet.experiments.compare import wilson_interval
from armednet.experiments.spec import ExperimentSpec, Outcome

__all__ = ["CLAIMS", "CLAIM_OUTCOMES", "Claim", "evaluate_claims"]

#: The outcomes the claims read; the built-in experiments record all of them.
CLAIM_OUTCOMES: list[Outcome] = [
    Outcome(name="attacks", variable="attacks", aggregation="total"),
    Outcome(name="attacks_last_year", variable="attacks", aggregation="total", window=(52, 104)),
    Outcome(name="attacks_first_half_year", variable="attacks", aggregation="total",
            window=(0, 26)),
    Outcome(name="casualties", variable="casualties", aggregation="summary"),
    Outcome(name="civilian_harm", variable="civilian_harm", aggregation="summary"),
    Outcome(name="ceasefire_spells", variable="ceasefire_spells", aggregation="summary",
            sense="maximize"),
    Outcome(name="capture_final", variable="capture_final", aggregation="summary"),
    Outcome(name="military_final", variable="military_final", aggregation="summary"),
    Outcome(name="funds_final", variable="funds_final", aggregation="summary"),
    Outcome(name="revenue_total", variable="revenue_total", aggregation="summary"),
    Outcome(name="undisciplined_share", variable="undisciplined_share", aggregation="summary"),
    Outcome(name="factions_final", variable="factions_final", aggregation="summary"),
    Outcome(name="backing_final", variable="backing_final", aggregation="summary",
            sense="maximize"),
    Outcome(name="attacks_transnational_share", variable="attacks_transnational_share",
            aggregation="summary"),
]


@dataclass(frozen=True)
class Claim:
    """One checkable statement over paired worlds.

    Attributes
    ----------
    id, title : str
        ``C1`` .. ``C9`` and a short paraphrase of the essay's claim.
    definition : str
        The exact test, in words (shown in the report).
    policies : tuple of str
        Policies the test compares (all must be in the experiment).
    outcomes : tuple of str
        Outcomes the test reads.
    test : callable
        Maps a frame of worlds (columns ``"<policy>:<outcome>"``) to a bool array.
    """

    id: str
    title: str
    definition: str
    policies: tuple[str, ...]
    outcomes: tuple[str, ...]
    test: Callable[[pd.DataFrame], np.ndarray]


def _c(w: pd.DataFrame, policy: str, outcome: str) -> np.ndarray:
    return w[f"{policy}:{outcome}"].to_numpy(dtype=float)


def _ratio_ok(num: np.ndarray, den: np.ndarray, floor: float) -> np.ndarray:
    """num >= floor * den, treating 0 >= floor * 0 as true."""
    return num >= floor * den - 1e-12


SQ = "status-quo"

CLAIMS: list[Claim] = [
    Claim("C1", "Strikes buy cease-fires, not lasting change",
          "Under strikes there are more cease-fire spells than under the status quo, attacks "
          "in the last year are at least half of the status quo's, and state capture at the "
          "end is at least 90% of the status quo's.",
          ("strikes", SQ), ("ceasefire_spells", "attacks_last_year", "capture_final"),
          lambda w: ((_c(w, "strikes", "ceasefire_spells") > _c(w, SQ, "ceasefire_spells"))
                     & _ratio_ok(_c(w, "strikes", "attacks_last_year"),
                                 _c(w, SQ, "attacks_last_year"), 0.5)
                     & _ratio_ok(_c(w, "strikes", "capture_final"),
                                 _c(w, SQ, "capture_final"), 0.9))),
    Claim("C2", "Decapitation splinters command",
          "Under decapitation the share of attacks by undisciplined fighters is higher than "
          "under the status quo, or more factions are active at the end.",
          ("decapitation", SQ), ("undisciplined_share", "factions_final"),
          lambda w: ((_c(w, "decapitation", "undisciplined_share")
                      > _c(w, SQ, "undisciplined_share") + 1e-9)
                     | (_c(w, "decapitation", "factions_final")
                        > _c(w, SQ, "factions_final")))),
    Claim("C3", "Power lies in embeddedness, not in arms",
          "Strikes cut military capability at the end by at least 10% against the status "
          "quo while state capture stays within 5% of it.",
          ("strikes", SQ), ("military_final", "capture_final"),
          lambda w: ((_c(w, "strikes", "military_final")
                      <= 0.9 * _c(w, SQ, "military_final"))
                     & _ratio_ok(_c(w, "strikes", "capture_final"),
                                 _c(w, SQ, "capture_final"), 0.95))),
    Claim("C4", "Sanctions leak",
          "Under sanctions the groups' revenue over the run (income and state rents) stays "
          "at or above 80% of the status quo's.",
          ("sanctions", SQ), ("revenue_total",),
          lambda w: _ratio_ok(_c(w, "sanctions", "revenue_total"), _c(w, SQ, "revenue_total"),
                              0.8)),
    Claim("C5", "Co-option without accountability feeds capture",
          "Co-option ends with at least 10% more state capture than the status quo.",
          ("co-option", SQ), ("capture_final",),
          lambda w: _c(w, "co-option", "capture_final") > 1.1 * _c(w, SQ, "capture_final")),
    Claim("C6", "Transnational groups carry the escalation",
          "Calming the regional trigger (cease-fire diplomacy) lowers the transnational "
          "groups' share of attacks against the status quo: they are the ones who escalate "
          "with the regional struggle.",
          ("diplomacy", SQ), ("attacks_transnational_share",),
          lambda w: (_c(w, "diplomacy", "attacks_transnational_share")
                     < _c(w, SQ, "attacks_transnational_share") - 1e-9)),
    Claim("C7", "The regional trigger drives attacks",
          "Cease-fire diplomacy on the regional trigger cuts attacks by at least 20% against "
          "the status quo.",
          ("diplomacy", SQ), ("attacks",),
          lambda w: _c(w, "diplomacy", "attacks") <= 0.8 * _c(w, SQ, "attacks")),
    Claim("C8", "Strikes erode the value of backing",
          "Under strikes the value of the foreign power's backing at the end is at least 10% "
          "lower than under the status quo.",
          ("strikes", SQ), ("backing_final",),
          lambda w: _c(w, "strikes", "backing_final") < 0.9 * _c(w, SQ, "backing_final")),
    Claim("C9", "Accountability is slow but durable",
          "Accountability ends with less capture and fewer attacks in the last year than the "
          "status quo, and its relative cut in attacks is larger in the last year than in the "
          "first half-year.",
          ("accountability", SQ),
          ("capture_final", "attacks_last_year", "attacks_first_half_year"),
          lambda w: _c9(w)),
]


def _c9(w: pd.DataFrame) -> np.ndarray:
    acc_last, sq_last = _c(w, "accountability", "attacks_last_year"), _c(w, SQ,
                                                                        "attacks_last_year")
    acc_first = _c(w, "accountability", "attacks_first_half_year")
    sq_first = _c(w, SQ, "attacks_first_half_year")
    with np.errstate(divide="ignore", invalid="ignore"):
        cut_last = np.where(sq_last > 0, 1 - acc_last / sq_last, 0.0)
        cut_first = np.where(sq_first > 0, 1 - acc_first / sq_first, 0.0)
    return ((_c(w, "accountability", "capture_final") < _c(w, SQ, "capture_final") - 1e-9)
            & (acc_last < sq_last) & (cut_last > cut_first))


def claim_worlds(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Reshape wide outcomes to one row per world and ``policy:outcome`` columns."""
    names = [c for c in outcomes.columns if c not in ("policy", "point", "replication")]
    w = outcomes.pivot_table(index=["point", "replication"], columns="policy", values=names,
                             aggfunc="first")
    w.columns = [f"{pair[1]}:{pair[0]}" for pair in w.columns.to_list()]
    return w


def independent_points(points: pd.Index, design: pd.DataFrame,
                       spec: ExperimentSpec | None) -> np.ndarray:
    """Mask of the design points PRIM should see.

    A Saltelli design repeats each base point's values across its ``d + 2`` rows (``A``,
    ``AB_1`` .. ``AB_d``, ``B``); PRIM's statistics assume independent draws, so only the
    ``A`` and ``B`` rows are kept. Other designs keep every point.
    """
    pts = np.asarray(points, dtype=int)
    if spec is None or spec.design.method != "sobol":
        return np.ones(len(pts), dtype=bool)
    d = design.shape[1]
    block = 2 * d + 2 if spec.design.second_order else d + 2
    pos = pts % block
    return (pos == 0) | (pos == block - 1)


def evaluate_claims(outcomes: pd.DataFrame, design: pd.DataFrame,
                    spec: ExperimentSpec | None = None,
                    prim: bool = True) -> list[dict[str, Any]] | None:
    """Check every claim the experiment can check.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        Wide outcomes (``policy, point, replication`` and outcome columns).
    design : pandas.DataFrame
        Parameter values per design point (for PRIM).
    spec : ExperimentSpec, optional
        The experiment's spec; with a Saltelli design, PRIM sees only its independent
        points (see :func:`independent_points`).
    prim : bool
        Whether to search for the box where each claim fails.

    Returns
    -------
    list of dict or None
        One record per claim: ``id, title, definition, share, low, high, n`` and
        ``fails_box`` (PRIM); ``share`` is None with a ``note`` when the experiment lacks a
        policy or outcome the claim needs. None when no claim can be checked.
    """
    from armednet.experiments.discovery import prim_box

    policies = set(outcomes["policy"])
    names = set(outcomes.columns)
    worlds = claim_worlds(outcomes)
    out = []
    checked = 0
    for c in CLAIMS:
        rec: dict[str, Any] = {"id": c.id, "title": c.title, "definition": c.definition}
        missing = [p for p in c.policies if p not in policies] + [
            o for o in c.outcomes if o not in names]
        if missing:
            rec.update(share=None, note="needs " + ", ".join(missing))
            out.append(rec)
            continue
        cols = [f"{p}:{o}" for p in c.policies for o in c.outcomes]
        w = worlds[cols].dropna()
        holds = np.asarray(c.test(w), dtype=bool)
        k, n = int(holds.sum()), len(holds)
        points = w.index.get_level_values("point")
        keep = np.asarray(independent_points(points, design, spec), dtype=bool)
        # The interval counts independent worlds only: a Saltelli design's rows repeat
        # each other's values, and counting them all would overstate the precision.
        n_ind = int(keep.sum())
        lo, hi = wilson_interval(k / n if n else 0.0, n_ind)
        rec.update(share=k / n if n else None, low=lo, high=hi, n=n, n_independent=n_ind)
        if prim and n and len(design.columns):
            x = design.reindex(points[keep]).reset_index(drop=True)
            rec["fails_box"] = prim_box(x, ~holds[keep])
        out.append(rec)
        checked += 1
    return out if checked else None
