"""The issue-15 evaluation harness (benchmarks/issue15): faces cached by content and detector code and
shifted back from the padded copy, the engine's real checks scored, balanced accuracy counted right.
Runs on a bundled portrait, so a fresh clone checks it; the labelled sets themselves live in ../shared."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.issue15 import tasks
from benchmarks.issue15.facecache import FaceCache
from benchmarks.issue15.gridcache import Grids
from benchmarks.issue15.measure import measure, only
from benchmarks.issue15.plqcache import PlqMaps
from benchmarks.issue15.report import balanced
from benchmarks.issue15.sets import Photo, cover_split
from pfiq_desktop.engine.analyzer import Analyzer
from pfiq_desktop.engine.faces import CHIP_SIZE
from pfiq_desktop.engine.icao import load_profile
from pfiq_desktop.engine.imageio import load_image
from tests.photos import PORTRAITS

PORTRAIT = sorted(PORTRAITS.glob("*.jpg"))[0]


@pytest.fixture(scope="module")
def cached(tmp_path_factory: pytest.TempPathFactory) -> FaceCache:
    return FaceCache(tmp_path_factory.mktemp("faces"))


def test_padded_detection_is_shifted_back_and_cached_on_disk(cached: FaceCache) -> None:
    rgb = load_image(PORTRAIT)
    plain = cached.faces(PORTRAIT, rgb, 1.0)
    padded = cached.faces(PORTRAIT, rgb, 2.0)
    assert len(plain) == len(padded) == 1
    # the same eyes, in the photo's own pixels (dlib's landmarks move a little with the context)
    ied = np.hypot(*(plain[0].landmarks68[42:48].mean(0) - plain[0].landmarks68[36:42].mean(0)))
    assert np.abs(padded[0].landmarks68[36:48] - plain[0].landmarks68[36:48]).max() < 0.1 * ied
    cached.save()
    again = FaceCache(cached.path.parent)
    again._detector = None  # a cached photo must not need the detector at all
    assert np.array_equal(again.faces(PORTRAIT, rgb, 2.0)[0].landmarks68, padded[0].landmarks68)
    assert again._detector is None


def test_the_engine_checks_are_scored_on_the_labels(cached: FaceCache) -> None:
    """An open-eyed portrait: an open-eye negative passes; labelled as a wink, the closed-labelled eye is a miss."""
    profile = only(load_profile("icao-9303"))
    open_eyes = Photo("a", PORTRAIT, "a", "dev", {"left": "open", "right": "open", "glasses": "none"})
    wink = Photo("b", PORTRAIT, "b", "dev", {"left": "open", "right": "closed", "glasses": "none"})
    outcomes = measure([open_eyes, wink], cached, profile)
    assert set(outcomes[0].checks) == {"eye_open_left", "eye_open_right", "eye_occlusion", "glasses",
                                       "lower_face_covered", "head_covering", "lighting_uniformity"}
    items = list(tasks.one_eye_closed(outcomes))
    assert [(i.id, i.positive, i.flagged) for i in items] == [
        ("a#left", False, False), ("a#right", False, False), ("b#left", False, False), ("b#right", True, False)]
    assert balanced(items) == (0.5, "0/1, 3/3")
    assert tasks.glasses_class(outcomes[0]) == "none"


def test_cover_split_is_the_researchs_fixed_split() -> None:
    """The published covering/mask/light figures used /work/scratch/facecover/common.split_of: same answers."""
    assert [cover_split(i) for i in ("yaleB01", "yaleB02", "yaleB03", "014435.jpg", "u00365d6f")] == [
        "test", "dev", "test", "test", "test"]


def test_eye_checks_see_the_apps_plq_map_and_network_probes(cached: FaceCache, analyzer: Analyzer, tmp_path: Path) -> None:
    """The eye checks read the recogniser's map and its probes: the harness gives them the app's (from the
    cached face, kept on disk as float16), so its map, probes and check values are the app's."""
    maps, grids = PlqMaps(tmp_path / "plq", analyzer), Grids(tmp_path / "grids")
    profile = only(load_profile("icao-9303"))
    photo = Photo("a", PORTRAIT, "a", "dev", {"left": "open", "right": "open", "glasses": "none"})
    [with_map] = measure([photo], cached, profile, maps, grids)
    analysis = analyzer.analyse(PORTRAIT)
    app = {r.id: r for r in analysis.checks if r.face_index in (None, 0)}
    for check in ("eye_occlusion", "eye_open_left", "eye_open_right", "glasses", "lower_face_covered"):
        assert with_map.checks[check].verdict is app[check].verdict
        assert with_map.checks[check].value == pytest.approx(app[check].value, abs=0.2)
    rgb = load_image(PORTRAIT)
    key, faces = cached.key(PORTRAIT, 1.0), cached.faces(PORTRAIT, rgb, 1.0)
    [probes] = grids.attributes(key, rgb, faces)
    assert probes.keys() == analysis.faces[0].attributes.keys()
    assert probes == pytest.approx(analysis.faces[0].attributes, abs=0.05)  # the grid kept in float16
    assert [g.shape for g, _ in Grids(tmp_path / "grids").grids(key, rgb, faces)] == [(64, 17, 17)]  # from disk
    [stored] = list((tmp_path / "plq").glob("*.npz"))
    with np.load(stored) as chips:
        assert chips["arr_0"].dtype == np.float16 and chips["arr_0"].shape == (CHIP_SIZE, CHIP_SIZE)
    first = maps.chips(key, rgb, faces)[0]
    assert np.array_equal(PlqMaps(tmp_path / "plq", analyzer).chips(key, rgb, faces)[0], first)
    assert len(list((tmp_path / "plq").glob("*.npz"))) == 1
    assert first.std() > 0.01  # a real map, not a constant
    assert np.abs(first - analysis.faces[0].plq_chip).max() < 0.01
