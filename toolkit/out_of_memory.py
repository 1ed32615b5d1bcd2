"""An out-of-memory error recognised and explained, instead of an allocator's traceback.

TensorFlow raises ``ResourceExhaustedError`` ("OOM when allocating tensor"), JAX an
``XlaRuntimeError`` ("RESOURCE_EXHAUSTED: Out of memory"), PyTorch ``OutOfMemoryError``
("CUDA out of memory"), Python itself ``MemoryError``. :func:`is_out_of_memory` knows them
all (also when wrapped in another exception); :func:`explain` says what to change. Standard
library only: :mod:`toolkit.cli` reads it before Keras loads.
"""

from __future__ import annotations

NAMES = ("ResourceExhaustedError", "OutOfMemoryError", "MemoryError")
MESSAGES = ("resource_exhausted", "out of memory", "oom when allocating", "failed to allocate")


def is_out_of_memory(error: BaseException | None) -> bool:
    """Whether ``error``, or an exception it was raised from, is an out-of-memory error."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        message = str(error).lower()
        if type(error).__name__ in NAMES or any(text in message for text in MESSAGES):
            return True
        error = error.__cause__ or error.__context__
    return False


def explain(error: BaseException) -> str:
    """What ran out and what to change, in a few lines (the flags of lab 6; the other labs
    that train have ``--batch-size`` too)."""
    device = "host (CPU) memory" if isinstance(error, MemoryError) else \
        "memory of the device (GPU/TPU), or the host's"
    first_line = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
    return (f"out of memory: the model's weights, one batch of activations and the "
            f"optimizer's state did not fit in the {device} ({type(error).__name__}: "
            f"{first_line}).\n"
            "Fixes, one at a time:\n"
            "  - a smaller --batch-size, with --accumulate N to keep the effective batch "
            "(--batch-size 16 --accumulate 2 updates like a batch of 32, in half the memory)\n"
            "  - a shorter --max-length (activations grow with the length, attention with its "
            "square; most sentences fit in 64 word pieces)\n"
            "  - mixed precision: --precision mixed_bfloat16 (mixed_float16 on a GPU without "
            "bfloat16, e.g. T4 or V100) halves the activations\n"
            "  - a smaller model (--preset all-minilm-l6-v2), or --strategy frozen / last-n "
            "(no optimizer state for the frozen layers)\n"
            "Run again with --debug to see the full traceback.")
