"""toolkit.vision.applications: the five keras.applications networks the labs offer, with
random weights (the ImageNet files are never downloaded in tests)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from toolkit import registry
from toolkit.vision import applications
from toolkit.vision.gradcam import explainable_layer


def test_every_network_has_a_verifiable_weights_file_in_the_registry():
    for spec in applications.APPLICATIONS.values():
        entry = registry.get_entry(spec.registry_key)
        file = entry.files[0]
        assert file.cache_subdir == "models" and file.url.startswith("https://")
        assert file.sha256 or file.md5 or entry.hash_note, spec.key
        assert spec.citation and 0.7 < spec.top1 < 0.85


def test_preprocessing_follows_each_network():
    photo = np.zeros((1, 4, 4, 3), np.uint8)
    photo[..., 0] = 255  # pure red
    vgg = applications.preprocess(applications.APPLICATIONS["vgg16"], photo)
    assert vgg[0, 0, 0, 2] == pytest.approx(255 - 123.68)  # red moved last (BGR), mean gone
    assert vgg[0, 0, 0, 0] == pytest.approx(-103.939)
    mobile = applications.preprocess(applications.APPLICATIONS["mobilenet_v2"], photo)
    assert mobile[0, 0, 0].tolist() == [1.0, -1.0, -1.0]
    for key in ("efficientnet_b0", "convnext_tiny"):  # their scaling is inside the model
        assert applications.preprocess(applications.APPLICATIONS[key], photo)[0, 0, 0].tolist() \
            == [255.0, 0.0, 0.0]
    assert photo[0, 0, 0, 0] == 255  # the caller's array is not changed in place


@pytest.mark.parametrize("key, gradcam_layer", [
    ("resnet50", "conv5_block3_out"),
    ("mobilenet_v2", "out_relu"),
    ("efficientnet_b0", "top_activation"),
    ("convnext_tiny", "convnext_tiny_head_gap:input"),
])
def test_catalogue_matches_the_built_network(key, gradcam_layer):
    spec = applications.APPLICATIONS[key]
    model = applications.build_application(spec, None)
    try:
        assert model.count_params() == spec.parameters
        assert explainable_layer(model) == gradcam_layer
        assert applications.top_block_layers(model, spec)
        conv, holder = applications.first_convolution(model)
        assert conv.kernel.shape[2] == 3 and holder
    finally:
        keras.backend.clear_session()


def test_unknown_network_names_the_choices():
    with pytest.raises(ValueError, match="vgg16, resnet50"):
        applications.get_application("alexnet")
