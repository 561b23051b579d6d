"""Kernel of the engine's weekly accumulation of per-run summaries
(:meth:`armednet.sim.engine._Recorder.week` without weekly arrays): one compiled pass
instead of some thirty NumPy calls a week."""

from __future__ import annotations

import numpy as np

from armednet.sim.kernels._util import jit

__all__ = ["accumulate_week"]


@jit
def accumulate_week(t: int, count_on: bool, count_last: bool, attackers: np.ndarray,
                    att_a: np.ndarray, att_u_a: np.ndarray, att_cf_a: np.ndarray,
                    income: np.ndarray, rents: np.ndarray, casualties: np.ndarray,
                    civ_harm: np.ndarray, strike_harm: np.ndarray, rep_harm_w: np.ndarray,
                    declared: np.ndarray, S: np.ndarray, M: np.ndarray, Q: np.ndarray,
                    trans: np.ndarray,
                    att: np.ndarray, att_u: np.ndarray, att_cf: np.ndarray,
                    att_on: np.ndarray, att_last: np.ndarray, revenue: np.ndarray,
                    cas: np.ndarray, harm: np.ndarray, rep_harm: np.ndarray,
                    spells: np.ndarray, cf_weeks: np.ndarray, first_spell: np.ndarray,
                    resumed: np.ndarray, waiting: np.ndarray, cap_trans: np.ndarray,
                    protest: np.ndarray) -> None:
    """Add week ``t`` to the accumulators (the arguments after ``trans``), in place."""
    R, G = M.shape
    n_att = attackers.shape[0]
    for r in range(R):
        for c in range(n_att):
            x = att_a[r, c]
            att[r, c] += x
            att_u[r, c] += att_u_a[r, c]
            att_cf[r, c] += att_cf_a[r, c]
            if count_on:
                att_on[r, c] += x
            if count_last:
                att_last[r, c] += x
        for g in range(G):
            revenue[r, g] += income[r, g]
            revenue[r, g] += rents[r, g]
        cas[r] += casualties[r]
        harm[r] += civ_harm[r] + strike_harm[r] + rep_harm_w[r]
        rep_harm[r] += rep_harm_w[r]
        # resumption: the first attack since the group's first cease-fire began (checked
        # before this week's declarations, as the NumPy recorder does)
        for c in range(n_att):
            if waiting[r, c] and att_a[r, c] > 0:
                g = attackers[c]
                resumed[r, g] = t - first_spell[r, g]
                waiting[r, c] = False
        for g in range(G):
            d = declared[r, g]
            spells[r, g] += 1.0 if d else 0.0
            cf_weeks[r, g] += 1.0 if S[r, g] else 0.0
            if d and first_spell[r, g] < 0:
                first_spell[r, g] = t
        for c in range(n_att):
            g = attackers[c]
            if declared[r, g] and first_spell[r, g] == t:
                waiting[r, c] = True
        mtot = 0.0
        mtr = 0.0
        for c in range(n_att):
            m = M[r, attackers[c]]
            mtot += m
            mtr += m * trans[r, c]
        cap_trans[r] += mtr / max(mtot, 1e-12) * (1.0 if mtot > 0 else 0.0)
        protest[r] += Q[r]
