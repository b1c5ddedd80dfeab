"""Hypothesis fuzzing of every decoder the application runs on a file: the engine's loader and the browser's thumbnails.

Each example is a valid image of some format with random bytes replaced, inserted
or cut off (or plain random bytes). The loader must return an RGB uint8 photo or
raise ImageLoadError naming the file, in bounded time; the thumbnail reader must
return (a picture or nothing) without crashing.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pfiq_desktop.engine.imageio import ImageLoadError, load_image
from tests.hostile.corpus import FORMATS, encode, portrait

SEEDS = {ext: encode(portrait(96), fmt) for ext, fmt in FORMATS.items()}
SEEDS["bmp"] = encode(portrait(96), "BMP")
FUZZ_LIMIT_S = 20.0


@st.composite
def damaged_files(draw: st.DrawFn) -> tuple[str, bytes]:
    ext = draw(st.sampled_from(sorted(SEEDS)))
    if draw(st.integers(0, 9)) == 0:
        return ext, draw(st.binary(min_size=0, max_size=4096))
    data = bytearray(SEEDS[ext])
    for _ in range(draw(st.integers(1, 12))):
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["replace", "insert", "delete"]))
        value = draw(st.binary(min_size=1, max_size=8))
        if action == "replace":
            data[at:at + len(value)] = value
        elif action == "insert":
            data[at:at] = value
        else:
            del data[at:at + len(value)]
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return ext, bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(damaged_files())
def test_the_loader_returns_a_photo_or_an_error_naming_the_file(tmp_path, qapp, damaged):
    from pfiq_desktop.gui.browser import read_thumbnail

    ext, data = damaged
    path = tmp_path / f"fuzzed photo.{ext}"
    path.write_bytes(data)
    start = time.perf_counter()
    try:
        image = load_image(path)
    except ImageLoadError as error:
        assert "'fuzzed photo." in str(error)
    else:
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3 and image.flags.c_contiguous
        assert min(image.shape[:2]) >= 32
    read_thumbnail(str(path))
    assert time.perf_counter() - start < FUZZ_LIMIT_S


@pytest.mark.parametrize("ext", sorted(SEEDS))
def test_the_unharmed_seeds_load(ext):
    assert load_image(SEEDS[ext]).shape == (96, 96, 3)
