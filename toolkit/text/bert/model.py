"""The classifier on a BERT-family backbone: pooling, head, fine-tuning strategies.

The custom layers keep their registered names (``kerascourse>MaskedMeanPooling``...), so the
``model.keras`` files of earlier runs still load.
"""

from __future__ import annotations

import keras

from toolkit.errors import CourseError
from toolkit.text.bert.choices import HEADS, POOLINGS, STRATEGIES
from toolkit.text.bert.presets import input_names

# --- The model: pooling, head, strategies ---------------------------------------------------

@keras.saving.register_keras_serializable(package="kerascourse")
class MaskedMeanPooling(keras.layers.Layer):
    """Average of the token vectors, padding left out: a sentence embedding.

    Called as ``MaskedMeanPooling()(sequence_output, padding_mask)``.
    """

    def call(self, sequence, padding_mask):
        mask = keras.ops.expand_dims(keras.ops.cast(padding_mask, sequence.dtype), -1)
        total = keras.ops.sum(sequence * mask, axis=1)
        return total / keras.ops.maximum(keras.ops.sum(mask, axis=1), 1.0)


@keras.saving.register_keras_serializable(package="kerascourse")
class FirstToken(keras.layers.Layer):
    """The vector of the first token ([CLS]), for backbones without a pooler (DistilBERT)."""

    def call(self, sequence):
        return sequence[:, 0, :]


def sentence_vector(backbone, inputs: dict, pooling: str = "mean"):
    """One vector per sentence from the backbone's outputs.

    ``"mean"`` averages the token vectors (padding left out); ``"cls"`` takes BERT's pooled
    output (a tanh layer on the [CLS] vector) or, without a pooler, the [CLS] vector itself.
    """
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
    outputs = backbone(inputs)
    if isinstance(outputs, dict):
        sequence, pooled = outputs["sequence_output"], outputs.get("pooled_output")
    else:
        sequence, pooled = outputs, None
    if pooling == "mean":
        return MaskedMeanPooling(name="mean_pooling")(sequence, inputs["padding_mask"])
    return pooled if pooled is not None else FirstToken(name="cls_vector")(sequence)


def classification_head(features, num_classes: int, *, head: str = "linear",
                        dropout: float = 0.1, hidden_units: int = 256, name: str = "logits",
                        dtype=None):
    """Dropout + dense (``"linear"``) or dropout/dense(gelu) x2 + dense (``"mlp"``).

    Returns float32 logits, whatever the precision of the rest of the model.
    """
    if head not in HEADS:
        raise ValueError(f"head must be one of {HEADS}, got {head!r}")
    prefix = name.removesuffix("logits").rstrip("_") or "head"
    x = keras.layers.Dropout(dropout, name=f"{prefix}_dropout")(features)
    if head == "mlp":
        for depth in (1, 2):
            x = keras.layers.Dense(hidden_units, activation="gelu", dtype=dtype,
                                   name=f"{prefix}_hidden_{depth}")(x)
            x = keras.layers.Dropout(dropout, name=f"{prefix}_hidden_{depth}_dropout")(x)
    return keras.layers.Dense(num_classes, dtype="float32", name=name)(x)


def build_classifier(backbone, num_classes: int | dict[str, int], *, head: str = "linear",
                     pooling: str = "mean", dropout: float = 0.1) -> keras.Model:
    """A plain ``keras.Model``: backbone -> sentence vector -> head(s) -> logits.

    Args:
        backbone: a keras-hub backbone (:func:`load_backbone`).
        num_classes: classes of the one task, or ``{task name: classes}`` for one shared
            backbone with a head per task (multitask); outputs are then named after the tasks.
        head, pooling, dropout: see :func:`classification_head` and :func:`sentence_vector`.
    """
    inputs = {name: keras.Input(shape=(None,), dtype="int32", name=name)
              for name in input_names(backbone)}
    features = sentence_vector(backbone, inputs, pooling)
    policy = backbone.dtype_policy
    if isinstance(num_classes, dict):
        outputs = {task: classification_head(features, classes, head=head, dropout=dropout,
                                             name=task, dtype=policy)
                   for task, classes in num_classes.items()}
    else:
        outputs = classification_head(features, num_classes, head=head, dropout=dropout,
                                      dtype=policy)
    return keras.Model(inputs, outputs, name=f"{backbone.name}_classifier")


def transformer_blocks(backbone) -> list[list]:
    """The backbone's transformer blocks, bottom to top, each a list of layers.

    Most keras-hub encoders keep one layer per block in ``transformer_layers``; ALBERT keeps
    one list per group of blocks that share their weights, so a group counts as one block.
    """
    return [list(block) if isinstance(block, (list, tuple)) else [block]
            for block in backbone.transformer_layers]


def layer_groups(backbone) -> list[tuple[str, list]]:
    """The backbone's layers with weights, bottom to top: ``embeddings``, ``block_0`` …
    ``block_{L-1}``, ``pooler`` (BERT only)."""
    blocks = transformer_blocks(backbone)
    pooler = [layer for layer in backbone.layers if layer.name == "pooled_dense"]
    in_blocks = {id(layer) for group in blocks for layer in group}
    embeddings = [layer for layer in backbone.layers
                  if layer.weights and id(layer) not in in_blocks and layer not in pooler]
    groups = [("embeddings", embeddings)]
    groups += [(f"block_{i}", block) for i, block in enumerate(blocks)]
    if pooler:
        groups.append(("pooler", pooler))
    return groups


def apply_strategy(backbone, strategy: str, *, unfreeze_last: int = 2,
                   pooling: str = "cls") -> None:
    """Freeze what the fine-tuning strategy keeps fixed (call before ``compile``).

    - ``full``, ``layerwise`` and ``gradual``: everything trains (they differ in the
      optimizer: per-layer learning rates, or blocks switched on one epoch at a time by
      :func:`gradual_gates`).
    - ``frozen``: the backbone is fixed, only the head learns (feature extraction).
    - ``last-n``: the top ``unfreeze_last`` transformer blocks and the pooler train.

    With ``pooling="mean"`` the pooler is never used, so it is frozen too (no gradient
    reaches it, and it should not count as trained).
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
    blocks = len(transformer_blocks(backbone))
    if strategy == "last-n" and not 0 <= unfreeze_last <= blocks:
        raise CourseError(f"--unfreeze-last {unfreeze_last} is out of range",
                          fix=f"this model has {blocks} transformer blocks: use 0 to {blocks}")
    backbone.trainable = strategy != "frozen"
    # Every group is set explicitly: a flag left over from an earlier strategy must not stick.
    for name, layers in layer_groups(backbone):
        trainable = strategy != "frozen"
        if strategy == "last-n":
            trainable = name == "pooler" or (
                name.startswith("block_") and int(name.split("_")[1]) >= blocks - unfreeze_last)
        if name == "pooler" and pooling == "mean":
            trainable = False
        for layer in layers:
            layer.trainable = trainable


def layerwise_multipliers(model, backbone, decay: float = 0.9) -> dict[str, float]:
    """Learning-rate multiplier per trainable variable path for layer-wise LR decay.

    The head and pooler get 1, block ``i`` of ``L`` gets ``decay ** (L - i)``, the embeddings
    ``decay ** (L + 1)``: the lower a layer, the more general its features and the less it
    should move (Howard & Ruder 2018; Clark et al. 2020).
    """
    if not 0 < decay <= 1:
        raise CourseError(f"--lr-decay {decay} is out of range", fix="use a value in (0, 1]")
    blocks = len(transformer_blocks(backbone))
    multipliers = {variable.path: 1.0 for variable in model.trainable_variables}
    for name, layers in layer_groups(backbone):
        if name == "embeddings":
            factor = decay ** (blocks + 1)
        elif name.startswith("block_"):
            factor = decay ** (blocks - int(name.split("_")[1]))
        else:
            factor = 1.0
        for layer in layers:
            for variable in layer.trainable_variables:
                multipliers[variable.path] = factor
    return multipliers


def gradual_gates(model, backbone, epoch: int) -> dict[str, float]:
    """Gradual unfreezing (Howard & Ruder 2018): which variables learn in ``epoch`` (from 0).

    Epoch 0 trains the head and the top transformer block; each later epoch adds the next
    block down; the embeddings join once every block trains. Returns ``{variable.path: 1 or
    0}`` for :class:`~toolkit.text.bert.optimisation.LayerwiseAdamW`'s gates (a frozen
    variable gets a zero learning rate).
    """
    blocks = len(transformer_blocks(backbone))
    gates = {variable.path: 1.0 for variable in model.trainable_variables}
    for name, layers in layer_groups(backbone):
        if name == "embeddings":
            open_ = epoch >= blocks
        elif name.startswith("block_"):
            open_ = int(name.split("_")[1]) >= blocks - 1 - epoch
        else:
            open_ = True
        for layer in layers:
            for variable in layer.trainable_variables:
                gates[variable.path] = 1.0 if open_ else 0.0
    return gates
