"""The window and `pfiq report` read and write the same decisions."""

from __future__ import annotations

from pfiq_desktop import appdirs
from pfiq_desktop.engine.results import Analysis


def test_gui_and_cli_use_the_same_review_store(make_window, data_dir, tmp_path, capsys):
    from pfiq_desktop.cli import build_parser
    from tests.gui.fakes import fake_factory

    window = make_window(fake_factory())
    assert window.store.path == appdirs.store_path() == data_dir / "reviews.sqlite3"
    assert window.cache.path == appdirs.cache_path()
    saved = tmp_path / "a.json"
    saved.write_text(Analysis(source=str(tmp_path / "a.jpg"), image_size=(1, 1), errors=["x"]).to_json())
    args = build_parser().parse_args(["report", str(saved), "--out", str(tmp_path / "out"), "--format", "csv"])
    args.handler(args)
    assert f"decisions from the review store {appdirs.store_path()}" in capsys.readouterr().err
