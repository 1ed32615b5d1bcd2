"""The third backend: labs 4 and 5 run on PyTorch, with TensorFlow blocked.

Each test starts a lab in a subprocess with ``KERAS_BACKEND=torch`` (Keras picks its backend
once, at import, so it cannot be switched inside this process) and the
``tests/support/no_tensorflow`` shim on the path, so an accidental ``import tensorflow``
fails as it would where TensorFlow is not installed. They are skipped, with the reason,
where PyTorch is not installed (the course's main environment has TensorFlow and JAX only).
A side environment without TensorFlow runs them::

    python -m venv venv-torch && venv-torch/bin/pip install torch  # the CPU wheel is enough
    venv-torch/bin/pip install keras scikit-learn matplotlib nltk ... pytest
    venv-torch/bin/python -m pytest tests/test_torch_backend.py
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lab_runs import only_run
from test_glove import write_glove
from test_lab05 import topic_glove_words
from test_text_data import corpus, write_csv

from toolkit.runs import read_record

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                                reason="PyTorch is not installed in this environment: the "
                                       "torch-backend runs need it (see this file's docstring)")


def run_on_torch(module: str, argv: list[str], out: Path) -> dict:
    """Run ``python -m module argv`` on the torch backend; return the run's record."""
    env = dict(os.environ, KERAS_BACKEND="torch",
               PYTHONPATH=os.pathsep.join([str(REPO / "tests/support/no_tensorflow"),
                                           str(REPO)]))
    result = subprocess.run([sys.executable, "-m", module, *argv, "--out", str(out)],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    lab_id = module.rsplit(".", 1)[1]
    return read_record(only_run(lab_id, out))


@pytest.mark.slow
def test_lab04_runs_on_torch(tmp_path):
    topics = write_csv(tmp_path / "topics.csv", corpus())
    record = run_on_torch("labs.lab04_bag_of_words",
                          ["--data", str(topics), "--label-column", "topic", "--quick",
                           "--no-save", "--representations", "tfidf", "--classifiers", "nb"],
                          tmp_path / "runs")
    assert record["environment"]["backend"] == "torch" and record["status"] == "complete"
    assert record["history"] and record["metrics"]["accuracy"] is not None


@pytest.mark.slow
def test_lab05_runs_on_torch_with_a_recurrent_and_a_convolutional_encoder(tmp_path):
    topics = write_csv(tmp_path / "topics.csv", corpus())
    glove = write_glove(tmp_path / "tiny.6d.txt", topic_glove_words())
    record = run_on_torch("labs.lab05_glove_lstm",
                          ["--data", str(topics), "--label-column", "topic",
                           "--glove-file", str(glove), "--quick", "--no-save", "--units", "4",
                           "--embeddings", "fine-tuned", "--encoder", "gru", "cnn1d"],
                          tmp_path / "runs")
    assert record["environment"]["backend"] == "torch" and record["status"] == "complete"
    assert [row["model"] for row in record["results"]["embedding_comparison"]] == \
        ["gru fine-tuned", "cnn1d fine-tuned"]
