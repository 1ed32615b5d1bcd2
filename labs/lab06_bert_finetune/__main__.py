"""python -m labs.lab06_bert_finetune: see lesson.py (the lesson) and settings.py (the flags);
python -m labs.lab06_bert_finetune predict RUN_DIR --data FILE: see predict.py;
python -m labs.lab06_bert_finetune audit-labels --data FILE: see audit_labels.py."""
import sys

from labs.command_line import run_lab

sys.exit(run_lab(__package__, commands={
    "predict": "labs.lab06_bert_finetune.predict",
    "audit-labels": "labs.lab06_bert_finetune.audit_labels"}))
