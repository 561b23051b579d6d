"""Priors of the calibration and how far the data moved each parameter away from them.

A :class:`Prior` is uniform on a parameter's documented plausible range, on the log scale
when the range spans ten times or more. The calibration samples every parameter on the
unit interval of its prior (:meth:`Prior.from_unit`), so any list of names in
:data:`armednet.sim.params.PARAMETERS` can be calibrated. :func:`informed` compares the
posterior's 90% width with the prior's, on the prior's own scale: the parameters the data
inform, and those that stay at their priors (whose uncertainty the forecast carries).

Examples
--------
>>> p = Prior("x", 0.1, 10.0, log=True)
>>> round(float(p.from_unit(np.array([0.5]))[0]), 6)
1.0
>>> round(p.width90, 4)  # 0.9 * ln(100)
4.1447
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from armednet.errors import InputError

__all__ = ["CALIBRATED", "INFORMED_RATIO", "Prior", "default_priors", "informed",
           "weighted_quantiles"]

CALIBRATED = (
    # the attack process, which the counts inform directly
    "attack_base_rate", "trigger_sensitivity", "domestic_trigger_weight",
    "capability_elasticity",
    # what turns strikes into cease-fires: weakly informed before February 2024, carried
    # into the forecast with their uncertainty
    "strike_targets_per_unit", "ceasefire_cost_weight", "ceasefire_threshold",
    "cost_memory_decay", "coordination_weight", "resume_rate",
    # escalation: how often attacks kill, and how the threat of retaliation weighs on the
    # leaderships and their patron (the lethal-attack and strikes patterns speak to them)
    "lethal_attack_prob", "lethal_threat", "warning_threat", "threat_decay",
    "threat_weight", "war_fear_weight",
)
"""Parameters the default calibration fits (the others stay at their defaults)."""

INFORMED_RATIO = 0.5
"""A parameter counts as informed when its posterior 90% width is below this share of the
prior's."""


@dataclass(frozen=True)
class Prior:
    """A uniform prior on ``[low, high]``, on the log scale when ``log``.

    Raises
    ------
    InputError
        If ``low > high``, a bound is not finite, or ``log`` with ``low <= 0``.
    """

    name: str
    low: float
    high: float
    log: bool = False

    def __post_init__(self) -> None:
        if not (np.isfinite(self.low) and np.isfinite(self.high)) or self.low > self.high:
            raise InputError(f"prior of {self.name}: expected finite bounds low <= high, got "
                             f"{self.low:g} .. {self.high:g}")
        if self.log and self.low <= 0:
            raise InputError(f"prior of {self.name}: a log-uniform prior needs low > 0, got "
                             f"{self.low:g}")

    @property
    def scale(self) -> str:
        """``"log"`` or ``"linear"``: the scale on which the prior is uniform."""
        return "log" if self.log else "linear"

    def to_scale(self, values: np.ndarray) -> np.ndarray:
        """Values on the prior's scale (natural log for a log-uniform prior)."""
        v = np.asarray(values, dtype=float)
        return np.log(v) if self.log else v

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Map the unit interval onto the prior's range."""
        lo, hi = self.to_scale(np.array([self.low, self.high]))
        x = lo + np.asarray(u, dtype=float) * (hi - lo)
        return np.asarray(np.exp(x) if self.log else x)

    def to_unit(self, values: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`from_unit` (0 for a prior of zero width)."""
        lo, hi = self.to_scale(np.array([self.low, self.high]))
        if hi == lo:
            return np.zeros(np.shape(values))
        return np.asarray((self.to_scale(values) - lo) / (hi - lo))

    @property
    def width90(self) -> float:
        """Width of the prior's central 90% interval, on its scale."""
        lo, hi = self.to_scale(np.array([self.low, self.high]))
        return float(0.9 * (hi - lo))


def default_priors(names: Sequence[str] = CALIBRATED) -> list[Prior]:
    """Priors over each parameter's documented plausible range (``docs/model.md``).

    Log-uniform where the range spans ten times or more, uniform otherwise.

    Raises
    ------
    InputError
        Unknown (with close matches) or repeated names, or an empty list.
    """
    from armednet.sim.params import PARAMETERS

    names = list(names)
    if not names:
        raise InputError("no parameters to calibrate: give at least one name")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InputError(f"parameters named more than once: {', '.join(repeated)}")
    out = []
    for name in names:
        if name not in PARAMETERS:
            near = difflib.get_close_matches(name, list(PARAMETERS), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            raise InputError(f"unknown model parameter {name!r}{hint}")
        p = PARAMETERS[name]
        if not p.high > p.low:
            raise InputError(f"parameter {name} has no range to calibrate over "
                             f"({p.low:g} .. {p.high:g})")
        out.append(Prior(name, p.low, p.high, log=p.low > 0 and p.high / p.low >= 10))
    return out


def weighted_quantiles(values: np.ndarray, weights: np.ndarray,
                       qs: Sequence[float]) -> list[float]:
    """Quantiles of a weighted sample (the smallest value whose weighted CDF reaches q).

    Examples
    --------
    >>> weighted_quantiles(np.array([1.0, 2.0, 3.0]), np.array([0.2, 0.2, 0.6]), [0.5])
    [3.0]
    """
    order = np.argsort(values)
    v, w = np.asarray(values)[order], np.asarray(weights, dtype=float)[order]
    cdf = np.cumsum(w) / w.sum()
    return [float(v[min(int(np.searchsorted(cdf, q)), len(v) - 1)]) for q in qs]


def informed(priors: Sequence[Prior], posterior: Any,
             threshold: float = INFORMED_RATIO) -> list[dict[str, Any]]:
    """Posterior 90% width over prior 90% width, per parameter, on the prior's scale.

    Parameters
    ----------
    priors : sequence of Prior
        The calibrated parameters.
    posterior : pandas.DataFrame
        A column per parameter and ``weight``.
    threshold : float
        A parameter is ``informed`` when the ratio is below it.

    Returns
    -------
    list of dict
        ``{"parameter", "scale", "prior_width", "posterior_width", "ratio", "informed"}``;
        widths in the parameter's unit, or in natural-log units for log-uniform priors.

    References
    ----------
    .. [1] /work/shared/design/validation.md, "Parameters": report which parameters the
       data informed (posterior width over prior width) and which stayed at their priors.
    """
    w = posterior["weight"].to_numpy(dtype=float)
    rows = []
    for p in priors:
        x = p.to_scale(posterior[p.name].to_numpy(dtype=float))
        lo, hi = weighted_quantiles(x, w, [0.05, 0.95])
        ratio = (hi - lo) / p.width90 if p.width90 > 0 else 0.0
        rows.append({"parameter": p.name, "scale": p.scale, "prior_width": p.width90,
                     "posterior_width": float(hi - lo), "ratio": float(ratio),
                     "informed": bool(ratio < threshold)})
    return rows
