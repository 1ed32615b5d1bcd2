"""``--custom-loop``: the training step ``fit`` hides, written out by hand (forward, loss,
gradients, update) with the backend's own automatic differentiation, beside ``fit``."""

from __future__ import annotations

import argparse
import time

import keras
import numpy as np

from toolkit.formats import console_table
from toolkit.plots import plt, save_figure
from toolkit.runs import Run
from toolkit.seed import seed_everything
from toolkit.vision.data import ImageSplits


def gradient_norms(model: keras.Model, gradients) -> dict[str, float]:
    """The L2 norm of each layer's gradient (kernel and bias together)."""
    squares: dict[str, float] = {}
    for variable, gradient in zip(model.trainable_variables, gradients, strict=True):
        layer = variable.path.split("/")[-2] if "/" in variable.path else variable.path
        value = np.asarray(keras.ops.convert_to_numpy(gradient), dtype="float64")
        squares[layer] = squares.get(layer, 0.0) + float((value ** 2).sum())
    return {layer: square ** 0.5 for layer, square in squares.items()}


def predict_classes(model: keras.Model, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """The predicted class of every row of ``x``, dropout off (``training=False``).

    A plain call, not ``predict``: on JAX ``predict`` may hand the weights' memory to its
    own compiled function, which the loop's copy of the weights still uses.
    """
    return np.concatenate([
        keras.ops.convert_to_numpy(model(x[first:first + batch_size], training=False)).argmax(1)
        for first in range(0, len(x), batch_size)])


def make_step(model: keras.Model, optimizer, loss_fn):
    """One training step for this backend: ``step(x, y) -> (loss, gradients)``.

    TensorFlow records the forward pass on a ``tf.GradientTape``; JAX differentiates a pure
    function of the weights (``model.stateless_call``) with ``jax.grad``; PyTorch calls
    ``loss.backward()``. All three then let the optimizer apply the gradients.
    """
    backend = keras.backend.backend()
    variables = model.trainable_variables
    optimizer.build(variables)
    if backend == "tensorflow":
        import tensorflow as tf

        @tf.function(reduce_retracing=True)
        def tf_step(x, y):
            with tf.GradientTape() as tape:
                loss = loss_fn(y, model(x, training=True))  # forward pass, recorded
            gradients = tape.gradient(loss, variables)  # backward pass
            optimizer.apply(gradients, variables)  # update
            return loss, gradients
        return tf_step
    if backend == "jax":
        import jax

        def loss_of(trainable, non_trainable, x, y):
            predictions, non_trainable = model.stateless_call(trainable, non_trainable, x,
                                                              training=True)
            return loss_fn(y, predictions), non_trainable

        grad_fn = jax.value_and_grad(loss_of, has_aux=True)

        @jax.jit
        def pure_step(state, x, y):
            trainable, non_trainable, optimizer_state = state
            (loss, non_trainable), gradients = grad_fn(trainable, non_trainable, x, y)
            trainable, optimizer_state = optimizer.stateless_apply(optimizer_state, gradients,
                                                                   trainable)
            return loss, gradients, (trainable, non_trainable, optimizer_state)

        state = [[v.value for v in variables],
                 [v.value for v in model.non_trainable_variables],
                 [v.value for v in optimizer.variables]]

        def jax_step(x, y):
            loss, gradients, new_state = pure_step(tuple(state), x, y)
            state[:] = new_state
            return loss, gradients

        def sync():  # the weights live in ``state``; copy them into the model to predict
            for group, values in zip((variables, model.non_trainable_variables,
                                      optimizer.variables), state, strict=True):
                for variable, value in zip(group, values, strict=True):
                    variable.assign(value)
        jax_step.sync = sync
        return jax_step
    import torch

    def torch_step(x, y):
        loss = loss_fn(y, model(x, training=True))
        model.zero_grad()
        loss.backward()
        gradients = [variable.value.grad for variable in variables]
        with torch.no_grad():
            optimizer.apply(gradients, variables)
        return loss, gradients
    return torch_step


def train_by_hand(model: keras.Model, optimizer, data: ImageSplits, *, epochs: int,
                  batch_size: int, seed: int) -> dict:
    """Shuffle, cut into batches, step; after each epoch measure train loss and validation
    accuracy (dropout off). Returns the history and the mean gradient norm per layer and
    epoch."""
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    step = make_step(model, optimizer, loss_fn)
    rng = np.random.default_rng(seed)
    history, norms = [], []
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(data.x_train))
        losses, epoch_norms = [], []
        for first in range(0, len(order), batch_size):
            index = order[first:first + batch_size]
            loss, gradients = step(data.x_train[index], data.y_train[index])
            losses.append(float(keras.ops.convert_to_numpy(loss)))
            epoch_norms.append(gradient_norms(model, gradients))
        getattr(step, "sync", lambda: None)()  # JAX: weights back into the model
        val = predict_classes(model, data.x_val)
        history.append({"epoch": epoch, "loss": round(float(np.mean(losses)), 4),
                        "val_accuracy": round(float((val == data.y_val).mean()), 4)})
        norms.append({layer: round(float(np.mean([n[layer] for n in epoch_norms])), 5)
                      for layer in epoch_norms[0]})
        print(f"hand-written loop, epoch {epoch}: loss {history[-1]['loss']:.4f}, val accuracy "
              f"{history[-1]['val_accuracy']:.4f}")
    return {"history": history, "gradient_norms": norms,
            "time_s": round(time.perf_counter() - start, 1)}


def custom_training_loop(results: list[dict], data: ImageSplits, config: argparse.Namespace,
                         run: Run, build_mlp, make_optimizer) -> dict:
    """Train the sweep's ``--sweep-dropout`` network again from the same initial weights,
    with a hand-written loop instead of ``fit``, and compare the two.

    ``fit`` does, for every batch: forward pass (``model(x, training=True)``), loss,
    gradients of the loss with respect to every weight, optimizer update. Written out, the
    same four lines reach the same accuracy within noise (the batches are shuffled
    differently); the gradient norms per layer show how large each layer's steps are.
    """
    dropout = config.sweep_dropout
    same = [r for r in results if r["dropout"] == dropout and not r["l2"]
            and r["learning_rate"] == config.learning_rate
            and r["batch_size"] == config.batch_size]
    seed_everything(config.seed)
    model = build_mlp(data.x_train.shape[1], len(data.class_names), width=config.width,
                      depth=config.depth, dropout=dropout)
    optimizer = make_optimizer(config.optimizer, config.learning_rate)
    outcome = train_by_hand(model, optimizer, data, epochs=config.epochs,
                            batch_size=config.batch_size, seed=config.seed)
    test = predict_classes(model, data.x_test)
    hand = {"val_accuracy": outcome["history"][-1]["val_accuracy"],
            "test_accuracy": round(float((test == data.y_test).mean()), 4),
            "time_s": outcome["time_s"]}
    fitted = None
    if same:
        fit_history = run.record["results"][same[0]["key"]]["history"]
        fitted = {"val_accuracy": round(fit_history[-1]["val_accuracy"], 4),
                  "test_accuracy": same[0]["test_accuracy"], "time_s": same[0]["time_s"],
                  "setting": same[0]["setting"], "key": same[0]["key"]}
    summary = {"backend": keras.backend.backend(), "dropout": dropout, "epochs": config.epochs,
               "hand_written": hand, "fit": fitted, **outcome}
    print(console_table(["training", "final val acc", "test acc", "time s"],
                        [[name, f"{r['val_accuracy']:.4f}", f"{r['test_accuracy']:.4f}",
                          f"{r['time_s']:.1f}"]
                         for name, r in (("fit", fitted), ("hand-written loop", hand)) if r]))
    if fitted is None:
        print(f"(no fit run with dropout {dropout:g} in the sweep to compare with: add it to "
              f"--dropout)")
    run.record["results"]["custom_loop"] = summary
    run.add_figure("custom_loop", loop_figure(summary, run))
    run.save()
    return summary


def loop_figure(summary: dict, run: Run):
    """Left: gradient norm per layer and epoch. Right: validation accuracy per epoch, fit
    (when in the sweep) vs the hand-written loop."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    epochs = [row["epoch"] for row in summary["history"]]
    for layer in summary["gradient_norms"][0]:
        axes[0].plot(epochs, [n[layer] for n in summary["gradient_norms"]], "o-", label=layer)
    axes[0].set_yscale("log")
    axes[0].set_title("mean gradient norm per layer (kernel + bias)")
    axes[0].set_xlabel("epoch")
    axes[0].legend(fontsize=8)
    axes[1].plot(epochs, [row["val_accuracy"] for row in summary["history"]], "o-",
                 label=f"hand-written loop: test {summary['hand_written']['test_accuracy']:.4f}")
    if summary["fit"]:
        fit_history = run.record["results"][summary["fit"]["key"]]["history"]
        axes[1].plot([row["epoch"] for row in fit_history],
                     [row["val_accuracy"] for row in fit_history], "s--",
                     label=f"fit: test {summary['fit']['test_accuracy']:.4f}")
    axes[1].set_title("validation accuracy per epoch")
    axes[1].set_xlabel("epoch")
    axes[1].legend(fontsize=8)
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.xaxis.get_major_locator().set_params(integer=True)
    fig.suptitle(f"A hand-written training step on {summary['backend']} "
                 f"(dropout {summary['dropout']:g}) beside fit")
    return save_figure(fig, run.path("custom_loop.png"))
