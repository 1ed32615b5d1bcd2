"""Grading: a folder of student submissions -> graded summaries against a rubric.

The instructor runs ``python -m toolkit.grade SUBMISSIONS/ --out grades/``; a student packs
run folders with ``python -m toolkit.submit``. One module, one job, in the order data flows:

- ``submissions``: find and read submissions (folders, zips, Markdown, PDF, notebooks, Word,
  LibreOffice, PowerPoint, RTF, HTML, LaTeX), safely; ``docx_reader``, ``odt_reader``,
  ``pptx_reader``, ``rtf_reader``, ``html_reader`` and ``latex_reader`` turn them into
  documents (``office_package``: what the zip-of-XML readers share).
- ``report_text``: a report as sections and blocks of the student's own words; keywords by
  prefix, stem and synonym.
- ``sample_lists``: misclassified samples in tables, lists and labelled blocks.
- ``course_text``: the course's text (rubric, templates, lab docstrings) by its word 5-grams,
  never the student's; how much of a submission is the student's own words.
- ``sentence_encoder``: all-MiniLM-L6-v2 through keras-hub, offline: texts -> unit vectors,
  loaded once in the grader's process (workers ask it through their pipe).
- ``meaning``: which criterion a paragraph answers, and whether a document is about the lab.
- ``lab_split``: a submission covering several labs, cut into one part per lab.
- ``notebook_check``: a notebook's saved outputs and execution order (nbformat, never run).
- ``rubric``: the rubric TOML as criteria and conditions.
- ``assessment``: one submission against the rubric, with the evidence for every point.
- ``claimed_numbers``: accuracies a report states, checked against the student's records.
- ``submission_facts``: what the class checks need from one submission, taken in its worker.
- ``integrity``: class integrity flags (copies, near-duplicates, copied runs, untouched
  drafts, quick runs, contradicted numbers), found once the class is graded.
- ``rubric_names``: ``--rubric lab_report``: a shipped rubric by name.
- ``roster``: the class roster CSV, matched with the submissions.
- ``gradebook_export``: the gradebook in Canvas's or Moodle's import format.
- ``class_sections``: the summary's integrity and roster sections (Markdown and HTML).
- ``grade_report``: feedback pages, the CSV gradebook, the class summary.
- ``isolation``: each student graded in a worker of their own, with a time limit.
- ``output_folder``: the pages staged, then moved into ``--out``; hand edits kept.
- ``grade``: the command that ties them together.
- ``submit``: run folders -> the zip the grader reads.
- ``samples``: made-up submissions for demos, tests and the grading benchmark;
  ``integrity_samples``: a class with one planted case per integrity flag.

Arrows point down: grading uses the toolkit core (runs, record, reflection, cli, errors,
safe_files, safe_text), never a lab.
"""
