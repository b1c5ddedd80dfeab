"""`pfiq analyse` and `pfiq embed` as a user runs them.

The commands run in this process (`tests/run_cli.py`: the same exit code and output, without a process's start-up
each time); a folder of good, broken and faceless photos, a stopped run and a console in another code page run as
processes."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import dlib
import numpy as np
import pytest

from pfiq_desktop.engine import Analysis
from pfiq_desktop.engine.faces import FaceDetector, chip_transform, extract_chip
from pfiq_desktop.engine.models import RECOGNITION_MODEL, model_path
from tests.photos import REPO, portrait_paths
from tests.run_cli import pfiq

SAMPLE = REPO / "resources" / "sample_astronaut.jpg"


def test_analyse_folder_with_a_bad_file(tmp_path, astronaut):
    photos = tmp_path / "photos"
    photos.mkdir()
    cv2.imwrite(str(photos / "a good one.png"), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    (photos / "broken.jpg").write_bytes(b"not a jpeg at all")
    cv2.imwrite(str(photos / "empty wall.png"), np.full((200, 200, 3), 90, np.uint8))
    cv2.imwrite(str(photos / "scan.png"), cv2.rotate(cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR), cv2.ROTATE_90_CLOCKWISE))
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "pfiq_desktop.cli", "analyse", str(photos), "--out", str(out), "--device",
                          "cpu"], cwd=REPO, capture_output=True, text=True, timeout=600)  # (a process, as a user runs it)
    assert run.returncode == 1, "a broken or faceless photo must make the exit code say so"
    assert "broken.jpg" in run.stdout and "error" in run.stdout and "No face found" in run.stdout
    assert "Photo stored sideways" in run.stdout  # it said "no face found", as for the empty wall
    assert "4 photos (3 fail, 1 error), 3 with problems" in run.stdout
    good = next(line for line in run.stdout.splitlines() if line.startswith("a good one.png"))
    assert "Mouth open or teeth showing, Background not plain +" in good  # what fails, as the photo list names it (smiling before a flag)
    good = Analysis.from_json((out / "a good one.json").read_text())
    assert good.ok and len(good.faces) == 1 and good.checks
    overview = cv2.imread(str(out / "a good one.png"))
    assert overview is not None and overview.shape[1] > 2 * 480 * 0.9 and overview.std() > 20
    broken = Analysis.from_json((out / "broken.json").read_text())
    assert broken.verdict == "error" and "broken.jpg" in broken.errors[0]
    assert not (out / "broken.png").exists()


def test_analyse_only_json_and_clean_exit(tmp_path):
    run = pfiq("analyse", str(SAMPLE), "--out", str(tmp_path), "--format", "json", "--device", "cpu")
    assert run.returncode == 0, run.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["sample_astronaut.json"]


def test_a_folder_entry_skipped_makes_the_exit_code_say_so(tmp_path):
    # the README's exit code 1 covers "a folder entry skipped": a script that checks only the exit code would take a
    # folder with a photo it never saw (a link to a file moved away) for a complete run
    photos = tmp_path / "photos"
    photos.mkdir()
    good = portrait_paths()[0]
    (photos / good.name).write_bytes(good.read_bytes())
    (photos / "gone.jpg").symlink_to(tmp_path / "moved away.jpg")
    run = pfiq("analyse", str(photos), "--out", str(tmp_path / "out"), "--format", "json", "--device", "cpu")
    assert run.returncode == 1, run.stdout + run.stderr
    assert f"skipped {photos / 'gone.jpg'}: " in run.stderr and "1 photo (" in run.stdout and ", 1 skipped;" in run.stdout
    assert [p.name for p in (tmp_path / "out").iterdir()] == [f"{good.stem}.json"]


def test_a_second_run_takes_what_was_analysed_from_the_cache_so_a_stopped_run_resumes(tmp_path, astronaut):
    # a run stopped half-way analysed every photo again (257 photos: 117 s)

    photos = tmp_path / "photos"
    photos.mkdir()
    for name, image in (("first", astronaut), ("second", astronaut[:, ::-1].copy())):
        cv2.imwrite(str(photos / f"{name}.png"), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    env = {"PFIQ_DATA_DIR": str(tmp_path / "data")}

    def analyse(*paths, extra=()):
        run = pfiq("analyse", *map(str, paths), "--out", str(tmp_path / "out"), "--device", "cpu", *extra, env=env)
        assert run.returncode in (0, 1), run.stderr
        return {line.split()[0]: line for line in run.stdout.splitlines() if line.startswith(("first", "second"))}

    analyse(photos / "first.png")  # the run that stopped after the first photo
    before = (tmp_path / "out" / "first.json").read_text()
    rows = analyse(photos)
    assert " cached " in rows["first.png"] and " cached " not in rows["second.png"]
    assert (tmp_path / "out" / "first.json").read_text() == before  # the same analysis
    assert all(" cached " in row for row in analyse(photos).values())
    assert not any(" cached " in row for row in analyse(photos, extra=["--no-cache"]).values())


def test_an_output_folder_holding_the_photos_never_replaces_one(tmp_path, astronaut):
    # `pfiq analyse same --out same` replaced mask.png by its annotated picture, and x.png by x.jpg's before reading it
    photos = tmp_path / "same"
    photos.mkdir()
    for name in ("mask.png", "x.jpg", "x.png"):
        cv2.imwrite(str(photos / name), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    before = {p.name: p.read_bytes() for p in photos.iterdir()}
    for command in (["analyse", str(photos), "--out", str(photos)],
                    ["report", str(photos), "--out", str(photos), "--format", "png", "--overwrite", "--no-store"]):
        run = pfiq(*command, "--device", "cpu")
        assert run.returncode == 2 and "holds the photos themselves: the outputs would replace mask.png" in run.stderr, run.stderr
        assert {p.name: p.read_bytes() for p in photos.iterdir()} == before
        assert "analysing" not in run.stderr  # said before any photo is analysed


def two_applicants(tmp_path: Path, astronaut: np.ndarray, name: str) -> tuple[Path, Path]:
    """Two folders b1 and b2, each holding one applicant's photo under the same camera name."""
    folders = tmp_path / "b1", tmp_path / "b2"
    for folder, image in zip(folders, (astronaut, astronaut[:, ::-1]), strict=True):
        folder.mkdir()
        cv2.imwrite(str(folder / name), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    return folders


def test_results_of_other_photos_with_the_same_names_are_never_replaced(tmp_path, astronaut):
    # `pfiq analyse b1 --out res; pfiq analyse b2 --out res` replaced b1's IMG_0001.json with b2's, without a word
    # (camera names repeat between applicants). Then the second run was refused, and --overwrite, which the refusal
    # offered, replaced b1's result; b2's own result, numbered IMG_0001_2 by a run over both, was not found again.
    first, second = two_applicants(tmp_path, astronaut, "IMG_0001.png")
    out = tmp_path / "res"

    def sources():
        return {p.name: json.loads(p.read_text())["source"] for p in out.glob("*.json")}

    both = {"IMG_0001.json": str(first / "IMG_0001.png"), "IMG_0001_2.json": str(second / "IMG_0001.png")}
    assert pfiq("analyse", str(first), "--out", str(out), "--device", "cpu").returncode == 0
    before = (out / "IMG_0001.json").read_bytes()
    run = pfiq("analyse", str(second), "--out", str(out), "--device", "cpu")
    assert run.returncode == 0 and "IMG_0001.png -> IMG_0001_2" in run.stdout, run.stdout + run.stderr  # where it went
    assert sources() == both and (out / "IMG_0001.json").read_bytes() == before and (out / "IMG_0001_2.png").exists()
    for again in (second, first):  # each replaces its own result, under the name it has
        assert pfiq("analyse", str(again), "--out", str(out), "--device", "cpu", "--overwrite").returncode == 0
        assert sources() == both
    run = pfiq("analyse", str(tmp_path), "--recursive", "--out", str(out), "--device", "cpu")  # both, told apart
    assert run.returncode == 0 and sources() == both, run.stderr
    assert "b1/IMG_0001.png " in run.stdout and "b2/IMG_0001.png -> IMG_0001_2" in run.stdout, run.stdout
    # a picture nothing names the photo of (a file of the officer's) is still not replaced without --overwrite
    (out / "IMG_0001.json").unlink()
    cv2.imwrite(str(out / "IMG_0001.png"), np.full((20, 20, 3), 200, np.uint8))
    run = pfiq("analyse", str(second), str(first), "--out", str(out), "--device", "cpu")
    assert run.returncode == 2 and "no result there says they are these photos' (IMG_0001.png)" in run.stderr


def test_pictures_alone_name_their_photos_so_a_run_repeats_and_never_takes_anothers_name(tmp_path, astronaut):
    # with --format png no JSON told whose a picture was: the same command again was refused, and --overwrite, which
    # the refusal offered, then wrote applicant B's picture over A's IMG_0001.png (CLI walk-through)
    from pfiq_desktop.engine.discovery import annotated_photo

    first, second = two_applicants(tmp_path, astronaut, "IMG_0001.jpg")
    out = tmp_path / "res"

    def owners():
        return {p.name: annotated_photo(p) for p in sorted(out.iterdir())}

    both = {"IMG_0001.png": str(first / "IMG_0001.jpg"), "IMG_0001_2.png": str(second / "IMG_0001.jpg")}
    for _ in range(2):  # the same command twice
        run = pfiq("analyse", str(first), str(second), "--out", str(out), "--format", "png", "--device", "cpu")
        assert run.returncode == 0 and owners() == both, run.stdout + run.stderr
    for options in ((), ("--overwrite",)):  # B alone, then as the refusal offered: its own name, never A's
        run = pfiq("analyse", str(second), "--out", str(out), "--format", "png", "--device", "cpu", *options)
        assert run.returncode == 0 and "IMG_0001.jpg -> IMG_0001_2" in run.stdout and owners() == both, run.stdout + run.stderr
    # a name that is not valid UTF-8 is kept whole, so its picture is found again, not copied anew (review)
    odd = tmp_path / "odd"
    odd.mkdir()
    photo = os.fsdecode(bytes(odd) + b"/bad\xff.jpg")
    Path(photo).write_bytes((first / "IMG_0001.jpg").read_bytes())
    for _ in range(2):
        assert pfiq("analyse", str(odd), "--out", str(tmp_path / "odd_res"), "--format", "png", "--device", "cpu").returncode == 0
    assert [annotated_photo(p) for p in (tmp_path / "odd_res").iterdir()] == [photo]
    # reported, pictures alone gave "no photos or analysis files found" and no word of what to give (CLI walk-through)
    run = pfiq("report", str(out), "--out", str(tmp_path / "rep"), "--format", "csv")
    assert run.returncode == 2 and "report the photos themselves, or the JSON results" in run.stderr, run.stderr


def test_a_report_that_would_replace_earlier_reports_stops_before_analysing(tmp_path):
    # it analysed the whole batch (8 s for 8 photos, hours for an archive folder) before saying the reports existed
    out = tmp_path / "out"
    out.mkdir()
    (out / "sample_astronaut.pdf").write_bytes(b"an earlier report")
    run = pfiq("report", str(SAMPLE), "--out", str(out), "--format", "pdf", "--no-store", "--device", "cpu")
    assert run.returncode == 2 and "1 report already exists" in run.stderr and "analysing" not in run.stderr
    assert (out / "sample_astronaut.pdf").read_bytes() == b"an earlier report"


def test_an_output_folder_inside_the_photos_folder_is_not_read_as_photos(tmp_path, astronaut):
    # with --recursive, a second run read its own annotated PNGs as applicants' photos (or refused to run)
    photos = tmp_path / "photos"
    photos.mkdir()
    cv2.imwrite(str(photos / "a.jpg"), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    for _ in range(2):
        run = pfiq("analyse", str(photos), "--recursive", "--out", str(photos / "results"), "--device", "cpu")
        assert run.returncode == 0 and "1 photo (1 fail), 0 with problems" in run.stdout, run.stderr
    assert sorted(p.name for p in (photos / "results").iterdir()) == ["a.json", "a.png"]


def test_a_report_from_saved_results_says_it_reads_them_and_names_the_photos(tmp_path):
    # "0/48 analysing mask.json" and "mask.json: no face found" (walk-through): results are read, not analysed, and
    # the officer looks for the photo, not its result file
    photos = tmp_path / "photos"
    photos.mkdir()
    cv2.imwrite(str(photos / "wall.jpg"), np.full((300, 240, 3), 200, np.uint8))
    made = pfiq("analyse", str(photos), "--out", str(tmp_path / "res"), "--format", "json", "--device", "cpu")
    assert (tmp_path / "res" / "wall.json").is_file(), made.stdout + made.stderr  # (exit 1: a photo without a face)
    run = pfiq("report", str(tmp_path / "res" / "wall.json"), "--format", "csv", "--no-store", "--out", str(tmp_path / "r"))
    said = run.stdout + run.stderr
    assert "0/1 reading wall.json" in run.stderr and "analysing" not in run.stderr, run.stderr
    assert "wall.jpg: no face found" in said and "wall.json: no face found" not in said, said
    # a second applicant's wall.jpg was saved as wall_2.json: its line names the result too, or two lines read alike
    (tmp_path / "res" / "wall.json").rename(tmp_path / "res" / "wall_2.json")
    run = pfiq("report", str(tmp_path / "res" / "wall_2.json"), "--format", "csv", "--no-store", "--out", str(tmp_path / "r2"))
    assert "wall.jpg (from wall_2.json): no face found" in run.stdout + run.stderr, run.stdout + run.stderr


def test_a_result_names_its_photo_wherever_it_is_reported_from(tmp_path, astronaut):
    # the JSON held the photo's path relative to where `analyse` ran: reported from elsewhere, the PDF showed no photo
    # and the command said nothing
    photos = tmp_path / "photos"
    photos.mkdir()
    cv2.imwrite(str(photos / "a.jpg"), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    made = pfiq("analyse", "photos", "--out", "res", "--format", "json,png", "--device", "cpu", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    report = ("report", str(tmp_path / "res" / "a.json"), "--format", "pdf", "--no-store")
    run = pfiq(*report, "--out", str(tmp_path / "first"))
    assert run.returncode == 0 and "not at" not in run.stdout, run.stdout + run.stderr
    # the whole output folder: its annotated a.png (photo and map side by side, two faces) was analysed as a photo
    run = pfiq("report", str(tmp_path / "res"), "--format", "csv", "--no-store", "--out", str(tmp_path / "folder"))
    rows = (tmp_path / "folder" / "pfiq-results.csv").read_text(encoding="utf-8-sig").splitlines()
    said = "1 annotated picture written by this application left out (e.g. a.png)"
    assert run.returncode == 0 and said in run.stderr, run.stdout + run.stderr
    assert len(rows) == 2 and "a.jpg" in rows[1] and "a.png" not in rows[1], rows
    # photos reported from a relative folder: the CSV and JSON named "photos/a.jpg", analyse's JSON the full path, so
    # a nightly script's runs from different folders did not join (CLI walk-through)
    run = pfiq("report", "photos", "--format", "csv,json", "--no-store", "--out", "relative", cwd=tmp_path)
    csv_rows = list(csv.DictReader((tmp_path / "relative" / "pfiq-results.csv").read_text(encoding="utf-8-sig").splitlines()))
    exported = json.loads((tmp_path / "relative" / "pfiq-results.json").read_text(encoding="utf-8"))
    assert run.returncode == 0 and [r["path"] for r in csv_rows] == [str(photos / "a.jpg")], run.stderr
    assert json.dumps(str(photos / "a.jpg")) in json.dumps(exported), exported
    # another applicant's photo under the analysed one's name (camera names repeat): the report drew that face under
    # this one's verdict, hash and decision, and said nothing
    cv2.imwrite(str(photos / "a.jpg"), cv2.cvtColor(astronaut[:, ::-1], cv2.COLOR_RGB2BGR))
    run = pfiq(*report, "--out", str(tmp_path / "replaced"))
    assert run.returncode == 1 and (f"a.jpg: the photo at {photos / 'a.jpg'} is another file than the one analysed (its "
                                    "contents changed since); its report shows none") in run.stdout, run.stdout
    (photos / "a.jpg").unlink()
    run = pfiq(*report, "--out", str(tmp_path / "second"))
    assert run.returncode == 1 and f"a.jpg: the photo is not at {photos / 'a.jpg'}; its report shows none" in run.stdout


def test_a_stopped_run_lists_the_photos_it_finished(tmp_path, astronaut):
    # stopped (SIGTERM, Ctrl+C) or out of disk, `pfiq analyse` printed no table at all: which photos were done?
    import signal
    import time

    photos = tmp_path / "photos"
    photos.mkdir()
    for shift in range(8):
        cv2.imwrite(str(photos / f"p{shift}.jpg"), cv2.cvtColor(np.roll(astronaut, 4 * shift, axis=1), cv2.COLOR_RGB2BGR))
    out = tmp_path / "out"
    env = dict(os.environ, PFIQ_DATA_DIR=str(tmp_path / "data"))
    run = subprocess.Popen([sys.executable, "-m", "pfiq_desktop.cli", "analyse", str(photos), "--out", str(out),
                            "--batch", "1", "--format", "json", "--device", "cpu"], cwd=REPO, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not (out / "p0.json").exists() and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    run.send_signal(signal.SIGTERM)
    stdout, stderr = run.communicate(timeout=120)
    assert run.returncode == 130, stderr
    finished = sorted(p.stem for p in out.glob("*.json"))
    assert finished and "cancelled after" in stderr
    assert [line.split()[0] for line in stdout.splitlines()[1:]] == [f"{stem}.jpg" for stem in finished]


def test_unknown_format_is_a_usage_error(tmp_path):
    run = pfiq("analyse", str(SAMPLE), "--out", str(tmp_path), "--format", "gif")
    assert run.returncode == 2 and "unknown: gif; choose a comma list of json, png" in run.stderr


@pytest.mark.parametrize("option", ["--batch", "--workers"])
def test_no_batch_or_workers_is_a_usage_error(tmp_path, option):
    # zero used to analyse nothing and report success
    run = pfiq("analyse", str(SAMPLE), "--out", str(tmp_path / "out"), option, "0")
    assert run.returncode == 2 and f"argument {option}: must be 1 or more, not 0" in run.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "option, expected",
    [("--map-method", "argument --map-method: invalid choice: 'bogus' (choose from 'gradient',"),
     ("--quality", "argument --quality: invalid choice: 'bogus' (choose from 'learned-head',"),
     ("--profile", "No profile named 'bogus'")],
)
def test_unknown_engine_option_is_a_clear_error(tmp_path, option, expected):
    run = pfiq("analyse", str(SAMPLE), "--out", str(tmp_path), "--device", "cpu", option, "bogus")
    assert run.returncode == 2 and expected in run.stderr and "Traceback" not in run.stderr


def test_embed_matches_dlib():
    run = pfiq("embed", str(SAMPLE), "--device", "cpu")
    assert run.returncode == 0, run.stderr
    embedding = np.array(json.loads(run.stdout)["embedding"])
    image = cv2.cvtColor(cv2.imread(str(SAMPLE)), cv2.COLOR_BGR2RGB)
    face = FaceDetector().detect(image)[0]
    chip = extract_chip(image, chip_transform(face.landmarks5))
    reference = np.array(dlib.face_recognition_model_v1(str(model_path(RECOGNITION_MODEL))).compute_face_descriptor(chip))
    assert embedding @ reference / np.linalg.norm(embedding) / np.linalg.norm(reference) > 0.99999


def test_a_saved_profile_that_no_longer_loads_is_named_as_the_saved_setting(tmp_path):
    # "exits 2 for every command" with a message that did not say where the profile came from

    data = tmp_path / "data"
    (data / "profiles").mkdir(parents=True)
    (data / "profiles" / "relaxed.toml").write_text('extends = "lenient"\n[checks.pose_roll]\nfail_bellow = 4\n')
    (data / "settings.json").write_text('{"profile": "relaxed"}')
    run = pfiq("analyse", str(SAMPLE), "--out", str(tmp_path / "out"), env={"PFIQ_DATA_DIR": str(data)})
    assert run.returncode == 2 and "fail_bellow is not a setting" in run.stderr
    assert "the profile saved in the application's settings: give --profile NAME" in run.stderr


def test_a_profile_chosen_in_the_window_is_named_on_the_console(tmp_path):
    # a supervisor's `pfiq report` judged a batch under the profile last picked in the window, without a word

    data = tmp_path / "data"
    data.mkdir()
    (data / "settings.json").write_text('{"profile": "lenient"}')
    env = {"PFIQ_DATA_DIR": str(data)}
    args = ["analyse", str(SAMPLE), "--out", str(tmp_path / "out"), "--format", "json", "--no-cache"]
    saved = pfiq(*args, env=env)
    assert "note: profile lenient (the one chosen in the window" in saved.stderr, saved.stdout + saved.stderr
    named = pfiq(*args, "--profile", "lenient", "--overwrite", env=env)
    assert "note: profile" not in named.stderr and named.returncode == saved.returncode


def test_progress_is_a_bar_on_a_terminal_and_plain_lines_in_a_log():
    # a cron log got a redrawn bar, about 90 bytes of carriage returns and padding per photo
    import io

    from pfiq_desktop.cli.progress import print_progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    log, terminal = io.StringIO(), Terminal()
    for stream in (log, terminal):
        print_progress(1, 2, "a.jpg", stream)
        print_progress(2, 2, "done", stream)
    assert log.getvalue() == "1/2 a.jpg\n2/2 done\n"
    assert terminal.getvalue().startswith("\r[" + "#" * 12 + "." * 12 + "] 1/2 a.jpg") and terminal.getvalue().endswith("\n")


def test_a_result_reported_with_another_profile_is_judged_under_it(tmp_path, astronaut):
    # `pfiq report X.json --profile us-passport` silently reported the JSON's own icao-9303 checks
    import csv

    photos = tmp_path / "photos"
    photos.mkdir()
    cv2.imwrite(str(photos / "a.jpg"), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))

    def cli(*args):
        return pfiq(*args, env={"PFIQ_DATA_DIR": str(tmp_path / "data")})

    made = cli("analyse", str(photos), "--out", str(tmp_path / "res"), "--format", "json", "--profile", "icao-9303")
    assert made.returncode == 0, made.stderr
    result = tmp_path / "res" / "a.json"

    def reported(out, *profile):
        run = cli("report", str(result), "--format", "csv", "--no-store", "--out", str(tmp_path / out), *profile)
        rows = list(csv.DictReader((tmp_path / out / "pfiq-results.csv").open(encoding="utf-8-sig"))) \
            if (tmp_path / out / "pfiq-results.csv").exists() else []
        return run, rows

    run, rows = reported("as_analysed")
    assert run.returncode == 0 and rows[0]["profile"] == "icao-9303", run.stderr
    run, rows = reported("lenient", "--profile", "lenient")
    assert run.returncode == 0 and rows[0]["profile"] == "lenient", run.stderr
    assert Analysis.from_json(result.read_text()).profile == "icao-9303"  # the result file itself is left as it was
    cv2.imwrite(str(photos / "a.jpg"), cv2.cvtColor(astronaut[:, ::-1], cv2.COLOR_RGB2BGR))  # another photo, same name
    run, rows = reported("replaced", "--profile", "strict")
    assert run.returncode == 1 and f"its photo {photos / 'a.jpg'} changed since it was analysed" in run.stdout, run.stdout
    (photos / "a.jpg").unlink()
    run, rows = reported("gone", "--profile", "strict")  # the result file is readable: its photo is what is missing
    assert run.returncode == 1 and "a.json: its checks cannot be re-run under --profile strict" in run.stdout, run.stdout
    assert "cannot read it" not in run.stdout
    run, rows = reported("misspelt", "--profile", "stirct")  # once, as a usage error, not "cannot read" per result file
    assert run.returncode == 2 and "No profile named 'stirct'" in run.stderr and "cannot read" not in run.stdout
    run = cli("report", "--results", str(tmp_path / "archive.sqlite3"), "--profile", "lenient", "--out", str(tmp_path / "r"))
    assert run.returncode == 2 and "--profile cannot be used with --results" in run.stderr


def test_a_report_judges_a_photo_under_the_profile_kept_for_it_in_the_window(tmp_path, astronaut):
    # the window's export of a child's photo given its own profile used it; `pfiq report` of the same photo judged it
    # under the adult rules
    import csv

    from pfiq_desktop.engine.hashing import file_sha256
    from pfiq_desktop.review import ReviewStore

    photos, data = tmp_path / "photos", tmp_path / "data"
    photos.mkdir()
    cv2.imwrite(str(photos / "child.jpg"), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    cv2.imwrite(str(photos / "adult.jpg"), cv2.cvtColor(astronaut[:, ::-1], cv2.COLOR_RGB2BGR))
    with ReviewStore(data / "reviews.sqlite3") as store:
        store.keep_photo_profile(photos / "child.jpg", file_sha256(photos / "child.jpg"), "uk-passport-child-under-6")
    env = {"PFIQ_DATA_DIR": str(data)}

    def reported(out, what, *profile):
        run = pfiq("report", what, "--format", "csv", "--out", str(tmp_path / out), "--device", "cpu", *profile, env=env)
        assert run.returncode == 0, run.stderr
        rows = csv.DictReader((tmp_path / out / "pfiq-results.csv").open(encoding="utf-8-sig"))
        return run.stderr, {os.path.basename(row["file"]): row["profile"] for row in rows}

    said, profiles = reported("saved", str(photos))
    assert profiles == {"child.jpg": "uk-passport-child-under-6", "adult.jpg": "icao-9303"}
    assert "note: judged under the profile kept for it alone in the window: child.jpg (uk-passport-child-under-6)" in said
    said, profiles = reported("one", str(photos), "--profile", "lenient")  # one profile named for all
    assert profiles == {"child.jpg": "lenient", "adult.jpg": "lenient"}
    assert "note: judged under --profile lenient, not the profile kept for it in the window: child.jpg" in said

    def analysed(out, *profile):
        run = pfiq("analyse", str(photos), "--out", str(tmp_path / out), "--format", "json", "--device", "cpu", *profile,
                   env=env)
        assert run.returncode == 0, run.stderr
        return run.stderr, {name: json.loads((tmp_path / out / f"{name}.json").read_text())["profile"] for name in
                            ("child", "adult")}

    # `pfiq analyse` judges it under the child's too (it used the window's profile for all)
    said, profiles = analysed("res")
    assert profiles == {"child": "uk-passport-child-under-6", "adult": "icao-9303"}, said
    assert "note: judged under the profile kept for it alone in the window: child.jpg (uk-passport-child-under-6)" in said
    # --no-store leaves the window's choice out, as `pfiq report --no-store` did already (analyse and compare had no way)
    said, profiles = analysed("res_no_store", "--no-store")
    assert profiles == {"child": "icao-9303", "adult": "icao-9303"} and "kept for it" not in said, said
    # a result of `pfiq analyse` judged under another profile is reported under the child's
    said, profiles = analysed("res_icao", "--profile", "icao-9303")
    assert profiles == {"child": "icao-9303", "adult": "icao-9303"}, said
    said, profiles = reported("results", str(tmp_path / "res_icao"))
    assert profiles == {"child.jpg": "uk-passport-child-under-6", "adult.jpg": "icao-9303"}, said
    # `pfiq compare` judges a pair under the new photo's own profile, as the window's renewal check does
    other = portrait_paths()[0]  # (another person: the adult here is the child's picture mirrored, not a new photo)
    for new, reference, judged in ((photos / "child.jpg", other, "uk-passport-child-under-6"),
                                   (other, photos / "child.jpg", "icao-9303")):
        compared = pfiq("compare", str(new), str(reference), "--out", str(tmp_path / "pairs"), "--format", "json",
                        "--device", "cpu", env=env)
        assert compared.returncode == 0, compared.stderr
        pair = json.loads((tmp_path / "pairs" / f"{new.stem}__vs__{reference.stem}.json").read_text())
        assert pair["a"]["profile"] == pair["b"]["profile"] == judged, compared.stderr
        assert ("kept for it alone in the window: child.jpg" in compared.stderr) is (new.stem == "child"), compared.stderr
    # --store names the store to read, here with the application's own data folder empty
    compared = pfiq("compare", str(photos / "child.jpg"), str(other), "--store", str(data / "reviews.sqlite3"), "--out",
                    str(tmp_path / "stored"), "--format", "json", "--device", "cpu",
                    env={"PFIQ_DATA_DIR": str(tmp_path / "empty")})
    assert compared.returncode == 0, compared.stderr
    pair = json.loads((tmp_path / "stored" / f"child__vs__{other.stem}.json").read_text())
    assert pair["a"]["profile"] == "uk-passport-child-under-6", compared.stderr
    # another applicant's photo under the name: not judged under the child's profile, and said
    cv2.imwrite(str(photos / "child.jpg"), cv2.cvtColor(astronaut[40:, :], cv2.COLOR_RGB2BGR))
    said, profiles = reported("replaced", str(photos))
    assert profiles == {"child.jpg": "icao-9303", "adult.jpg": "icao-9303"}
    assert "warning: changed since a profile was chosen for it alone in the window, so that profile does not judge it: " \
           "child.jpg" in said
    # its saved result, analysed before: reported as analysed, and said (it was left out of the report: third review)
    said, profiles = reported("results_after", str(tmp_path / "res_icao"))
    assert profiles == {"child.jpg": "icao-9303", "adult.jpg": "icao-9303"}, said
    assert "warning: reported as analysed, as its photo is missing or changed, not under the profile kept for it in the " \
           "window: child.jpg" in said and "note: judged under the profile kept" not in said


def test_no_photos_found_suggests_recursive_only_for_a_folder_with_sub_folders(tmp_path):
    # an empty folder was told "add --recursive to also search their sub-folders", which could not help
    empty, dated = tmp_path / "empty", tmp_path / "dated"
    empty.mkdir()
    (dated / "2026-12-01").mkdir(parents=True)
    for folder, hint in ((empty, False), (dated, True)):
        run = pfiq("analyse", str(folder), "--out", str(tmp_path / "out"))
        assert run.returncode == 2 and "no images found in the given paths" in run.stderr, run.stderr
        assert ("add --recursive" in run.stderr) is hint, (folder, run.stderr)


def test_a_folder_or_photo_that_does_not_exist_is_a_usage_error_and_nothing_is_written(tmp_path):
    # an unmounted share was analysed as one unreadable photo: exit 1, "nightly.json" and a report PDF for a folder,
    # which a nightly script reads as "a photo had a problem" (CLI walk-through)
    gone = tmp_path / "share" / "nightly"
    for command in ("analyse", "report"):
        out = tmp_path / f"out-{command}"
        run = pfiq(command, str(gone), str(SAMPLE), "--out", str(out))
        assert run.returncode == 2 and f"no such file or folder: {gone}; nothing was done" in run.stderr, run.stderr
        assert not out.exists(), command


def test_a_folder_report_leaves_out_only_this_applications_annotated_pictures(tmp_path, astronaut):
    # an applicant's X.png beside X.json (the analysis of X.jpg) was left out as if annotated, and a hidden folder's
    # old analyses were reported; a PNG whose header claims 30000 x 30000 pixels stopped the report with a traceback
    import json

    from pfiq_desktop.cli.report import with_saved_analyses
    from pfiq_desktop.engine.discovery import find_images
    from pfiq_desktop.reports.figures import save_annotated_png
    from tests.test_imageio import png_with_header_size

    photos = tmp_path / "photos"
    (photos / ".trash").mkdir(parents=True)
    for name in ("X.jpg", "X.png"):
        cv2.imwrite(str(photos / name), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    analysis = Analysis(source=str(photos / "X.jpg"), image_size=(512, 512))
    (photos / "X.json").write_text(analysis.to_json())
    (photos / ".trash" / "old.json").write_text(json.dumps({**analysis.to_dict(), "source": "/elsewhere/old.jpg"}))
    (photos / "Y.json").write_text(json.dumps({**analysis.to_dict(), "source": "/elsewhere/Y.jpg"}))
    save_annotated_png(photos / "Y.png", astronaut, analysis)
    (photos / "huge.png").write_bytes(png_with_header_size(30000, 30000))  # the analysis refuses it, with a reason
    found = find_images([photos], recursive=True)
    chosen = with_saved_analyses(found.files, [photos], True, str(tmp_path / "out"))
    assert sorted(p.name for p in chosen) == ["X.jpg", "X.png", "Y.json", "huge.png"] and [p.name for p in found.annotated] == ["Y.png"]


def test_a_folder_report_names_a_result_it_cannot_read(tmp_path, astronaut):
    # a result truncated in a copy was left out without a word: one applicant fewer in the CSV, exit 0 (CLI walk-through)
    photos = tmp_path / "photos"
    photos.mkdir()
    cv2.imwrite(str(photos / "a.jpg"), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    results = tmp_path / "results"
    assert pfiq("analyse", str(photos), "--out", str(results), "--format", "json", "--device", "cpu").returncode == 0
    (results / "a.json").write_bytes((results / "a.json").read_bytes()[:2000])
    # JSON of the officer's own, as editors write it (a byte-order mark, UTF-16): not ours, not a problem (review)
    (results / "settings.json").write_bytes(b'\xef\xbb\xbf{"theme": "dark"}')
    (results / "notes.json").write_text('{"note": "x"}', encoding="utf-16")
    run = pfiq("report", str(results), "--out", str(tmp_path / "out"), "--format", "csv")
    assert run.returncode == 1 and "a.json: the result file cannot be read (" in run.stdout + run.stderr, run.stdout + run.stderr
    assert "settings.json" not in run.stdout + run.stderr and "notes.json" not in run.stdout + run.stderr
    # ... and it has a row in the CSV, as an unreadable photo has: on stderr alone, a script reading the CSV never
    # learnt of it (CLI walk-through)
    (row,) = csv.DictReader((tmp_path / "out" / "pfiq-results.csv").read_text(encoding="utf-8-sig").splitlines())
    assert row["path"] == str(results / "a.json") and row["verdict"] == "error", row
    assert "damaged or not this application's; analyse its photo again" in row["errors"], row


def test_analyse_leaves_out_the_annotated_pictures_of_an_earlier_run(tmp_path, astronaut):
    # an earlier run's output folder inside the photos' folder, searched with --recursive, gave "014854.png -> 014854_2:
    # No face found" (photo and map side by side) and exit 1 (CLI walk-through); pfiq report already left them out
    photos = tmp_path / "photos"
    photos.mkdir()
    cv2.imwrite(str(photos / "a.jpg"), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    first = pfiq("analyse", str(photos), "--out", str(photos / "monday"), "--device", "cpu")
    assert first.returncode == 0 and (photos / "monday" / "a.png").is_file(), first.stdout + first.stderr
    again = pfiq("analyse", str(photos), "--recursive", "--out", str(photos / "tuesday"), "--device", "cpu")
    assert "note: 1 annotated picture written by this application left out (e.g. a.png)" in again.stderr, again.stderr
    assert sorted(p.name for p in (photos / "tuesday").iterdir()) == ["a.json", "a.png"], again.stdout


def test_a_long_file_name_is_cut_in_the_middle_so_its_end_still_tells_photos_apart():
    # "yaleB09__yaleB09_P00A+000E+00.pn" cut at 40 characters hid which photo of a series a row was
    from pfiq_desktop.cli.common import columns, fitted

    names = [f"yaleB09__yaleB09_P00A{angle}E+00.png" for angle in ("+000", "-110")]
    cut = [fitted(name, 30) for name in names]
    assert all(len(c) == 30 and "…" in c and c.endswith("E+00.png") for c in cut) and cut[0] != cut[1]
    assert fitted("short.png", 20) == "short.png"
    # a CJK name takes two terminal columns a character: cut and padded by characters, it pushed its row's verdict out
    wide = [fitted(name, 30, pad=True) for name in ("申請者の証明写真_二〇二六年十二月_正面.jpg", "José Müller.png", "short.png")]
    assert [columns(c) for c in wide] == [30, 30, 30] and wide[0].rstrip().endswith("正面.jpg") and "…" in wide[0], wide
    assert wide[1].rstrip() == "José Müller.png" and columns("申請") == 4
    decomposed = fitted("x" * 30 + "e\u0301abcd", 10)  # macOS stores é as e + a combining accent
    assert columns(decomposed) <= 10 and "…\u0301" not in decomposed, ascii(decomposed)


def test_a_console_that_cannot_write_the_photos_name_gets_it_escaped(tmp_path):
    # international walk-through: redirected output on a German or Japanese Windows is in its code page, and a photo
    # named "Şahin" ended `pfiq analyse` with a UnicodeEncodeError and exit 1 (a photo problem), the table lost
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "Şahin Yılmaz.jpg").write_bytes(SAMPLE.read_bytes())
    run = subprocess.run([sys.executable, "-m", "pfiq_desktop.cli", "analyse", str(photos), "--out", str(tmp_path / "out"),
                          "--format", "json"], cwd=REPO, capture_output=True, timeout=600,
                         env={**os.environ, "PYTHONIOENCODING": "cp1252"})
    assert run.returncode == 0, run.stderr.decode("cp1252", "replace")
    assert "\\u015eahin Y\\u0131lmaz.jpg" in run.stdout.decode("cp1252")
