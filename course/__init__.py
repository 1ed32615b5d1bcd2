"""The course: syllabus, rubrics and templates (package data, see toolkit.resources)."""
