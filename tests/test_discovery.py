"""Which files are photos, and the resolved paths the review store keys decisions by."""

from __future__ import annotations

import os

from pfiq_desktop.engine.discovery import expand_image_paths, resolve_paths


def test_folders_expand_to_sorted_photos_and_files_stay_as_given(tmp_path):
    for name in ("b.jpg", "a.PNG", ".hidden.jpg", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    odd = tmp_path / "scan.dat"
    odd.write_bytes(b"x")
    found = expand_image_paths([tmp_path, odd])
    assert [p.name for p in found] == ["a.PNG", "b.jpg", "scan.dat"]


def test_resolve_paths_matches_realpath_for_links_folders_and_relative_paths(tmp_path, monkeypatch):
    real = tmp_path / "real"
    real.mkdir()
    (real / "photo.jpg").write_bytes(b"x")
    (tmp_path / "folder_link").symlink_to(real, target_is_directory=True)
    (tmp_path / "file_link.jpg").symlink_to(real / "photo.jpg")
    (real / "deeper").mkdir()
    (tmp_path / "deep_link").symlink_to(real / "deeper", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    paths = [
        real / "photo.jpg",
        tmp_path / "folder_link" / "photo.jpg",  # the parent is a link
        tmp_path / "file_link.jpg",  # the file itself is a link
        "real/../real/photo.jpg",  # relative, with ..
        tmp_path / "real" / "missing.jpg",  # need not exist
        "deep_link/../photo.jpg",  # '..' after a linked folder: real/photo.jpg, not (lexically) ./photo.jpg
        tmp_path / "real" / "..",
    ]
    assert resolve_paths(paths) == [os.path.realpath(p) for p in paths]
    assert len(set(resolve_paths(paths[:4]))) == 1
