"""Recognition backbones whose embeddings the quality estimator perturbs.

This package root stays free of torch imports so that metadata can be read
(for reports, audit logs) without loading a network. Calibration constants
live beside each backbone as data (`dlib_resnet_v1.json`, see calibration.py;
a user's model keeps them in its TOML sidecar, see external.py). What a backbone
is (alignment, normalisation, embedding size, SER-FIQ's dropout point) is a
`BackboneSpec` (spec.py); registry.py loads the built-in one or a user's file.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

# where the benchmarks that fit the built-in backbones' data files write them (the source tree)
DATA_DIR = Path(__file__).resolve().parent


def data_file(name: str) -> Traversable:
    """A data file shipped beside the built-in backbones (constants, probes, references, the quality head), read
    the same way installed, from source or frozen."""
    return resources.files(__name__).joinpath(name)


class BackboneLoadError(ValueError):
    """A user's model or its sidecar cannot be used; the message is one line naming the file and the fix. Here, not
    beside the loader (external.py), so that the commands can catch it without loading torch."""


@dataclass(frozen=True)
class BackboneInfo:
    """What results and audit logs record about the backbone that produced them."""

    name: str
    input_size: int
    model_file: str
    model_sha256: str
