"""What a model costs: parameters and multiply-adds (MACs) per layer and in all.

A multiply-add is one ``a * b + c``, the unit of work of Dense and convolution layers. For one
input: a ``Dense(units)`` on ``n`` features does ``n * units``; a ``Conv2D`` with a
``kh x kw`` kernel, ``c_in`` input and ``c_out`` output channels does
``kh * kw * c_in * c_out`` per output position, times the ``H x W`` positions of its output.
Other layers (pooling, batch norm, activations) cost little next to them and count 0 here.

Example:
    >>> cost = model_cost(model)       # a built Keras model
    >>> cost["parameters"], cost["macs"]
    (34826, 2440960)
"""

from __future__ import annotations

import math

import keras


def _shape(layer) -> tuple:
    return tuple(layer.output.shape)


def layer_macs(layer) -> int:
    """Multiply-adds of one layer for one input example (0 for layers counted as free)."""
    if isinstance(layer, keras.layers.Dense):
        out = _shape(layer)
        positions = math.prod(d for d in out[1:-1] if d)  # Dense on a sequence: per position
        return int(layer.kernel.shape[0] * layer.units * positions)
    if isinstance(layer, keras.layers.DepthwiseConv2D):
        out = _shape(layer)
        return int(math.prod(out[1:-1]) * math.prod(layer.kernel.shape))
    if isinstance(layer, keras.layers.Conv2D | keras.layers.Conv1D):
        out = _shape(layer)
        kernel = layer.kernel.shape  # (*window, c_in / groups, c_out)
        return int(math.prod(out[1:-1]) * math.prod(kernel))
    return 0


def model_cost(model) -> dict:
    """Parameters and multiply-adds per input example: per layer and the totals."""
    layers = [{"layer": layer.name, "type": type(layer).__name__,
               "parameters": int(layer.count_params()), "macs": layer_macs(layer)}
              for layer in model.layers]
    return {"parameters": int(model.count_params()), "macs": sum(r["macs"] for r in layers),
            "layers": layers}
