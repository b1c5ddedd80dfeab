"""Which files are photos, what had to be skipped, and the resolved paths the review store keys decisions by."""

from __future__ import annotations

import os
import socket

from pfiq_desktop.engine.discovery import find_images, resolve_paths


def test_folders_expand_to_sorted_photos_and_files_stay_as_given(tmp_path):
    for name in ("b.jpg", "a.PNG", ".hidden.jpg", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    odd = tmp_path / "scan.dat"
    odd.write_bytes(b"x")
    found = find_images([tmp_path, odd])
    assert [p.name for p in found.files] == ["a.PNG", "b.jpg", "scan.dat"] and not found.skipped


def test_less_common_photo_names_are_found_so_none_is_left_out_without_a_word(tmp_path):
    # a folder scan said "1 photo" over applicant1.jfif, applicant2.jpe and IMG_1234.HEIC (a phone's default)
    names = ["IMG_1234.HEIC", "a.JPG", "applicant1.jfif", "applicant2.jpe", "b.heif", "c.avif", "d.MPO"]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in find_images([tmp_path]).files] == names


def test_looping_and_broken_links_and_pipes_are_reported_not_dropped(tmp_path):
    (tmp_path / "good.jpg").write_bytes(b"x")
    (tmp_path / "loop_a.jpg").symlink_to(tmp_path / "loop_b.jpg")
    (tmp_path / "loop_b.jpg").symlink_to(tmp_path / "loop_a.jpg")
    (tmp_path / "self.png").symlink_to(tmp_path / "self.png")
    (tmp_path / "broken.jpg").symlink_to(tmp_path / "gone.jpg")
    os.mkfifo(tmp_path / "pipe.jpg")  # reading it would block forever
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "socket.png"))
    (tmp_path / "album.jpg").mkdir()  # a folder named like a photo is a folder, not a problem
    (tmp_path / "notes.txt").symlink_to(tmp_path / "gone.txt")  # not a photo name: not our business
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deep.jpg").write_bytes(b"x")
    (tmp_path / "sub" / "up").symlink_to(tmp_path, target_is_directory=True)  # a folder loop, not followed
    try:
        found = find_images([tmp_path], recursive=True)
    finally:
        server.close()
    assert [p.name for p in found.files] == ["good.jpg", "deep.jpg"]
    reasons = {s.path.name: s.reason for s in found.skipped}
    assert reasons == {
        "broken.jpg": "a broken link (what it points to does not exist)",
        "loop_a.jpg": "a link that loops back on itself",
        "loop_b.jpg": "a link that loops back on itself",
        "self.png": "a link that loops back on itself",
        "pipe.jpg": "not a regular file (a pipe, socket or device)",
        "socket.png": "not a regular file (a pipe, socket or device)",
    }


def test_an_unlistable_folder_is_reported(tmp_path, monkeypatch):
    import pfiq_desktop.engine.discovery as discovery

    def refuse(path):
        raise PermissionError(13, "Permission denied")

    (tmp_path / "locked").mkdir()
    monkeypatch.setattr(discovery.os, "scandir", refuse)
    found = find_images([tmp_path / "locked"])
    assert not found.files
    assert [(s.path.name, s.reason) for s in found.skipped] == [("locked", "the folder cannot be listed (Permission denied)")]


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


def test_a_photo_found_also_through_a_link_keeps_its_own_name(tmp_path):
    # link_to_top.jpg (sorted first) replaced top.jpg in the table and the outputs, and top.jpg vanished without a word
    (tmp_path / "top.jpg").write_bytes(b"x")
    (tmp_path / "link_to_top.jpg").symlink_to(tmp_path / "top.jpg")
    (tmp_path / "only_a_link.jpg").symlink_to(tmp_path / "elsewhere.jpg")
    (tmp_path / "elsewhere.jpg").write_bytes(b"y")
    found = find_images([tmp_path])
    assert [p.name for p in found.files] == ["elsewhere.jpg", "top.jpg"]
