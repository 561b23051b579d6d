"""The ensemble state: every variable an array whose first axis is the run."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

__all__ = ["State"]


@dataclass
class State:
    """State of ``R`` runs with ``G`` group slots (scenario groups, then splinter slots),
    ``K`` institutions and ``NL`` leaders.

    Attributes
    ----------
    M : ndarray (R, G)
        Military capability, thousand fighter-equivalents, >= 0.
    F : ndarray (R, G)
        Funds on hand, USD million, >= 0.
    L : ndarray (R, G)
        Social legitimacy, 0..1.
    C : ndarray (R, G)
        Command cohesion: share of fighters that obey the leadership, 0..1.
    H : ndarray (R, G)
        Hostility toward the foreign force, 0..1.
    D : ndarray (R, G)
        Cost memory: decaying sum of strike intensity suffered, >= 0.
    o : ndarray (R, G)
        Orientation, 0 = domestic .. 1 = transnational (splinters get theirs when formed).
    S : ndarray (R, G) of bool
        Cease-fire declared.
    active : ndarray (R, G) of bool
        Slot in use (scenario groups from the start, splinters once formed).
    X : ndarray (R, H, K)
        Capture: share of institution k's posts and budget under holder h, 0..1,
        ``X[:, :, k].sum() <= 1``. Row ``h`` is group slot ``holders[h]``: only groups
        that hold offices at the start or that the policy co-opts can ever hold any
        (capture grows in proportion to itself), so the other rows, always zero, are not
        stored.
    A : ndarray (R, K)
        Accountability of each institution, 0..1.
    Q : ndarray (R,)
        Protest mobilisation, 0..1.
    B : ndarray (R,)
        Value of the foreign power's backing to co-optable leaders, 0..1.
    alive : ndarray (R, NL) of bool
        Leaders alive.
    last_attacks : ndarray (R, G)
        Attacks of the previous week (read by the retaliation rule).
    last_casualties : ndarray (R,)
        Foreign casualties of the previous week.
    holders : ndarray of int (H,)
        Group slots of the rows of ``X`` (the same in every run).
    extra : dict of str to ndarray
        State variables owned by one mechanism (its ``init``), by name; the run is the
        first axis.
    """

    M: np.ndarray
    F: np.ndarray
    L: np.ndarray
    C: np.ndarray
    H: np.ndarray
    D: np.ndarray
    o: np.ndarray
    S: np.ndarray
    active: np.ndarray
    X: np.ndarray
    A: np.ndarray
    Q: np.ndarray
    B: np.ndarray
    alive: np.ndarray
    last_attacks: np.ndarray
    last_casualties: np.ndarray
    holders: np.ndarray
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def runs(self) -> int:
        return int(self.M.shape[0])

    def copy(self) -> State:
        """A deep copy."""
        out = {f.name: getattr(self, f.name).copy() for f in fields(self) if f.name != "extra"}
        return State(**out, extra={k: v.copy() for k, v in self.extra.items()})
