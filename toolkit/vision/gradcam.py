"""Grad-CAM: which pixels drove a CNN's decision, on any Keras backend.

Grad-CAM (Selvaraju et al., ICCV 2017) answers "where did the network look?" for one class:

1. run the image up to a late convolution layer and keep its feature maps ``A`` (``H×W×K``);
2. take the gradient of the class score ``y_c`` (before softmax) with respect to ``A``;
3. average that gradient over the ``H×W`` positions: one weight ``α_k`` per feature map;
4. the heat map is ``ReLU(Σ_k α_k A_k)``, scaled to 0..1 and enlarged to the photo's size.

Keras 3 has no backend-neutral "gradient of this with respect to that", so
:func:`input_gradient` asks the active backend for it (``tf.GradientTape``, ``jax.grad`` or
``torch.autograd``); everything else is ``keras.ops``. The model is split in two at the
chosen layer, so the gradient is taken with respect to the *input* of the second half, which
every backend supports. After the chosen layer the model may be a chain of layers (VGG, the
course's CNNs, any ``Sequential``) or a graph (ResNet, MobileNetV2, EfficientNet, ConvNeXt),
as long as everything the output depends on passes through that layer; a layer inside a
branch (a residual block's first convolution, say) is refused with a clear message.
:func:`explainable_layer` finds the usual choice automatically: the last spatial feature map
before the classifier.

Example:
    >>> cam = GradCAM(model, "block5_conv3")
    >>> heatmaps, classes = cam.heatmaps(preprocessed_batch)   # (N, 14, 14) in 0..1
    >>> overlay = overlay_heatmap(photo_uint8, heatmaps[0])      # (224, 224, 3) uint8
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np

CITATION = ("R. R. Selvaraju, M. Cogswell, A. Das, R. Vedantam, D. Parikh, D. Batra. Grad-CAM: "
            "Visual Explanations from Deep Networks via Gradient-based Localization. ICCV 2017.")


def input_gradient(function: Callable, x: np.ndarray) -> np.ndarray:
    """The gradient of the scalar ``function(x)`` with respect to ``x``, on the active backend.

    Args:
        function: maps a backend tensor to a scalar tensor, using Keras layers or ``keras.ops``.
        x: the point where the gradient is taken (NumPy array, float32).

    Returns:
        ``d function / d x`` as a NumPy array of ``x``'s shape.
    """
    backend = keras.backend.backend()
    x = np.asarray(x, dtype="float32")
    if backend == "tensorflow":
        import tensorflow as tf

        tensor = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(tensor)
            value = function(tensor)
        return tape.gradient(value, tensor).numpy()
    if backend == "jax":
        import jax

        return np.asarray(jax.grad(function)(jax.numpy.asarray(x)))
    if backend == "torch":
        import torch

        tensor = keras.ops.convert_to_tensor(x).detach().requires_grad_(True)
        with torch.enable_grad():
            function(tensor).backward()
        return tensor.grad.detach().cpu().numpy()
    raise NotImplementedError(f"input_gradient does not support the '{backend}' backend; "
                              f"use tensorflow, jax or torch")


def last_conv_layer(model) -> str:
    """The name of the model's last layer with 4-D output (a convolution or pooling map)."""
    for layer in reversed(model.layers):
        shape = getattr(layer, "output", None)
        if shape is not None and len(shape.shape) == 4 and "conv" in layer.__class__.__name__.lower():
            return layer.name
    raise ValueError(f"{model.name} has no convolution layer: Grad-CAM needs one")


def _only_rescales(layer) -> bool:
    # Pooling shrinks the map, normalization rescales it: explain the layer before them.
    name = layer.__class__.__name__.lower()
    return "pooling" in name or "normalization" in name


INPUT_SUFFIX = ":input"  # "head_gap:input" names the feature map that enters head_gap


def feature_tensor(model, layer_name: str):
    """The symbolic tensor Grad-CAM explains: ``layer_name``'s output, or with the suffix
    ``:input`` the tensor entering that layer (for maps made by an operation that is no
    layer, like ConvNeXt's final ``x + block(x)``)."""
    if layer_name.endswith(INPUT_SUFFIX):
        return model.get_layer(layer_name[:-len(INPUT_SUFFIX)]).input
    return model.get_layer(layer_name).output


def _score_features(model):
    """What the class scores are made from: the input of a final softmax ``Dense`` (so the
    score can be taken before softmax), else the model's output."""
    last = model.layers[-1]
    if isinstance(last, keras.layers.Dense) and _is_softmax(last.activation):
        return last.input
    return model.outputs[0]


def head_model(model, layer_name: str):
    """The part of ``model`` after ``layer_name`` as a model of its own, up to the *input* of a
    final softmax ``Dense`` (so its output is the features the class scores are made from).

    Raises ValueError when the output depends on more than that layer (the layer sits inside
    a branch that joins another later).
    """
    try:
        return keras.Model(feature_tensor(model, layer_name), _score_features(model),
                           name="gradcam_head")
    except ValueError:
        raise ValueError(f"{model.name} branches after {layer_name}: the output also depends "
                         f"on layers that bypass it; choose a layer every path passes through, "
                         f"e.g. {explainable_layer(model)}") from None


def _is_cut(tensor, end) -> bool:
    try:
        keras.Model(tensor, end)
    except ValueError:
        return False  # inside a branch: the output needs more than this tensor
    return True


def explainable_layer(model) -> str:
    """The layer Grad-CAM should explain: the last 4-D feature map before the classifier that
    every path to the output passes through (pooling and normalization layers skipped: they
    only shrink or rescale the map of the layer before them).

    VGG16 -> ``block5_conv3``, ResNet50 -> ``conv5_block3_out``, MobileNetV2 -> ``out_relu``,
    EfficientNetB0 -> ``top_activation``, ConvNeXtTiny -> ``convnext_tiny_head_gap:input``
    (its last block ends in a plain ``+``, which is no layer, so the map is named by the
    pooling layer it enters).
    """
    end = _score_features(model)
    outputs = {id(layer.output) for layer in model.layers if getattr(layer, "output", None)
               is not None}
    for layer in reversed(model.layers):
        if isinstance(layer, keras.layers.InputLayer):
            break
        if _only_rescales(layer):
            entering = getattr(layer, "input", None)
            if (entering is not None and not isinstance(entering, (list, tuple))
                    and len(entering.shape) == 4 and id(entering) not in outputs
                    and _is_cut(entering, end)):
                return layer.name + INPUT_SUFFIX
            continue
        output = getattr(layer, "output", None)
        if output is None or len(output.shape) != 4:
            continue
        if _is_cut(output, end):
            return layer.name
    raise ValueError(f"{model.name} has no convolution feature map: Grad-CAM needs one")


class GradCAM:
    """Grad-CAM heat maps for a CNN, explained at one layer every path to the output passes.

    Args:
        model: a Keras model (functional or Sequential), already built.
        layer_name: the convolution layer to explain (default ``None``: the last one;
            late layers see whole objects, early ones only edges).

    Raises:
        ValueError: the layer does not exist, or the output also depends on layers that
            bypass it.
    """

    def __init__(self, model, layer_name: str | None = None):
        self.model = model
        self.layer_name = layer_name or explainable_layer(model)
        tensor = feature_tensor(model, self.layer_name)  # ValueError names a missing layer
        self.features = keras.Model(model.inputs[0], tensor, name="gradcam_features")
        self.head = None  # a chain of layers after the chosen one is applied layer by layer
        self.head_layers = []
        if self.layer_name.endswith(INPUT_SUFFIX):
            self.head = head_model(model, self.layer_name)
            return
        layer = model.get_layer(self.layer_name)
        self.head_layers = model.layers[model.layers.index(layer) + 1:]
        for previous, current in zip([layer, *self.head_layers], self.head_layers, strict=False):
            if current.input is not previous.output:  # a graph: cut the model in two instead
                self.head = head_model(model, self.layer_name)
                break

    def class_scores(self, feature_maps):
        """The class scores *before* softmax, computed from the chosen layer's output.

        Grad-CAM uses the raw score ``y_c``: after a softmax the gradient of one class also
        depends on all the others. A final ``Dense`` with softmax is therefore applied as
        ``x @ kernel + bias`` without its activation.
        """
        last = self.model.layers[-1]
        pre_softmax = isinstance(last, keras.layers.Dense) and _is_softmax(last.activation)
        if self.head is not None:  # dropout off, batch norm uses its moving averages
            x = self.head(feature_maps, training=False)
            return keras.ops.matmul(x, last.kernel) + last.bias if pre_softmax else x
        x = feature_maps
        for layer in self.head_layers[:-1]:
            x = layer(x, training=False)
        if pre_softmax:
            return keras.ops.matmul(x, last.kernel) + last.bias
        return last(x)

    def heatmaps(self, x: np.ndarray, class_indices: np.ndarray | None = None,
                 ) -> tuple[np.ndarray, np.ndarray]:
        """Heat maps for a batch of model inputs (already preprocessed).

        Args:
            x: ``(N, H, W, C)`` model inputs.
            class_indices: the class to explain per image (default: the top prediction).

        Returns:
            ``(heatmaps, class_indices)``: ``(N, h, w)`` in 0..1 at the layer's resolution,
            and the classes explained.
        """
        feature_maps = keras.ops.convert_to_numpy(self.features(x, training=False))
        if class_indices is None:
            scores = keras.ops.convert_to_numpy(self.class_scores(feature_maps))
            class_indices = scores.argmax(axis=-1)
        class_indices = np.asarray(class_indices).astype(int)
        classes = int(self.model.outputs[0].shape[-1])
        one_hot = keras.ops.convert_to_tensor(np.eye(classes, dtype="float32")[class_indices])

        def chosen_score(maps):
            # Images in a batch do not interact in inference mode, so the gradient of the
            # sum is each image's own gradient.
            return keras.ops.sum(keras.ops.multiply(self.class_scores(maps), one_hot))

        gradients = input_gradient(chosen_score, feature_maps)
        weights = gradients.mean(axis=(1, 2))  # alpha_k: one weight per feature map
        cams = np.maximum(np.einsum("nhwk,nk->nhw", feature_maps, weights), 0.0)
        peaks = cams.max(axis=(1, 2), keepdims=True)
        return np.where(peaks > 0, cams / np.maximum(peaks, 1e-12), 0.0), class_indices


def overlay_heatmap(image: np.ndarray, heatmap: np.ndarray, *, alpha: float = 0.45,
                    colormap: str = "jet") -> np.ndarray:
    """Blend a 0..1 heat map (any size) over an RGB uint8 image; returns RGB uint8."""
    from matplotlib import colormaps
    from PIL import Image

    height, width = image.shape[:2]
    enlarged = Image.fromarray(np.uint8(255 * np.clip(heatmap, 0, 1))).resize(
        (width, height), Image.Resampling.BILINEAR)
    colours = colormaps[colormap](np.asarray(enlarged) / 255.0)[..., :3] * 255.0
    blended = (1 - alpha) * image.astype("float32") + alpha * colours
    return np.clip(blended, 0, 255).astype("uint8")


def _is_softmax(activation) -> bool:
    return getattr(activation, "__name__", "") == "softmax"
