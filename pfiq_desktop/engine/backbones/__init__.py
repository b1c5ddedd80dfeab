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


@dataclass(frozen=True)
class BackboneInfo:
    """What results and audit logs record about the backbone that produced them."""

    name: str
    input_size: int
    model_file: str
    model_sha256: str
