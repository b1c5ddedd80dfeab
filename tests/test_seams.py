"""One owner for each fact: the data folder, the settings, the photo-wide map."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np

from pfiq_desktop import appdirs
from pfiq_desktop.engine.results import Analysis, Face
from pfiq_desktop.settings import Settings, SettingsStore
from tests.photos import REPO


def test_data_folder_is_where_qt_puts_application_data(tmp_path):
    """Decisions recorded by earlier GUI versions (Qt's AppDataLocation) stay where the CLI now looks."""
    code = (
        "from PySide6.QtCore import QCoreApplication, QStandardPaths\n"
        "from pfiq_desktop import APP_NAME, ORG_NAME, appdirs\n"
        "QCoreApplication.setOrganizationName(ORG_NAME); QCoreApplication.setApplicationName(APP_NAME)\n"
        "app = QCoreApplication([])\n"
        "qt = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)\n"
        "print(qt); print(appdirs.data_dir())\n"
    )
    env = {k: v for k, v in os.environ.items() if k != appdirs.DATA_DIR_ENV}
    env["HOME"] = str(tmp_path)
    env.pop("XDG_DATA_HOME", None)
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, cwd=REPO)
    qt, ours = run.stdout.splitlines()
    assert qt == ours and ours.startswith(str(tmp_path))


def test_report_warns_when_the_decisions_are_in_another_store(data_dir, tmp_path, capsys):
    from pfiq_desktop.cli import build_parser
    from pfiq_desktop.review import ReviewStore

    photo = REPO / "resources" / "sample_astronaut.jpg"
    with ReviewStore(appdirs.store_path()) as app_store:
        app_store.record_decision(photo, "a" * 64, "reject", officer="kim")
    elsewhere = tmp_path / "other.sqlite3"
    ReviewStore(elsewhere).close()
    args = build_parser().parse_args(["report", str(photo), "--out", str(tmp_path / "out"), "--format", "csv",
                                      "--store", str(elsewhere), "--device", "cpu"])
    args.handler(args)
    err = capsys.readouterr().err
    assert f"none of these photos has a decision in {elsewhere}" in err
    assert f"1 of them have decisions in {appdirs.store_path()}" in err


def test_report_does_not_deny_the_decisions_of_a_moved_folder(data_dir, tmp_path, capsys):
    # "none of these photos has a decision" was printed over a CSV that held every one (found by their bytes)
    import shutil

    from pfiq_desktop.cli import build_parser
    from pfiq_desktop.reports.naming import BATCH_FILES
    from pfiq_desktop.review import ReviewStore, file_sha256

    before, after = tmp_path / "photos", tmp_path / "photos_archived"
    before.mkdir()
    photo = before / "applicant.jpg"
    shutil.copy(REPO / "resources" / "sample_astronaut.jpg", photo)
    with ReviewStore(appdirs.store_path()) as store:
        store.record_decision(photo, file_sha256(photo), "reject", officer="kim")
    before.rename(after)
    args = build_parser().parse_args(["report", str(after), "--out", str(tmp_path / "out"), "--format", "csv",
                                      "--device", "cpu"])
    args.handler(args)
    assert "none of these photos has a decision" not in capsys.readouterr().err
    assert ",reject," in (tmp_path / "out" / BATCH_FILES["csv"]).read_text()


def test_command_line_overrides_are_for_the_session_only(data_dir):
    SettingsStore().update(profile="icao-9303", officer="kim")
    session = SettingsStore(overrides={"profile": "strict", "device": ""})
    assert session.current.profile == "strict" and session.current.officer == "kim"
    session.update(officer="lee")  # saving another setting must not save the override
    assert json.loads(appdirs.settings_path().read_text())["profile"] == "icao-9303"
    assert SettingsStore().current == Settings(profile="icao-9303", officer="lee")
    session.update(profile="lenient")  # the officer's own choice replaces the override and is saved
    assert session.current.profile == SettingsStore().current.profile == "lenient"


def test_damaged_settings_file_falls_back_to_defaults(data_dir, caplog):
    appdirs.settings_path().parent.mkdir(parents=True, exist_ok=True)
    appdirs.settings_path().write_text('{"profile": 3, "theme": "purple", "officer": "kim"')
    assert SettingsStore().current == Settings()
    appdirs.settings_path().write_text('{"profile": 3, "theme": "purple", "officer": "kim"}')
    assert SettingsStore().current == Settings(officer="kim")
    assert "ignoring profile=3" in caplog.text and "unknown theme 'purple'" in caplog.text


def _face(chip_value: float, transform: np.ndarray) -> Face:
    """A face whose 68 landmarks ring the chip's middle (radius 70 chip px) and whose PLQ is `chip_value` throughout."""
    angles = np.linspace(0, 2 * np.pi, 68, endpoint=False)
    ring = np.column_stack([75 + 70 * np.cos(angles), 75 + 70 * np.sin(angles)])
    on_photo = (ring - transform[:, 2]) / transform[0, 0]  # the chip transforms here only shift
    return Face(box=(0, 0, 1, 1), detection_score=1.0, landmarks=on_photo.astype(np.float32),
                landmarks5=np.zeros((5, 2), np.float32), chip_transform=transform, photo_shape=(300, 300),
                plq_chip=np.full((150, 150), chip_value, np.float32))


def test_photo_map_lets_the_main_face_win_overlaps_and_draws_the_plq_on_the_face_alone():
    main = _face(0.9, np.array([[1.0, 0, -50], [0, 1.0, -50]]))  # chip covers photo 50..200
    other = _face(0.1, np.array([[1.0, 0, -120], [0, 1.0, -120]]))  # chip covers photo 120..270
    analysis = Analysis(source="x", image_size=(300, 300), faces=[main, other])
    photo = analysis.photo_map()
    assert photo is not None and photo.shape == (300, 300)
    assert np.isnan(photo[10, 10])  # no face there
    assert photo[150, 150] == np.float32(0.9)  # overlap: the main face
    assert photo[230, 230] == np.float32(0.1)  # only the other face
    # the crop's corner, outside the face: its border read red on every photo (map-reading walk-through)
    assert np.isnan(photo[53, 53]) and main.plq[53, 53] == np.float32(0.9)
    assert Analysis(source="x", image_size=(300, 300)).photo_map() is None
