"""Five ImageNet classifiers from ``keras.applications``, and what each expects of a photo.

Each network was trained with its own input convention, and a photo prepared the wrong way
gets confident nonsense, so the catalogue says, per model, what its ``preprocess_input``
does. VGG16 and ResNet50 come from Caffe: channels RGB -> BGR and the mean ImageNet pixel
subtracted. MobileNetV2 scales pixels to -1..1. EfficientNetB0 and ConvNeXtTiny take raw
0..255 pixels: their rescaling/normalization layers are *inside* the model, so their
``preprocess_input`` returns the array unchanged.

The weights files are found through the course's data registry (``--data-dir``, the Keras
cache, then a download), exactly as for VGG16.

Example:
    >>> spec = APPLICATIONS["mobilenet_v2"]
    >>> model = build_application(spec, weights=None)     # random weights, no download
    >>> x = preprocess(spec, photos_uint8)                 # (N, 224, 224, 3) float32
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from toolkit.registry import fetch, get_entry

if TYPE_CHECKING:
    import keras

# Keras is imported inside the functions that build or feed a model, not at the top: lab 1's
# flags (--model's choices) read APPLICATIONS before Keras loads, so --help answers at once.


@dataclass(frozen=True)
class ApplicationSpec:
    """One ``keras.applications`` model: how to build it, feed it, and what it scored.

    ``top1``/``top5``/``parameters``/``size_mb`` are the keras.io Applications table's figures
    (ImageNet validation, single 224x224 crop; ConvNeXtTiny lists no top-5).
    """

    key: str
    title: str
    builder: str             # the keras.applications constructor
    module: str              # the keras.applications sub-module holding preprocess_input
    registry_key: str        # the weights file in datasets/registry.toml
    parameters: int
    top1: float
    top5: float | None
    size_mb: float
    channel_order: str       # the colour order the first layer receives
    preprocessing: str       # what preprocess_input does, in one sentence
    top_block: tuple[str, ...]  # layer-name prefixes of the last block (fine-tuning)
    input_size: tuple[int, int] = (224, 224)

    @property
    def citation(self) -> str:
        return get_entry(self.registry_key).citation

    @property
    def weights_bytes(self) -> int | None:
        return get_entry(self.registry_key).files[0].size


APPLICATIONS: dict[str, ApplicationSpec] = {spec.key: spec for spec in (
    ApplicationSpec(
        "vgg16", "VGG16", "VGG16", "vgg16", "vgg16_imagenet", 138_357_544, 0.713, 0.901,
        528, "BGR",
        "RGB -> BGR, subtract the mean ImageNet pixel (B 103.9, G 116.8, R 123.7); "
        "values about -124..152, no scaling", ("block5_",)),
    ApplicationSpec(
        "resnet50", "ResNet50", "ResNet50", "resnet50", "resnet50_imagenet", 25_636_712,
        0.749, 0.921, 98, "BGR",
        "as VGG16 (Caffe style): RGB -> BGR, subtract the mean ImageNet pixel; "
        "values about -124..152", ("conv5_block3_",)),
    ApplicationSpec(
        "mobilenet_v2", "MobileNetV2", "MobileNetV2", "mobilenet_v2", "mobilenet_v2_imagenet",
        3_538_984, 0.713, 0.901, 14, "RGB",
        "scale pixels to -1..1 (x / 127.5 - 1), RGB kept", ("block_16_", "Conv_1", "out_relu")),
    ApplicationSpec(
        "efficientnet_b0", "EfficientNetB0", "EfficientNetB0", "efficientnet",
        "efficientnet_b0_imagenet", 5_330_571, 0.771, 0.933, 29, "RGB",
        "nothing: raw 0..255 RGB goes in; the model's own Rescaling and Normalization "
        "layers scale it", ("block7a_", "top_")),
    ApplicationSpec(
        "convnext_tiny", "ConvNeXtTiny", "ConvNeXtTiny", "convnext", "convnext_tiny_imagenet",
        28_589_128, 0.813, None, 109.42, "RGB",
        "nothing: raw 0..255 RGB goes in; the model's own normalization layer scales it",
        ("convnext_tiny_stage_3_block_2",)),
)}


def get_application(key: str) -> ApplicationSpec:
    """The catalogue entry ``key``; a ValueError naming the choices otherwise."""
    if key not in APPLICATIONS:
        raise ValueError(f"unknown model '{key}': use one of {', '.join(APPLICATIONS)}")
    return APPLICATIONS[key]


def resolve_weights(spec: ApplicationSpec, choice: str, data_dir=None) -> str | None:
    """``"imagenet"`` -> the verified weights file (registry: local copy or one download);
    ``"none"`` -> ``None`` (random weights); anything else is returned as a path."""
    if choice.lower() == "none":
        return None
    if choice.lower() == "imagenet":
        return str(fetch(spec.registry_key, data_dir=data_dir))
    return choice


def build_application(spec: ApplicationSpec, weights: str | None, *,
                      include_top: bool = True, input_shape=None):
    """``keras.applications.<builder>(weights=...)``: with the 1,000-class top by default."""
    import keras

    builder = getattr(keras.applications, spec.builder)
    kwargs = {"weights": weights, "include_top": include_top}
    if input_shape is not None:
        kwargs["input_shape"] = input_shape
    return builder(**kwargs)


def preprocess(spec: ApplicationSpec, images: np.ndarray) -> np.ndarray:
    """uint8 RGB photos ``(N, H, W, 3)`` -> the model's input (float32), by its own
    ``keras.applications.<module>.preprocess_input``."""
    import keras

    module = getattr(keras.applications, spec.module)
    return np.asarray(module.preprocess_input(np.array(images, dtype="float32", copy=True)))


def first_convolution(model) -> tuple[keras.layers.Layer, str]:
    """The first ``Conv2D`` of ``model`` (looking inside nested models such as ConvNeXt's
    stem) and the name of the top-level layer whose output holds its feature maps."""
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            return layer, layer.name
        for inner in getattr(layer, "layers", []):
            if isinstance(inner, keras.layers.Conv2D):
                return inner, layer.name
    raise ValueError(f"{model.name} has no Conv2D layer")


def top_block_layers(model, spec: ApplicationSpec) -> list:
    """The layers of the model's last block (by the catalogue's name prefixes), the ones a
    fine-tuning step unfreezes; batch-norm layers are left out (they stay frozen, as Keras's
    transfer-learning guide advises, so their statistics are not disturbed)."""
    import keras

    return [layer for layer in model.layers
            if layer.name.startswith(spec.top_block)
            and not isinstance(layer, keras.layers.BatchNormalization)]
