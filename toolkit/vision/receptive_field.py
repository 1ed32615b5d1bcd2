"""The receptive field of each layer of a convolutional network: how many input pixels one
output value can see.

A 3x3 convolution sees 3x3 pixels. Stacked, each layer widens the view by ``(k - 1) * jump``
pixels, where ``jump`` is how far apart (in input pixels) neighbouring values of the layer
below are; pooling or a stride multiplies the jump. So two 3x3 convolutions with a 2x2
pooling between see 3 -> 4 -> 8 pixels: deeper layers look at strokes, then whole digits.

Example:
    >>> [(row["layer"], row["receptive_field"]) for row in receptive_fields(model)]
    [('conv1', 3), ('pool1', 4), ('conv2', 8), ('pool2', 10)]
"""

from __future__ import annotations


def _pair(value) -> int:
    """The first dimension of a size or stride (the course's windows are square)."""
    return int(value[0] if isinstance(value, tuple | list) else value)


def receptive_fields(model) -> list[dict]:
    """Receptive field and jump after every convolution and pooling layer, in model order."""
    field, jump, rows = 1, 1, []
    for layer in model.layers:
        if hasattr(layer, "kernel_size"):
            window, stride = _pair(layer.kernel_size), _pair(layer.strides)
            window = (window - 1) * _pair(getattr(layer, "dilation_rate", 1)) + 1
        elif hasattr(layer, "pool_size"):
            window, stride = _pair(layer.pool_size), _pair(layer.strides or layer.pool_size)
        else:
            continue
        field += (window - 1) * jump
        jump *= stride
        rows.append({"layer": layer.name, "type": type(layer).__name__, "window": window,
                     "stride": stride, "jump": jump, "receptive_field": field})
    return rows
