"""Issue 17's compare mode: one photo's maps and qualities from the network in use and a second (TorchScript) one."""

from __future__ import annotations

import math

import pytest
import torch
from PySide6.QtGui import QAction

from pfiq_desktop.engine.backbones.external import sidecar_path, write_calibration
from pfiq_desktop.gui.worker import default_engine_factory
from tests.facenet import SIDECAR, make_facenet
from tests.gui.fakes import FakeAnalyzer
from tests.photos import portrait_paths

CALIBRATION = {  # stand-in constants (as `pfiq calibrate` writes them), so the test needs no calibration run
    "quality": {"probe-ensemble": {"raw_knots": [0.0, 0.5, 1.0], "quality_knots": [0.1, 0.5, 0.9]}},
    "plq": {"gradient": {"a": 1.0, "b": 0.0}},
}


@pytest.fixture
def facenet_pt(tmp_path):
    """The ResNet-18-sized test network as TorchScript with its sidecar and calibration."""
    path = tmp_path / "models" / "facenet.pt"
    path.parent.mkdir()
    torch.jit.save(torch.jit.script(make_facenet()), str(path))
    sidecar_path(path).write_text(SIDECAR)
    write_calibration(path, CALIBRATION)
    return path


def test_compare_networks_side_by_side_and_a_bad_model_says_why(qtbot, make_window, real_factory, facenet_pt, tmp_path):
    def factory(device, profile, backbone=""):
        return default_engine_factory(device, profile, backbone) if backbone else real_factory(device, profile)

    w = make_window(factory, size=(1100, 700))
    assert w.open_paths([str(portrait_paths(1)[0])]) == 1
    qtbot.waitUntil(lambda: w.browser.model.entries[0].analysis is not None, timeout=60_000)
    w.browser.select_row(0)
    w.settings.update(compare_backbone=str(facenet_pt))  # the last network compared with, remembered

    action = w.findChild(QAction, "actCompareNetworks")
    assert action is not None and action.shortcut().toString() == "Ctrl+Shift+B"
    action.trigger()
    dialog = w.networks
    assert dialog is not None and dialog.isVisible() and dialog.model_edit.text() == str(facenet_pt)
    assert dialog.left.has_map() and "dlib-resnet-v1" in dialog.left.network.text()

    with qtbot.waitSignal(dialog.comparisonShown, timeout=60_000) as signal:
        dialog.run_button.click()
        assert dialog.busy.isVisible()
    assert signal.args == [True] and not dialog.busy.isVisible()
    for panel, shown in ((dialog.left, dialog.first), (dialog.right, dialog.second)):
        assert panel.has_map()
        assert shown is not None and math.isfinite(shown.analysis.faces[0].quality)
        assert f"{shown.analysis.faces[0].quality:.2f}" in panel.quality.text()
    assert "test-facenet" in dialog.right.network.text() and "SHA-256" in dialog.right.network.text()
    assert "(PLQ)" in dialog.right.caption.text(), "no compliant-face reference for a user's network: the paper's map"
    assert dialog.left.picture.pixmap().size() == dialog.right.picture.pixmap().size(), "the same photo crop"
    dialog.paper.setChecked(True)  # like for like: the paper's map on both sides
    assert "(PLQ)" in dialog.left.caption.text() and dialog.left.has_map()

    dialog.grab().save("/work/scratch/bbcompare/shot_ok.png") if __import__("os").environ.get("SHOT") else None
    # a model file without its sidecar: the loader's one line in the dialog, nothing else breaks
    bad = tmp_path / "models" / "broken.pt"
    bad.write_bytes(b"not a model")
    dialog.ask_model_file = lambda: str(bad)
    with qtbot.waitSignal(dialog.comparisonShown, timeout=30_000) as signal:
        dialog.choose_button.click()
    assert signal.args == [False]
    assert "cannot be used" in dialog.message.text() and "broken.toml is missing" in dialog.message.text()
    assert dialog.isVisible() and dialog.left.has_map() and dialog.run_button.isEnabled()
    assert w.settings.current.compare_backbone == str(bad)
    dialog.grab().save("/work/scratch/bbcompare/shot.png") if __import__("os").environ.get("SHOT") else None
    dialog.close()


def test_the_second_network_judges_under_the_first_results_profile(qtbot, make_window, portrait_folder):
    # its engine loaded under the window's profile and kept it: a photo with a profile of its own, or a window-wide
    # switch since, showed the two networks' results under two profiles, the difference read as the networks'
    def factory(device, profile, backbone=""):
        return FakeAnalyzer(device, profile)

    w = make_window(factory)
    w.open_paths([str(portrait_folder(2, broken=False))])
    qtbot.waitUntil(lambda: all(r.analysis is not None for r in w.session.records), timeout=10_000)
    w.browser.select_row(0)
    w.checklist.photo_profile.setCurrentIndex(w.checklist.photo_profile.findData("strict"))
    qtbot.waitUntil(lambda: w.checklist.analysis.profile == "strict", timeout=10_000)
    for row, expected in ((0, "strict"), (1, "lenient")):
        if row == 1:
            w.set_profile("lenient")  # after the second network loaded under icao-9303
            w.browser.select_row(1)
            qtbot.waitUntil(lambda: w.checklist.analysis.profile == "lenient", timeout=10_000)
        assert w.compare_networks()
        with qtbot.waitSignal(w.networks.comparisonShown, timeout=10_000):
            w.networks.run_comparison("second.pt")
        assert w.networks.second.analysis.profile == w.networks.first.analysis.profile == expected


def test_the_compare_dialog_fits_a_small_scaled_screen(qtbot, monkeypatch):
    # screen walk-through: on a 1366x768 screen at 125 % (582 pixels high less the task bar) the dialog was 631 pixels
    # tall at least, its Close button off the screen; its maps now give way
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QWidget

    from pfiq_desktop.gui.backbone_dialog import NetworkPanel

    small = type("Screen", (), {"availableGeometry": lambda _self: QRect(0, 0, 1093, 582)})()
    monkeypatch.setattr(QWidget, "screen", lambda _self: small)
    panels = QWidget()
    qtbot.addWidget(panels)
    panel = NetworkPanel("Network in use", panels)
    assert panel.picture.height() <= 582 - 280 and panel.minimumSizeHint().height() < 582 - 150
