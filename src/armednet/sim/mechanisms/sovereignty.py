"""Sovereignty backlash: strikes on the host's soil turn its government and parties against
the foreign force (C1, C3, C8).

Equations (weekly, after strikes; attacks see the presence from the next week on)::

    Pi      = (1 - mu_P) Pi + k_P (1 - Pi) sum_{g based in the host country} I_g(t)
    dpi     = -r_P max(0, Pi - theta_P) pi               (presence negotiated down)
    presence(t + 1) = presence_policy(t + 1) pi
    H_g    += h_P Pi (1 - H_g)      for host-based groups outside the campaign

Strikes by the foreign power inside the host country (on groups based there) build up
pressure ``Pi`` on the host government, which decays when strikes stop. Past a threshold the
government negotiates the foreign force's departure, so its presence ``pi`` falls (1 at the
start, never rises again in a run: an agreed drawdown is not reversed within two years),
and the host's parties that are not in the campaign grow more hostile to the foreign force.
Strikes in other countries (e.g. on the patron's depots abroad) do not count. A campaign
against shipping (``scenario.target: shipping``) has no host: the mechanism then has nothing
to act on.

References
----------
.. [1] R. Mansour, essay on Iran-aligned armed groups, Foreign Affairs, 2024, sections
   "Washington's choice" (the Higher Military Commission renegotiating the relationship)
   and "Beyond the bombings" (each U.S. attack lowers the value of its backing).
.. [2] Key events (``key_events.csv``, EV019): after the 4 January 2024 U.S. strike in
   Baghdad, the prime minister announced a process to end the international coalition's
   mission in Iraq.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from armednet.sim._ops import rowsum
from armednet.sim.mechanisms._base import Context, Mechanism, Parameter
from armednet.sim.state import State

__all__ = ["SOVEREIGNTY", "step_sovereignty"]


def read_host(kg: Any, inputs: Any) -> dict[str, Any]:
    """Which group slots are based in the host country (the scenario's ``host``: its
    ``host_country``, by default its ``country`` when the campaign's target is foreign bases
    and none when it is shipping, which no government hosts)."""
    country = kg.scenario.scenario.host
    g0 = inputs.n_groups0
    if country is None:
        inputs.notes.append("sovereignty: no government hosts the foreign force (scenario "
                            "target or host_country), so strikes cannot turn a host against it")
    based = np.array([country is not None and kg.node(gid).country in (None, country)
                      for gid in inputs.group_ids[:g0]], dtype=bool)
    return {"host_based": np.concatenate([based, based])}  # a splinter stays where it was


def init_sovereignty(inputs: Any, p: dict[str, np.ndarray], runs: int
                     ) -> dict[str, np.ndarray]:
    """Host pressure (0) and the foreign force's negotiated presence (1), per run."""
    return {"host_pressure": np.zeros(runs), "presence": np.ones(runs)}


def step_sovereignty(s: State, ctx: Context) -> None:
    """Pressure from this week's strikes on host soil; presence negotiated down (read by
    ``attacks`` from next week, ``state.extra['presence']``); hostility of the host's
    parties outside the campaign."""
    if "sovereignty" not in ctx.on:
        return
    p, x = ctx.p, s.extra
    based = ctx.inputs.extra["sovereignty"]["host_based"]
    hit = ctx.scratch.get("strike")
    pressure = x["host_pressure"]
    pressure *= 1.0 - p["pressure_decay"][:, 0]
    if hit is not None:
        pressure += p["pressure_gain"][:, 0] * rowsum(hit * based) * (1.0 - pressure)
        np.clip(pressure, 0.0, 1.0, out=pressure)
    over = np.maximum(pressure - p["pressure_threshold"][:, 0], 0.0)
    if over.any():
        x["presence"] *= 1.0 - np.minimum(1.0, p["presence_response"][:, 0] * over)
    outside = based & (ctx.inputs.exposure == 0)
    if outside.any() and pressure.any():
        s.H += (p["pressure_hostility"] * pressure[:, None]) * (1.0 - s.H) * outside
        np.clip(s.H, 0.0, 1.0, out=s.H)


def record_pressure(name: str, s: State, ctx: Context) -> np.ndarray:
    """``host_pressure``: pressure on the host government; ``presence``: the foreign
    force's negotiated presence (before any drawdown lever), per run."""
    return s.extra[name].copy()


def summarize_sovereignty(s: State, ctx: Context) -> dict[str, np.ndarray]:
    """``host_pressure_final`` and ``presence_final`` (negotiated presence at the end)."""
    return {"host_pressure_final": s.extra["host_pressure"].copy(),
            "presence_final": s.extra["presence"].copy()}


SOVEREIGNTY = Mechanism(
    name="sovereignty", title="Strikes on host soil turn the host against the foreign force",
    claims=("C1", "C3", "C8"),
    summary="Strikes on groups based in the host country build pressure on its government; "
            "past a threshold it negotiates the foreign force's presence down (fewer attacks "
            "on it) and its parties outside the campaign grow more hostile. Off: strikes have "
            "no political cost in the host country.",
    step=step_sovereignty, order=62, read=read_host, group_inputs=("host_based",),
    init=init_sovereignty, weekly=("host_pressure", "presence"), record=record_pressure,
    summarize=summarize_sovereignty,
    parameters=(
        Parameter(
            name="pressure_gain", symbol="k_P", unit="1 / unit",
            default=0.1, low=0.0, high=0.4, hard_high=1.0,
            meaning="Rise of the host government's pressure per unit of strike intensity on "
                    "groups based in the host country.",
            source="judgment (one strike in Baghdad on 4 Jan 2024 was followed the next day "
                   "by the announcement of a process to end the coalition's mission, EV019)",
        ),
        Parameter(
            name="pressure_decay", symbol="mu_P", unit="1 / week",
            default=0.05, low=0.01, high=0.2, hard_high=1.0,
            meaning="Weekly decay of the host government's pressure without new strikes.",
            source="judgment",
        ),
        Parameter(
            name="pressure_threshold", symbol="theta_P", unit="1",
            default=0.3, low=0.1, high=0.8, hard_high=1.0,
            meaning="Pressure above which the host negotiates the foreign force's presence "
                    "down.",
            source="judgment",
        ),
        Parameter(
            name="presence_response", symbol="r_P", unit="1 / week",
            default=0.02, low=0.0, high=0.1, hard_high=1.0,
            meaning="Weekly fall of the foreign presence per unit of pressure above the "
                    "threshold.",
            source="judgment (negotiations through the Higher Military Commission take "
                   "months)",
        ),
        Parameter(
            name="pressure_hostility", symbol="h_P", unit="1 / week",
            default=0.02, low=0.0, high=0.1, hard_high=1.0,
            meaning="Weekly rise of hostility to the foreign force of host-based groups "
                    "outside the campaign, per unit of pressure.",
            source="judgment",
        ),
    ),
)
