"""``--encoder attention``: a small Transformer encoder over the GloVe vectors, and a drawing of
its attention weights (lab 5's extra; the lesson is lesson.py).

Where an LSTM reads the words one after the other, self-attention lets every word look at
every other word at once; the weights say how much. Order is not built in: a learned position
embedding is added to each word vector, so "not good" and "good, not" differ. One encoder
block (keras-hub's ``TransformerEncoder``: multi-head self-attention and a feed-forward
layer, each with a residual connection and LayerNorm), then the mean over the real words
(the padding mask keeps ``<PAD>`` out of both the attention and the mean).
"""

from __future__ import annotations

import keras
import numpy as np

from toolkit.runs import Run
from toolkit.text import plots as text_plots

ATTENTION_HEADS = 2
ENCODER_LAYER = "transformer_encoder"
POSITIONS_LAYER = "add_positions"
MAX_DRAWN_TOKENS = 20  # longer sentences do not read as a heat map


def transformer_encoder(x, token_ids, units: int, dropout: float, length: int):
    """Word vectors ``(batch, length, dim)`` -> one sentence vector ``(batch, dim)``.

    Args:
        token_ids: the model's input ``(batch, length)``; id 0 (``<PAD>``) is masked out.
        units: width of the encoder's feed-forward layer (``--units``).
        dropout: dropout inside the encoder (``--dropout``).
        length: the sequence length (positions to learn).
    """
    import keras_hub

    words = keras.ops.not_equal(token_ids, 0)  # the padding mask
    position_table = keras_hub.layers.PositionEmbedding(length, name="position_embedding")
    position_table.supports_masking = True  # passes the words' mask on to the encoder
    positions = position_table(x)
    x = keras.layers.Add(name=POSITIONS_LAYER)([x, positions])
    x = keras_hub.layers.TransformerEncoder(intermediate_dim=units, num_heads=ATTENTION_HEADS,
                                            dropout=dropout, name=ENCODER_LAYER)(x)
    return keras.layers.GlobalAveragePooling1D(name="mean_over_words")(x, mask=words)


def describe(units: int) -> str:
    """The encoder in one line, for the record."""
    return (f"PositionEmbedding + TransformerEncoder({ATTENTION_HEADS} heads, feed-forward "
            f"{units}) -> mean over words")


def attention_weights(model: keras.Model, token_ids: np.ndarray) -> np.ndarray:
    """The self-attention weights of ``token_ids`` ``(n, length)``: ``(n, heads, length,
    length)``, each row a distribution over the real (non-padding) words."""
    encoder = model.get_layer(ENCODER_LAYER)
    inputs = keras.Model(model.inputs[0], model.get_layer(POSITIONS_LAYER).output)
    # A plain tensor (no Keras mask attached): the padding mask is passed explicitly.
    x = keras.ops.convert_to_tensor(keras.ops.convert_to_numpy(inputs(token_ids, training=False)))
    _, scores = encoder(x, padding_mask=keras.ops.not_equal(token_ids, 0),
                        return_attention_scores=True, training=False)
    return keras.ops.convert_to_numpy(scores)


def pick_sentences(texts: list[str], token_ids: np.ndarray, k: int = 2) -> list[int]:
    """``k`` test sentences worth drawing: short enough to read, first those with a negation
    or a contrast (where word order matters), then any."""
    lengths = (token_ids > 0).sum(axis=1)
    short = [i for i in range(len(texts)) if 4 <= lengths[i] <= MAX_DRAWN_TOKENS]
    telling = [i for i in short if {"not", "n't", "but", "never"} & set(texts[i].split())]
    chosen = (telling + [i for i in short if i not in telling])[:k]
    return chosen or list(range(min(k, len(texts))))


def draw_attention(models: dict, rows: list[dict], sequences: dict, data, run: Run) -> str | None:
    """With ``attention`` among ``--encoder``: the attention weights (mean over heads) of the
    best attention model for two test sentences, as ``attention.png``; else nothing
    (``None``)."""
    candidates = [row for row in rows if row["encoder"] == "attention"]
    if not candidates:
        return None
    best = max(candidates, key=lambda row: row["val_accuracy"])
    chosen = pick_sentences(data.x_test, sequences["x_test"])
    ids = sequences["x_test"][chosen]
    weights = attention_weights(models[best["model"]], ids).mean(axis=1)
    tokens = sequences["vocabulary"].tokens
    panels, summary = {}, []
    for row, index in enumerate(chosen):
        n = min(int((ids[row] > 0).sum()), MAX_DRAWN_TOKENS)
        words = [tokens[i] for i in ids[row][:n]]
        matrix = weights[row][:n, :n]
        text = " ".join(words)
        label = data.class_names[int(data.y_test[index])]
        panels[f"{text[:60]}{'...' if len(text) > 60 else ''} ({label})"] = (words, matrix)
        received = matrix.mean(axis=0)
        summary.append({"sentence": text, "true_label": label,
                        "most_attended_words": ", ".join(
                            words[i] for i in np.argsort(-received)[:3])})
    run.record["results"]["attention"] = summary
    path = text_plots.attention_figure(
        panels, run.path("attention.png"),
        title=f"Self-attention of '{best['model']}' (mean over {ATTENTION_HEADS} heads)")
    run.add_figure("attention", path)
    run.save()
    for row in summary:
        print(f"  attention: '{row['sentence']}' -> most attended: {row['most_attended_words']}")
    return str(path)
