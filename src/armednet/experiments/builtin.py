"""Built-in experiments: the main job that ``armednet demo`` runs.

:func:`presets_experiment` compares every policy preset on a scenario across the plausible
ranges of the parameters that carry the essay's mechanisms (each range is the one
``docs/model.md`` gives), with a Saltelli design so that the same runs serve the policy
comparison, the claims, PRIM and Sobol indices. :func:`network_experiment` adds
uncertainty about the network itself (which ties exist, the values of estimates) to the
same parameters, under the status quo, so that its Sobol index says how much of each
outcome's variance the network carries and its paired worlds say which ties matter.

Both designs carry the noise-floor dummy (:mod:`armednet.experiments.sensitivity`).
"""

from __future__ import annotations

from armednet.experiments.claims import CLAIM_OUTCOMES
from armednet.experiments.spec import (
    Design,
    ExperimentSpec,
    Lever,
    NetworkUncertainty,
    Uncertainty,
)

__all__ = ["DEMO_UNCERTAINTIES", "demo_uncertainties", "network_experiment",
           "presets_experiment"]

DEMO_UNCERTAINTIES = (
    # attacks and the regional trigger (C6, C7)
    "attack_base_rate", "trigger_sensitivity", "domestic_trigger_weight",
    # strikes and cease-fires (C1, C3)
    "strike_lethality", "retaliation_gain", "cost_memory_decay", "ceasefire_cost_weight",
    "ceasefire_threshold", "coordination_weight",
    # decapitation (C2)
    "cohesion_loss", "splinter_prob", "succession_rate",
    # money and the state (C4, C5, C9)
    "rent_rate", "formal_revenue_share", "sanction_effectiveness", "sanction_evasion",
    "capture_growth", "capture_erosion", "coopt_rate", "capture_resistance",
    # backing (C8)
    "backing_loss",
)
"""Parameters the demo treats as uncertain, each over its documented plausible range
(log-uniform where the range spans ten times or more)."""


def presets_experiment(scenario: str | None = None, n: int = 128, seed: int = 2024,
                       weeks: int = 104) -> ExperimentSpec:
    """Every preset policy under uncertainty on ``scenario`` (default: the bundled one).

    Parameters
    ----------
    scenario : str, optional
        Bundled name or path.
    n : int
        Saltelli base sample (a power of two): ``n (d + 2)`` design points for ``d``
        uncertainties, each run under every preset.
    seed : int
        Experiment seed.
    weeks : int
        Horizon.

    Returns
    -------
    ExperimentSpec
    """
    from armednet.sim.policy import PRESETS

    return ExperimentSpec(
        name="presets-under-uncertainty",
        description="Every policy preset across the plausible ranges of the parameters "
        "that carry the essay's mechanisms (docs/model.md); Saltelli design.",
        scenario=scenario, weeks=weeks, seed=seed, replications=1,
        design=Design(method="sobol", n=n),
        uncertainties=demo_uncertainties(),
        levers=[Lever(name=p) for p in PRESETS],
        outcomes=list(CLAIM_OUTCOMES),
        record=["attacks"],
    )


def demo_uncertainties() -> list[Uncertainty]:
    """:data:`DEMO_UNCERTAINTIES`, each over its documented plausible range."""
    from armednet.sim.params import PARAMETERS

    out = []
    for name in DEMO_UNCERTAINTIES:
        p = PARAMETERS[name]
        # A range over an order of magnitude or more is sampled on the log scale, so that
        # its low decade is not left to a tenth of the worlds.
        log = p.low > 0 and p.high / p.low >= 10
        out.append(Uncertainty(name=name, low=p.low, high=p.high,
                               dist="loguniform" if log else "uniform"))
    return out


def network_experiment(scenario: str | None = None, n: int = 128, seed: int = 2024,
                       weeks: int = 104, variants: int = 128,
                       replications: int = 2) -> ExperimentSpec:
    """Uncertainty about the network, beside the parameters, under the status quo.

    Each world runs on one of ``variants`` plausible networks of the scenario
    (:func:`armednet.kb.uncertainty.network_variant`: ties kept by confidence, estimates
    drawn in their ranges) with the parameters of :func:`presets_experiment`. The design is
    Saltelli's, with the network as one input (a group of every uncertain tie and
    estimate): its total index is the share of each outcome's variance that the network
    carries, and the pairs of worlds that differ only in their network say which ties
    matter. Replications (averaged per world) give the share of variance that is noise.

    Parameters
    ----------
    scenario : str, optional
        Bundled name or path.
    n : int
        Saltelli base sample (a power of two).
    seed : int
        Experiment seed (it also numbers the network variants).
    weeks : int
        Horizon.
    variants : int
        Plausible networks (each costs one engine call per chunk).
    replications : int
        Runs per world.

    Returns
    -------
    ExperimentSpec

    References
    ----------
    .. [1] K. M. Carley, "Dynamic network analysis", 2003; G. Kossinets, "Effects of
       missing data in social networks", Social Networks 28(3), 2006.
    """
    return ExperimentSpec(
        name="network-uncertainty",
        description="The parameters of the presets experiment and the network itself "
        "(ties kept by confidence, estimates drawn in their ranges) under the status quo; "
        "Saltelli design with the network as one input.",
        scenario=scenario, weeks=weeks, seed=seed, replications=replications,
        design=Design(method="sobol", n=n),
        uncertainties=demo_uncertainties(),
        network=NetworkUncertainty(variants=variants),
        levers=[Lever(name="status-quo")],
        outcomes=list(CLAIM_OUTCOMES),
        record=["attacks"],
    )
