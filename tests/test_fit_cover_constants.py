"""The covering fitter's weighted fit (benchmarks/fit_cover_constants.py): a weighted group moves the fit, and a label
without weight is an error. (The fit on the real photos is `--check`, which needs the developers' data.)"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.fit_cover_constants import fit


def test_a_weighted_group_pulls_the_fit_away_from_flagging_it() -> None:
    """Negatives of a small group sit near the positives; weighted, the fit gives them lower log-odds."""
    rng = np.random.default_rng(7)
    x = np.concatenate([rng.normal(0.0, 1.0, 300), rng.normal(1.5, 1.0, 20), rng.normal(2.5, 1.0, 80)])[:, None]
    y = np.array([0.0] * 320 + [1.0] * 80)
    small = np.zeros(400, bool)
    small[300:320] = True

    def small_group_log_odds(weights: np.ndarray | None) -> float:
        mean, std, coefficients, bias = fit(x, y, 1.0, weights)
        return float((((x[small] - mean) / std) @ coefficients + bias).mean())

    weights = np.where(small, 15.0, 1.0)
    assert small_group_log_odds(weights) < small_group_log_odds(None) - 0.5
    assert small_group_log_odds(np.ones(400)) == pytest.approx(small_group_log_odds(None), abs=1e-9)


def test_a_fit_needs_weight_on_both_labels() -> None:
    # a label whose rows all weigh 0 raised a singular-matrix error, or gave a degenerate model without a word
    x = np.arange(6.0)[:, None]
    with pytest.raises(ValueError, match="both labels"):
        fit(x, np.array([0.0, 0, 0, 1, 1, 1]), 1.0, np.array([0.0, 0, 0, 1, 1, 1]))
