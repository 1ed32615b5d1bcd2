"""Lab 4: bag-of-words text classification. The lesson: lesson.py; the flags: settings.py."""
from labs.lazy_names import lazy_module_getattr

__getattr__ = lazy_module_getattr(__name__, ["lesson", "settings", "lexicon", "grid_search"])
