"""Lazy re-exports for lab packages: ``labs.lab03_cnn_mnist.build_model`` without importing
Keras when only the package is imported (``python -m labs.lab03_cnn_mnist --help``)."""

from __future__ import annotations

import importlib


def lazy_module_getattr(package: str, modules: list[str]):
    """A module ``__getattr__`` (PEP 562) that finds a name in the package's ``modules``,
    in order, importing each only when a name is asked for."""

    def __getattr__(name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        for module in modules:
            found = importlib.import_module(f"{package}.{module}")
            if hasattr(found, name):
                return getattr(found, name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
