"""Lab 2: an MLP with dropout. The lesson: lesson.py; the flags: settings.py."""
from labs.lazy_names import lazy_module_getattr

__getattr__ = lazy_module_getattr(__name__, ["lesson", "settings", "table"])
