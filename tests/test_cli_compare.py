"""`pfiq compare` as a user runs it: one pair, a pairs file, and the exit codes of its errors."""

from __future__ import annotations

import csv

import cv2
import numpy as np
import pytest

from pfiq_desktop.cli.compare import PairsFileError, read_pairs
from pfiq_desktop.engine.comparison import Comparison
from pfiq_desktop.reports.comparison_pdf import read_embedded_comparison
from tests.photos import SHARED_FACES, load_portrait, portrait_paths, save_rgb, shared_missing, variant
from tests.run_cli import pfiq


def test_one_pair_prints_score_and_decision_and_writes_png_pdf_json(tmp_path):
    # (the bundled portraits are of different people: `tests/test_compare.py` compares a person with a copy standing in)
    new = save_rgb(tmp_path / "new photo.jpg", np.ascontiguousarray(variant(load_portrait(1), 1)))
    out = tmp_path / "out"
    run = pfiq("compare", str(new), str(portrait_paths()[0]), "--out", str(out), "--device", "cpu")
    assert run.returncode == 0, run.stderr
    assert "score 0.8" in run.stdout and "Not the same person (no_match)" in run.stdout
    stem = f"new photo__vs__{portrait_paths()[0].stem}"
    assert sorted(p.name for p in out.iterdir()) == [f"{stem}.json", f"{stem}.pdf", f"{stem}.png"]
    comparison = Comparison.from_json((out / f"{stem}.json").read_text())
    assert comparison.decision == "no_match" and comparison.a.image_sha256 and comparison.b.image_sha256
    figure = cv2.imread(str(out / f"{stem}.png"))
    assert figure is not None and figure.shape[1] >= 1000 and figure.std() > 20
    assert read_embedded_comparison(out / f"{stem}.pdf").score == comparison.score


@pytest.mark.skipif(bool(shared_missing("identity_public_figures")), reason=str(shared_missing("identity_public_figures")))
def test_two_photos_of_one_person_are_the_same_person_end_to_end(tmp_path):
    # every other run of the command compared different people or one picture again: no bundled photos show one person
    # twice, so a real renewal's answer was seen only through the API (the developers' press photos, two occasions)
    folder = SHARED_FACES / "identity_public_figures" / "obama"
    out = tmp_path / "out"
    run = pfiq("compare", str(folder / "obama.jpg"), str(folder / "obama2.jpg"), "--out", str(out), "--format", "json",
               "--device", "cpu", "--no-store")
    assert run.returncode == 0, run.stderr
    assert "Same person (match)" in run.stdout, run.stdout
    assert Comparison.from_json((out / "obama__vs__obama2.json").read_text()).decision == "match"


def test_the_picture_on_file_saved_again_is_not_compared_and_the_exit_code_says_so(tmp_path):
    # the reference mirrored, brightened and saved again passed as "Same person" with no word that it was not new
    again = save_rgb(tmp_path / "new photo.jpg", np.ascontiguousarray(variant(load_portrait(0), 1)))
    run = pfiq("compare", str(again), str(portrait_paths()[0]), "--device", "cpu")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Not compared (not_compared): photo A is photo B's picture again, not a new photo" in run.stdout


def test_pairs_file_writes_a_results_csv_and_says_which_pair_had_no_face(tmp_path):
    wall = save_rgb(tmp_path / "wall.png", np.full((200, 200, 3), 90, np.uint8))
    first, second = portrait_paths(2)
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(f"new,reference\n# a comment\n{first},{second}\n\n{first},{wall.name}\n", encoding="utf-8")
    out = tmp_path / "out"
    run = pfiq("compare", "--pairs", str(pairs), "--out", str(out), "--format", "png", "--device", "cpu", "--profile", "icao-9303")
    assert run.returncode == 1, "a pair that could not be compared makes the exit code say so"
    assert "no_match" in run.stdout and "not_compared" in run.stdout and "photo B: no face found" in run.stdout
    with open(out / "pfiq-comparisons.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["decision"] for r in rows] == ["no_match", "not_compared"]
    assert float(rows[0]["score"]) < float(rows[0]["not_same_below"]) and rows[1]["errors"] == "photo B: no face found"
    assert {r["profile"] for r in rows} == {"icao-9303"}  # the checklist its verdicts were judged under
    assert len(list(out.glob("*.png"))) == 2  # the pair with no face too: its figure says so


def test_usage_errors_exit_2(tmp_path):
    photo = str(portrait_paths()[0])
    missing = pfiq("compare", photo, str(tmp_path / "gone.jpg"))
    assert missing.returncode == 2 and "no such photo" in missing.stderr
    both = pfiq("compare", photo, photo, "--pairs", "x.csv", "--out", str(tmp_path))
    assert both.returncode == 2 and "not both" in both.stderr
    bad_pairs = tmp_path / "bad.csv"
    bad_pairs.write_text(f"{photo}\n", encoding="utf-8")
    one_column = pfiq("compare", "--pairs", str(bad_pairs), "--out", str(tmp_path))
    assert one_column.returncode == 2 and "line 1 has 1 photos; expected two" in one_column.stderr
    # an empty first cell is an error named by the line an editor shows (it was skipped without a word, and a
    # bad row after comments and blank lines was numbered among the remaining rows)
    bad_pairs.write_text(f"new,reference\n# comment\n\n{photo},{photo},,\n,{photo}\n", encoding="utf-8")
    empty_cell = pfiq("compare", "--pairs", str(bad_pairs), "--out", str(tmp_path))
    assert empty_cell.returncode == 2 and "line 5 has 1 photos; expected two" in empty_cell.stderr


def test_unreadable_photo_exits_1(tmp_path):
    # its name carries terminal escapes that erased the line and wrote a forged "Same person" (security review)
    broken = tmp_path / "new\x1b[2K\x1b[1Gscore 0.912  Same person\x1b[8m.jpg"
    broken.write_bytes(b"not a jpeg")
    run = pfiq("compare", str(broken), str(portrait_paths()[0]), "--device", "cpu")
    assert run.returncode == 1 and "Not compared" in run.stdout and "photo A:" in run.stdout
    assert "\x1b" not in run.stdout and "\\x1b[2K" in run.stdout, run.stdout


def test_a_second_applicants_comparison_never_replaces_the_firsts(tmp_path):
    # two applicants' IMG_0001.jpg compared with the same reference into one folder: the second replaced the first's
    # PNG, PDF and JSON without a word; comparing a pair again replaces its own
    import json

    reference = portrait_paths()[2]
    photos = [save_rgb(tmp_path / folder / "IMG_0001.jpg", np.ascontiguousarray(variant(load_portrait(index), 1)))
              for folder, index in (("a", 0), ("b", 1))]
    out = tmp_path / "out"
    for photo in (*photos, photos[0]):
        run = pfiq("compare", str(photo), str(reference), "--out", str(out), "--format", "json", "--device", "cpu")
        assert run.returncode == 0, run.stderr
    stem = f"IMG_0001__vs__{reference.stem}"
    found = {p.name: json.loads(p.read_text())["a"]["source"] for p in out.iterdir()}
    assert found == {f"{stem}.json": str(photos[0]), f"{stem}_2.json": str(photos[1])}
    # without a JSON to say whose they are, a name's PNG or PDF is not replaced either (review of the day's diff)
    pictures = tmp_path / "pictures"
    for photo in photos:
        run = pfiq("compare", str(photo), str(reference), "--out", str(pictures), "--format", "png", "--device", "cpu")
        assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in pictures.iterdir()) == [f"{stem}.png", f"{stem}_2.png"]


def test_a_pairs_file_saved_by_a_european_excel_is_read(tmp_path):
    # international walk-through: German Excel saves "CSV" with semicolons (the file read "line 1 has 1 photos"), and
    # a file in the Windows code page gave "'utf-8' codec can't decode byte 0xfc"
    first, second = portrait_paths(2)
    for separator in (";", "\t", ","):
        pairs = tmp_path / "pairs.csv"
        pairs.write_text(f"neu{separator}Referenz\n# Kommentar\n{first}{separator}{second}\n{second}{separator}{first}\n",
                         encoding="utf-8-sig")
        assert read_pairs(pairs) == [(first.resolve(), second.resolve()), (second.resolve(), first.resolve())], separator
    # names holding the other separators (a review): Excel leaves "Müller, Hans" unquoted in a semicolon file
    folder = tmp_path / "names"
    folder.mkdir()
    for name in ("Müller, Hans.jpg", "a;1.jpg", "b;1.jpg"):
        (folder / name).write_bytes(first.read_bytes())
    for text, expected in (("Müller, Hans.jpg;x.jpg\n", [("Müller, Hans.jpg", "x.jpg")]),
                           ("a;1.jpg,b;1.jpg,\nb;1.jpg,a;1.jpg\nb;1.jpg,a;1.jpg,,\n",
                            [("a;1.jpg", "b;1.jpg"), ("b;1.jpg", "a;1.jpg"), ("b;1.jpg", "a;1.jpg")]),
                           ("Müller, Hans.jpg\tb;1.jpg\n", [("Müller, Hans.jpg", "b;1.jpg")])):
        (folder / "pairs.csv").write_text(text, encoding="utf-8")
        assert read_pairs(folder / "pairs.csv") == [((folder / a).resolve(), (folder / b).resolve()) for a, b in expected]
    pairs.write_bytes(f"Müller.jpg;{first}\n".encode("cp1252"))
    with pytest.raises(PairsFileError, match="not UTF-8 text; save it as \"CSV UTF-8\""):
        read_pairs(pairs)
