"""Judging the model against data: calibration, forecasts and their scores.

Reading data is :mod:`armednet.events`' job; this package fits the model to what was
observed, forecasts what comes next and scores forecasts against the record and against
naive baselines.
"""

from armednet.validation.calibration import (
    CALIBRATED,
    CalibrationResult,
    Prior,
    calibrate,
    default_priors,
    deviance,
    save_calibration,
)

__all__ = ["CALIBRATED", "CalibrationResult", "Prior", "calibrate", "default_priors",
           "deviance", "save_calibration"]
