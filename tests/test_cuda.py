"""The CUDA path (runs only where a CUDA GPU is present; scripts/gpu_check.sh runs it with the GPU benchmark)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.photos import REPO

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine (run scripts/gpu_check.sh on one)"),
]


@pytest.fixture(scope="module")
def gpu_analyzer():
    from pfiq_desktop.engine import Analyzer

    return Analyzer(device="cuda")


def test_gpu_results_equal_the_cpu_results(gpu_analyzer, analyzer, astronaut):
    pair = np.ascontiguousarray(np.concatenate([astronaut, np.fliplr(astronaut)], axis=1))
    for image in (astronaut, pair):
        on_gpu, on_cpu = gpu_analyzer.analyse(image), analyzer.analyse(image)
        assert len(on_gpu.faces) == len(on_cpu.faces) > 0
        for a, b in zip(on_gpu.faces, on_cpu.faces):
            assert abs(a.quality - b.quality) < 1e-4
            assert np.abs(a.plq_chip - b.plq_chip).max() < 1e-4
        assert [c.verdict for c in on_gpu.checks] == [c.verdict for c in on_cpu.checks]
    assert on_gpu.device.startswith("cuda:") and "(" in on_gpu.device


def test_gpu_batch_equals_gpu_single(gpu_analyzer):
    photos = sorted((REPO / "tests" / "fixtures" / "portraits").glob("*.jpg")) or [REPO / "resources" / "sample_astronaut.jpg"]
    single = [gpu_analyzer.analyse(p) for p in photos]
    batch = list(gpu_analyzer.analyse_batch(photos, batch_faces=64, workers=2))
    for one, many in zip(single, batch):
        for a, b in zip(one.faces, many.faces):
            assert abs(a.quality - b.quality) < 1e-4 and np.abs(a.plq_chip - b.plq_chip).max() < 1e-4
