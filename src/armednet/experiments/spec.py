"""The experiment specification: uncertainties (X), levers (L), outcomes (M) and a design.

An experiment is data, in the spirit of the EMA Workbench's XLRM framing and SALib's problem
dictionaries: a YAML or JSON file that names what is not known (parameter distributions),
what the analyst can choose (policies), what is measured (outcomes) and how the uncertainty
space is sampled. ``armednet experiment schema`` prints its JSON Schema.

Example
-------
.. code-block:: yaml

    name: presets-under-uncertainty
    scenario: iraq-2024
    weeks: 104
    seed: 7
    replications: 2
    design: {method: lhs, n: 64}
    uncertainties:
      - {name: attack_base_rate, low: 0.5, high: 2.0}
      - {name: rent_rate, dist: loguniform, low: 0.02, high: 0.3}
    levers: [status-quo, strikes, accountability]
    network: {variants: 32}      # optional: which network, as an uncertainty of its own
    outcomes:
      - {name: attacks, variable: attacks, aggregation: total}
      - {name: attacks_last_year, variable: attacks, aggregation: total, window: [52, 104]}

Validation
----------
:func:`load_spec` checks the whole file before anything runs: the form (every number
finite, ``low < high``, windows ``[first, end)``), then the spec against the model
(:func:`check_spec`): every parameter known and every range inside the parameter's hard
limits (so no sampled world can break them, whatever the seed), mechanisms and recorded
variables known, outcome variables known, windows inside ``weeks``. Every problem is
reported as ``file:line: field: message``.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from armednet.docload import load_model
from armednet.errors import Issue, ValidationFailed

__all__ = [
    "Design",
    "ExperimentSpec",
    "Lever",
    "NetworkUncertainty",
    "Outcome",
    "Uncertainty",
    "check_spec",
    "load_spec",
    "spec_hash",
    "validate_spec",
]

_NAME = r"^[A-Za-z][A-Za-z0-9_.:-]*$"


class _Strict(BaseModel):
    # every number finite: ``threshold: nan`` or ``high: .inf`` is a mistake, never a value
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Uncertainty(_Strict):
    """One uncertain model parameter and its distribution.

    ``uniform`` and ``loguniform`` use ``low`` and ``high``; ``triangular`` adds ``mode``;
    ``normal`` uses ``mean`` and ``sd`` truncated to [``low``, ``high``] (both required, so
    that every design has finite bounds for sensitivity analysis).
    """

    name: Annotated[str, Field(pattern=_NAME)]
    dist: Literal["uniform", "loguniform", "triangular", "normal"] = "uniform"
    low: float
    high: float
    mode: float | None = None
    mean: float | None = None
    sd: Annotated[float, Field(gt=0)] | None = None

    @model_validator(mode="after")
    def _check(self) -> Uncertainty:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.dist == "loguniform" and self.low <= 0:
            raise ValueError("loguniform needs low > 0")
        if self.dist == "triangular" and (
            self.mode is None or not self.low <= self.mode <= self.high
        ):
            raise ValueError("triangular needs a mode between low and high")
        if self.dist == "normal" and (self.mean is None or self.sd is None):
            raise ValueError("normal needs mean and sd (and is truncated to low..high)")
        return self


class Lever(_Strict):
    """A policy to evaluate: a preset name, a policy file, or both (file wins)."""

    name: Annotated[str, Field(pattern=_NAME)]
    preset: str | None = None
    file: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Lever:
        if self.preset is None and self.file is None:
            object.__setattr__(self, "preset", self.name)
        return self


class Outcome(_Strict):
    """A named metric computed per run from a weekly output variable.

    Aggregations: ``total`` (sum over the window), ``mean`` (weekly mean), ``final`` (value
    in the last week of the window), ``max``, ``time_to_event`` (first week, counted from
    the window start, where the variable exceeds ``threshold``; the window length when it
    never does) and ``summary`` (take the engine's per-run summary column ``variable``
    as it is). ``sense`` says whether less (``minimize``, the default) or more is better,
    for policy comparison and regret.
    """

    name: Annotated[str, Field(pattern=_NAME)]
    variable: str
    aggregation: Literal["total", "mean", "final", "max", "time_to_event", "summary"] = "total"
    window: tuple[int, int] | None = None
    threshold: float = 0.0
    sense: Literal["minimize", "maximize"] = "minimize"

    @field_validator("window")
    @classmethod
    def _window(cls, v: tuple[int, int] | None) -> tuple[int, int] | None:
        if v is not None and not 0 <= v[0] < v[1]:
            raise ValueError("window must be [first_week, end_week) with 0 <= first < end")
        return v


class Design(_Strict):
    """How the uncertainty space is sampled.

    ``lhs``: ``n`` Latin-hypercube points (scipy.stats.qmc). ``sobol``: Saltelli's scheme via
    SALib with base sample ``n`` (a power of two), giving n * (d + 2) points, or
    n * (2d + 2) with ``second_order``. ``morris``: ``n`` trajectories on ``levels`` levels
    (SALib). ``factorial``: every combination of ``levels`` evenly spaced quantiles.
    ``baseline``: one point at every parameter's default (no uncertainty). ``dummy`` adds
    an input no mechanism reads to Sobol and Morris designs: the noise floor of their
    indices.
    """

    method: Literal["lhs", "sobol", "morris", "factorial", "baseline"] = "lhs"
    n: Annotated[int, Field(ge=1, le=1_000_000)] = 64
    levels: Annotated[int, Field(ge=2, le=64)] = 4
    second_order: bool = False
    dummy: bool = Field(
        default=True, description="Sobol and Morris designs: add a dummy uncertainty that no "
        "mechanism reads (removed before the engine runs); its indices are the noise floor "
        "below which no index is reported (see armednet.experiments.sensitivity).")

    @model_validator(mode="after")
    def _check(self) -> Design:
        if self.method == "sobol" and self.n & (self.n - 1):
            raise ValueError(f"sobol needs n to be a power of two, got {self.n}")
        return self


class NetworkUncertainty(_Strict):
    """Which network: each world draws one of ``variants`` plausible networks.

    Variant ``v`` is :func:`armednet.kb.uncertainty.network_variant` of the scenario under
    the experiment's seed: every tie kept with a probability set by its confidence, every
    estimate drawn in its range. In the design the variant is one input (column
    ``network``, a Sobol group of all the ties and estimates), so its total index is the
    share of an outcome's variance that uncertainty about the network carries. ``draw``
    narrows the group to the ties alone (estimates at their stated values) or to the
    estimates alone (every tie kept).
    """

    variants: Annotated[int, Field(ge=2, le=4096)] = 32
    draw: Literal["both", "ties", "estimates"] = "both"


class ExperimentSpec(_Strict):
    """A complete, validated experiment (see the module docstring for an example)."""

    name: Annotated[str, Field(pattern=_NAME)]
    description: str = ""
    scenario: str | None = None
    weeks: Annotated[int, Field(ge=1, le=1040)] = 104
    seed: Annotated[int, Field(ge=0, lt=2**63)] = 0
    replications: Annotated[int, Field(ge=1, le=10_000)] = 1
    design: Design = Design()
    uncertainties: list[Uncertainty] = []
    levers: Annotated[list[Lever], Field(min_length=1)]
    outcomes: Annotated[list[Outcome], Field(min_length=1)]
    mechanisms: dict[str, bool] = {}
    params: dict[str, float] = {}
    chunk_points: Annotated[int, Field(ge=1)] | None = None
    record: list[str] = ["attacks"]
    posterior: str | None = Field(
        default=None, description="Parameter sets (e.g. the posterior of `armednet "
        "calibrate`, Parquet or CSV; a path relative to the spec file): each world draws "
        "one set, by weight, for parameters that are neither uncertain nor fixed.")
    network: NetworkUncertainty | None = Field(
        default=None, description="Uncertainty about the network itself, e.g. "
        "`{variants: 32}`: each world runs on one of that many plausible variants of the "
        "scenario (ties kept by confidence, estimates drawn in their ranges).")

    @field_validator("levers", mode="before")
    @classmethod
    def _levers(cls, v: Any) -> Any:
        if isinstance(v, list):
            return [{"name": x} if isinstance(x, str) else x for x in v]
        return v

    @model_validator(mode="after")
    def _unique(self) -> ExperimentSpec:
        for what, names in (("uncertainties", [u.name for u in self.uncertainties]),
                            ("levers", [lv.name for lv in self.levers]),
                            ("outcomes", [o.name for o in self.outcomes])):
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise ValueError(f"duplicate {what} names: {', '.join(dup)}")
        clash = sorted(set(self.params) & {u.name for u in self.uncertainties})
        if clash:
            raise ValueError(f"parameters both fixed and uncertain: {', '.join(clash)}")
        if (self.design.method in ("sobol", "morris") and not self.uncertainties
                and self.network is None):
            raise ValueError(f"design {self.design.method} needs at least one uncertainty")
        if self.network is not None and self.design.method == "baseline":
            raise ValueError("network uncertainty needs a sampled design (lhs, sobol, morris "
                             "or factorial), not baseline")
        reserved = sorted({u.name for u in self.uncertainties} & {"dummy", "network"})
        if reserved:
            raise ValueError(f"{', '.join(reserved)}: reserved names of design columns")
        return self

    def canonical_json(self) -> str:
        """The spec as canonical JSON (sorted keys), the basis of its hash."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))


Problem = tuple[tuple[str | int, ...], str]
"""A problem found by :func:`check_spec`: the path of the field and what is wrong."""


def _hint(name: str, pool: list[str] | tuple[str, ...], every: bool = False) -> str:
    """``; did you mean ...?``, or (with ``every``) the whole pool when nothing is near."""
    import difflib

    near = difflib.get_close_matches(name, list(pool), n=3, cutoff=0.5)
    if near:
        return f"; did you mean {', '.join(near)}?"
    return f"; expected one of {', '.join(pool)}" if every else ""


def _check_parameters(spec: ExperimentSpec) -> list[Problem]:
    from armednet.sim.params import PARAMETERS

    names = list(PARAMETERS)
    out: list[Problem] = []
    for i, u in enumerate(spec.uncertainties):
        p = PARAMETERS.get(u.name)
        if p is None:
            out.append((("uncertainties", i, "name"), f"unknown model parameter {u.name!r}"
                        f"{_hint(u.name, names)} (`armednet simulate --list-params` lists "
                        "them)"))
        elif u.low < p.hard_low or u.high > p.hard_high:
            out.append((("uncertainties", i), f"{u.name}: range [{u.low:g}, {u.high:g}] "
                        f"outside the limits [{p.hard_low:g}, {p.hard_high:g}]"))
    for name, value in spec.params.items():
        p = PARAMETERS.get(name)
        if p is None:
            out.append((("params", name), f"unknown model parameter {name!r}"
                        f"{_hint(name, names)}"))
        elif not p.hard_low <= value <= p.hard_high:
            out.append((("params", name), f"{name} = {value:g} is outside the parameter's "
                        f"limits [{p.hard_low:g}, {p.hard_high:g}]"))
    return out


def _check_outputs(spec: ExperimentSpec) -> list[Problem]:
    from armednet.sim.engine import (
        SUMMARY_COLUMNS,
        WEEKLY_GROUP_VARIABLES,
        WEEKLY_VARIABLES,
    )
    from armednet.sim.mechanisms import MECHANISMS

    weekly: tuple[str, ...] = (*WEEKLY_VARIABLES, *WEEKLY_GROUP_VARIABLES)
    out: list[Problem] = []
    for i, o in enumerate(spec.outcomes):
        name = o.variable.partition("[")[0]
        if o.aggregation == "summary":
            if name not in SUMMARY_COLUMNS and not name.startswith("power_"):
                out.append((("outcomes", i, "variable"), f"{name!r} is not a summary column"
                            f"{_hint(name, SUMMARY_COLUMNS, every=True)}"))
        elif name not in weekly:
            out.append((("outcomes", i, "variable"), f"{name!r} is not a weekly variable"
                        f"{_hint(name, weekly, every=True)}"))
        if o.window is not None and o.window[1] > spec.weeks:
            out.append((("outcomes", i, "window"), f"window {list(o.window)} ends after the "
                        f"experiment's {spec.weeks} weeks"))
    for i, var in enumerate(spec.record):
        if var.partition("[")[0] not in weekly:
            out.append((("record", i), f"{var!r} is not a weekly variable{_hint(var, weekly)}"))
    mechanisms = list(MECHANISMS)
    for name in spec.mechanisms:
        if name not in MECHANISMS:
            out.append((("mechanisms", name), f"unknown mechanism {name!r}"
                        f"{_hint(name, mechanisms, every=True)}"))
    return out


def check_spec(spec: ExperimentSpec) -> list[Problem]:
    """Check a well-formed spec against the model; return every problem found.

    Parameters are known and every uncertain range and fixed value lies inside the
    parameter's hard limits; outcome and recorded variables are outputs of the engine;
    outcome windows end by ``weeks``; mechanism switches name mechanisms.

    Returns
    -------
    list of (path, message)
        ``path`` is the field, e.g. ``("uncertainties", 0)``; empty when the spec is sound.

    Examples
    --------
    >>> spec = ExperimentSpec.model_validate({
    ...     "name": "x", "weeks": 52, "levers": ["status-quo"],
    ...     "uncertainties": [{"name": "attack_base_rate", "low": -0.5, "high": 1}],
    ...     "outcomes": [{"name": "late", "variable": "attacks", "window": [40, 60]}]})
    >>> for path, message in check_spec(spec):
    ...     print(path, message)
    ('uncertainties', 0) attack_base_rate: range [-0.5, 1] outside the limits [0, inf]
    ('outcomes', 0, 'window') window [40, 60] ends after the experiment's 52 weeks
    """
    return _check_parameters(spec) + _check_outputs(spec)


def validate_spec(spec: ExperimentSpec, label: str | None = None) -> None:
    """Raise :class:`~armednet.errors.ValidationFailed` with every :func:`check_spec`
    problem (for specs built in Python; :func:`load_spec` reports them with lines)."""
    problems = check_spec(spec)
    if problems:
        where = label or f"experiment {spec.name!r}"
        raise ValidationFailed([Issue(where, None, _dotted(path), message)
                                for path, message in problems])


def _dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def spec_hash(spec: ExperimentSpec, scenario_hash: str) -> str:
    """A short stable id for (spec, scenario): rerunning the same pair resumes it."""
    h = hashlib.sha256((spec.canonical_json() + scenario_hash).encode()).hexdigest()
    slug = re.sub(r"[^a-z0-9]+", "-", spec.name.lower()).strip("-")[:40]
    return f"{slug}-{h[:10]}"


def load_spec(path: str | Path) -> ExperimentSpec:
    """Load and validate an experiment file (YAML or JSON), form and model checks both.

    Raises
    ------
    armednet.errors.ValidationFailed
        Every problem, as ``file:line: field: what was expected`` (see :func:`check_spec`).
    armednet.errors.InputError
        If the file cannot be read.
    """
    return load_model(path, ExperimentSpec, check=check_spec)
