"""toolkit.vision.gradcam and toolkit.vision.model_views on a tiny CNN the test builds (any backend)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from toolkit.vision import model_views
from toolkit.vision.gradcam import (
    GradCAM,
    explainable_layer,
    input_gradient,
    last_conv_layer,
    overlay_heatmap,
)


@pytest.fixture(scope="module")
def tiny_cnn():
    keras.utils.set_random_seed(3)
    return keras.Sequential([
        keras.Input((12, 12, 1)),
        keras.layers.Conv2D(4, 3, activation="relu", name="conv_a"),
        keras.layers.Conv2D(5, 3, activation="relu", name="conv_b"),
        keras.layers.BatchNormalization(),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(3, activation="softmax", name="classes"),
    ])


def test_input_gradient_matches_finite_differences():
    weights = np.array([[1.0, -2.0], [0.5, 3.0]], dtype="float32")

    def function(x):  # sum((x W)^2): gradient 2 (x W) W^T
        return keras.ops.sum(keras.ops.square(keras.ops.matmul(x, weights)))

    x = np.array([[0.3, -0.7]], dtype="float32")
    expected = 2 * (x @ weights) @ weights.T
    np.testing.assert_allclose(input_gradient(function, x), expected, rtol=1e-5)


def test_gradcam_gradient_is_the_pre_softmax_score_gradient(tiny_cnn):
    cam = GradCAM(tiny_cnn)
    assert cam.layer_name == "conv_b" == last_conv_layer(tiny_cnn)
    x = np.random.default_rng(0).random((3, 12, 12, 1), dtype=np.float32)
    heatmaps, classes = cam.heatmaps(x)
    assert heatmaps.shape == (3, 8, 8)
    assert heatmaps.min() >= 0 and heatmaps.max() <= 1
    probabilities = keras.ops.convert_to_numpy(tiny_cnn(x, training=False))
    np.testing.assert_array_equal(classes, probabilities.argmax(axis=1))
    # The score Grad-CAM differentiates is the logit: softmax of it gives the model output.
    maps = keras.ops.convert_to_numpy(cam.features(x))
    logits = keras.ops.convert_to_numpy(cam.class_scores(maps))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(keras.ops.softmax(logits)),
                               probabilities, rtol=1e-4, atol=1e-6)
    # Central finite difference on one feature-map value agrees with the backend gradient.
    one_hot = keras.ops.convert_to_tensor(np.eye(3, dtype="float32")[classes])

    def score(feature_maps):
        return keras.ops.sum(keras.ops.multiply(cam.class_scores(feature_maps), one_hot))

    gradient = input_gradient(score, maps)
    where, step = (1, 2, 3, 4), 1e-2
    plus, minus = maps.copy(), maps.copy()
    plus[where] += step
    minus[where] -= step
    numeric = (float(keras.ops.convert_to_numpy(score(plus)))
               - float(keras.ops.convert_to_numpy(score(minus)))) / (2 * step)
    assert gradient[where] == pytest.approx(numeric, rel=1e-2, abs=1e-4)


def test_gradcam_explains_a_chosen_class(tiny_cnn):
    x = np.random.default_rng(1).random((2, 12, 12, 1), dtype=np.float32)
    _, classes = GradCAM(tiny_cnn, "conv_a").heatmaps(x, class_indices=np.array([2, 0]))
    assert list(classes) == [2, 0]
    with pytest.raises(ValueError):
        GradCAM(tiny_cnn, "no_such_layer")


def residual_cnn():
    """A ResNet-like graph: a residual block, its sum, global pooling, softmax."""
    keras.utils.set_random_seed(4)
    inputs = keras.Input((10, 10, 3))
    stem = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="stem")(inputs)
    branch = keras.layers.Conv2D(4, 1, name="branch_conv")(stem)
    merged = keras.layers.Activation("relu", name="block_out")(
        keras.layers.Add(name="add")([branch, stem]))
    pooled = keras.layers.GlobalAveragePooling2D(name="gap")(merged)
    return keras.Model(inputs, keras.layers.Dense(3, activation="softmax",
                                                  name="predictions")(pooled))


def test_gradcam_on_a_residual_graph_finds_and_explains_the_block_output():
    model = residual_cnn()
    assert explainable_layer(model) == "block_out"  # the last map every path passes through
    cam = GradCAM(model)
    assert cam.layer_name == "block_out"
    x = np.random.default_rng(2).random((2, 10, 10, 3), dtype=np.float32)
    heatmaps, classes = cam.heatmaps(x)
    assert heatmaps.shape == (2, 10, 10) and 0 <= heatmaps.min() <= heatmaps.max() <= 1
    probabilities = keras.ops.convert_to_numpy(model(x, training=False))
    np.testing.assert_array_equal(classes, probabilities.argmax(axis=1))
    logits = keras.ops.convert_to_numpy(cam.class_scores(cam.features(x)))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(keras.ops.softmax(logits)),
                               probabilities, rtol=1e-4, atol=1e-6)
    before_block = GradCAM(model, "stem")  # every path passes it too, then the graph forks
    assert before_block.head is not None
    stem_maps, stem_classes = before_block.heatmaps(x)
    assert stem_maps.shape == (2, 10, 10)
    np.testing.assert_array_equal(stem_classes, classes)
    with pytest.raises(ValueError, match="branches after branch_conv.*block_out"):
        GradCAM(model, "branch_conv")  # inside the branch: the sum also needs 'stem'


def test_explainable_layer_of_keras_applications_skips_pooling():
    vgg_like = keras.Sequential([
        keras.Input((16, 16, 3)), keras.layers.Conv2D(4, 3, name="block5_conv3"),
        keras.layers.MaxPooling2D(name="block5_pool"), keras.layers.Flatten(),
        keras.layers.Dense(3, activation="softmax")])
    assert explainable_layer(vgg_like) == "block5_conv3"
    mobilenet = keras.applications.MobileNetV2(weights=None, input_shape=(96, 96, 3),
                                               alpha=0.35)
    assert explainable_layer(mobilenet) == "out_relu"


def test_overlay_heatmap_blends_at_photo_size():
    image = np.full((20, 30, 3), 100, np.uint8)
    blended = overlay_heatmap(image, np.ones((4, 4)), alpha=0.5)
    assert blended.shape == (20, 30, 3) and blended.dtype == np.uint8
    assert not np.array_equal(blended, image)
    np.testing.assert_array_equal(overlay_heatmap(image, np.zeros((4, 4)), alpha=0.0), image)


def test_layer_table_and_figures(tiny_cnn, tmp_path):
    rows = model_views.layer_table(tiny_cnn)
    assert [r["name"] for r in rows][:2] == ["conv_a", "conv_b"]
    assert rows[0]["output_shape"] == "(N, 10, 10, 4)"
    assert rows[0]["parameters"] == 3 * 3 * 1 * 4 + 4
    assert sum(r["parameters"] for r in rows) == tiny_cnn.count_params()
    text = model_views.format_layer_table(rows)
    assert f"{tiny_cnn.count_params():,}" in text.splitlines()[-1]
    assert model_views.architecture_figure(rows, tmp_path / "arch.png").stat().st_size > 0
    maps = model_views.layer_output(tiny_cnn, "conv_a", np.ones((1, 12, 12, 1), "float32"))
    assert maps.shape == (1, 10, 10, 4)
    assert model_views.feature_map_grid(maps[0], tmp_path / "maps.png",
                            image=np.ones((12, 12, 1))).stat().st_size > 0
    kernel = keras.ops.convert_to_numpy(tiny_cnn.get_layer("conv_a").kernel)
    assert model_views.filter_grid(kernel, tmp_path / "filters.png").stat().st_size > 0
