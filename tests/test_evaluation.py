"""`pfiq evaluate --quick`: runs end to end and shows the orderings the method predicts.

One quick run serves each group of tests (module fixtures):
- `bundled`: `pfiq evaluate --quick` from a folder with no face data beside it, so it runs on identity and
  defect sets built from the bundled portraits (evaluation/bundled.py). Always runs.
- `quick`: the quick run on the developers' data (ORL and public-figure identities, Yale defects, the
  official portraits) when ../shared has it, where genuine pairs are real; else the `bundled` run.
If the data ever contradicts an ordering, do not weaken the assertion: report it.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest

from pfiq_desktop.evaluation import curves, edc, figures, occlusion
from tests.photos import SHARED_FACES, portrait_paths, shared_missing

# `evaluate` sets torch's threads for its run: one here, as each worker's torch (scripts/test.sh; its default two spun
# against the other worker on two cores); the fixture gives the worker its own back for its next modules
pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py

# what the quick run reads from ../shared/data/faces (run.py: curves, edc, occlusion, stability, defects)
QUICK_RUN_DATA = ("identity_orl", "identity_public_figures", "defects_yale", "portraits_official")


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    """`pfiq evaluate --quick` where ../shared/data/faces does not exist: (summary, output folder, what it told)."""
    from pfiq_desktop.cli import main

    folder = tmp_path_factory.mktemp("bundled-evaluation")
    told = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("pfiq_desktop.cli.evaluate.DEFAULT_DATA", folder / "no-shared" / "data" / "faces")  # a fresh clone
        with contextlib.redirect_stderr(told):
            assert main(["evaluate", "--quick", "--threads", "1", "--out", str(folder / "out")]) == 0
    out = folder / "out"
    return json.loads((out / "summary.json").read_text()), out, told.getvalue()


@pytest.fixture(scope="module")
def quick(request, tmp_path_factory):
    """(summary, output folder) of the quick run on the developers' data, or of the `bundled` run without it."""
    if shared_missing(*QUICK_RUN_DATA):
        summary, out, _ = request.getfixturevalue("bundled")
        return summary, out
    from pfiq_desktop.evaluation.run import QUICK, evaluate

    out = tmp_path_factory.mktemp("evaluation")
    summary = evaluate(SHARED_FACES, out, QUICK, log=lambda _: None, threads=1)
    return summary, out


@pytest.mark.slow
def test_quick_mode_writes_tables_figures_and_report(quick):
    from pfiq_desktop.evaluation.run import QUICK

    summary, out = quick
    for name in ("report.md", "summary.json", "curves.csv", "occlusion.csv", "edc.csv", "defects.csv", "timing.csv"):
        assert (out / name).stat().st_size > 0, name
    assert set(summary["stability"]) == set(QUICK.stability_estimators)
    for name in (
        "fig_deletion_genuine.png",
        "fig_insertion_genuine.png",
        "fig_occlusion_pointing.png",
        "fig_edc_set0_fmr0.001.png",
        "fig_defects_yale_grid.png",
    ):
        assert (out / name).stat().st_size > 1000, name


@pytest.mark.slow
def test_plq_deletion_curve_is_below_random(quick):
    deletion = quick[0]["curves"]["deletion"]["genuine"]
    assert deletion["gradient"] < deletion["random"]


@pytest.mark.slow
def test_plq_deletion_is_below_its_inverse_order(quick):
    deletion = quick[0]["curves"]["deletion"]["genuine"]
    assert deletion["gradient"] < deletion["gradient inverse"]


@pytest.mark.slow
def test_plq_insertion_curve_is_above_random(quick):
    insertion = quick[0]["curves"]["insertion"]["genuine"]
    assert insertion["gradient"] > insertion["random"]


@pytest.mark.slow
def test_occluder_pointing_game_is_above_chance(quick):
    occ = quick[0]["occlusion"]
    assert occ["gradient"]["all"]["pointing"] > occ["gradient"]["all"]["pointing_chance"]
    assert occ["gradient"]["all"]["pointing"] > occ["random"]["all"]["pointing"]


@pytest.mark.slow
def test_every_map_method_is_timed(quick):
    summary = quick[0]
    for method in summary["config"]["methods"]:
        assert np.isfinite(summary["seconds_per_face"][method]) and summary["seconds_per_face"][method] > 0


# ------------------------------------------------------------------ units (no network)


def test_order_masks_take_the_top_fraction_first():
    plq = np.arange(100, dtype=float).reshape(10, 10)
    masks = curves.order_masks(plq, np.array([0.0, 0.1, 0.5]))
    assert [int(m.sum()) for m in masks] == [0, 10, 50]
    assert masks[1][9].all()  # the highest values go first
    assert np.all(masks[2] >= masks[1])


def test_auc_is_the_mean_level():
    assert curves.auc(np.full(len(curves.FRACTIONS), 0.7)) == pytest.approx(0.7)


def test_edc_falls_when_quality_finds_the_errors():
    # identity a: 3 images; image 2 is bad and causes the genuine errors
    emb = np.array([[1, 0, 0], [0.99, 0.1, 0], [-0.5, 1, 0], [0, 0, 1], [0.1, 0, 1]], float)
    comparisons = edc.compare_all(emb, ["a", "a", "a", "b", "b"])
    result = edc.evaluate_edc(comparisons, np.array([1, 1, 0, 1, 1.0]), fmr=0.01, boots=20)
    assert result.errors == 2 and result.curve[0] > 0
    assert result.curve[50] == 0.0 and result.ratio == pytest.approx(result.ideal_ratio)


def test_localise_finds_a_low_plq_occluder():
    plq = np.full((150, 150), 0.8)
    occluder = np.zeros((150, 150), bool)
    occluder[40:60, 40:60] = True
    plq[occluder] = 0.1
    regions = {f"r{k}": np.zeros((150, 150), bool) for k in range(6)}
    for k, m in enumerate(regions.values()):
        m[20 * k : 20 * k + 20, 40:60] = True  # region r2 lies under the occluder
    face = np.ones((150, 150), bool)
    result = occlusion.localise(plq, np.full((150, 150), 0.8), occluder, regions, face)
    assert result.lowest_third and result.pointing_hit
    assert result.ratio == pytest.approx(0.125)


def test_figures_draw_rgb_images():
    img = figures.line_chart({"a": (np.arange(3), np.array([1.0, 2.0, 3.0]))}, "t", "x", "y")
    assert img.ndim == 3 and img.dtype == np.uint8
    bars = figures.bar_chart(["g"], {"a": [0.5]}, "t", "y", reference={"a": [0.2]}, ymax=1.0)
    assert bars.shape[2] == 3


def test_cli_registers_the_evaluate_command():
    from pfiq_desktop.cli import build_parser

    args = build_parser().parse_args(["evaluate", "--quick", "--out", "x"])
    # beside the checkout, wherever it is run from (relative to the working folder, a run from elsewhere fell back to
    # the bundled portraits)
    assert args.quick and args.out == "x" and Path(args.data) == SHARED_FACES


def test_evaluate_without_data_runs_the_quick_evaluation_on_the_bundled_portraits_and_says_so(bundled):
    """Issue 12: `pfiq evaluate` with no face data runs on sets built from the repository's portraits and says so."""
    from pfiq_desktop.evaluation.run import QUICK

    summary, out, told = bundled
    count = len(portrait_paths())
    assert "No face data" in told and "bundled portraits" in told
    assert summary["config"]["name"] == "quick" and f"built from the {count} bundled" in summary["data"]
    report = (out / "report.md").read_text()
    assert report.splitlines()[2].startswith(f"Data: **built from the {count} bundled public-domain portraits**")
    assert "they are not results of the method" in report
    for name in ("curves.csv", "occlusion.csv", "edc.csv", "defects.csv", "timing.csv", "fig_defects_yale_grid.png"):
        assert (out / name).stat().st_size > 0, name
    assert summary["occlusion"]["gradient"]["all"]["n"] == QUICK.occlusion_portraits * len(occlusion.OCCLUDERS)
    assert f"{QUICK.occlusion_portraits} held-out portraits" in report
    for part in ("dev", "test"):  # the deviation map on portraits it was tuned on, and on held-out ones
        deviation = summary["deviation"][part]
        assert deviation["clean_low_share"]["median"] <= 0.05
        occluded = deviation["occluders"]["all"]
        assert occluded["n"] >= 10  # 3 portraits x 5 kinds, a re-detection may miss one
        assert occluded["pointing"] >= 0.6  # chance: about 0.25
        assert occluded["median_covered"] >= 0.3 > occluded["rest_low"]  # the occluder is low, the rest of the face is not
    assert "Deviation map" in report
