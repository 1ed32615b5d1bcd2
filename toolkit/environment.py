"""What machine a run ran on: hardware, backend, library versions.

Used by every run record and by ``python -m toolkit.check``. Nothing here imports
TensorFlow, JAX or PyTorch unless it is the active Keras backend (or asked for),
so it stays fast and works with any backend installed.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import shutil
import subprocess
from pathlib import Path

LIBRARIES = ("keras", "keras-hub", "tensorflow", "jax", "jaxlib", "torch", "numpy",
             "scikit-learn", "matplotlib", "nltk", "tensorflow-datasets", "kerascourse")


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries the course uses (missing ones left out)."""
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def backend_name() -> str:
    """The Keras backend that is (or will be) active, without importing it twice."""
    import keras

    return keras.config.backend()


def total_ram_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def available_ram_bytes() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def nvidia_smi_gpus() -> list[dict]:
    """GPUs the NVIDIA driver sees (``nvidia-smi``), whatever the backend can use."""
    if not shutil.which("nvidia-smi"):
        return []
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader,nounits"],
            capture_output=True, text=True, timeout=5, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    gpus = []
    for line in out.strip().splitlines():
        name, _, memory = line.partition(",")
        gpus.append({"name": name.strip(), "memory_mb": int(float(memory or 0))})
    return gpus


def cpu_has_bfloat16() -> bool:
    """Whether the CPU has bfloat16 instructions (AVX-512 BF16 or AMX), from /proc/cpuinfo."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:  # not Linux: assume not
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def backend_devices(backend: str | None = None) -> list[dict]:
    """Accelerators the *active* backend can use: ``[{"name", "kind", "memory_mb"}]``."""
    backend = backend or backend_name()
    devices = []
    if backend == "jax":
        import jax

        for device in jax.devices():
            if device.platform != "cpu":
                memory = (device.memory_stats() or {}).get("bytes_limit", 0)
                devices.append({"name": getattr(device, "device_kind", str(device)),
                                "kind": device.platform, "memory_mb": memory // 2**20})
    elif backend == "torch":
        import torch

        for index in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(index)
            devices.append({"name": props.name, "kind": "gpu",
                            "memory_mb": props.total_memory // 2**20})
    elif backend == "tensorflow":
        import tensorflow as tf

        for device in tf.config.list_physical_devices("GPU"):
            details = tf.config.experimental.get_device_details(device)
            devices.append({"name": details.get("device_name", device.name), "kind": "gpu",
                            "memory_mb": None})
    return devices


def hardware_info(backend: str | None = None) -> dict:
    """The record's ``hardware`` section: CPU, cores, RAM, and the backend's accelerators."""
    devices = backend_devices(backend)
    ram = total_ram_bytes()
    return {
        "cpu": cpu_name(), "cpu_cores": os.cpu_count(),
        "ram_gb": round(ram / 2**30, 1) if ram else None,
        "accelerators": devices,
        "device": devices[0]["name"] if devices else f"CPU ({cpu_name()})",
        "platform": platform.platform(),
    }


def environment_info() -> dict:
    """The record's ``environment`` section: backend, Python, versions, hardware."""
    backend = backend_name()
    return {
        "backend": backend,
        "python": platform.python_version(),
        "versions": library_versions(),
        "hardware": hardware_info(backend),
    }
