"""Compare what each policy does in each theatre, and which network differences matter.

:func:`compare_theatres` runs every policy preset in several scenarios (by default the two
bundled theatres, ``iraq-2024`` and ``red-sea-2024``) with common random numbers: in a
scenario every policy runs on the same random streams and, when parameters are drawn, on
the same parameter sets, so run ``k`` under a policy and run ``k`` under the status quo are
the same world and their difference is the policy's paired effect in that world.

:func:`network_whatif` asks why the effects differ: it moves one property of one scenario's
network (the patron's tie, state capture, the state budget, revenue structure, the number
of attacking groups, a host government, the fighters) toward the other scenario's value, and
measures a policy's paired effect before and after the move. This is a what-if *on the
model*: the mechanisms that turn a network property into behaviour are assumptions
(``docs/model.md``), so a change in the effect says what the model's mechanisms make of the
property, not what the property causes in the world.

Statistics reuse :mod:`armednet.experiments.compare`: medians and central intervals come
from :func:`~armednet.experiments.compare.policy_table` over runs (a run is a world with
``point`` = run index and ``replication`` 0), the pairing from
:func:`~armednet.experiments.compare.worlds`, and the share of worlds where a policy does
better from :func:`~armednet.experiments.compare.beats`.

References
----------
.. [1] R. Mansour, essay on Iran-aligned armed groups and U.S. policy, Foreign Affairs, 2024
   (the groups of Iraq live inside the state; the Houthis are the state in Sanaa).
.. [2] A. M. Law, *Simulation Modeling and Analysis*, 5th ed., McGraw-Hill, 2015, section
   11.2 (common random numbers for comparing alternatives).
.. [3] J. H. Kwakkel, "The Exploratory Modeling Workbench", Environmental Modelling &
   Software 96 (2017) (policies compared over the same sampled worlds).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from armednet.errors import InputError

if TYPE_CHECKING:
    from armednet.kb.graph import KnowledgeGraph
    from armednet.sim.engine import Ensemble
    from armednet.sim.init import ModelInputs

__all__ = [
    "BASELINE",
    "DEFAULT_OUTCOMES",
    "PROPERTIES",
    "STORE_KEY",
    "NetworkProperty",
    "TheatreComparison",
    "compare_theatres",
    "comparison_record",
    "load_comparison",
    "network_whatif",
    "save_comparison",
    "scenario_weeks",
]

BASELINE = "status-quo"
"""The policy every effect is paired against."""
DEFAULT_OUTCOMES = ("attacks", "final_year_attack_rate", "casualties", "ceasefire_spells",
                    "first_ceasefire_week", "capture_final", "funds_final", "military_final",
                    "groups_ended")
"""Outcomes compared by default (columns of the engine's per-run summary)."""
FALLBACK_WEEKS = 104
"""Horizon of a scenario that states no end date (the engine's default)."""
LEVEL = 0.90
"""Coverage of every interval."""

Progress = Callable[[float, float], None]


@dataclass
class TheatreComparison:
    """What :func:`compare_theatres` returns.

    Attributes
    ----------
    table : pandas.DataFrame
        Long form, one row per (scenario, policy, outcome): ``median, low, high`` (the
        outcome over runs, 90% central interval), ``effect, effect_low, effect_high`` (the
        paired difference policy minus status quo over the same runs: its median and 90%
        central interval over worlds), ``relative`` (mean under the policy over mean under
        the status quo, minus one; NaN when the latter is 0) and ``p_lower`` (share of
        worlds where the policy gives a lower value than the status quo, ties counted
        half).
    metadata : dict
        Scenario hashes, seed, runs, weeks per scenario, package version, the parameters
        used, and ``warnings``: per scenario and policy, the levers that had nothing to act
        on (``LeverWarning`` messages).
    """

    table: pd.DataFrame
    metadata: dict[str, Any] = field(default_factory=dict)

    def wide(self) -> pd.DataFrame:
        """A readable pivot: one row per policy; per scenario, the median attacks, the
        paired effect on attacks with its interval, and the relative effect."""
        att = self.table[self.table["outcome"] == "attacks"]
        cols: dict[tuple[str, str], pd.Series] = {}
        for sc, g in att.groupby("scenario", sort=False):
            g = g.set_index("policy")
            cols[(str(sc), "attacks median")] = g["median"]
            cols[(str(sc), "effect on attacks")] = g["effect"]
            cols[(str(sc), "effect 5%")] = g["effect_low"]
            cols[(str(sc), "effect 95%")] = g["effect_high"]
            cols[(str(sc), "relative effect")] = g["relative"]
        out = pd.DataFrame(cols)
        out.columns = pd.MultiIndex.from_tuples(list(cols), names=["scenario", ""])
        out.index.name = "policy"
        return out

    def to_frame(self) -> pd.DataFrame:
        """The long table (a copy)."""
        return self.table.copy()


def scenario_weeks(kg: KnowledgeGraph) -> int:
    """Whole weeks from the scenario's start through its ``end`` date (the last week holds
    the end day); :data:`FALLBACK_WEEKS` when the scenario states no end.

    Examples
    --------
    >>> from armednet.sim.engine import load_graph
    >>> scenario_weeks(load_graph("iraq-2024"))  # 2023-10-02 .. 2024-12-31
    66
    """
    from armednet.kb.dates import earliest, latest

    meta = kg.scenario.scenario
    if not meta.end:
        return FALLBACK_WEEKS
    days = (latest(str(meta.end)) - earliest(str(meta.start))).days
    return max(1, days // 7 + 1)


# -- parameters ----------------------------------------------------------------------------

def _params_by_scenario(params: Any, ids: Sequence[str]) -> dict[str, Any]:
    """One parameter specification per scenario: a mapping keyed by scenario ids is split,
    anything else (a mapping of parameters, a table of parameter sets) is shared."""
    if isinstance(params, Mapping) and params and all(k in ids for k in params):
        return {sc: params.get(sc) for sc in ids}
    return {sc: params for sc in ids}


def _resolve(spec: Any, runs: int, seed: int) -> tuple[dict[str, Any] | None, str]:
    """Per-run parameter values and a description: a table of parameter sets is drawn
    from by weight (:func:`armednet.sim.params.draw_parameter_sets`), the same sets for
    every policy of a scenario (run ``k`` gets the same set whatever the policy)."""
    from armednet.sim.params import draw_parameter_sets

    if spec is None:
        return None, "defaults"
    if isinstance(spec, pd.DataFrame):
        if spec.empty:
            raise InputError("params: the table of parameter sets is empty")
        drawn = draw_parameter_sets(spec, np.arange(runs), seed)
        return drawn, f"{len(spec)} parameter sets, one drawn per run"
    if isinstance(spec, Mapping):
        return dict(spec), "fixed: " + ", ".join(f"{k}={v}" for k, v in spec.items())
    raise InputError(f"params: expected a mapping or a table of parameter sets, got "
                     f"{type(spec).__name__}")


# -- running ------------------------------------------------------------------------------

def _prepare(kg: Any, policy: Any, runs: int, weeks: int, seed: int,
             params: Mapping[str, Any] | None, caught: list[str]) -> Ensemble:
    """``prepare`` with common random numbers (stream ``k`` for run ``k`` under every
    policy) and the levers' warnings collected into ``caught`` instead of shown."""
    from armednet.sim.engine import prepare
    from armednet.sim.policy import LeverWarning

    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always", LeverWarning)
        ens = prepare(kg, policy=policy, runs=runs, weeks=weeks, seed=seed, params=params,
                      streams=np.arange(runs, dtype=np.int64))
    for w in got:
        if issubclass(w.category, LeverWarning):
            caught.append(str(w.message))
        else:  # not ours to swallow
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return ens


class _Tally:
    """Progress in run-weeks over several ensembles."""

    def __init__(self, total: float, progress: Progress | None) -> None:
        self.total, self.done, self.progress = total, 0.0, progress

    def run(self, ens: Ensemble) -> pd.DataFrame:
        base = self.done

        def tick(done: float, _total: float) -> None:
            self.done = base + done
            if self.progress is not None:
                self.progress(self.done, self.total)

        frames = [c.summary for c in ens.chunks(tick if self.progress else None)]
        self.done = base + float(ens.runs) * ens.inputs.weeks
        return pd.concat(frames, ignore_index=True)


# -- statistics ---------------------------------------------------------------------------

def _as_worlds(summaries: Mapping[str, pd.DataFrame], outcomes: Sequence[str]) -> pd.DataFrame:
    """Runs as the worlds of :mod:`armednet.experiments.compare` (``policy, point,
    replication``): run ``k`` is world ``(k, 0)`` under every policy."""
    parts = []
    for policy, s in summaries.items():
        missing = [o for o in outcomes if o not in s.columns]
        if missing:
            names = sorted(c for c in s.columns if c != "run")
            raise InputError(f"unknown outcome {missing[0]!r}; expected one of: "
                             f"{', '.join(names)}")
        part = s[["run", *outcomes]].rename(columns={"run": "point"})
        part.insert(0, "policy", policy)
        part.insert(2, "replication", 0)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _spread(df: pd.DataFrame, outcome: str, policy: str) -> tuple[float, float, float]:
    """Median and central interval of ``outcome`` under ``policy`` over the runs where it
    is defined (NaN where it never is, e.g. the first cease-fire week without one)."""
    from armednet.experiments.compare import policy_table

    sub = df[(df["policy"] == policy) & df[outcome].notna()]
    if sub.empty:
        return np.nan, np.nan, np.nan
    r = policy_table(sub, [outcome], level=LEVEL).iloc[0]
    return float(r["median"]), float(r["low"]), float(r["high"])


def _paired(df: pd.DataFrame, outcome: str, policy: str,
            baseline: str = BASELINE) -> dict[str, float]:
    """The paired effect of ``policy`` against ``baseline`` on ``outcome``: per world the
    difference policy minus baseline; its median and central interval over the worlds
    where both are defined, the relative change of the means and the share of worlds where
    the policy is lower (:func:`~armednet.experiments.compare.beats`)."""
    from armednet.experiments.compare import beats, worlds

    w = worlds(df, outcome)
    if policy not in w.columns or baseline not in w.columns:
        return dict.fromkeys(("effect", "effect_low", "effect_high", "relative", "p_lower"),
                             np.nan)
    ok = w[policy].notna() & w[baseline].notna()
    a, b = w.loc[ok, policy].to_numpy(), w.loc[ok, baseline].to_numpy()
    diff = pd.DataFrame({"policy": "diff", "point": np.arange(len(a)), "replication": 0,
                         outcome: a - b})
    eff, lo, hi = _spread(diff, outcome, "diff")
    base_mean = float(b.mean()) if len(b) else np.nan
    rel = (float(a.mean()) / base_mean - 1.0 if base_mean and np.isfinite(base_mean)
           else np.nan)
    p_lower = beats(df, outcome, policy, baseline)["p_better"] if len(a) else np.nan
    return {"effect": eff, "effect_low": lo, "effect_high": hi, "relative": rel,
            "p_lower": float(p_lower)}


def _rows(scenario: str, df: pd.DataFrame, policies: Sequence[str],
          outcomes: Sequence[str]) -> list[dict[str, Any]]:
    rows = []
    for policy in policies:
        for outcome in outcomes:
            med, lo, hi = _spread(df, outcome, policy)
            rows.append({"scenario": scenario, "policy": policy, "outcome": outcome,
                         "median": med, "low": lo, "high": hi,
                         **_paired(df, outcome, policy)})
    return rows


# -- comparing theatres ---------------------------------------------------------------------

def _check_presets(presets: Iterable[str] | None) -> list[str]:
    """The presets to run, the status quo first (every effect is paired against it)."""
    from armednet.sim.policy import PRESETS, preset

    names = list(PRESETS) if presets is None else [str(p) for p in presets]
    for name in names:
        preset(name)  # InputError with close matches for an unknown name
    if BASELINE in names:
        names.remove(BASELINE)
    return [BASELINE, *dict.fromkeys(names)]


def compare_theatres(
    scenarios: Sequence[Any] = ("iraq-2024", "red-sea-2024"),
    presets: Iterable[str] | None = None,
    runs: int = 1000,
    weeks: int | Mapping[str, int] | None = None,
    seed: int = 0,
    params: Any = None,
    outcomes: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> TheatreComparison:
    """Run each policy preset in each scenario and pair it with the status quo.

    Parameters
    ----------
    scenarios : sequence of str, Path or KnowledgeGraph
        Scenarios (bundled names, paths or graphs); default the two bundled theatres.
    presets : iterable of str, optional
        Policy presets (default: all of :data:`armednet.sim.policy.PRESETS`); the status
        quo is always run, as the baseline.
    runs : int
        Runs per scenario and policy.
    weeks : int, mapping or None
        Horizon; ``None`` is each scenario's own window (:func:`scenario_weeks`), a mapping
        gives it per scenario id.
    seed : int
        Experiment seed (same seed, same table).
    params : mapping, DataFrame or mapping of scenario id to either, optional
        Model parameters: a mapping of parameter name to value, or a table of parameter
        sets (e.g. a calibrated posterior, :func:`armednet.sim.params.load_parameter_sets`;
        one set drawn per run by weight). Given once, the same behavioural parameters are
        used in every theatre; keyed by scenario id, each theatre gets its own.
    outcomes : sequence of str, optional
        Per-run summary columns (default :data:`DEFAULT_OUTCOMES`).
    progress : callable, optional
        ``progress(done, total)`` in run-weeks over every ensemble.

    Returns
    -------
    TheatreComparison

    Raises
    ------
    InputError
        Unknown scenarios, presets, outcomes or parameters.

    Notes
    -----
    Common random numbers: under every policy of a scenario, run ``k`` draws from random
    stream ``k`` and gets the same parameter set, so the status quo's effect is exactly 0
    and a policy's paired difference isolates what the policy changes in that world. The
    effect's interval is the 5% to 95% range of the paired differences over worlds (what
    the policy does in nine worlds out of ten), not a confidence interval of a mean.

    Examples
    --------
    >>> res = compare_theatres(presets=["strikes"], runs=4)  # doctest: +SKIP
    >>> sorted(res.table["scenario"].unique())  # doctest: +SKIP
    ['iraq-2024', 'red-sea-2024']
    """
    from armednet import __version__
    from armednet.sim.engine import load_graph

    if not scenarios:
        raise InputError("compare_theatres needs at least one scenario")
    policies = _check_presets(presets)
    outcomes = list(outcomes or DEFAULT_OUTCOMES)
    graphs = [load_graph(s) for s in scenarios]
    ids = [kg.scenario.scenario.id for kg in graphs]
    horizon = {i: (weeks.get(i) if isinstance(weeks, Mapping) else weeks)
               or scenario_weeks(kg) for i, kg in zip(ids, graphs, strict=True)}
    spec = _params_by_scenario(params, ids)
    tally = _Tally(float(runs) * sum(horizon.values()) * len(policies), progress)
    meta: dict[str, Any] = {"scenarios": {}, "presets": policies, "seed": int(seed),
                            "runs": int(runs), "weeks": horizon, "outcomes": outcomes,
                            "baseline": BASELINE, "level": LEVEL,
                            "random_numbers": "common: run k uses stream k under every policy",
                            "package_version": __version__, "params": {}, "warnings": {}}
    rows: list[dict[str, Any]] = []
    for sc, kg in zip(ids, graphs, strict=True):
        p, described = _resolve(spec[sc], runs, seed)
        meta["params"][sc] = described
        meta["scenarios"][sc] = kg.hash
        summaries = {}
        for policy in policies:
            caught: list[str] = []
            ens = _prepare(kg, policy, runs, horizon[sc], seed, p, caught)
            if caught:
                meta["warnings"].setdefault(sc, {})[policy] = caught
            summaries[policy] = tally.run(ens)
        rows.extend(_rows(sc, _as_worlds(summaries, outcomes), policies, outcomes))
    return TheatreComparison(table=pd.DataFrame(rows), metadata=meta)


# -- network properties ---------------------------------------------------------------------

@dataclass(frozen=True)
class NetworkProperty:
    """One property of a scenario's network that :func:`network_whatif` can move.

    Attributes
    ----------
    name, unit, how : str
        Its name, the unit of its value, and exactly how the move is made.
    value : callable
        ``value(inputs, params) -> float``: the property of a scenario's campaign.
    move : callable
        ``move(inputs, target, donor, params) -> ModelInputs``: a copy of ``inputs`` whose
        value is moved to ``target`` (``donor``: the donor's inputs).
    """

    name: str
    unit: str
    how: str
    value: Callable[[ModelInputs, dict[str, np.ndarray]], float]
    move: Callable[[ModelInputs, float, ModelInputs, dict[str, np.ndarray]], ModelInputs]


def _campaign(inp: ModelInputs) -> np.ndarray:
    """Scenario group slots in the campaign (attacking in the theatre)."""
    return np.flatnonzero(inp.exposure[:inp.n_groups0] > 0)


def _by_fighters(inp: ModelInputs, values: np.ndarray) -> float:
    """Fighter-weighted mean over the campaign groups of per-group ``values``."""
    camp = _campaign(inp)
    if not len(camp):
        return float("nan")
    w = inp.fighters[camp]
    return float(np.average(values[camp], weights=w) if w.sum() > 0 else values[camp].mean())


def _both_slots(inp: ModelInputs, groups: np.ndarray) -> np.ndarray:
    """Group slots and their splinter slots."""
    return np.r_[groups, groups + inp.n_groups0]


def _patron_value(inp: ModelInputs, p: dict[str, np.ndarray]) -> float:
    return _by_fighters(inp, inp.patron)


def _patron_move(inp: ModelInputs, target: float, donor: ModelInputs,
                 p: dict[str, np.ndarray]) -> ModelInputs:
    patron = inp.patron.copy()
    camp = _campaign(inp)
    # a shift keeps the differences between the groups' ties; the ties stay in 0..1
    patron[camp] = np.clip(patron[camp] + (target - _patron_value(inp, p)), 0.0, 1.0)
    return dataclasses.replace(inp, patron=patron)


def _capture_value(inp: ModelInputs, p: dict[str, np.ndarray]) -> float:
    if not inp.K:
        return 0.0
    return _by_fighters(inp, inp.capture @ inp.budget)


def _capture_move(inp: ModelInputs, target: float, donor: ModelInputs,
                  p: dict[str, np.ndarray]) -> ModelInputs:
    now = _capture_value(inp, p)
    if not inp.K or now <= 0:
        raise InputError(f"capture: the campaign groups of {inp.scenario_id!r} hold no "
                         "budget-bearing office to scale")
    X = inp.capture.copy()
    camp = _campaign(inp)
    X[camp] *= target / now
    # an institution cannot be held more than whole: the campaign's shares give way
    others = X.sum(axis=0) - X[camp].sum(axis=0)
    room = np.maximum(1.0 - others, 0.0)
    mine = X[camp].sum(axis=0)
    over = mine > room
    X[np.ix_(camp, np.flatnonzero(over))] *= room[over] / mine[over]
    return dataclasses.replace(inp, capture=X)


def _budget_value(inp: ModelInputs, p: dict[str, np.ndarray]) -> float:
    stated = inp.extra.get("state_rents", {}).get("national_budget", float("nan"))
    return float(np.mean(p["national_budget"])) if np.isnan(stated) else float(stated)


def _budget_move(inp: ModelInputs, target: float, donor: ModelInputs,
                 p: dict[str, np.ndarray]) -> ModelInputs:
    extra = {**inp.extra, "state_rents": {**inp.extra.get("state_rents", {}),
                                          "national_budget": float(target)}}
    return dataclasses.replace(inp, extra=extra)


def _effective(inp: ModelInputs, p: dict[str, np.ndarray]) -> np.ndarray:
    """Weekly amount of each channel as the revenue mechanism weighs it (patron scale,
    formal and informal shares of unattributed revenue), averaged over runs."""
    from armednet.sim.mechanisms.revenue import channel_scale

    scale = channel_scale(inp.chan_kind, inp.chan_split, p)
    amount = np.asarray(inp.chan_amount, dtype=float)
    return amount if scale is None else amount * np.asarray(scale).mean(axis=0)


def _campaign_channels(inp: ModelInputs) -> np.ndarray:
    return np.isin(inp.chan_group, _campaign(inp))


def _revenue_value(inp: ModelInputs, p: dict[str, np.ndarray]) -> float:
    mine = _campaign_channels(inp)
    amount = _effective(inp, p)
    total = float(amount[mine].sum())
    return float(amount[mine & inp.chan_sanctionable].sum()) / total if total > 0 else 0.0


def _revenue_move(inp: ModelInputs, target: float, donor: ModelInputs,
                  p: dict[str, np.ndarray]) -> ModelInputs:
    mine = _campaign_channels(inp)
    amount = _effective(inp, p)
    sanc, free = mine & inp.chan_sanctionable, mine & ~inp.chan_sanctionable
    s, u = float(amount[sanc].sum()), float(amount[free].sum())
    if (target > 0 and s <= 0) or (target < 1 and u <= 0):
        raise InputError(f"revenue: {inp.scenario_id!r} has no channel to scale toward a "
                         f"sanctionable share of {target:.2f}")
    chan = np.asarray(inp.chan_amount, dtype=float).copy()
    # the campaign's total income is kept; only its split between channels changes
    chan[sanc] *= target * (s + u) / s if s > 0 else 1.0
    chan[free] *= (1.0 - target) * (s + u) / u if u > 0 else 1.0
    return dataclasses.replace(inp, chan_amount=chan)


def _host_value(inp: ModelInputs, p: dict[str, np.ndarray]) -> float:
    based = inp.extra.get("sovereignty", {}).get("host_based")
    if based is None:
        return 0.0
    return _by_fighters(inp, np.asarray(based, dtype=float))


def _host_move(inp: ModelInputs, target: float, donor: ModelInputs,
               p: dict[str, np.ndarray]) -> ModelInputs:
    based = np.asarray(inp.extra.get("sovereignty", {}).get(
        "host_based", np.zeros(inp.G, dtype=bool)), dtype=bool).copy()
    # every group based in the theatre gets (or loses) a host government, as in the donor
    based[inp.in_theatre] = target >= 0.5
    extra = {**inp.extra, "sovereignty": {**inp.extra.get("sovereignty", {}),
                                          "host_based": based}}
    return dataclasses.replace(inp, extra=extra)


def _fighters_value(inp: ModelInputs, p: dict[str, np.ndarray]) -> float:
    return float(inp.fighters[_campaign(inp)].sum())


def _fighters_move(inp: ModelInputs, target: float, donor: ModelInputs,
                   p: dict[str, np.ndarray]) -> ModelInputs:
    camp = _campaign(inp)
    factor = target / _fighters_value(inp, p)
    fighters, size = inp.fighters.copy(), inp.size.copy()
    fighters[camp] *= factor
    size[_both_slots(inp, camp)] *= factor  # a splinter's capacity reference is its parent's
    return dataclasses.replace(inp, fighters=fighters, size=size)


def _groups_value(inp: ModelInputs, p: dict[str, np.ndarray]) -> float:
    return float(len(_campaign(inp)))


def _mutual_coordination(inp: ModelInputs) -> float:
    """Mean coordination between pairs of campaign groups (1 for a single group: one
    command coordinates with itself)."""
    camp = _campaign(inp)
    if len(camp) < 2:
        return 1.0
    W = inp.coordination[np.ix_(camp, camp)]
    return float(W[~np.eye(len(camp), dtype=bool)].mean())


def _groups_move(inp: ModelInputs, target: float, donor: ModelInputs,
                 p: dict[str, np.ndarray]) -> ModelInputs:
    now = len(_campaign(inp))
    parts = round(target / now) if now else 1
    coord = _mutual_coordination(donor)
    if parts >= 2:
        return _split(inp, parts, coord)
    # fewer groups in the donor: the base's groups are not merged, they act as the donor's
    # groups coordinate (one group: a single command, coordination 1)
    camp = _campaign(inp)
    W = inp.coordination.copy()
    W[np.ix_(camp, camp)] = coord
    W[camp, camp] = 0.0
    return dataclasses.replace(inp, coordination=W)


def _split(inp: ModelInputs, parts: int, coord: float) -> ModelInputs:
    """Split each campaign group into ``parts`` groups of equal shares of its fighters,
    size, revenue, offices and scheduled strikes; the parts coordinate with weight
    ``coord`` and keep the group's other attributes and alliances. The original keeps its
    named leaders (a scheduled kill hits one part); each new part gets an unnamed leader
    with the same authority share."""
    from armednet.sim.mechanisms import registry

    g0, camp = inp.n_groups0, _campaign(inp)
    copies = [int(g) for g in camp for _ in range(parts - 1)]
    src0 = np.r_[np.arange(g0), np.asarray(copies, dtype=int)].astype(int)
    n0 = len(src0)
    src = np.r_[src0, src0 + g0]  # splinter slots follow the scenario slots, as built
    share = np.where(np.isin(src0, camp), 1.0 / parts, 1.0)
    share2 = np.r_[share, share]
    names = [inp.group_ids[i] for i in range(g0)]
    seen: dict[int, int] = {}
    for g in copies:
        seen[g] = seen.get(g, 1) + 1
        names.append(f"{inp.group_ids[g]}~part{seen[g]}")
    W = inp.coordination[np.ix_(src, src)].copy()
    for g in camp:
        mine = np.flatnonzero(src0 == g)
        W[np.ix_(mine, mine)] = coord
        W[mine, mine] = 0.0
    new_slot = {g: np.flatnonzero(src0 == g)[1:] for g in camp.tolist()}
    chan = _split_channels(inp, new_slot, parts)
    lead = _split_leaders(inp, new_slot)
    extra = {m.name: {k: (np.asarray(v)[..., src] if k in m.group_inputs else v)
                      for k, v in inp.extra[m.name].items()}
             for m in registry() if m.name in inp.extra}
    return dataclasses.replace(
        inp, group_ids=names + [f"{n}~splinter" for n in names], n_groups0=n0,
        splinter_of=np.r_[np.full(n0, -1), np.arange(n0)],
        orientation=inp.orientation[src], size=inp.size[src] * share2,
        fighters=inp.fighters[src] * share2, revenue_annual=inp.revenue_annual[src] * share2,
        legitimacy=inp.legitimacy[src], hostility=inp.hostility[src],
        exposure=inp.exposure[src], campaign_from=inp.campaign_from[src],
        in_theatre=inp.in_theatre[src], maturity=inp.maturity[src], patron=inp.patron[src],
        coordination=W, capture=inp.capture[src] * share2[:, None],
        strike_events=inp.strike_events[:, src] * share2,
        unnamed_kill_events=inp.unnamed_kill_events[:, src], extra={**inp.extra, **extra},
        **chan, **lead)


def _split_channels(inp: ModelInputs, new_slot: dict[int, np.ndarray],
                    parts: int) -> dict[str, Any]:
    """Each channel of a split group is shared equally by its parts; sanctions on it reach
    every part's share."""
    group = inp.chan_group.tolist()
    amount = np.asarray(inp.chan_amount, dtype=float).copy()
    kind, sanc = list(inp.chan_kind), inp.chan_sanctionable.tolist()
    split, payer = inp.chan_split.tolist(), list(inp.chan_payer)
    events = list(inp.sanction_events)
    for c in range(len(inp.chan_group)):
        g = int(inp.chan_group[c])
        if g not in new_slot:
            continue
        amount[c] /= parts
        for slot in new_slot[g]:
            group.append(int(slot))
            amount = np.append(amount, amount[c])
            kind.append(kind[c])
            sanc.append(sanc[c])
            split.append(split[c])
            payer.append(payer[c])
            new = len(group) - 1
            events.extend((w, new, x) for w, ch, x in inp.sanction_events if ch == c)
    return {"chan_group": np.asarray(group, dtype=int), "chan_amount": amount,
            "chan_kind": kind, "chan_sanctionable": np.asarray(sanc, dtype=bool),
            "chan_split": np.asarray(split, dtype=np.int8), "chan_payer": payer,
            "sanction_events": sorted(set(events))}


def _split_leaders(inp: ModelInputs, new_slot: dict[int, np.ndarray]) -> dict[str, Any]:
    ids, group = list(inp.leader_ids), inp.leader_group.tolist()
    share = inp.leader_share.tolist()
    for g, slots in new_slot.items():
        authority = float(inp.leader_share[inp.leader_group == g].sum())
        for slot in slots:
            ids.append(f"{inp.group_ids[g]}~part{len(ids)}#leader")
            group.append(int(slot))
            share.append(min(authority, 1.0))
    extra_cols = len(ids) - len(inp.leader_ids)
    kills = np.c_[inp.kill_events, np.zeros((inp.weeks, extra_cols), dtype=bool)]
    return {"leader_ids": ids, "leader_group": np.asarray(group, dtype=int),
            "leader_share": np.asarray(share, dtype=float), "kill_events": kills}


PROPERTIES: dict[str, NetworkProperty] = {p.name: p for p in (
    NetworkProperty(
        "patron", "tie strength 0..1",
        "fighter-weighted mean patron tie of the campaign groups; moved by shifting every "
        "campaign group's tie by the difference (clipped to 0..1)",
        _patron_value, _patron_move),
    NetworkProperty(
        "capture", "share of the national budget",
        "fighter-weighted mean over campaign groups of sum_k capture[g, k] x budget_share[k] "
        "(offices count by the budget they bear); moved by scaling the campaign groups' "
        "capture shares (no institution held more than whole)",
        _capture_value, _capture_move),
    NetworkProperty(
        "national_budget", "USD million / year",
        "the state budget the captured shares are shares of (the scenario's stated budget, "
        "else the parameter); set to the donor's",
        _budget_value, _budget_move),
    NetworkProperty(
        "revenue", "sanctionable share",
        "share of the campaign groups' weekly income (as the revenue mechanism weighs its "
        "channels) that runs through sanctionable channels; moved by rescaling their "
        "sanctionable and other channels, total income kept",
        _revenue_value, _revenue_move),
    NetworkProperty(
        "groups", "campaign groups",
        "number of attacking groups; more in the donor: each attacker is split into "
        "round(donor / base) equal parts coordinating as the donor's attackers do; fewer: "
        "the base's attackers coordinate as the donor's do (1 for a single group)",
        _groups_value, _groups_move),
    NetworkProperty(
        "host", "share of campaign fighters",
        "share of the campaign's fighters based in a country whose government hosts the "
        "foreign force and can negotiate its presence; moved by giving (or taking) a host "
        "government to every group based in the theatre",
        _host_value, _host_move),
    NetworkProperty(
        "fighters", "thousand fighters",
        "fighters of the campaign groups in total; moved by scaling each campaign group's "
        "fighters and size",
        _fighters_value, _fighters_move),
)}
"""Network properties :func:`network_whatif` can move, by name."""


def _check_properties(properties: Iterable[str] | None) -> list[str]:
    import difflib

    names = list(PROPERTIES) if properties is None else [str(p) for p in properties]
    for name in names:
        if name not in PROPERTIES:
            near = difflib.get_close_matches(name, list(PROPERTIES), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            raise InputError(f"unknown network property {name!r}{hint} (properties: "
                             f"{', '.join(PROPERTIES)})")
    return names


def _moved(ens: Ensemble, inputs: ModelInputs, caught: list[str]) -> Ensemble:
    """A copy of ``ens`` on new inputs, its policy scheduled against them (levers that pick
    groups, channels or offices see the moved network)."""
    from armednet.sim.init import schedule_policy
    from armednet.sim.policy import resolve_policy

    sch = schedule_policy(inputs, resolve_policy(ens.metadata["policy"]))
    caught.extend(m for m in sch.warnings if m not in caught)
    return dataclasses.replace(ens, inputs=inputs, schedule=sch, metadata=dict(ens.metadata))


def network_whatif(
    base: Any = "red-sea-2024",
    donor: Any = "iraq-2024",
    policy: str = "strikes",
    properties: Iterable[str] | None = None,
    runs: int = 1000,
    seed: int = 0,
    params: Any = None,
    weeks: int | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Move one network property of ``base`` at a time toward ``donor``'s and measure how
    ``policy``'s paired effect on attacks changes.

    This is a what-if on the model: the mechanisms that turn a property into behaviour are
    the model's assumptions (``docs/model.md``), so the change says what those mechanisms
    make of the property, not an estimate of a causal effect in the world.

    Parameters
    ----------
    base, donor : str, Path or KnowledgeGraph
        The scenario whose network is moved, and the one it is moved toward.
    policy : str
        The preset whose effect is measured (against the status quo).
    properties : iterable of str, optional
        Names in :data:`PROPERTIES` (default: all). Each is moved alone, the others kept.
    runs, seed : int
        Runs per ensemble and the seed; every ensemble (before and after, policy and status
        quo) uses the same random streams and parameter sets, run by run.
    params : mapping or DataFrame, optional
        Parameters as for :func:`compare_theatres` (those of ``base`` when keyed by id).
    weeks : int, optional
        Horizon (default: the base scenario's window, :func:`scenario_weeks`).
    progress : callable, optional
        ``progress(done, total)`` in run-weeks.

    Returns
    -------
    pandas.DataFrame
        One row per property: ``property, unit, base_value, donor_value, moved_value`` (the
        base's value after the move; clipping can stop short of the donor's),
        ``effect_before, effect_before_low, effect_before_high, effect_after,
        effect_after_low, effect_after_high`` (median and 90% interval of the per-world
        difference in attacks, policy minus status quo), ``change`` (after minus before),
        ``relative_before, relative_after``, ``attacks_before, attacks_after`` (median
        attacks under the status quo) and ``how`` (what the move does).

    Raises
    ------
    InputError
        Unknown scenarios, policy or property names; a property the base cannot move
        (e.g. no office to scale).

    Examples
    --------
    >>> df = network_whatif(properties=["patron"], runs=4)  # doctest: +SKIP
    >>> list(df["property"])  # doctest: +SKIP
    ['patron']
    """
    from armednet.sim.engine import load_graph
    from armednet.sim.init import build_inputs

    names = _check_properties(properties)
    policies = _check_presets([policy])
    kg, dkg = load_graph(base), load_graph(donor)
    sc = kg.scenario.scenario.id
    horizon = weeks or scenario_weeks(kg)
    p, _ = _resolve(_params_by_scenario(params, [sc])[sc], runs, seed)
    caught: list[str] = []
    ens = {pol: _prepare(kg, pol, runs, horizon, seed, p, caught) for pol in policies}
    donor_inputs = build_inputs(dkg, 1)  # the donor's network at its start; no simulation
    tally = _Tally(float(runs) * horizon * len(policies) * (1 + len(names)), progress)

    def effect(ensembles: Mapping[str, Ensemble]) -> dict[str, float]:
        df = _as_worlds({k: tally.run(e) for k, e in ensembles.items()}, ["attacks"])
        return {**_paired(df, "attacks", policies[-1]),
                "sq": _spread(df, "attacks", BASELINE)[0]}

    before = effect(ens)
    prm = ens[BASELINE].params
    rows = []
    for name in names:
        prop = PROPERTIES[name]
        now, target = prop.value(ens[BASELINE].inputs, prm), prop.value(donor_inputs, prm)
        if np.isclose(now, target, rtol=1e-12, atol=0.0):
            moved = ens[BASELINE].inputs  # nothing to move: the same network
        else:
            moved = prop.move(ens[BASELINE].inputs, target, donor_inputs, prm)
        after = effect({k: _moved(e, moved, caught) for k, e in ens.items()})
        rows.append({
            "property": name, "unit": prop.unit, "base_value": now, "donor_value": target,
            "moved_value": prop.value(moved, prm),
            "effect_before": before["effect"], "effect_before_low": before["effect_low"],
            "effect_before_high": before["effect_high"],
            "effect_after": after["effect"], "effect_after_low": after["effect_low"],
            "effect_after_high": after["effect_high"],
            "change": after["effect"] - before["effect"],
            "relative_before": before["relative"], "relative_after": after["relative"],
            "attacks_before": before["sq"], "attacks_after": after["sq"], "how": prop.how})
    out = pd.DataFrame(rows)
    out.attrs.update({"base": sc, "donor": dkg.scenario.scenario.id, "policy": policies[-1],
                      "runs": int(runs), "seed": int(seed), "weeks": int(horizon),
                      "warnings": sorted(set(caught))})
    return out


STORE_KEY = ("theatres", "latest")
"""Where :func:`save_comparison` keeps the latest comparison in a results database
(experiment id and kind of the ``analyses`` table), for the report and the dashboard."""


def comparison_record(comparison: TheatreComparison,
                      whatif: pd.DataFrame | None = None) -> dict[str, Any]:
    """The comparison (and a what-if) as plain JSON-able records.

    Returns
    -------
    dict
        ``table`` (rows of :attr:`TheatreComparison.table`), ``whatif`` (rows, or an
        empty list) and ``metadata``.
    """
    import json

    def rows(df: pd.DataFrame | None) -> list[dict[str, Any]]:
        if df is None or df.empty:
            return []
        return list(json.loads(df.to_json(orient="records")))

    meta = dict(comparison.metadata)
    if whatif is not None:  # which theatre was moved, toward which, under which policy
        meta["whatif"] = dict(whatif.attrs)
    return {"table": rows(comparison.table), "whatif": rows(whatif),
            "metadata": json.loads(json.dumps(meta, default=str))}


def save_comparison(db: Any, comparison: TheatreComparison,
                    whatif: pd.DataFrame | None = None) -> dict[str, Any]:
    """Store the comparison in the results database ``db`` (:data:`STORE_KEY`)."""
    from armednet.experiments.store import open_store

    rec = comparison_record(comparison, whatif)
    with open_store(db) as store:
        store.save_analysis(*STORE_KEY, rec)
    return rec


def load_comparison(store: Any) -> dict[str, Any] | None:
    """The latest stored comparison of an open store, or None."""
    rec = store.analysis(*STORE_KEY)
    return rec if isinstance(rec, dict) else None
