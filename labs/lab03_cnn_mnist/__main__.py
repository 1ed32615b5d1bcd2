"""python -m labs.lab03_cnn_mnist: see lesson.py (the lesson) and settings.py (the flags)."""
import sys

from labs.command_line import run_lab

sys.exit(run_lab(__package__))
