"""The probe fitter's arithmetic (benchmarks/fit_attribute_probes.py) on made-up rows: its AUC counts ties
half, and a fit finds the feature that carries the label, chooses its L2 out of fold and fuses it with the
pixel measure by weights that follow how much each one knows. (The fit on the real photos is `--check`,
which needs the developers' data.)"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.fit_attribute_probes import (
    L2_GRID,
    OBJECT_FALSE_ALARMS,
    Row,
    auc,
    fit_probe,
    fit_warning_probe,
    out_of_fold,
    same_fusion,
    tone_balance,
    write_number,
)
from benchmarks.issue15.sets import lfw_occluders


def test_auc_is_the_share_of_positive_negative_pairs_ranked_right() -> None:
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, 60).astype(float)
    scores = np.round(rng.normal(size=60) + labels, 1)  # rounded: ties
    positives, negatives = scores[labels == 1], scores[labels == 0]
    pairs = (positives[:, None] > negatives[None]).mean() + 0.5 * (positives[:, None] == negatives[None]).mean()
    assert auc(labels, scores) == pytest.approx(pairs, abs=1e-12)
    assert auc(np.array([0.0, 1.0]), np.array([2.0, 1.0])) == 0.0


def test_a_probe_finds_the_informative_feature_and_the_fusion_weighs_both() -> None:
    rng = np.random.default_rng(15)
    rows = []
    for k in range(400):
        label = float(k % 4 == 0)
        features = rng.normal(size=8)
        features[2] += 3.0 * label  # the network's evidence: strong
        pixels = rng.normal() + 1.0 * label  # the pixel measure's: weak
        rows.append(Row(features, pixels, label, f"person{k // 2}"))
    probe, fusion, line = fit_probe("made_up", rows)
    weights = np.abs(probe.weights)
    assert weights.argmax() == 2 and weights[2] > 3 * np.delete(weights, 2).max()
    ((_, pixels), (_, network)), _ = fusion
    assert network > 0 and pixels > 0 and network > pixels
    assert "100 positive, 300 negative" in line and any(f"-> L2 {v:g};" in line for v in L2_GRID)


def test_the_check_forgives_a_rebuilt_caches_float_drift_but_not_a_refit_that_moved() -> None:
    """A refit on a cache rebuilt from scratch moved the fusion constants by 2e-4 (float16 grids): --check must pass
    that and still fail a constant that moved like a real refit (the mined eye labels moved one by 0.6)."""
    shipped = ((("pixels", 0.6393), ("network", 0.4327)), 0.9250)
    assert same_fusion(((("pixels", 0.6394), ("network", 0.4325)), 0.9248), shipped)
    assert not same_fusion(((("pixels", 0.6393), ("network", 0.4427)), 0.9250), shipped)
    assert not same_fusion(((("network", 0.6393), ("pixels", 0.4327)), 0.9250), shipped)
    assert not same_fusion(shipped, None)


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


def test_without_light_negatives_nothing_is_reweighted() -> None:
    # with no light bare head to match, the darker ones were weighted 0 and dropped out of the fit (second review)
    identities = ["Abdullah_al-Attiyah"] * 3 + ["Dexter_Jackson"] * 2 + ["Aaron_Peirsol"]
    assert tone_balance(identities, np.array([0.0, 0, 0, 0, 0, 1])).tolist() == [1.0] * 6


def test_a_warning_probe_warns_above_its_share_of_the_negatives_out_of_fold(tmp_path) -> None:
    """The object probe has no pixel measure to fuse: its threshold is the (1 - OBJECT_FALSE_ALARMS) quantile of the
    negatives' out-of-fold log-odds, so on made-up rows about that share of negatives reads above it."""
    rng = np.random.default_rng(39)
    rows = []
    for k in range(1000):
        label = float(k % 20 == 0)
        features = rng.normal(size=6)
        features[0] += 2.5 * label
        rows.append(Row(features, float("nan"), label, f"person{k // 3}"))
    probe, threshold, line = fit_warning_probe("made_up", rows)
    labels = np.array([r.label for r in rows])
    l2 = float(line.split("-> L2 ")[1].split(";")[0])
    scores = out_of_fold(rows, l2, np.ones(len(rows)))
    above = (scores[labels == 0] > threshold).mean()
    assert above == pytest.approx(OBJECT_FALSE_ALARMS, abs=0.002)
    caught = int((scores[labels == 1] > threshold).sum())
    assert 10 < caught < 50 and f"{caught} of 50 positives" in line
    assert np.abs(probe.weights).argmax() == 0
    source = tmp_path / "constants.py"
    source.write_text("A = 1\nOBJECT_WARN_LOG_ODDS = 0.0  # the comment stays\nB = 2\n")
    write_number("OBJECT_WARN_LOG_ODDS", threshold, source)
    assert source.read_text() == f"A = 1\nOBJECT_WARN_LOG_ODDS = {threshold:g}  # the comment stays\nB = 2\n"


def test_only_a_sure_occluder_over_the_mouth_is_a_positive_of_the_object_probe() -> None:
    """benchmarks/labels/lfw_face_occluders.csv: a fist on the mouth and chin counts; a tennis ball at the jaw's edge,
    a hand at the cheek or an overlap in doubt is left out of the fit."""
    occluders = lfw_occluders()
    lfw = "identity_lfw_dev/{0}/{0}_{1:04d}.jpg"
    assert occluders[lfw.format("Alexander_Losyukov", 3)] == "mouth"  # fist on mouth and chin
    assert occluders[lfw.format("Carlos_Moya", 8)] == "mouth"  # a ball before chin and mouth, large
    assert occluders[lfw.format("Albert_Costa", 3)] == "other"  # a ball at the jaw, small
    assert occluders[lfw.format("Akbar_Hashemi_Rafsanjani", 2)] == "other"  # in doubt
    assert occluders[lfw.format("Venus_Williams", 7)] == "other"  # the cheek only
    assert lfw.format("Aaron_Peirsol", 1) not in occluders
    assert sum(kind == "mouth" for kind in occluders.values()) == 44 and len(occluders) == 143
