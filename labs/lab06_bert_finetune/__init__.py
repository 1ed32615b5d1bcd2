"""Lab 6: fine-tuning BERT on SST-2 or your texts. The lesson: lesson.py; the flags: settings.py."""
from labs.lazy_names import lazy_module_getattr

__getattr__ = lazy_module_getattr(__name__, [
    "lesson", "settings", "tasks", "batches", "baseline", "compare", "folds", "speed",
    "reference", "hyperparameters", "predict", "checkpoint"])
