"""The six labs of the course, one module each; ``python -m labs`` shows the course map."""
