"""The essay's claims tested against data, beside what the model says.

The model can only say what its mechanisms imply; some claims (C7, C1, C2) also leave a trace
in public data. This module computes three such tests from the files in the shared data
folder, read in place (never copied into the project):

``C7`` (the regional trigger drives attacks)
    :func:`truce_test`: the attack rate on U.S. forces during the Gaza truce (24-30 Nov
    2023) against the surrounding four weeks on each side, from the Department of Defense
    (DoD) counts over irregular intervals; a rate ratio with an exact (conditional binomial)
    interval.
``C1`` (strikes buy cease-fires)
    :func:`strike_event_study`: the attack rate after each U.S. strike in Iraq or Syria
    before 30 January 2024 against the rate before it. The DoD intervals are irregular
    (1 to 14 days) and are never split: "before" is the whole intervals that end in the 14
    days before the strike day, "after" those that start in the 14 days after it; the
    interval that contains the strike day (its attacks may fall on either side) is left
    out, and so are the truce days (they belong to the C7 test).
``C2`` (decapitation splinters command)
    :func:`split_test`: in the Stanford Mapping Militant Organizations (MMP) relationship
    table, the share of recorded splits whose description names the death, killing, arrest
    or capture of a leader as their occasion; a Wilson interval. The tables record no
    leadership losses, so the share of losses followed by a split cannot be computed.

Nothing after the calibration window's cut-off (:data:`CUTOFF`, 30 January 2024) is used.
Every interval is 90% unless ``level`` says otherwise, like the rest of the report.

References
----------
.. [1] J. G. Thomas and J. J. Gart, "A table of exact confidence limits for differences and
   ratios of two proportions and their odds ratios", Journal of the American Statistical
   Association 72(357), 1977 (the conditional binomial interval for a ratio of two Poisson
   rates).
.. [2] C. J. Clopper and E. S. Pearson, "The use of confidence or fiducial limits
   illustrated in the case of the binomial", Biometrika 26(4), 1934.
.. [3] E. B. Wilson, "Probable inference, the law of succession, and statistical
   inference", Journal of the American Statistical Association 22(158), 1927.
.. [4] Stanford University, Mapping Militant Organizations, group relationships table
   (``relations/mmp/``).
.. [5] U.S. Department of Defense statements as compiled in the shared data folder
   (``attacks-us-forces-iraq-syria/intervals.csv`` and ``key_events.csv``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import beta

__all__ = ["CUTOFF", "DATA_ENV", "PEACE_OCCASION", "SPLIT_OCCASION", "SURROUND_DAYS", "TRUCE",
           "WINDOW_DAYS", "DataTest",
           "data_tests", "poisson_rate_ratio", "shared_data_dir", "split_table",
           "split_test", "strike_event_study", "strike_windows", "truce_test"]

CUTOFF = dt.date(2024, 1, 30)
"""Last day of the calibration window: no datum after it is used."""
TRUCE = (dt.date(2023, 11, 24), dt.date(2023, 11, 30))
"""Days of the Gaza truce (``key_events.csv`` EV013: began 24 Nov, expired 1 Dec 2023)."""
WINDOW_DAYS = 14
"""Days on each side of a strike in the event study."""
SURROUND_DAYS = 28
"""Days on each side of the truce compared with it."""
DATA_ENV = "ARMEDNET_SHARED_DATA"
"""Environment variable that names the shared data folder (else ``<repo>/../shared/data``)."""
SPLIT_OCCASION = re.compile(r"\b(assassination|death|killing|arrest|capture)s? of\b", re.I)
"""A split description that names a leader's loss as its occasion ("following the
assassination of ...", "after the death of ..."); every match is listed in docs/claims.md."""
PEACE_OCCASION = re.compile(r"cease-?fire|truce|peace (process|talks)|dialogue", re.I)
"""A split description that names a cease-fire or peace process as its occasion."""

_INTERVALS = "attacks-us-forces-iraq-syria/intervals.csv"
_EVENTS = "attacks-us-forces-iraq-syria/key_events.csv"
_SPLITS = "relations/mmp/Militant-Group-Relationships-clean.csv"
_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class DataTest:
    """One claim tested against data.

    Attributes
    ----------
    claim, name : str
        The claim (``C1`` .. ``C9``) and a short name of the test.
    test : str
        What is compared, and how.
    statistic : str
        ``rate ratio`` or ``share``.
    estimate, low, high, level : float
        The estimate and its interval at ``level``.
    counts : str
        The numbers behind it.
    says : str
        What the data say about the claim, in one sentence.
    caveats : str
        What the data cannot say.
    source : str
        Files read (relative to the shared data folder).
    """

    claim: str
    name: str
    test: str
    statistic: str
    estimate: float
    low: float
    high: float
    level: float
    counts: str
    says: str
    caveats: str
    source: str

    def summary(self) -> str:
        """``name: statistic estimate [level% low, high] (counts)`` in one line."""
        return (f"{self.name}: {self.statistic} {self.estimate:.2g} "
                f"[{self.level:.0%} {self.low:.2g}, {self.high:.2g}] ({self.counts})")

    def as_record(self) -> dict[str, Any]:
        """A plain dict (stored with an analysis), with ``summary``."""
        return {**asdict(self), "summary": self.summary()}


def shared_data_dir(path: str | Path | None = None) -> Path | None:
    """The shared data folder, or None when it is absent.

    Parameters
    ----------
    path : str or Path, optional
        The folder; default: the :data:`DATA_ENV` environment variable, else
        ``<repository>/../shared/data`` (the repository that holds this package's source).
    """
    if path is None:
        env = os.environ.get(DATA_ENV)
        path = Path(env) if env else Path(__file__).resolve().parents[3] / ".." / "shared" / \
            "data"
    folder = Path(path).resolve()
    return folder if folder.is_dir() else None


def poisson_rate_ratio(x1: int, t1: float, x2: int, t2: float, level: float = 0.9
                       ) -> tuple[float, float, float]:
    """Ratio of two Poisson rates ``(x1 / t1) / (x2 / t2)`` with an exact interval.

    Conditional on ``n = x1 + x2``, ``x1`` is binomial with ``p = r t1 / (r t1 + t2)``; the
    Clopper-Pearson interval for ``p`` maps to one for ``r`` (Thomas and Gart 1977).

    Examples
    --------
    >>> r, lo, hi = poisson_rate_ratio(10, 10.0, 10, 10.0)
    >>> round(r, 2), lo < 1 < hi
    (1.0, True)
    >>> poisson_rate_ratio(0, 7.0, 85, 49.0)[:2]
    (0.0, 0.0)
    """
    if t1 <= 0 or t2 <= 0 or x1 + x2 == 0:
        raise ValueError("need positive exposures and at least one event")
    n, a = x1 + x2, (1.0 - level) / 2.0
    p_lo = float(beta.ppf(a, x1, n - x1 + 1)) if x1 > 0 else 0.0
    p_hi = float(beta.ppf(1.0 - a, x1 + 1, n - x1)) if x1 < n else 1.0

    def to_ratio(p: float) -> float:
        return np.inf if p >= 1.0 else p / (1.0 - p) * t2 / t1

    est = np.inf if x2 == 0 else (x1 / t1) / (x2 / t2)
    return float(est), float(to_ratio(p_lo)), float(to_ratio(p_hi))


def _intervals(folder: Path) -> list[tuple[dt.date, dt.date, int]]:
    """The DoD intervals (first day, last day, attacks) up to :data:`CUTOFF`."""
    from armednet.events.intervals import load_intervals

    iv = load_intervals(folder / _INTERVALS)
    rows = zip(iv.first_day, iv.last_day, iv.attacks, strict=True)
    return [(a, b, int(n)) for a, b, n in rows if b <= CUTOFF]


def _csv_rows(path: Path) -> list[dict[str, str]]:
    from armednet.fileio import read_text_bounded

    text = read_text_bounded(path, _MAX_BYTES, 10_000, what="data file",
                             encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _inside(rows: list[tuple[dt.date, dt.date, int]], first: dt.date, last: dt.date
            ) -> tuple[int, int]:
    """Attacks and days of the whole intervals that lie in ``first .. last``."""
    chosen = [(a, b, n) for a, b, n in rows if first <= a and b <= last]
    return sum(n for *_, n in chosen), sum((b - a).days + 1 for a, b, _ in chosen)


def _outside_truce(a: dt.date, b: dt.date) -> bool:
    return b < TRUCE[0] or a > TRUCE[1]


def _ratio_reading(low: float, high: float, fell: str, rose: str, unclear: str) -> str:
    """Which of three readings an interval of a rate ratio supports."""
    return fell if high < 1.0 else rose if low > 1.0 else unclear


def truce_test(folder: Path, level: float = 0.9) -> DataTest:
    """C7: attacks during the Gaza truce against the four weeks on each side.

    The truce days are whole DoD intervals (24-27, 28 and 29-30 Nov 2023, one attack on the
    28th); the comparison counts the whole intervals inside the 28 days before (27 Oct -
    23 Nov) and after (1 - 28 Dec).
    """
    rows = _intervals(folder)
    x1, t1 = _inside(rows, *TRUCE)
    if t1 != (TRUCE[1] - TRUCE[0]).days + 1:
        raise ValueError("the DoD intervals do not split at the truce's first and last day")
    span = dt.timedelta(days=SURROUND_DAYS)
    xb, tb = _inside(rows, TRUCE[0] - span, TRUCE[0] - dt.timedelta(days=1))
    xa, ta = _inside(rows, TRUCE[1] + dt.timedelta(days=1), TRUCE[1] + span)
    est, lo, hi = poisson_rate_ratio(x1, t1, xb + xa, tb + ta, level)
    return DataTest(
        claim="C7", name="Gaza truce",
        test="attack rate on U.S. forces during the Gaza truce (24-30 Nov 2023) over the "
             "rate in the whole DoD intervals within four weeks before and after it",
        statistic="rate ratio", estimate=est, low=lo, high=hi, level=level,
        counts=f"{x1} attack(s) in {t1} truce days vs {xb + xa} in {tb + ta} days around",
        says=_ratio_reading(
            lo, hi, f"attacks fell while the Gaza war paused, to {est:.0%} of the surrounding "
                    f"weeks' rate (at most {hi:.0%})",
            "attacks rose while the Gaza war paused",
            "no clear change in attacks while the Gaza war paused"),
        caveats="one episode; a U.S. strike on Kataib Hezbollah on 21 Nov came three days "
                "before the truce; most surrounding counts are lower bounds ('at least'), "
                "which makes the ratio conservative; the calibration fits the same days",
        source=f"{_INTERVALS}; {_EVENTS} (EV013)")


def _strikes(folder: Path) -> list[tuple[str, dt.date]]:
    """U.S. strikes in Iraq or Syria before :data:`CUTOFF` (id, day), in date order."""
    out = []
    for r in _csv_rows(folder / _EVENTS):
        day = dt.date.fromisoformat(r["date"].strip())
        where = set(r.get("country", "").split(";"))
        if "us_strike" in r["event_kind"] and day < CUTOFF and where & {"Iraq", "Syria"}:
            out.append((r["event_id"], day))
    return sorted(out, key=lambda e: e[1])


def _side(rows: list[tuple[dt.date, dt.date, int]], day: dt.date, window: int, after: bool
          ) -> tuple[int, int]:
    """Attacks and days of the whole intervals that end in the ``window`` days before
    ``day`` (or start in the ``window`` days after it), truce intervals left out."""
    w = dt.timedelta(days=window)
    if after:
        chosen = [r for r in rows if day < r[0] <= day + w]
    else:
        chosen = [r for r in rows if day - w <= r[1] < day]
    chosen = [r for r in chosen if _outside_truce(r[0], r[1])]
    return sum(n for *_, n in chosen), sum((b - a).days + 1 for a, b, _ in chosen)


def strike_windows(folder: Path, window: int = WINDOW_DAYS, level: float = 0.9
                   ) -> list[dict[str, Any]]:
    """Attacks and days before and after each strike (see the module).

    Before: the whole DoD intervals that end in the ``window`` days before the strike day;
    after: those that start in the ``window`` days after it (an interval may run past the
    window: intervals are not split). The interval that contains the strike day and the
    truce's intervals are left out.

    Returns
    -------
    list of dict
        ``event, day, before_attacks, before_days, after_attacks, after_days`` and, when
        both sides have days, ``ratio, low, high`` (after over before).
    """
    rows = _intervals(folder)
    out = []
    for eid, day in _strikes(folder):
        xb, tb = _side(rows, day, window, after=False)
        xa, ta = _side(rows, day, window, after=True)
        rec: dict[str, Any] = {"event": eid, "day": day.isoformat(), "before_attacks": xb,
                               "before_days": tb, "after_attacks": xa, "after_days": ta}
        if tb and ta and xa + xb:
            rec.update(zip(("ratio", "low", "high"),
                           poisson_rate_ratio(xa, ta, xb, tb, level), strict=True))
        out.append(rec)
    return out


def strike_event_study(folder: Path, window: int = WINDOW_DAYS, level: float = 0.9
                       ) -> DataTest:
    """C1: the attack rate after U.S. strikes against before them, pooled over strikes."""
    per = [r for r in strike_windows(folder, window, level) if "ratio" in r]
    xa, ta = sum(r["after_attacks"] for r in per), sum(r["after_days"] for r in per)
    xb, tb = sum(r["before_attacks"] for r in per), sum(r["before_days"] for r in per)
    est, lo, hi = poisson_rate_ratio(xa, ta, xb, tb, level)
    fell = sum(r["ratio"] < 1 for r in per)
    n_all = len(strike_windows(folder, window, level))
    return DataTest(
        claim="C1", name="U.S. strikes before 30 Jan 2024",
        test=f"attack rate after each U.S. strike in Iraq or Syria over the rate before it: "
             f"whole DoD intervals ending in the {window} days before / starting in the "
             f"{window} days after the strike day, pooled over strikes",
        statistic="rate ratio", estimate=est, low=lo, high=hi, level=level,
        counts=f"{xa} attacks in {ta} days after vs {xb} in {tb} days before "
               f"{len(per)} of {n_all} strikes; the rate fell after {fell} of them",
        says=_ratio_reading(
            lo, hi, "attacks fell after the strikes", "attacks rose after the strikes",
            f"no clear change in attacks after the strikes (rate after / before {est:.2f}, "
            f"{lo:.2f} to {hi:.2f})") + "; every strike before the cut-off hit one to three "
            "sites, none was a large retaliatory round",
        caveats="windows of nearby strikes overlap, so some days count twice and the pooled "
                "interval is too narrow; the large strike of 2 Feb 2024 and the cease-fires "
                "around it are after the cut-off; the DoD interval that contains a strike "
                "day is left out, so 'after' starts up to two weeks late",
        source=f"{_INTERVALS}; {_EVENTS}")


def split_table(folder: Path) -> list[dict[str, Any]]:
    """One row per recorded split (pairs of groups deduplicated; rows with no description
    left out): ``parent, splinter, date, leader_loss, peace`` and ``description``."""
    pairs: dict[frozenset[str], dict[str, Any]] = {}
    for r in _csv_rows(folder / _SPLITS):
        text = (r.get("description") or "").strip()
        if r.get("type") != "spl" or not text:
            continue
        key = frozenset((r["group1_id"], r["group2_id"]))
        rec = pairs.setdefault(key, {"parent": r["group1_name"].strip(),
                                     "splinter": r["group2_name"].strip(),
                                     "date": r["date"], "description": text})
        if text not in rec["description"]:
            rec["description"] += " " + text
    for rec in pairs.values():
        rec["leader_loss"] = bool(SPLIT_OCCASION.search(rec["description"]))
        rec["peace"] = bool(PEACE_OCCASION.search(rec["description"]))
    return list(pairs.values())


def split_test(folder: Path, level: float = 0.9) -> DataTest:
    """C2: the share of recorded splits occasioned by a leader's loss (Wilson interval)."""
    from scipy.stats import norm

    from armednet.experiments.compare import wilson_interval

    rows = split_table(folder)
    n, k = len(rows), sum(r["leader_loss"] for r in rows)
    peace = sum(r["peace"] for r in rows)
    lo, hi = wilson_interval(k / n, n, z=float(norm.ppf(0.5 + level / 2)))
    return DataTest(
        claim="C2", name="MMP splits",
        test="share of the splits recorded by Stanford MMP whose description names the "
             "death, killing, arrest or capture of a leader as their occasion",
        statistic="share", estimate=k / n, low=lo, high=hi, level=level,
        counts=f"{k} of {n} splits; {peace} name a cease-fire or peace process instead",
        says=(f"a leader's loss is named as the occasion of {k / n:.0%} of recorded splits "
              f"(at most {hi:.0%}); " + ("most follow disputes over strategy, cease-fires or "
                                         "alliances" if hi < 0.5 else "a large share")),
        caveats="the tables record no leadership losses, so the share of losses followed by "
                "a split (what C2 asserts) cannot be computed; descriptions are coded by a "
                "keyword rule; MMP covers groups notable enough to map",
        source=_SPLITS)


def data_tests(folder: str | Path | None = None, level: float = 0.9
               ) -> dict[str, list[dict[str, Any]]] | None:
    """Every data test, by claim, as records; None when the data folder is absent.

    A test whose files are missing or unreadable is left out with a ``note`` record.
    """
    from armednet.errors import ArmednetError

    found = shared_data_dir(folder)
    if found is None:
        return None
    out: dict[str, list[dict[str, Any]]] = {}
    for claim, fn in (("C1", strike_event_study), ("C2", split_test), ("C7", truce_test)):
        try:
            out.setdefault(claim, []).append(fn(found, level=level).as_record())
        except (OSError, ValueError, KeyError, ArmednetError) as exc:
            out.setdefault(claim, []).append({"claim": claim, "note": f"not computed: {exc}"})
    return out
