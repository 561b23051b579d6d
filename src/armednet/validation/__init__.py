"""Judging the model against data: calibration, forecasts and their scores.

Reading data is :mod:`armednet.events`' job; this package fits the model to what was
observed, forecasts what comes next and scores forecasts against the record and against
naive baselines.
"""

# issue 13 adds the forecast, scoring, baselines and backtest imports and names below
from armednet.validation.backtest import BacktestResult, backtest, save_backtest
from armednet.validation.baselines import BASELINES, baseline_forecasts, implied_weekly
from armednet.validation.calibration import (
    CALIBRATED,
    CalibrationResult,
    Prior,
    calibrate,
    default_priors,
    deviance,
    save_calibration,
)
from armednet.validation.forecast import Forecast, forecast_from_posterior
from armednet.validation.scoring import (
    coverage,
    crps,
    load_truth,
    log_score,
    pit_histogram,
    randomized_pit,
    score_forecasts,
    summarize,
)

__all__ = ["BASELINES", "CALIBRATED", "BacktestResult", "CalibrationResult", "Forecast",
           "Prior", "backtest", "baseline_forecasts", "calibrate", "coverage", "crps",
           "default_priors", "deviance", "forecast_from_posterior", "implied_weekly",
           "load_truth", "log_score", "pit_histogram", "randomized_pit", "save_backtest",
           "save_calibration", "score_forecasts", "summarize"]
