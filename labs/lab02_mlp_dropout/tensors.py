"""Tensors first: what the network's numbers are, before any network (``keras.ops``).

Every Keras backend (TensorFlow, JAX, PyTorch) stores numbers in its own tensor type;
``keras.ops`` is one set of functions that works on all of them, like NumPy does on arrays.
"""

from __future__ import annotations

import keras
import numpy as np

from toolkit.formats import console_table
from toolkit.runs import Run
from toolkit.vision.data import ImageSplits


def device_of(tensor) -> str:
    """Where a tensor lives (``CPU:0``, ``cuda:0``, ...), asked the backend's own way."""
    backend = keras.backend.backend()
    if backend == "jax":
        return ", ".join(str(device) for device in tensor.devices())
    return str(getattr(tensor, "device", "numpy (host memory)"))


def tour_tensors(data: ImageSplits, run: Run) -> list[dict]:
    """Create, index, slice and reshape a tensor with ``keras.ops``, then back to NumPy.

    A batch of 4 training images is a tensor of shape ``(4, 784)``: 4 rows of 784 pixel
    values. ``x[0]`` is one image, ``x[:, :28]`` its first row of pixels, and
    ``ops.reshape(x, (4, 28, 28))`` gives the images back their rows and columns without
    copying a pixel. ``ops.convert_to_numpy`` brings a tensor back to host memory as a
    NumPy array (plots, scikit-learn). The same code runs on TensorFlow, JAX and PyTorch;
    only the tensor's type and device differ.
    """
    ops = keras.ops
    x = ops.convert_to_tensor(data.x_train[:4])
    steps = [
        ("create from NumPy", "ops.convert_to_tensor(x_train[:4])", x),
        ("create zeros", "ops.zeros((2, 3))", ops.zeros((2, 3))),
        ("create a range", "ops.arange(6)", ops.arange(6)),
        ("index: one image", "x[0]", x[0]),
        ("slice: first pixel row of each", "x[:, :28]", x[:, :28]),
        ("reshape to rows x columns", "ops.reshape(x, (4, 28, 28))", ops.reshape(x, (4, 28, 28))),
        ("reduce: mean brightness per image", "ops.mean(x, axis=1)", ops.mean(x, axis=1)),
        ("matrix product", "ops.matmul(x, ops.ones((784, 10)))",
         ops.matmul(x, ops.ones((784, 10)))),
    ]
    rows = [{"step": step, "code": code, "shape": list(ops.shape(value)),
             "dtype": str(keras.backend.standardize_dtype(value.dtype)),
             "type": type(value).__module__.split(".")[0] + "." + type(value).__name__}
            for step, code, value in steps]
    back = ops.convert_to_numpy(ops.reshape(x, (4, 28, 28)))
    same = bool(np.array_equal(back.reshape(4, -1), data.x_train[:4]))
    summary = {"backend": keras.backend.backend(), "device": device_of(x), "steps": rows,
               "to_numpy": f"ops.convert_to_numpy(...) -> numpy.ndarray {back.shape}, "
                           f"{'equal to' if same else 'DIFFERENT from'} the input"}
    print(f"\ntensors on the {summary['backend']} backend, device {summary['device']}:")
    print(console_table(["step", "code", "shape", "dtype", "tensor type"],
                        [[r["step"], r["code"], "x".join(map(str, r["shape"])) or "scalar",
                          r["dtype"], r["type"]] for r in rows]))
    print(summary["to_numpy"])
    run.record["results"]["tensors"] = summary
    run.save()
    return rows
