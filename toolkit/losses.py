"""The classification loss of the course's text labs, with optional label smoothing.

Label smoothing (Szegedy et al. 2016) trains towards ``1 - s + s/K`` for the true class and
``s/K`` for each of the ``K`` classes instead of a hard 1 and 0s: the model is no longer
pushed to ever more extreme logits, which often calibrates its confidence better. Keras's
``SparseCategoricalCrossentropy`` has no smoothing, so smoothed labels go through one-hot.
"""

from __future__ import annotations

import keras


@keras.saving.register_keras_serializable(package="kerascourse")
class SmoothedSparseCrossentropy(keras.losses.Loss):
    """Cross-entropy of integer labels against logits, with label smoothing ``smoothing``.

    A label of -1 (another task's text in multitask training) becomes an all-zero target;
    its sample weight is 0, so it adds nothing.
    """

    def __init__(self, smoothing: float = 0.1, reduction="mean_with_sample_weight",
                 name: str = "smoothed_crossentropy", **kwargs):
        super().__init__(reduction=reduction, name=name, **kwargs)
        self.smoothing = float(smoothing)

    def call(self, y_true, y_pred):
        labels = keras.ops.cast(keras.ops.reshape(y_true, (-1,)), "int32")
        target = keras.ops.one_hot(labels, keras.ops.shape(y_pred)[-1], dtype=y_pred.dtype)
        return keras.losses.categorical_crossentropy(target, y_pred, from_logits=True,
                                                     label_smoothing=self.smoothing)

    def get_config(self):
        return {**super().get_config(), "smoothing": self.smoothing}


def classification_loss(label_smoothing: float = 0.0) -> keras.losses.Loss:
    """Sparse cross-entropy on logits, averaged with the sample weights (class weights, the
    -1 labels of multitask batches); smoothed when ``label_smoothing`` > 0."""
    if label_smoothing:
        return SmoothedSparseCrossentropy(label_smoothing)
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True,
                                                      reduction="mean_with_sample_weight")
