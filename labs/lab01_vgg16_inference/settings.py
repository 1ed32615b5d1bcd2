"""Lab 1's flags: ``parse_args(argv)`` settles the whole configuration, without Keras.

``python -m labs.lab01_vgg16_inference --help`` lists them; the lesson is in lesson.py.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from toolkit.cli import lab_parser, positive_int
from toolkit.vision.applications import APPLICATIONS
from toolkit.vision.photos import FITS

DESCRIPTION = ("Lab 1: a pretrained CNN. VGG16 classifies your photos into the 1,000 ImageNet "
               "classes.")
INPUT_SIZE = (224, 224)
QUICK_PHOTOS = 2
UNSURE_BELOW = 0.5


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The lab's flags: shared ones from ``lab_parser`` plus photos, weights, top-k, benchmark."""
    parser = lab_parser(DESCRIPTION, batch_size=8)
    parser.add_argument("--images", nargs="+", metavar="PATH",
                        help="photo files and/or folders (default: sample_images/ in --data-dir "
                             "or $KERASCOURSE_DATA)")
    parser.add_argument("--weights", default="imagenet",
                        help="imagenet (default; 528 MB, fetched once through the data "
                             "registry), none (random weights: meaningless predictions), or "
                             "the PATH of a .h5 / .weights.h5 file")
    parser.add_argument("--top-k", type=positive_int, default=3,
                        help="how many classes to show per photo (default 3)")
    parser.add_argument("--fit", choices=FITS, default="crop",
                        help="how a photo becomes 224x224: crop (keep the aspect ratio, cut the "
                             "centre square; default) or squash (stretch the whole photo)")
    parser.add_argument("--labels", metavar="CSV",
                        help="optional CSV with columns file,label (an ImageNet class name or "
                             "index) to score top-1/top-5 accuracy on your photos")
    parser.add_argument("--gradcam-layer", default=None,
                        help="convolution layer Grad-CAM explains (default: found "
                             "automatically, the last feature map before the classifier, "
                             "e.g. block5_conv3 for VGG16)")
    parser.add_argument("--model", choices=list(APPLICATIONS), default="vgg16",
                        help="the ImageNet network (default vgg16): " + ", ".join(
                            f"{s.key} ({s.parameters / 1e6:.1f}M parameters, {s.size_mb:g} MB)"
                            for s in APPLICATIONS.values()))
    parser.add_argument("--compare-models", nargs="*", choices=list(APPLICATIONS),
                        metavar="MODEL", help="also run these networks (default: all five) on "
                        "the same photos and compare them in one table")
    parser.add_argument("--unsure-below", type=float, default=UNSURE_BELOW, metavar="P",
                        help="flag a photo as 'the model is unsure' when its top probability "
                             f"is under P (default {UNSURE_BELOW})")
    parser.add_argument("--transfer", metavar="DIR",
                        help="transfer learning after the ImageNet steps: DIR holds one "
                             "sub-folder of photos per class")
    parser.add_argument("--transfer-epochs", type=positive_int, default=20,
                        help="epochs of training the new head on frozen features (default 20)")
    parser.add_argument("--fine-tune-epochs", type=int, default=0,
                        help="then fine-tune the network's last block with the head for this "
                             "many epochs (default 0: off)")
    parser.add_argument("--learning-rate", type=float, default=1e-3,
                        help="Adam learning rate of the new head of --transfer (default 0.001)")
    parser.add_argument("--fine-tune-learning-rate", "--fine-tune-lr", type=float,
                        default=1e-5, dest="fine_tune_learning_rate",
                        help="learning rate of fine-tuning (default 1e-5: small, so the "
                             "pretrained features are adjusted, not destroyed)")
    parser.add_argument("--test-split", type=float, default=0.25,
                        help="share of each class held out to measure --transfer accuracy "
                             "(default 0.25, stratified, seeded)")
    parser.add_argument("--perturb", action="store_true",
                        help="also show the top-5 of the first photo shifted, rotated, "
                             "darkened and noised: how sensitive the network is to small changes")
    parser.add_argument("--benchmark", action="store_true",
                        help="also measure images/s across batch sizes, precisions and "
                             "jit_compile (minutes on a CPU)")
    parser.add_argument("--benchmark-batch-sizes", nargs="+", type=positive_int,
                        metavar="N", help="batch sizes to benchmark (default 1 4 on a CPU, "
                                          "1 32 128 with an accelerator; 1 2 with --quick)")
    parser.add_argument("--precisions", nargs="+",
                        choices=["float32", "mixed_bfloat16", "mixed_float16"],
                        help="precisions to benchmark (default: those this device runs fast)")
    config = parser.parse_args(argv)
    if not 0 <= config.unsure_below <= 1:
        parser.error("--unsure-below must be a probability between 0 and 1")
    if not 0 < config.test_split < 1:
        parser.error("--test-split must be between 0 and 1")
    if config.fine_tune_epochs < 0:
        parser.error("--fine-tune-epochs must be >= 0")
    if config.compare_models == []:  # the flag alone: every network
        config.compare_models = list(APPLICATIONS)
    if config.quick:
        config.transfer_epochs = min(config.transfer_epochs, 3)
        config.fine_tune_epochs = min(config.fine_tune_epochs, 1)
    config.spec = APPLICATIONS[config.model]
    config.argv = list(argv or [])
    # Without --images: the sample photos of the course data; with --transfer, a photo of
    # each class folder instead (chosen once the folders are read).
    config.images = config.images or ([] if config.transfer else default_images(config.data_dir))
    return config


def default_images(data_dir: str | None) -> list[str]:
    """``sample_images/`` in ``--data-dir`` or ``$KERASCOURSE_DATA``, when it exists."""
    for root in (data_dir, os.environ.get("KERASCOURSE_DATA")):
        if root and (Path(root) / "sample_images").is_dir():
            return [str(Path(root) / "sample_images")]
    return []
