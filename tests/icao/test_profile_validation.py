"""Profiles are validated on load and identified by the hash of their thresholds, not their name."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pfiq_desktop.engine.icao import ProfileError, list_profiles, load_profile


def write(tmp_path: Path, body: str, name: str = "office.toml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("[checks.pose_yaw]\nwarn_above = nan\n", "[checks.pose_yaw] warn_above = nan: expected a finite number"),
        ("[checks.pose_yaw]\nwarn_above = inf\n", "[checks.pose_yaw] warn_above = inf: expected a finite number"),
        ('[checks.head_size]\nfail_below = "0.7"\n', "[checks.head_size] fail_below = '0.7': expected a number"),
        ("[checks.head_size]\nfail_below = true\n", "[checks.head_size] fail_below = True: expected a number"),
        ("[checks.head_size]\nfail_below = [0.7]\n", "[checks.head_size] fail_below = [0.7]: expected a number"),
        ('[checks.glasses]\nfail_if_present = "yes"\n', "[checks.glasses] fail_if_present = 'yes': expected true or false"),
        ("[checks.exposure]\nfail_below = 90\nwarn_below = 80\n",
         "[checks.exposure] fail_below = 90 is above warn_below = 80 (bounds in the wrong order)"),
        ("[checks.pose_roll]\nwarn_above = 9\nfail_above = 8\n",
         "[checks.pose_roll] warn_above = 9 is above fail_above = 8"),
        ("[checks.head_size]\nfail_below = 0.9\nfail_above = 0.8\n", "[checks.head_size] fail_below = 0.9 is above fail_above = 0.8"),
        ("[checks.head_size]\nfail_below_mm = 36\nfail_above_mm = 31.5\n",
         "[checks.head_size] fail_below_mm = 36 is above fail_above_mm = 31.5"),
        ("[checks.natural_colour]\na_min = 40\n", "[checks.natural_colour] a_min = 40 is above a_max = 30"),
        ("[checks.pose_yawn]\nwarn_above = 5\n", "[checks.pose_yawn] is not a check this version knows"),
        ("[checks.eye_glare]\nsaturaton = 250\n", "[checks.eye_glare] saturaton is not a setting of this check"),
        ("[check.exposure]\nfail_below = 250\n", "check is not part of a profile (a profile has: checks, cite,"),
        ("[checks.sharpness]\nwarn_belw = 30\n", "[checks.sharpness] warn_belw is not a setting of this check"),
        # a profile written for 0.4.11 is told what took the setting's place
        ("[checks.natural_colour]\nchroma_min = 12\n", "[checks.natural_colour] chroma_min is no longer a setting: 0.4.12 bounds "
                                                        "saturation_min instead, a saturation, chroma / L*"),
        # ... and one that moved the chroma over to the new key is not told to write 0.11 (a percent's reading)
        ("[checks.natural_colour]\nsaturation_min = 11\n", "saturation_min = 11 is out of range: it is a saturation, chroma / L* "
                                                            "(a chroma of 11 on skin of L* 60 is 0.18), from 0 to 1"),
        # each number within what it is (scales.SCALES): these switched a check off, or were ignored, without a word
        # between 1 and PERCENT_LIKE a percent is as likely as a slip: the share a percent would be is offered (review)
        ("[checks.head_covering]\nfail_above = 1.5\n", "fail_above = 1.5 is out of range: it is a probability, from 0 to 1 "
                                                          "(for 1.5 %, write 0.015)"),
        ("[checks.pose_roll]\nfail_above = 120\n", "fail_above = 120 is out of range: it is an angle in degrees, from 0 to 90"),
        ("[checks.exposure]\nlit_face = -5\n", "lit_face = -5 is out of range: it is an 8-bit grey level, from 0 to 255"),
        ("[checks.inter_eye_distance]\nfail_below = -1\n", "fail_below = -1 is out of range: it is a number of pixels, 0 or more"),
        ("[checks.head_size]\nfail_below_mm = -3\n", "fail_below_mm = -3 is out of range: it is a length in mm on the print"),
        ("[checks.glasses]\nfail_above = 0.8\n", "[checks.glasses] fail_above: this check takes no fail/warn bounds (its "
                                                   "settings: dark_lens, fail_if_present, frame, sure_tinted, tinted)"),
        ("[checks.exposure]\nfail_below_mm = 3\n", "[checks.exposure] fail_below_mm: this check takes no bounds in mm"),
        ("[checks.eye_open_left]\nsure_closed = 90\n", "sure_closed = 90 looks like a percentage, but it is a probability, "
                                                         "from 0 to 1: write 0.9"),
        # a bar of 95 log-odds read a covered eye as open (review)
        ("[checks.eye_occlusion]\noccluded = 95\n", "occluded = 95 is out of range: it is log-odds (0 is even odds, 10 a "
                                                       "probability of 0.99995), from -10 to 10"),
        ("[checks]\nsharpness = 20\n", "[checks.sharpness] must be a table of thresholds"),
        ("checks = 3\n", "'checks' must be a table"),
        ("extends = 7\n", "extends = 7: expected a profile name or file"),
    ],
)
def test_bad_values_are_errors_naming_the_file_and_key(tmp_path, body, words):
    path = write(tmp_path, 'name = "office"\nextends = "icao-9303"\n' * ("extends" not in body) + body)
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert str(path) in str(caught.value) and words in str(caught.value)


def test_inverted_bounds_across_extends_name_the_users_file(tmp_path):
    """warn_below comes from the parent (120); the user's fail_below above it is the user's mistake."""
    path = write(tmp_path, 'extends = "icao-9303"\n[checks.inter_eye_distance]\nfail_below = 200\n')
    with pytest.raises(ProfileError, match=r"office\.toml: \[checks\.inter_eye_distance\] fail_below = 200 is above warn_below = 120"):
        load_profile(path)


def test_json_profiles_are_validated_too(tmp_path):
    path = write(tmp_path, '{"checks": {"exposure": {"fail_below": NaN}}}', "office.json")
    with pytest.raises(ProfileError, match=r"office\.json: \[checks\.exposure\] fail_below = nan"):
        load_profile(path)


def test_bundled_profiles_are_valid_and_distinct_by_content():
    hashes = {name: load_profile(name).sha256 for name in list_profiles()}
    assert len(hashes) >= 3 and "icao-9303" in hashes
    assert len(set(hashes.values())) == len(hashes)


def test_the_hash_follows_the_thresholds_not_the_name(tmp_path):
    default = load_profile("icao-9303")
    renamed = load_profile(write(tmp_path, 'name = "my copy"\nextends = "icao-9303"\n', "copy.toml"))
    edited = load_profile(write(tmp_path, 'name = "icao-9303"\nextends = "icao-9303"\n[checks.pose_yaw]\nwarn_above = 4\n',
                                "edited.toml"))
    written_as_int = load_profile(write(tmp_path, 'extends = "icao-9303"\n[checks.pose_yaw]\nfail_above = 5.0\n',
                                        "same.toml"))
    assert renamed.sha256 == default.sha256 == written_as_int.sha256  # 5 and 5.0 are the same threshold
    assert edited.sha256 != default.sha256
    # an edited copy that still calls itself "icao-9303" is known by its file name: its results never carry the
    # bundled name (a supervisor read "icao-9303" beside thresholds that were not ICAO's)
    assert edited.name == "edited" and edited.info.title == "icao-9303 (edited.toml)"


def test_the_hash_follows_the_checks_a_profile_cannot_assess_and_its_print(tmp_path):
    # a profile edited only in [not_assessable] (or its print's dpi) judges photos otherwise: with its hash unchanged,
    # the analysis cache and "decided under another profile" took the old verdicts for current ones
    default = load_profile("icao-9303")
    unassessed = load_profile(write(tmp_path, 'extends = "icao-9303"\n[not_assessable]\neye_line_height = "we crop later"\n',
                                    "unassessed.toml"))
    assert unassessed.checks == default.checks and unassessed.info.not_assessable != default.info.not_assessable
    assert unassessed.sha256 != default.sha256
    scanned = load_profile(write(tmp_path, 'extends = "icao-9303"\n[print]\nwidth_mm = 35.0\nheight_mm = 45.0\ndpi = 600\n',
                                 "scanned.toml"))
    assert scanned.checks == default.checks and scanned.sha256 != default.sha256


numbers = st.floats(allow_nan=True, allow_infinity=True) | st.integers(-10**6, 10**6)
values = numbers | st.booleans() | st.text(max_size=5) | st.lists(st.integers(), max_size=2)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["fail_below", "warn_below", "warn_above", "fail_above", "enabled", "a_min", "a_max"]),
                       values, max_size=4))
def test_any_values_give_a_valid_profile_or_a_profile_error(tmp_path_factory, thresholds):
    import json

    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "fuzz.json"
    path.write_text(json.dumps({"checks": {"natural_colour": thresholds}}), encoding="utf-8")
    try:
        profile = load_profile(path)
    except ProfileError as error:
        assert str(path) in str(error)
        return
    checked = profile.params("natural_colour")
    for key, value in checked.items():
        assert isinstance(value, bool) if key == "enabled" else (isinstance(value, float) and math.isfinite(value))
    order = [checked[k] for k in ("fail_below", "warn_below", "warn_above", "fail_above") if k in checked]
    assert order == sorted(order)


def test_a_profile_in_the_users_profiles_folder_is_offered_and_loaded_by_its_file_name(tmp_path, monkeypatch, caplog):
    from pfiq_desktop import appdirs
    from pfiq_desktop.engine.icao import your_profiles

    monkeypatch.setenv(appdirs.DATA_DIR_ENV, str(tmp_path))
    assert your_profiles() == []  # no folder yet
    appdirs.profiles_dir().mkdir()
    write(appdirs.profiles_dir(), 'name = "Agency X 2027"\nextends = "strict"\n[checks.pose_roll]\nfail_above = 4\n', "agency.toml")
    write(appdirs.profiles_dir(), 'name = "mine"\n', "strict.toml")  # a bundled name: the bundled one is what it loads
    assert your_profiles() == ["agency"]
    assert "strict.toml is not offered: 'strict' is a bundled profile's name; rename the file" in caplog.text
    agency = load_profile("agency")
    assert agency.name == "agency" and agency.params("pose_roll")["fail_above"] == 4  # known by the name it was chosen by
    assert agency.params("inter_eye_distance") == load_profile("strict").params("inter_eye_distance")
    assert load_profile("strict").source != str(appdirs.profiles_dir() / "strict.toml")
    with pytest.raises(ProfileError, match="yours, in .*: agency"):
        load_profile("agencyy")


def test_a_profile_saved_by_notepad_with_a_byte_order_mark_loads(tmp_path):
    # it failed with "Invalid statement (at line 1, column 1)", a message that does not say why
    path = tmp_path / "notepad.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b'extends = "strict"\r\n[checks.pose_roll]\r\nfail_above = 4\r\n')
    assert load_profile(path).params("pose_roll")["fail_above"] == 4


def test_every_number_a_profile_can_set_has_a_scale_and_the_bundled_values_lie_within_it():
    """`scales.SCALES` names each check's bounds and settings: a check added without them, or a setting the default
    profile gains, would not be checked when a profile loads."""
    from pfiq_desktop.engine.icao import CHECKS
    from pfiq_desktop.engine.icao.grading import is_bound
    from pfiq_desktop.engine.icao.profile import FLAG_KEYS
    from pfiq_desktop.engine.icao.scales import SCALES, scale_of

    assert set(SCALES) == set(CHECKS)
    default = load_profile("icao-9303")
    for name in list_profiles():
        for check_id, values in load_profile(name).checks.items():
            for key, value in values.items():
                if key in FLAG_KEYS:
                    continue
                scale = scale_of(check_id, key)
                assert scale is not None, (name, check_id, key)
                assert scale.low <= value <= scale.high, (name, check_id, key, value, scale)
    settings = {(c, k) for c, values in default.checks.items() for k in values if k not in FLAG_KEYS}
    stated = {(c, k) for c, scales in SCALES.items() for k in scales.settings}
    assert stated == {(c, k) for c, k in settings if not is_bound(k)}


def test_the_default_profile_is_held_to_the_same_ranges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default profile defines the settings, so its keys are not checked against itself; its numbers are. A share
    written as a percent there switched "No head covering" off for every photo, and only a test would have told."""
    from pfiq_desktop.engine.defaults import DEFAULT_PROFILE
    from pfiq_desktop.engine.icao import profile as profiles

    bundled = profiles._bundled_dir() / f"{DEFAULT_PROFILE}.toml"
    text = bundled.read_text(encoding="utf-8")
    assert "[checks.head_covering]\nwarn_above = 0.70" in text
    slipped = tmp_path / bundled.name
    slipped.write_text(text.replace("[checks.head_covering]\nwarn_above = 0.70", "[checks.head_covering]\nwarn_above = 70"),
                       encoding="utf-8")
    monkeypatch.setattr(profiles, "_bundled_dir", lambda: tmp_path)
    with pytest.raises(ProfileError, match=r"\[checks.head_covering\] warn_above = 70 looks like a percentage"):
        load_profile(slipped)
