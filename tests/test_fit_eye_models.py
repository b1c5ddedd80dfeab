"""The eye-model fitter rewrites exactly the constant it refits in eye_pixels.py, in either of its source forms.

(The fit itself needs the developers' labelled photos: `python -m benchmarks.fit_eye_models --check`.)
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from benchmarks.fit_eye_models import write
from pfiq_desktop.engine.icao import eye_pixels

CONSTANTS = ("CLOSED", "OCCLUDED", "TINT", "FRAME")


def constants_of(path: Path) -> dict[str, object]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id in CONSTANTS
    }


def test_write_replaces_one_constant_and_leaves_the_rest(tmp_path: Path) -> None:
    source = tmp_path / "eye_pixels.py"
    shutil.copy(eye_pixels.__file__, source)
    before = constants_of(source)
    assert set(before) == set(CONSTANTS)
    for constant in CONSTANTS:  # whichever form each is in now (one line or multi-line), twice: the written form too
        for _ in range(2):
            names = [name for name, _ in getattr(eye_pixels, constant)[0]]
            model = (tuple((name, float(i) + 0.25) for i, name in enumerate(names)), -1.5)
            write(constant, model, source)
            after = constants_of(source)
            assert after[constant] == model
            assert {k: v for k, v in after.items() if k != constant} == {k: before[k] for k in after if k != constant}
            before = after
    assert source.read_text(encoding="utf-8").count("\n") > 400  # the rest of the module is still there
