"""The covering fitter's weights (benchmarks/fit_cover_constants.py): bare heads of every skin tone count as much as
the light ones, and a weighted group moves the fit. (The fit on the real photos is `--check`, which needs the
developers' data.)"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.fit_cover_constants import fit, tone_balance


def test_each_tones_negatives_weigh_as_much_as_the_light_ones() -> None:
    # tones from benchmarks/labels/lfw_identity_tone.csv; official portraits are not in it
    identities = ["Aaron_Peirsol"] * 6 + ["Abdullah_al-Attiyah"] * 3 + ["Dexter_Jackson", "Eunice_Barber"] + ["Chris_Tucker", "021118.jpg"]
    labels = np.array([0.0] * 11 + [1.0, 0.0])
    weights = tone_balance(identities, labels)
    assert weights[:6].tolist() == [1.0] * 6
    assert weights[6:9] == pytest.approx([2.0] * 3)  # 6 light / 3 medium
    assert weights[9:11] == pytest.approx([3.0] * 2)  # 6 light / 2 dark
    assert weights[11] == 1.0  # a covered head: not reweighted
    assert weights[12] == 1.0  # no tone label
    for group in (slice(0, 6), slice(6, 9), slice(9, 11)):
        assert weights[group].sum() == pytest.approx(6.0)


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


def test_without_light_negatives_nothing_is_reweighted_and_a_fit_needs_both_labels() -> None:
    # with no light bare head to match, the darker ones were weighted 0 and dropped out of the fit (second review)
    identities = ["Abdullah_al-Attiyah"] * 3 + ["Dexter_Jackson"] * 2 + ["Aaron_Peirsol"]
    assert tone_balance(identities, np.array([0.0, 0, 0, 0, 0, 1])).tolist() == [1.0] * 6
    x = np.arange(6.0)[:, None]
    with pytest.raises(ValueError, match="both labels"):
        fit(x, np.array([0.0, 0, 0, 1, 1, 1]), 1.0, np.array([0.0, 0, 0, 1, 1, 1]))
