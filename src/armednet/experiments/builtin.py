"""Built-in experiments: the main job that ``armednet demo`` runs.

:func:`presets_experiment` compares every policy preset on a scenario across the plausible
ranges of the parameters that carry the essay's mechanisms (each range is the one
``docs/model.md`` gives), with a Saltelli design so that the same runs serve the policy
comparison, the claims, PRIM and Sobol indices.
"""

from __future__ import annotations

from armednet.experiments.claims import CLAIM_OUTCOMES
from armednet.experiments.spec import Design, ExperimentSpec, Lever, Uncertainty

__all__ = ["DEMO_UNCERTAINTIES", "presets_experiment"]

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
    from armednet.sim.params import PARAMETERS
    from armednet.sim.policy import PRESETS

    uncertainties = []
    for name in DEMO_UNCERTAINTIES:
        p = PARAMETERS[name]
        # A range over an order of magnitude or more is sampled on the log scale, so that
        # its low decade is not left to a tenth of the worlds.
        log = p.low > 0 and p.high / p.low >= 10
        uncertainties.append(Uncertainty(name=name, low=p.low, high=p.high,
                                         dist="loguniform" if log else "uniform"))
    return ExperimentSpec(
        name="presets-under-uncertainty",
        description="Every policy preset across the plausible ranges of the parameters "
        "that carry the essay's mechanisms (docs/model.md); Saltelli design.",
        scenario=scenario, weeks=weeks, seed=seed, replications=1,
        design=Design(method="sobol", n=n),
        uncertainties=uncertainties,
        levers=[Lever(name=p) for p in PRESETS],
        outcomes=list(CLAIM_OUTCOMES),
        record=["attacks"],
    )
