"""python -m labs.lab01_vgg16_inference: see lesson.py (the lesson) and settings.py (the flags)."""
import sys

from labs.command_line import run_lab

sys.exit(run_lab(__package__))
