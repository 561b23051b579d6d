"""The calibration's patterns and priors, on constructed inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from armednet.errors import InputError
from armednet.validation import patterns as pt
from armednet.validation.priors import Prior, default_priors, informed


def test_negative_binomial_deviance() -> None:
    y = np.array([0.0, 3.0, 12.0])
    assert pt.nb_deviance(y, y, 20.0) == pytest.approx(np.zeros(3))
    pois = pt.nb_deviance(y, y + 6.0, None)
    nb = pt.nb_deviance(y, y + 6.0, 5.0)
    assert (nb > 0).all() and (nb < pois).all()  # over-dispersion forgives misfit
    assert pt.nb_deviance(y, y + 6.0, 1e9) == pytest.approx(pois, rel=1e-6)
    assert pois.sum() == pytest.approx(float(pt.deviance(y, (y + 6.0)[None, :])[0]))
    with pytest.raises(InputError, match="dispersion must be positive"):
        pt.nb_deviance(y, y, 0.0)


def test_interval_counts_pattern() -> None:
    obs = np.array([3.0, 0.0, 7.0])
    sim = np.stack([np.tile(obs, (4, 1)), np.tile(obs + 5, (4, 1))])  # (2 draws, 4 reps, 3)
    v = pt.interval_counts(obs, sim)
    assert v.distance[0] == 0.0 and v.distance[1] > 0.0
    assert v.observed == 10.0 and v.statistic.shape == (2, 4)
    assert (v.statistic[1] == 25.0).all()
    with pytest.raises(InputError, match="3 observed intervals but simulated counts for 2"):
        pt.interval_counts(obs, sim[:, :, :2])


def test_prewar_rate_pattern() -> None:
    weeks = 10
    weekly = np.zeros((2, 3, weeks))
    weekly[0, :, :7] = 1.0  # 7 attacks in 10 weeks: 0.7 a week, as CENTCOM counted
    weekly[1] = 3.0  # 3 a week: the wartime-like rate, far from the pre-war one
    v = pt.prewar_rate(weekly, rate=0.7)
    assert v.statistic[0] == pytest.approx([0.7, 0.7, 0.7])
    assert v.distance[0] == pytest.approx(0.0) and v.distance[1] > 20
    assert v.observed == 0.7


def test_truce_zero_pattern() -> None:
    sim = np.zeros((3, 5, 2))
    sim[1, 0, 0] = 1.0  # one run of five has one attack in a truce interval
    sim[2] = 4.0  # every run attacks during the truce
    v = pt.truce_zeros(sim)
    assert v.distance[0] == 0.0 and 0 < v.distance[1] < v.distance[2]
    assert (v.statistic[0] == 0).all() and v.statistic[2, 0] == 8.0
    assert np.mean(v.statistic[1] == 0) == pytest.approx(0.8)  # P(0) across runs


def _weeks(n_reps: int = 2) -> tuple[np.ndarray, np.ndarray]:
    attacks = np.full((1, n_reps, 12), 3.0)
    return attacks, np.zeros_like(attacks)


def test_lethal_attacks_pattern() -> None:
    # one lethal attack observed: a draw whose runs average one is closest, none or five
    # lethal attacks a run are farther
    sim = np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [5.0, 4.0, 6.0]])
    v = pt.lethal_attacks(sim, observed=1.0)
    assert v.observed == 1.0 and v.statistic.shape == (3, 3)
    assert v.distance[0] == pytest.approx(0.0, abs=1e-12)
    assert v.distance[1] > 0 and v.distance[2] > v.distance[1]


def test_strikes_did_not_stop_the_attacks_pattern() -> None:
    kw = {"strike_weeks": [3, 8], "last_week": 11, "quiet_until": 10}
    attacks, cf = _weeks()
    v = pt.strikes_did_not_stop(attacks, cf, **kw)  # type: ignore[arg-type]
    assert (v.statistic == 1.0).all() and v.observed == 1.0
    assert v.distance[0] == pytest.approx(-2 * np.log(2.5 / 3))  # smallest with 2 runs
    stopped = attacks.copy()
    stopped[0, 0, 9:11] = 0.0  # run 0: no attacks in the two weeks after week 8's strike
    v = pt.strikes_did_not_stop(stopped, cf, **kw)  # type: ignore[arg-type]
    assert v.statistic[0].tolist() == [0.0, 1.0]
    assert v.distance[0] == pytest.approx(-2 * np.log(1.5 / 3))
    early = cf.copy()
    early[0, :, 5:7] = 1.0  # a group in a cease-fire for two weeks before 28 January
    assert (pt.strikes_did_not_stop(attacks, early, **kw).statistic == 0).all()  # type: ignore[arg-type]
    late = cf.copy()
    late[0, :, 10] = 1.0  # declared in the last week before the cut-off: allowed
    assert (pt.strikes_did_not_stop(attacks, late, **kw).statistic == 1).all()  # type: ignore[arg-type]
    flipped = pt.strikes_did_not_stop(attacks, early, observed=False, **kw)  # type: ignore[arg-type]
    assert flipped.observed == 0.0 and flipped.distance[0] == pytest.approx(
        -2 * np.log(2.5 / 3))
    with pytest.raises(InputError, match="quiet_until"):
        pt.strikes_did_not_stop(attacks, cf, [3], last_week=11, quiet_until=12)


@pytest.mark.parametrize(("sim", "message"), [
    (np.zeros((2, 3)), "expected an array of 3 dimensions"),
    (np.zeros((0, 3, 4)), "expected an array of 3 dimensions"),
    (-np.ones((2, 3, 4)), "finite and non-negative"),
    (np.full((2, 3, 4), np.nan), "finite and non-negative"),
])
def test_bad_simulated_arrays(sim: np.ndarray, message: str) -> None:
    with pytest.raises(InputError, match=message):
        pt.prewar_rate(sim)
    with pytest.raises(InputError, match=message):
        pt.truce_zeros(sim)


def test_dispersion_check() -> None:
    even = pt.dispersion_check(np.array([7.0, 7.0, 14.0]), np.array([7.0, 7.0, 14.0]))
    assert even["chi2"] == 0.0 and even["rate_per_week"] == pytest.approx(7.0)
    swings = pt.dispersion_check(np.array([1.0, 30.0, 2.0, 25.0]), np.full(4, 7.0))
    assert swings["phi"] > 5 and swings["p_value"] < 0.001 and swings["nb_k"] < 5
    with pytest.raises(InputError, match="two or more intervals"):
        pt.dispersion_check(np.array([3.0]), np.array([7.0]))


def test_priors_and_the_informed_table() -> None:
    lin, log = Prior("a", 0.0, 10.0), Prior("b", 0.01, 1.0, log=True)
    assert lin.width90 == pytest.approx(9.0) and log.width90 == pytest.approx(
        0.9 * np.log(100))
    u = np.array([0.0, 0.25, 1.0])
    assert log.to_unit(log.from_unit(u)) == pytest.approx(u)
    n = 1000
    post = pd.DataFrame({"a": np.linspace(4.0, 5.0, n),  # narrow: informed
                         "b": np.exp(np.linspace(np.log(0.01), np.log(1.0), n)),  # prior
                         "weight": np.full(n, 1.0 / n)})
    rows = {r["parameter"]: r for r in informed([lin, log], post)}
    assert rows["a"]["ratio"] == pytest.approx(0.9 / 9.0, abs=0.01) and rows["a"]["informed"]
    assert rows["b"]["ratio"] == pytest.approx(1.0, abs=0.01) and not rows["b"]["informed"]
    assert set(rows["a"]) >= {"parameter", "prior_width", "posterior_width", "ratio",
                              "informed"}


def test_bad_priors() -> None:
    with pytest.raises(InputError, match="did you mean attack_base_rate"):
        default_priors(["attack_base_rat"])
    with pytest.raises(InputError, match="more than once"):
        default_priors(["attack_base_rate", "attack_base_rate"])
    with pytest.raises(InputError, match="no parameters"):
        default_priors([])
    with pytest.raises(InputError, match="low <= high"):
        Prior("x", 2.0, 1.0)
    with pytest.raises(InputError, match="low > 0"):
        Prior("x", 0.0, 1.0, log=True)


def test_any_registered_parameter_gets_a_prior() -> None:
    from armednet.sim.params import PARAMETERS

    names = [n for n, p in PARAMETERS.items() if p.high > p.low]
    priors = default_priors(names)
    assert [p.name for p in priors] == names
    for p in priors:
        assert p.low <= float(p.from_unit(np.array([0.5]))[0]) <= p.high
