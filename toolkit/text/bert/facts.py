"""The facts of a loaded encoder that a report needs: layers, hidden size, attention heads,
parameters and vocabulary size, read from the keras-hub backbone (``None`` where a family
does not say)."""

from __future__ import annotations


def encoder_facts(backbone) -> dict:
    """``{"layers", "hidden_size", "heads", "parameters", "vocabulary"}`` of ``backbone``."""
    def first(*names):
        for name in names:
            value = getattr(backbone, name, None)
            if isinstance(value, int):
                return value
        return None

    return {"layers": first("num_layers"), "hidden_size": first("hidden_dim"),
            "heads": first("num_heads"), "parameters": int(backbone.count_params()),
            "vocabulary": first("vocabulary_size")}


def describe_facts(facts: dict) -> str:
    """One line: ``6 layers, hidden size 384, 12 heads, 22,713,216 parameters, ...``."""
    def number(key):
        value = facts.get(key)
        return "?" if value is None else f"{value:,}"

    return (f"{number('layers')} layers, hidden size {number('hidden_size')}, "
            f"{number('heads')} attention heads, {number('parameters')} parameters, "
            f"vocabulary of {number('vocabulary')} word pieces")
