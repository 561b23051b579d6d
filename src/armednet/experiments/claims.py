"""The essay's claims C1..C9, each either an assumption of the model or a test of it.

A claim is **assumed** when a mechanism encodes it: the lever is defined as the claimed
effect, or the direction of the effect is fixed by the code whatever the parameters. The
share of worlds where such a claim "holds" would measure the model's prior, not the world,
so it is never reported as one: an assumed claim names the mechanisms and parameters that
carry it, and the size the runs give the assumed effect (how much it matters, not whether
it is true). A claim is **tested** when the model can resolve it either way under
admissible parameters, through its own structure; every part of its test can fail, with
thresholds stated in :data:`CLAIMS` (and in ``docs/claims.md``, with the parameter sets
where each holds and fails).

A *world* is one design point and replication: the same parameters and random numbers under
every policy (common random numbers). A tested claim compares policies in the same world and
is true or false there; the share of worlds where it holds (Wilson interval over independent
worlds) and the PRIM box where it fails are outputs. Beside the model, claims with a trace in
public data carry the data's test (:mod:`armednet.validation.claims_data`).

References
----------
.. [1] R. Mansour, essay on Iran-aligned armed groups, Foreign Affairs, 2024 (the claims;
   ``/work/shared/domain/brief.md`` section 4 states them as C1..C9).
.. [2] J. H. Friedman and N. I. Fisher, "Bump hunting in high-dimensional data", Statistics
   and Computing 9(2), 1999 (PRIM).
.. [3] E. B. Wilson, "Probable inference, the law of succession, and statistical
   inference", Journal of the American Statistical Association 22(158), 1927.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from armednet.experiments.compare import wilson_interval
from armednet.experiments.spec import ExperimentSpec, Outcome

__all__ = ["CLAIMS", "CLAIM_OUTCOMES", "Assumption", "Claim", "claim_worlds",
           "evaluate_claims", "independent_points"]

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
class Assumption:
    """What the model takes as given, and where.

    Attributes
    ----------
    statement : str
        The assumed effect, in words.
    mechanisms : tuple of str
        Mechanisms (``docs/model.md``) that encode it.
    parameters : tuple of str
        Parameters that set its size (none can reverse its direction).
    """

    statement: str
    mechanisms: tuple[str, ...]
    parameters: tuple[str, ...] = ()

    def as_record(self) -> dict[str, Any]:
        """A plain dict."""
        return {"statement": self.statement, "mechanisms": list(self.mechanisms),
                "parameters": list(self.parameters)}


@dataclass(frozen=True)
class Claim:
    """One of the essay's claims, assumed by the model or tested in paired worlds.

    Attributes
    ----------
    id, title : str
        ``C1`` .. ``C9`` and a short paraphrase of the essay's claim.
    kind : {"assumed", "tested"}
        Whether a mechanism encodes the claim or the model can resolve it either way.
    definition : str
        Tested: the exact test, with its thresholds. Assumed: the claim as the model
        encodes it.
    policies : tuple of str
        Policies compared (tested) or whose difference sizes the assumed effect.
    outcomes : tuple of str
        Outcomes read.
    assumes : Assumption
        Assumed claims: what carries them. Tested claims: the part of the essay's claim
        that the model takes as given (left out of the test), if any.
    test : callable, optional
        Tested claims: maps a frame of worlds (columns ``"<policy>:<outcome>"``) to a bool
        array.
    size : callable, optional
        Assumed claims: maps the frame of worlds to the assumed effect per world.
    size_label : str
        What ``size`` measures.
    """

    id: str
    title: str
    kind: Literal["assumed", "tested"]
    definition: str
    policies: tuple[str, ...]
    outcomes: tuple[str, ...]
    assumes: Assumption | None = None
    test: Callable[[pd.DataFrame], np.ndarray] | None = None
    size: Callable[[pd.DataFrame], np.ndarray] | None = None
    size_label: str = ""


def _c(w: pd.DataFrame, policy: str, outcome: str) -> np.ndarray:
    return w[f"{policy}:{outcome}"].to_numpy(dtype=float)


def _ratio_ok(num: np.ndarray, den: np.ndarray, floor: float) -> np.ndarray:
    """num >= floor * den, treating 0 >= floor * 0 as true."""
    return num >= floor * den - 1e-12


def _ratio(policy: str, outcome: str) -> Callable[[pd.DataFrame], np.ndarray]:
    """Per-world ``policy / status quo`` on ``outcome`` (NaN where the status quo is 0)."""
    def size(w: pd.DataFrame) -> np.ndarray:
        num, den = _c(w, policy, outcome), _c(w, SQ, outcome)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    return size


def _cut(w: pd.DataFrame, policy: str, outcome: str) -> np.ndarray:
    """Relative cut ``1 - policy / status quo`` per world (0 where the status quo is 0)."""
    return np.nan_to_num(1.0 - _ratio(policy, outcome)(w), nan=0.0)


SQ = "status-quo"
"""The baseline every claim compares with."""
UNTOUCHED_CAPTURE = Assumption(
    "Strikes do not reach state capture: capture has no term in strikes or capability, "
    "strikes act on capability, cost memory, hostility and legitimacy only (a rally can "
    "only speed capture up), and a group whose armed wing ends keeps its offices.",
    ("strikes", "capture", "endings"), ("rally_effect",))


def _c1(w: pd.DataFrame) -> np.ndarray:
    more = _c(w, "strikes", "ceasefire_spells") >= _c(w, SQ, "ceasefire_spells") + 1
    lasting = _ratio_ok(_c(w, "strikes", "attacks_last_year"), _c(w, SQ, "attacks_last_year"),
                        0.5)
    return more & lasting


def _c9(w: pd.DataFrame) -> np.ndarray:
    last = _cut(w, "accountability", "attacks_last_year")
    first = _cut(w, "accountability", "attacks_first_half_year")
    return (last >= 0.1 - 1e-12) & (last > first)


CLAIMS: list[Claim] = [
    Claim("C1", "Strikes buy cease-fires, not lasting change", "tested",
          "Under strikes the groups declare at least one more cease-fire than under the "
          "status quo, and their attacks in the second year stay at or above half the status "
          "quo's (the cease-fires do not last).",
          ("strikes", SQ), ("ceasefire_spells", "attacks_last_year"),
          assumes=UNTOUCHED_CAPTURE, test=_c1),
    Claim("C2", "Decapitation splinters command", "tested",
          "Under decapitation at least one more armed faction of the campaign is active at "
          "the end than under the status quo: the splinters outnumber the groups that "
          "killings break up.",
          ("decapitation", SQ), ("factions_final",),
          assumes=Assumption(
              "A killed leader lowers the group's cohesion and never raises it: "
              "decapitation makes more of a group's fighters undisciplined.",
              ("decapitation",), ("cohesion_loss",)),
          test=lambda w: _c(w, "decapitation", "factions_final")
          >= _c(w, SQ, "factions_final") + 1),
    Claim("C3", "Power lies in embeddedness, not in arms", "assumed",
          "Removing the groups' military assets does not touch their influence in the state.",
          ("strikes", SQ), ("capture_final",), assumes=UNTOUCHED_CAPTURE,
          size=_ratio("strikes", "capture_final"),
          size_label="state capture at the end under strikes / status quo"),
    Claim("C4", "Sanctions leak", "tested",
          "Under sanctions the campaign groups' revenue over the run (income and state "
          "rents) stays at or above 80% of the status quo's: sanctions cut it by less than "
          "a fifth.",
          ("sanctions", SQ), ("revenue_total",),
          assumes=Assumption(
              "Sanctions never reach the patron's money or state rents (only business, bank "
              "and person channels, and informal money through banks' de-risking).",
              ("sanctions", "derisking", "revenue"), ("patron_scale", "rent_rate")),
          test=lambda w: _ratio_ok(_c(w, "sanctions", "revenue_total"),
                                   _c(w, SQ, "revenue_total"), 0.8)),
    Claim("C5", "Co-option without accountability feeds capture", "assumed",
          "Integrating groups into institutions where accountability is low raises their "
          "capture of the state.",
          ("co-option", SQ), ("capture_final",),
          assumes=Assumption(
              "The co-option lever is itself a gain of capture, kappa_c (1 - A) per week: "
              "it feeds capture wherever accountability is below 1.",
              ("cooption",), ("coopt_rate",)),
          size=_ratio("co-option", "capture_final"),
          size_label="state capture at the end under co-option / status quo"),
    Claim("C6", "Transnational groups carry the escalation", "assumed",
          "Transnational groups follow the regional trigger more than domestic ones, which "
          "weigh the risk to their captured assets.",
          ("diplomacy", SQ), ("attacks_transnational_share",),
          assumes=Assumption(
              "A domestic group follows the trigger at most as much as a transnational one "
              "(domestic_trigger_weight <= 1) and weighs strike costs more where it holds "
              "offices (stake_weight >= 0); which groups attack at all is sourced campaign "
              "membership in the scenario.",
              ("trigger", "ceasefire"), ("domestic_trigger_weight", "stake_weight")),
          size=lambda w: (_c(w, "diplomacy", "attacks_transnational_share")
                          - _c(w, SQ, "attacks_transnational_share")),
          size_label="transnational share of attacks, diplomacy minus status quo"),
    Claim("C7", "The regional trigger drives attacks", "assumed",
          "Calming the regional trigger (a Gaza cease-fire) lowers attacks on the foreign "
          "force.",
          ("diplomacy", SQ), ("attacks",),
          assumes=Assumption(
              "The diplomacy lever multiplies the trigger by 1 - intensity, and every "
              "group's attack rate rises with the trigger (trigger_sensitivity >= 0).",
              ("diplomacy", "trigger", "attacks"),
              ("trigger_sensitivity", "domestic_trigger_weight")),
          size=_ratio("diplomacy", "attacks"),
          size_label="attacks under diplomacy / status quo"),
    Claim("C8", "Strikes erode the value of backing", "assumed",
          "Each strike and its civilian harm lowers the value of the foreign power's backing "
          "to co-optable leaders.",
          ("strikes", SQ), ("backing_final",),
          assumes=Assumption(
              "Backing loses backing_loss per unit of strike intensity and backing_harm_loss "
              "per civilian harmed by strikes (both >= 0), and recovers slowly.",
              ("backing",), ("backing_loss", "backing_harm_loss", "backing_recovery")),
          size=_ratio("strikes", "backing_final"),
          size_label="backing at the end under strikes / status quo"),
    Claim("C9", "Accountability is slow but durable", "tested",
          "Accountability cuts the attacks of the second year by at least 10% against the "
          "status quo, and by more than it cuts those of the first half-year.",
          ("accountability", SQ), ("attacks_last_year", "attacks_first_half_year"),
          assumes=Assumption(
              "Reform raises accountability, which erodes capture (eps_X A X) and rents "
              "(1 - A) and slows capture's growth: capture cannot rise under it.",
              ("accountability", "capture", "state_rents"),
              ("capture_erosion", "capture_growth", "capture_resistance")),
          test=_c9),
]


def claim_worlds(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Reshape wide outcomes to one row per world and ``policy:outcome`` columns."""
    names = [c for c in outcomes.columns if c not in ("policy", "point", "replication")]
    w = outcomes.pivot_table(index=["point", "replication"], columns="policy", values=names,
                             aggfunc="first")
    w.columns = [f"{pair[1]}:{pair[0]}" for pair in w.columns.to_list()]
    return w


def independent_points(points: pd.Index, design: pd.DataFrame,
                       spec: ExperimentSpec | None,
                       replication: pd.Index | None = None) -> np.ndarray:
    """Mask of the worlds that count as independent (for intervals and PRIM).

    A Saltelli design repeats each base point's values (and random numbers) across its
    rows, a Morris trajectory its first point's, and replications of a point share its
    parameters: :func:`armednet.experiments.design.independent_worlds` keeps the ``A`` and
    ``B`` rows, each trajectory's first point, and replication 0 only.
    """
    from armednet.experiments.design import independent_worlds

    pts = np.asarray(points, dtype=int)
    if spec is None:
        return np.ones(len(pts), dtype=bool)
    return independent_worlds(pts, spec.design.method, design.shape[1],
                              bool(spec.design.second_order), replication)


def _base(c: Claim) -> dict[str, Any]:
    return {"id": c.id, "title": c.title, "kind": c.kind, "definition": c.definition,
            "policies": list(c.policies),
            "assumes": c.assumes.as_record() if c.assumes else None}


def _tested(c: Claim, w: pd.DataFrame, design: pd.DataFrame, spec: ExperimentSpec | None,
            prim: bool) -> dict[str, Any]:
    """Share of worlds where a tested claim holds, its interval and PRIM box."""
    from armednet.experiments.discovery import prim_box

    assert c.test is not None
    holds = np.asarray(c.test(w), dtype=bool)
    k, n = int(holds.sum()), len(holds)
    points = w.index.get_level_values("point")
    reps = (w.index.get_level_values("replication")
            if "replication" in w.index.names else None)
    keep = np.asarray(independent_points(points, design, spec, reps), dtype=bool)
    # The interval counts independent worlds only: a Saltelli design's rows repeat each
    # other's values, and counting them all would overstate the precision.
    n_ind = int(keep.sum())
    lo, hi = wilson_interval(k / n if n else 0.0, n_ind)
    rec: dict[str, Any] = {"share": k / n if n else None, "low": lo, "high": hi, "n": n,
                           "n_independent": n_ind}
    if prim and n and len(design.columns):
        x = design.reindex(points[keep]).reset_index(drop=True)
        rec["fails_box"] = prim_box(x, ~holds[keep])
    return rec


def _sized(c: Claim, w: pd.DataFrame) -> dict[str, Any]:
    """An assumed claim: no share; the size of the assumed effect across worlds."""
    assert c.size is not None and c.assumes is not None
    x = np.asarray(c.size(w), dtype=float)
    x = x[np.isfinite(x)]
    rec: dict[str, Any] = {"share": None,
                           "note": "assumed (" + ", ".join(c.assumes.mechanisms) + ")"}
    if len(x):
        q = np.quantile(x, [0.05, 0.5, 0.95])
        rec["size"] = {"label": c.size_label, "median": float(q[1]), "low": float(q[0]),
                       "high": float(q[2]), "n": len(x)}
    return rec


def _with_data(out: list[dict[str, Any]], data: bool, data_dir: str | Path | None) -> None:
    """Attach each claim's tests against data (``data``) or why there are none."""
    if not data:
        return
    from armednet.validation.claims_data import data_tests

    tests = data_tests(data_dir)
    for rec in out:
        rec["data"] = [] if tests is None else tests.get(rec["id"], [])
        if tests is None:
            rec["data_note"] = "shared data folder not found"


def evaluate_claims(outcomes: pd.DataFrame, design: pd.DataFrame,
                    spec: ExperimentSpec | None = None, prim: bool = True,
                    data: bool = True, data_dir: str | Path | None = None
                    ) -> list[dict[str, Any]] | None:
    """Check every tested claim, size every assumed one, and attach the data's tests.

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
        Whether to search for the box where each tested claim fails.
    data : bool
        Whether to attach the tests against data
        (:func:`armednet.validation.claims_data.data_tests`).
    data_dir : str or Path, optional
        The shared data folder (default: found next to the repository).

    Returns
    -------
    list of dict or None
        One record per claim: ``id, title, kind, definition, policies, assumes``, ``data``
        (records of the data's tests, possibly empty; ``data_note`` when the folder is
        missing) and, for a tested claim, ``share, low, high, n, n_independent`` and
        ``fails_box`` (PRIM); for an assumed claim ``share`` is None, ``note`` names its
        mechanisms and ``size`` gives the assumed effect's median and 90% range over
        worlds. ``share`` is None with a ``note`` when the experiment lacks a policy or
        outcome the claim needs. None when nothing could be computed from the runs.
    """
    policies, names = set(outcomes["policy"]), set(outcomes.columns)
    worlds = claim_worlds(outcomes)
    out, checked = [], 0
    for c in CLAIMS:
        rec = _base(c)
        missing = [p for p in c.policies if p not in policies] + [
            o for o in c.outcomes if o not in names]
        if missing:
            rec.update(share=None, note="needs " + ", ".join(missing))
            out.append(rec)
            continue
        w = worlds[[f"{p}:{o}" for p in c.policies for o in c.outcomes]].dropna()
        rec.update(_tested(c, w, design, spec, prim) if c.kind == "tested" else _sized(c, w))
        out.append(rec)
        checked += 1
    _with_data(out, data, data_dir)
    return out if checked else None
