"""Device handling that cannot silently go wrong, tested on a CPU-only machine.

The network stage runs on torch's "meta" device here: meta tensors carry shapes but
no data, and torch refuses to mix them with CPU tensors. A tensor the engine made
on the CPU by mistake (where a GPU run would mix devices or copy silently) fails
these tests just as it would fail on CUDA.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pfiq_desktop.engine.analyzer import device_name, resolve_device
from pfiq_desktop.engine.backbones.dlib_resnet import load_dlib_resnet
from pfiq_desktop.engine.plq import ForwardPass, gradient_magnitude
from pfiq_desktop.engine.quality import ESTIMATORS, fixed_draw, make_estimator

META = torch.device("meta")


@pytest.fixture(scope="module")
def meta_net():
    return load_dlib_resnet(META)


@pytest.mark.parametrize("estimator", sorted(ESTIMATORS))
def test_every_quality_estimator_keeps_its_tensors_on_the_network_device(meta_net, estimator):
    chips = torch.zeros(3, 3, 150, 150, device=META)
    with torch.no_grad():
        raw = make_estimator(estimator).raw(meta_net, chips)
    assert raw.device == META and raw.shape == (3,)


@pytest.mark.parametrize("method", ["gradient", "gradient_norm", "smoothgrad", "gradient_x_input"])
def test_map_methods_keep_their_tensors_on_the_network_device(meta_net, method):
    chips = torch.zeros(2, 3, 150, 150, device=META)
    forward = ForwardPass.run(meta_net, chips) if method in ("gradient", "gradient_norm") else None
    magnitude, descriptors = gradient_magnitude(meta_net, chips, torch.ones(2, device=META), method, None, forward)
    assert magnitude.device == META and magnitude.shape == (2, 150, 150) and descriptors.shape == (2, 128)


def test_a_tensor_made_on_the_wrong_device_is_caught(meta_net):
    """The meta device does catch the mistake these tests look for."""
    chips = torch.zeros(1, 3, 150, 150, device=META)
    with pytest.raises((RuntimeError, NotImplementedError)):
        _ = chips + torch.randn(1, 3, 150, 150)  # made on the CPU, as a forgotten device= would


def test_random_probes_are_the_same_on_every_device_and_in_every_batch():
    draw = fixed_draw((2, 5), torch.device("cpu"))
    assert torch.equal(draw, fixed_draw((2, 5), torch.device("cpu")))
    assert fixed_draw((2, 5), META).device == META


def test_device_requests_are_checked():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type in ("cpu", "cuda")
    with pytest.raises(ValueError, match="Unknown device 'tpu'"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="no CUDA device is available"):
            resolve_device("cuda")
        with pytest.raises(RuntimeError, match="no CUDA device is available"):
            resolve_device("cuda:1")
    assert device_name(torch.device("cpu")) == "cpu"


def test_the_analysis_records_its_device(analyzer):
    from tests.photos import REPO

    analysis = analyzer.analyse(REPO / "resources" / "sample_astronaut.jpg")
    assert analysis.device == "cpu" and analysis.faces
    assert np.isfinite(analysis.faces[0].quality)
