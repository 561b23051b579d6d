"""The ensemble state: every variable an array whose first axis is the run.

Capture is stored by (holder, institution) pair, not as a dense (runs, groups, institutions)
tensor. A group can hold a share of an institution only where the scenario gives it a
foothold at the start (``holds_office_in`` / ``integrated_into``: ``inputs.capture > 0``) or
where the policy co-opts it into that institution (capture grows in proportion to itself,
erodes in proportion to itself and is scaled, never spread, by the room rule; only
co-option creates footholds). Every other entry of the dense tensor stays exactly zero in
every run, so the state keeps ``P`` pairs per run instead of ``G x K`` entries: a theatre
with ``G`` groups holding a few offices each has ``P`` of order ``G``, so memory and time
grow linearly with the network, not with ``G x K``. Sums over pairs by institution or by
holder are :func:`numpy.bincount` reductions that add the pairs in their stored order
(holder-major, the order in which the dense sums ran), so they do not depend on how many
runs share a chunk.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

__all__ = ["CaptureLayout", "State"]


@dataclass(frozen=True, eq=False)
class CaptureLayout:
    """The (holder, institution) pairs whose capture is stored, the same in every run.

    Attributes
    ----------
    holders : ndarray of int (H,)
        Sorted group slots that hold some pair.
    pair_h : ndarray of int (P,)
        Row of each pair in ``holders`` (non-decreasing: pairs are holder-major).
    pair_k : ndarray of int (P,)
        Institution of each pair (increasing within a holder).
    K : int
        Number of institutions.

    Examples
    --------
    >>> lay = CaptureLayout.from_mask(np.array([[0, 1], [0, 0], [1, 1]], dtype=bool))
    >>> lay.holders.tolist(), lay.pair_h.tolist(), lay.pair_k.tolist()
    ([0, 2], [0, 1, 1], [1, 0, 1])
    >>> lay.by_inst(np.array([[0.1, 0.2, 0.3]])).tolist()
    [[0.2, 0.4]]
    """

    holders: np.ndarray
    pair_h: np.ndarray
    pair_k: np.ndarray
    K: int

    @classmethod
    def from_mask(cls, mask: np.ndarray) -> CaptureLayout:
        """The layout of the pairs where ``mask`` (groups, institutions) is true."""
        g, k = np.nonzero(mask)  # row-major: holder-major, institutions increasing
        holders, pair_h = np.unique(g, return_inverse=True)
        return cls(holders=holders.astype(np.intp), pair_h=pair_h.astype(np.intp),
                   pair_k=k.astype(np.intp), K=int(mask.shape[1]))

    @classmethod
    def dense(cls, holders: np.ndarray, K: int) -> CaptureLayout:
        """Every institution for every holder (the layout when nothing is known of pairs)."""
        holders = np.asarray(holders, dtype=np.intp)
        mask = np.zeros((int(holders.max()) + 1 if len(holders) else 0, K), dtype=bool)
        mask[holders] = True
        return cls.from_mask(mask)

    @property
    def P(self) -> int:
        return len(self.pair_k)

    @property
    def pair_slot(self) -> np.ndarray:
        """Group slot of each pair, shape (P,)."""
        return self.holders[self.pair_h]

    def _sum(self, v: np.ndarray, idx: np.ndarray, n: int) -> np.ndarray:
        R = v.shape[0]
        flat = (np.arange(R, dtype=np.intp)[:, None] * n + idx).ravel()
        return np.bincount(flat, weights=v.ravel(), minlength=R * n).reshape(R, n)

    def by_inst(self, v: np.ndarray) -> np.ndarray:
        """Sum of a (runs, P) array over the holders of each institution, (runs, K)."""
        return self._sum(v, self.pair_k, self.K)

    def by_holder(self, v: np.ndarray) -> np.ndarray:
        """Sum of a (runs, P) array over the institutions of each holder, (runs, H)."""
        return self._sum(v, self.pair_h, len(self.holders))

    def total(self, v: np.ndarray) -> np.ndarray:
        """Sum of a (runs, P) array over all pairs, (runs,) (in pair order, for any runs)."""
        return self._sum(v, np.zeros(self.P, dtype=np.intp), 1)[:, 0]

    def to_dense(self, v: np.ndarray) -> np.ndarray:
        """A (runs, P) array as the dense (runs, H, K) tensor (zeros off the pairs)."""
        out = np.zeros((v.shape[0], len(self.holders), self.K), dtype=v.dtype)
        out[:, self.pair_h, self.pair_k] = v
        return out


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
    Xp : ndarray (R, P)
        Capture by pair: share of institution ``layout.pair_k[p]``'s posts and budget under
        group slot ``layout.pair_slot[p]``, 0..1; per institution the pairs sum to <= 1.
        Only pairs that can ever be held are stored (see the module docstring);
        :attr:`X` gives the dense (R, H, K) tensor.
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
    layout : CaptureLayout
        The pairs of ``Xp`` (the same in every run).
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
    Xp: np.ndarray
    A: np.ndarray
    Q: np.ndarray
    B: np.ndarray
    alive: np.ndarray
    last_attacks: np.ndarray
    last_casualties: np.ndarray
    layout: CaptureLayout
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def runs(self) -> int:
        return int(self.M.shape[0])

    @property
    def holders(self) -> np.ndarray:
        """Group slots that can hold offices, shape (H,) (rows of :attr:`X`)."""
        return self.layout.holders

    @property
    def X(self) -> np.ndarray:
        """Capture as a dense (R, H, K) tensor, row ``h`` for slot ``holders[h]`` (a new
        array: for inspection and tests; the mechanisms work on :attr:`Xp`)."""
        return self.layout.to_dense(self.Xp)

    def copy(self) -> State:
        """A deep copy (the layout, immutable, is shared)."""
        out = {f.name: getattr(self, f.name).copy() for f in fields(self)
               if f.name not in ("extra", "layout")}
        return State(**out, layout=self.layout,
                     extra={k: v.copy() for k, v in self.extra.items()})
