"""Building blocks shared by every mechanism: parameter records, the mechanism record, and
the per-week context handed to each mechanism function."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from armednet.sim.init import ModelInputs, PolicySchedule
    from armednet.sim.state import State

__all__ = ["Context", "Mechanism", "Parameter"]


@dataclass(frozen=True)
class Parameter:
    """One model parameter, as documented in ``docs/model.md``.

    Attributes
    ----------
    name : str
        Identifier used in ``simulate(params=...)`` and experiment specs.
    symbol : str
        Symbol used in the equations of ``docs/model.md``.
    meaning : str
        What the parameter means, in one sentence.
    unit : str
        Unit (``"1"`` for dimensionless).
    default : float
        Value used when none is given.
    low, high : float
        Plausible range (what experiments should sample).
    source : str
        ``"judgment"``, or a citation / calibration note for the default.
    hard_low, hard_high : float
        Admissible limits; values outside raise :class:`~armednet.errors.InputError`.
    mechanism : str
        The mechanism that reads it: set by the :class:`Mechanism` that declares it.
    """

    name: str
    symbol: str
    meaning: str
    unit: str
    default: float
    low: float
    high: float
    source: str
    hard_low: float = 0.0
    hard_high: float = float("inf")
    mechanism: str = ""

    def __post_init__(self) -> None:
        if not (self.hard_low <= self.low <= self.default <= self.high <= self.hard_high):
            raise ValueError(f"parameter {self.name}: expected hard_low <= low <= default <= "
                             f"high <= hard_high")


@dataclass
class Context:
    """What a mechanism sees in one week besides the state.

    Attributes
    ----------
    t : int
        Week index (0-based).
    inputs : ModelInputs
        Static scenario inputs.
    policy : PolicySchedule
        The policy resolved to weekly arrays.
    p : dict of str to ndarray
        Parameters as arrays of shape ``(runs, 1)`` (broadcast over actors), or ``(1, 1)``
        for those equal in every run of the chunk.
    on : frozenset of str
        Names of the enabled mechanisms.
    uniform : callable
        ``uniform(stream, n)`` -> counter-based uniforms of shape ``(runs, n)`` for this week;
        ``n`` may also be an array of group slots (columns for those slots only), and
        ``uniform(stream, slots, cells=(rows, cols))`` gives the same numbers at the cells
        ``(rows[i], cols[i])`` of that array only, shape ``(len(rows),)``;
        ``uniform(stream, slots, pair=True)`` gives two independent such arrays (32-bit
        resolution) for the price of one.
    scratch : dict
        Per-week intermediate arrays passed between mechanisms (documented per key).
    keys : ndarray of uint64 or None
        The runs' random keys (:func:`armednet.sim.rng.run_keys`), for kernels that draw
        their uniforms where they use them (:mod:`armednet.sim.kernels`).
    slots : ndarray of int or None
        The original slot of each group slot (the counter of its random numbers when the
        engine leaves empty slots out).
    """

    t: int
    inputs: ModelInputs
    policy: PolicySchedule
    p: dict[str, np.ndarray]
    on: frozenset[str]
    uniform: Callable[..., np.ndarray]
    scratch: dict[str, Any] = field(default_factory=dict)
    keys: np.ndarray | None = None
    slots: np.ndarray | None = None


@dataclass(frozen=True)
class Mechanism:
    """A named, switchable model component: everything the model knows about it.

    A mechanism module declares one or more of these at module level; the registry
    (:mod:`armednet.sim.mechanisms`) finds them, so adding a mechanism touches only its own
    module (and its counterpart in the Mesa reference).

    Attributes
    ----------
    name : str
        Switch name (``mechanisms={"<name>": False}``).
    title : str
        Short human title.
    claims : tuple of str
        The brief's claims the mechanism bears on (C1..C9).
    summary : str
        What it does and which outcome it moves, in which direction (tested).
    parameters : tuple of Parameter
        Parameters declared inside the mechanism (each is tied to it by ``mechanism``).
    step : callable or None
        ``step(state, ctx)``: mutate the state in place. ``None`` for mechanisms that are
        switches read inside another step (documented there).
    order : int or None
        Position of ``step`` in the weekly pipeline (ascending).
    read : callable or None
        ``read(kg, inputs) -> dict``: the scenario facts the mechanism needs beyond the
        common inputs, read once per scenario into ``inputs.extra[name]``.
    group_inputs : tuple of str
        Keys of ``read``'s dict whose last axis is the group slot (restricted with the
        other per-group inputs when the engine leaves empty slots out).
    init : callable or None
        ``init(inputs, p, runs) -> dict``: the mechanism's own state variables at week 0,
        kept in ``state.extra`` (arrays with the run as first axis).
    weekly : tuple of str
        Weekly (run,) outputs it offers; ``record(name, state, ctx)`` computes them.
    record : callable or None
        ``record(name, state, ctx) -> ndarray`` for each name in ``weekly``.
    summarize : callable or None
        ``summarize(state, ctx) -> dict`` of per-run summary columns at the end of a run.
    """

    name: str
    title: str
    claims: tuple[str, ...]
    summary: str
    parameters: tuple[Parameter, ...] = ()
    step: Callable[[State, Context], None] | None = None
    order: int | None = None
    read: Callable[[Any, ModelInputs], dict[str, Any]] | None = None
    group_inputs: tuple[str, ...] = ()
    init: Callable[[ModelInputs, dict[str, np.ndarray], int], dict[str, np.ndarray]] | None = (
        None)
    weekly: tuple[str, ...] = ()
    record: Callable[[str, State, Context], np.ndarray] | None = None
    summarize: Callable[[State, Context], dict[str, np.ndarray]] | None = None

    def __post_init__(self) -> None:
        if self.step is not None and self.order is None:
            raise ValueError(f"mechanism {self.name}: a step needs an order")
        tied = tuple(replace(p, mechanism=self.name) for p in self.parameters)
        object.__setattr__(self, "parameters", tied)
