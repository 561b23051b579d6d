"""A measurement model: what each authority would have said, had the simulation been the world.

The record of a campaign such as the Houthis' attacks on Red Sea shipping is a set of dated
counting statements (:mod:`armednet.events.statements`) by several authorities, each with its
own basis: the U.S. government counts attacks on shipping, the Sana'a Center counts
commercial vessels targeted in a quarter, the Houthi leader claims ships attacked, in total
and week by week. This module relates the engine's simulated weekly attacks ``A_w`` to each
statement ``i`` of series ``s`` with window ``[period_start_i, day_i]``:

.. math:: E[Y_i] = \\phi_{f(s)} \\sum_w e_{iw} A_w,

where ``e_iw`` is the fraction of week ``w`` inside the window (:func:`statement_exposure`;
attacks are taken as spread evenly over a week's days) and ``phi_f`` the *reporting factor*
of the authority's factor ``f`` (:class:`Authority`): the expected reported count per
attack. The observed ``Y_i`` is compared with the replicates' mean of ``E[Y_i]`` by a
negative binomial deviance (:func:`statements_deviance`), one-sided for an ``at_least``
statement (a lower bound is contradicted only by a draw below it) and two-sided for
``exact`` counts and ``claimed`` figures.

Why this form:

- **Never splice.** Each statement is compared with the simulated attacks over its own
  window, through its own authority's factor. No series is differenced into intervals (the
  difference of two "at least" figures, or of statements with approximate dates, is not a
  count of anything) and no series is joined to another, so a change of authority or basis
  never shows up as a change in the attacks.
- **Claims are claims.** A party's figure is data about its claims. It enters only through
  a claims factor with a wide prior, so it informs the shape of the campaign (how the
  claims grow, week by week) far more than its level; the shared factor of one party's
  claims (:data:`DEFAULT_AUTHORITIES`: the Houthi cumulative and weekly claims share
  ``HOUTHI``) keeps its two ways of claiming consistent with each other.
- **Anchored factors.** Multiplying every factor by ``c`` and dividing every attack count
  by ``c`` fits the statements equally well: the factors and the attack level are not
  separately identified. One *reference* authority's factor is fixed at 1, which defines
  what the model's "attack" is (an attack as that authority counts them); every other
  factor is relative to it, with a documented judgment range (:func:`factor_priors`). When
  a cut-off leaves no reference statement, the factors' priors alone set the scale.

Cumulative statements of one series overlap, so their deviances are not independent: the
average over statements is a distance for the calibration's patterns
(:mod:`armednet.validation.patterns`), not a likelihood.

Examples
--------
A campaign of 3 attacks a week for 4 weeks, one statement counting its first two weeks:

>>> import datetime as dt
>>> from armednet.events.statements import Statement, StatementSet
>>> s = Statement("GOV", "cumulative", dt.date(2024, 1, 14), dt.date(2024, 1, 1), 6,
...               "exact", False, "attacks", "a government", "", 2)
>>> e = statement_exposure(StatementSet("example", (s,)), dt.date(2024, 1, 1), 4)
>>> e.tolist()
[[1.0, 1.0, 0.0, 0.0]]
>>> reports = expected_reports(np.full((1, 2, 4), 3.0), e, np.ones((1, 1)))
>>> fit = statements_deviance([6], ["exact"], reports)
>>> reports[0, :, 0].tolist(), float(fit.distance[0])
([6.0, 6.0], 0.0)

References
----------
.. [1] V. Grimm, E. Revilla, U. Berger et al., "Pattern-oriented modeling of agent-based
   complex systems: lessons from ecology", Science 310(5750), 2005.
   doi:10.1126/science.1116681
.. [2] P. McCullagh and J. A. Nelder, *Generalized Linear Models*, 2nd ed., Chapman & Hall,
   1989 (the negative binomial deviance).
.. [3] K. Lum, M. Price and D. Banks, "Applications of multiple systems estimation in human
   rights research", The American Statistician 67(4), 2013 (several incomplete lists of the
   same violence: no one list is the truth, each has its own coverage).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from armednet.errors import InputError
from armednet.events.statements import BOUNDS, StatementSet
from armednet.validation.patterns import NB_DISPERSION, PatternValue, nb_deviance
from armednet.validation.priors import Prior

__all__ = ["DEFAULT_AUTHORITIES", "KINDS", "STATEMENT_DISPERSION", "Authority",
           "StatementFit", "expected_reports", "factor_priors", "fit_statements",
           "last_reference_index", "statement_exposure", "statement_factors",
           "statements_deviance"]

KINDS = ("count", "claim")
"""An authority counts attacks (``count``) or is a party claiming them (``claim``)."""

STATEMENT_DISPERSION = NB_DISPERSION
"""Negative binomial dispersion ``k`` of a statement's count (variance ``mu + mu^2 / k``).

Judgment: the value fitted to the DoD interval counts of the Iraq-Syria theatre
(:data:`armednet.validation.patterns.NB_DISPERSION`). Eight statements cannot fit ``k``,
and it is fixed rather than fitted per draw so that a draw cannot explain its misfit away
as noise; at about 50 attacks it tolerates a standard deviation of about 13."""


@dataclass(frozen=True)
class Authority:
    """Who made a series of statements, and how their counts relate to attacks.

    Parameters
    ----------
    series_id : str
        The series (``series_id`` of the statements file).
    kind : str
        ``count`` (an authority counting attacks) or ``claim`` (a party claiming them).
    factor_low, factor_high : float
        The prior range of the reporting factor: expected reported count per attack.
    reference : bool
        Whether the factor is fixed at 1: the authority whose counts define the model's
        "attack". A reference is a ``count`` with ``factor_low = factor_high = 1``.
    factor : str
        The factor's name; series with one name share one factor (one party's cumulative
        and weekly claims). Default: ``series_id``.
    note : str
        Why the range is what it is.
    source : str
        Where the judgment comes from.

    Raises
    ------
    InputError
        If ``kind`` is unknown, the range is not ``0 < low <= high`` (finite), or a
        reference is a claim or has a factor other than 1.
    """

    series_id: str
    kind: str
    factor_low: float
    factor_high: float
    reference: bool = False
    factor: str = ""
    note: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        if not self.factor:
            object.__setattr__(self, "factor", self.series_id)
        if self.kind not in KINDS:
            raise InputError(f"authority {self.series_id}: kind must be one of "
                             f"{', '.join(KINDS)}, got {self.kind!r}")
        lo, hi = float(self.factor_low), float(self.factor_high)
        if not (np.isfinite(lo) and np.isfinite(hi) and 0 < lo <= hi):
            raise InputError(f"authority {self.series_id}: expected a factor range 0 < low "
                             f"<= high, got {self.factor_low} .. {self.factor_high}")
        if self.reference and (self.kind != "count" or lo != 1.0 or hi != 1.0):
            raise InputError(f"authority {self.series_id}: a reference is a count with its "
                             "factor fixed at 1 (claims never anchor the scale)")


DEFAULT_AUTHORITIES: tuple[Authority, ...] = (
    Authority(
        "US_WH_DOD", "count", 1.0, 1.0, reference=True,
        note="The reference: an attack in the model is an attack on shipping as the U.S. "
             "government counts them. Its first statement (27, exact, 11 Jan 2024) counts "
             "attacks on international commercial shipping; the later ones (at least 48 and "
             "at least 50) count attacks on commercial shipping and naval vessels, a "
             "broader basis, and are lower bounds, so they only refuse draws below them.",
        source="White House statement of 11 Jan 2024; DoD statements of Feb-Mar 2024"),
    Authority(
        "SANAA_CENTER", "count", 0.4, 1.2,
        note="Commercial vessels targeted, confirmed (unconfirmed claims left out), in one "
             "quarter: no naval vessels and one vessel attacked twice counted once, so "
             "usually fewer than the reference's attacks (low end 0.4); an attack on "
             "several vessels at once may count more than once (high end 1.2). Judgment.",
        source="judgment, from the count basis of The Yemen Review Jan-Mar 2024"),
    Authority(
        "HOUTHI_CLAIM", "claim", 0.8, 3.0, factor="HOUTHI",
        note="The Houthi leader's cumulative claims of ships attacked: a belligerent's "
             "claims count warships and attacks no one else confirmed and are made to "
             "impress, so they may exceed the counted attacks several times (3.0); the low "
             "end (0.8) allows claims that leave out failed or unacknowledged attacks. "
             "Judgment, wide on purpose and not tuned to the file's figures.",
        source="judgment"),
    Authority(
        "HOUTHI_CLAIM_WEEKLY", "claim", 0.8, 3.0, factor="HOUTHI",
        note="The same leader's weekly claims, from the same speeches: one party's claims "
             "share one factor (HOUTHI), so the weekly and cumulative claims must agree "
             "with each other through the attacks.",
        source="judgment"),
)
"""The authorities of the Red Sea statements (``houthi-red-sea/cumulative.csv``)."""


def _by_series(authorities: Sequence[Authority]) -> dict[str, Authority]:
    """Authorities by series; one range per shared factor."""
    out: dict[str, Authority] = {}
    factors: dict[str, Authority] = {}
    for a in authorities:
        if a.series_id in out:
            raise InputError(f"authority {a.series_id} is given twice")
        out[a.series_id] = a
        first = factors.setdefault(a.factor, a)
        if (first.factor_low, first.factor_high, first.kind, first.reference) != (
                a.factor_low, a.factor_high, a.kind, a.reference):
            raise InputError(f"factor {a.factor} is shared by {first.series_id} and "
                             f"{a.series_id} but their kind, range or reference differ")
    return out


def _authorities_for(statements: StatementSet, authorities: Sequence[Authority]
                     ) -> list[Authority]:
    known = _by_series(authorities)
    missing = [s for s in statements.series_ids() if s not in known]
    if missing:
        raise InputError(f"{statements.source}: no authority for series "
                         f"{', '.join(missing)}; known: {', '.join(known) or 'none'}",
                         params=("authorities",))
    return [known[s.series_id] for s in statements]


def factor_priors(authorities: Sequence[Authority] = DEFAULT_AUTHORITIES) -> list[Prior]:
    """The priors of the free reporting factors, one per factor name.

    A factor is a ratio, so its prior is uniform on the log scale over ``factor_low`` ..
    ``factor_high`` (as likely to halve as to double). Reference factors are fixed at 1 and
    have no prior.

    Examples
    --------
    >>> [(p.name, p.low, p.high, p.log) for p in factor_priors()]
    [('SANAA_CENTER', 0.4, 1.2, True), ('HOUTHI', 0.8, 3.0, True)]
    """
    free: dict[str, Authority] = {}
    for a in _by_series(authorities).values():
        if not a.reference:
            free.setdefault(a.factor, a)
    return [Prior(f, a.factor_low, a.factor_high, log=True) for f, a in free.items()]


def statement_factors(statements: StatementSet, values: Mapping[str, np.ndarray | float],
                      authorities: Sequence[Authority] = DEFAULT_AUTHORITIES) -> np.ndarray:
    """Each statement's reporting factor in each draw.

    Parameters
    ----------
    statements : StatementSet
    values : mapping of str to ndarray of shape (draws,) or float
        The free factors' values by factor name (reference factors are 1 and need none).
    authorities : sequence of Authority

    Returns
    -------
    ndarray, shape (draws, n_statements)
        ``draws`` is 1 when ``values`` holds scalars only.

    Raises
    ------
    InputError
        If a series has no authority, a free factor has no value, values differ in length
        or a factor is not positive.

    Examples
    --------
    >>> import datetime as dt
    >>> from armednet.events.statements import Statement, StatementSet
    >>> day = dt.date(2024, 3, 28)
    >>> s = StatementSet("x", tuple(Statement(i, "cumulative", day, day, 1, "claimed", False,
    ...     "", "", "", 2) for i in ("HOUTHI_CLAIM", "HOUTHI_CLAIM_WEEKLY", "US_WH_DOD")))
    >>> statement_factors(s, {"HOUTHI": np.array([1.5, 2.0])}).tolist()
    [[1.5, 1.5, 1.0], [2.0, 2.0, 1.0]]
    """
    chosen = _authorities_for(statements, authorities)
    arrays = {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in values.items()}
    lengths = {a.shape[0] for a in arrays.values() if a.shape[0] != 1}
    if len(lengths) > 1 or any(a.ndim != 1 for a in arrays.values()):
        raise InputError(f"factor values: expected arrays of one shape (draws,), got "
                         f"{ {k: a.shape for k, a in arrays.items()} }")
    draws = lengths.pop() if lengths else 1
    out = np.ones((draws, len(chosen)))
    for i, a in enumerate(chosen):
        if a.reference:
            continue
        if a.factor not in arrays:
            raise InputError(f"no value for the reporting factor {a.factor} (series "
                             f"{a.series_id}); given: {', '.join(arrays) or 'none'}")
        out[:, i] = arrays[a.factor]
    if not (np.all(np.isfinite(out)) and np.all(out > 0)):
        raise InputError("reporting factors must be finite and positive")
    return out


def last_reference_index(statements: StatementSet,
                         authorities: Sequence[Authority] = DEFAULT_AUTHORITIES) -> int | None:
    """The index of the reference series' latest statement (None without one): the
    statement whose expected report is the natural posterior predictive check, since its
    factor is 1 and it covers the longest stretch of the reference's counting."""
    chosen = _authorities_for(statements, authorities)
    refs = [i for i, a in enumerate(chosen) if a.reference]
    if not refs:
        return None
    return max(refs, key=lambda i: (statements.statements[i].day, i))


def statement_exposure(statements: StatementSet, start: dt.date, weeks: int) -> np.ndarray:
    """The fraction of each simulated week inside each statement's window.

    Week ``w`` covers ``start + 7 w`` .. ``start + 7 w + 6``; a statement's window is
    ``period_start`` .. ``day`` inclusive, so each row sums to the window's length in
    weeks (days / 7). Attacks are taken as spread evenly over a week's days.

    Parameters
    ----------
    statements : StatementSet
    start : datetime.date
        The first simulated day.
    weeks : int
        Simulated weeks.

    Returns
    -------
    ndarray, shape (n_statements, weeks)

    Raises
    ------
    InputError
        If ``weeks`` is not positive, or a window starts before ``start`` or ends after
        the last simulated week.
    """
    if weeks < 1:
        raise InputError(f"weeks must be at least 1, got {weeks}", params=("weeks",))
    end = start + dt.timedelta(days=7 * weeks - 1)
    out = np.zeros((len(statements), weeks))
    for i, s in enumerate(statements):
        if s.period_start < start or s.day > end:
            raise InputError(f"{statements.source}:{s.line}: the {s.series_id} statement of "
                             f"{s.day} counts {s.period_start} .. {s.day}, outside the "
                             f"simulated period {start} .. {end}", params=("start", "weeks"))
        days = np.arange((s.period_start - start).days, (s.day - start).days + 1)
        out[i] = np.bincount(days // 7, minlength=weeks) / 7.0
    return out


def _array(x: np.ndarray, ndim: int, what: str) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if arr.ndim != ndim or 0 in arr.shape:
        raise InputError(f"{what}: expected a non-empty array of {ndim} dimension(s), got "
                         f"shape {arr.shape}")
    if not (np.all(np.isfinite(arr)) and arr.min() >= 0):
        raise InputError(f"{what}: expected finite, non-negative values")
    return arr


def expected_reports(weekly: np.ndarray, exposure: np.ndarray, factors: np.ndarray
                     ) -> np.ndarray:
    """Each run's expected report of each statement: factor x attacks in its window.

    Parameters
    ----------
    weekly : ndarray, shape (draws, replicates, weeks)
        Simulated attacks a week.
    exposure : ndarray, shape (n_statements, weeks)
        From :func:`statement_exposure`.
    factors : ndarray, shape (draws, n_statements) or (1, n_statements)
        Reporting factors (:func:`statement_factors`).

    Returns
    -------
    ndarray, shape (draws, replicates, n_statements)

    Raises
    ------
    InputError
        If the shapes do not match or a value is negative or not finite.
    """
    w = _array(weekly, 3, "weekly attacks")
    e = _array(exposure, 2, "exposure")
    f = _array(factors, 2, "reporting factors")
    if e.shape[1] != w.shape[2]:
        raise InputError(f"exposure covers {e.shape[1]} weeks, the simulation {w.shape[2]}")
    if f.shape[1] != e.shape[0] or f.shape[0] not in (1, w.shape[0]):
        raise InputError(f"reporting factors of shape {f.shape}; expected ({w.shape[0]}, "
                         f"{e.shape[0]}) for {w.shape[0]} draws and {e.shape[0]} statements")
    return np.asarray(np.einsum("drw,nw->drn", w, e) * f[:, None, :])


@dataclass(frozen=True)
class StatementFit:
    """The statements against a batch of simulated draws.

    Attributes
    ----------
    observed : ndarray, shape (n,)
        The statements' values.
    bounds : tuple of str
        Their bounds (:data:`armednet.events.statements.BOUNDS`).
    reported : ndarray, shape (draws, replicates, n)
        Each run's expected report (the posterior predictive statistic of each statement).
    expected : ndarray, shape (draws, n)
        The replicates' mean of ``reported``: what the deviance compares.
    deviances : ndarray, shape (draws, n)
        Each statement's deviance (0 for an ``at_least`` statement the draw reaches).
    distance : ndarray, shape (draws,)
        The deviances averaged over statements.
    """

    observed: np.ndarray
    bounds: tuple[str, ...]
    reported: np.ndarray
    expected: np.ndarray
    deviances: np.ndarray
    distance: np.ndarray

    def pattern(self, index: int) -> PatternValue:
        """One statement as a :class:`~armednet.validation.patterns.PatternValue`: its
        expected report in every run, the whole fit's distance and its observed value (see
        :func:`last_reference_index` for the natural choice)."""
        return PatternValue(self.reported[:, :, index], self.distance,
                            float(self.observed[index]))


def statements_deviance(observed: Sequence[float] | np.ndarray, bounds: Sequence[str],
                        expected: np.ndarray, dispersion: float | None = STATEMENT_DISPERSION
                        ) -> StatementFit:
    """The negative binomial deviance of each statement against the draw's mean report.

    ``exact`` and ``claimed`` statements are two-sided; an ``at_least`` statement
    contributes only when the replicates' mean report is below it (a lower bound is not
    contradicted by more attacks). The distance of a draw is the average over statements.

    Parameters
    ----------
    observed : sequence of float, length n
        The statements' values.
    bounds : sequence of str, length n
        Their bounds: ``exact``, ``at_least`` or ``claimed``.
    expected : ndarray, shape (draws, replicates, n)
        Expected reports (:func:`expected_reports`).
    dispersion : float or None
        ``k`` of :func:`armednet.validation.patterns.nb_deviance`; None for Poisson.

    Returns
    -------
    StatementFit

    Raises
    ------
    InputError
        If the lengths differ, a bound is unknown or a value is negative or not finite.
    """
    y = _array(np.asarray(observed, dtype=float), 1, "observed statements")
    sim = _array(expected, 3, "expected reports")
    bounds = tuple(bounds)
    if not len(bounds) == y.shape[0] == sim.shape[2]:
        raise InputError(f"{y.shape[0]} observed values, {len(bounds)} bounds and expected "
                         f"reports for {sim.shape[2]} statements")
    unknown = sorted(set(bounds) - set(BOUNDS))
    if unknown:
        raise InputError(f"unknown bound(s) {', '.join(unknown)}; expected "
                         f"{', '.join(BOUNDS)}")
    mean = sim.mean(axis=1)
    dev = nb_deviance(y, mean, dispersion)
    reached = np.array([b == "at_least" for b in bounds]) & (mean >= y)
    dev = np.where(reached, 0.0, dev)
    return StatementFit(y, bounds, sim, mean, dev, dev.mean(axis=1))


def fit_statements(statements: StatementSet, weekly: np.ndarray, start: dt.date,
                   values: Mapping[str, np.ndarray | float],
                   authorities: Sequence[Authority] = DEFAULT_AUTHORITIES,
                   dispersion: float | None = STATEMENT_DISPERSION) -> StatementFit:
    """Exposure, factors, expected reports and deviance in one call.

    Parameters
    ----------
    statements : StatementSet
    weekly : ndarray, shape (draws, replicates, weeks)
        Simulated attacks a week, week 0 starting on ``start``.
    start : datetime.date
    values : mapping of str to ndarray of shape (draws,) or float
        The free reporting factors by name (see :func:`statement_factors`).
    authorities : sequence of Authority
    dispersion : float or None

    Returns
    -------
    StatementFit
    """
    w = _array(weekly, 3, "weekly attacks")
    exposure = statement_exposure(statements, start, w.shape[2])
    factors = statement_factors(statements, values, authorities)
    reports = expected_reports(w, exposure, factors)
    return statements_deviance([s.value for s in statements], [s.bound for s in statements],
                               reports, dispersion)
