"""The record's sections that describe a lab 6 run's settings (``hyperparameters``) and its
model (``model``)."""

from __future__ import annotations

import argparse

from labs.lab06_bert_finetune.reference import citation
from labs.lab06_bert_finetune.settings import learning_rate_for
from labs.lab06_bert_finetune.tasks import Task, main_task
from labs.lab06_bert_finetune.toolbox import describe_schedule
from toolkit.distribute import DistributionPlan
from toolkit.text import bert


def describe_hyperparameters(config: argparse.Namespace, tasks: dict[str, Task],
                             preset: bert.Preset, plan: DistributionPlan) -> dict:
    """The settings as the record keeps them: batch size and learning rates as trained (times
    the devices with ``--distribute``), and only the options of the strategies that ran."""
    main = main_task(tasks)
    strategies = {s for s, _ in config.comparison} or {config.strategy}
    hyperparameters = {
        "preset": config.preset if config.benchmark else preset.name,
        "preset_source": "random weights (benchmark)" if config.benchmark else preset.source,
        "strategy": "compare" if config.comparison else config.strategy,
        "head": config.head, "pooling": config.pooling,
        "learning_rate": learning_rate_for(config, config.strategy, plan.replicas),
        "schedule": describe_schedule(config),
        "label_smoothing": config.label_smoothing, "head_dropout": config.head_dropout,
        "clean_social": config.clean_social,
        "optimizer": "AdamW", "weight_decay": config.weight_decay, "epochs": config.epochs,
        "batch_size": plan.global_batch, "gradient_accumulation": config.accumulate,
        "effective_batch_size": plan.global_batch * config.accumulate,
        "max_length": config.max_length,
        "padding": "fixed to max_length" if config.fixed_padding else
                   f"dynamic, length-bucketed, rounded up to a multiple of "
                   f"{config.pad_to_multiple}",
        "precision": bert.resolve_precision(config.precision),
        "early_stopping": f"{config.monitor}, patience {config.patience}, best weights kept",
        "train_samples": len(main.texts("train")), "class_weight": config.class_weight,
        "threshold": config.threshold, "head_lr_multiplier": config.head_lr_multiplier,
        "folds": config.folds, "distribution": plan.describe(),
    }
    if "frozen" in strategies and config.comparison:
        hyperparameters["learning_rate"] = learning_rate_for(config, "full", plan.replicas)
        hyperparameters["head_learning_rate"] = learning_rate_for(config, "frozen", plan.replicas)
    if "last-n" in strategies:
        hyperparameters["unfreeze_last"] = config.unfreeze_last
    if "layerwise" in strategies:
        hyperparameters["lr_decay"] = config.lr_decay
    if config.sweep:  # one setting varied at a time (sweep.py)
        hyperparameters["sweep"] = {"learning_rates": config.learning_rates,
                                    "batch_sizes": config.batch_sizes,
                                    "epochs_grid": config.epochs_grid}
    if config.multitask:
        hyperparameters["tasks"] = {
            name: {"train": len(task.texts("train")), "loss_weight": task.loss_weight,
                   "source": task.data.source} for name, task in tasks.items()}
    return hyperparameters


def describe_model(preset: bert.Preset, outcome: dict, config: argparse.Namespace) -> dict:
    """The record's ``model`` section: which pretrained model, its encoder's facts (layers,
    hidden size, heads, parameters, vocabulary; also printed), which head, how many weights."""
    from toolkit.text.bert.facts import describe_facts, encoder_facts

    facts = encoder_facts(outcome["backbone"])
    print(f"encoder {preset.name}: {describe_facts(facts)}")
    own = getattr(config, "checkpoint_head", None)  # checkpoint.py: a classifier already
    head = f"its own {own.architecture} head ({own.num_classes} classes)" if own else \
        f"{outcome['row']['head']} head ({config.pooling} pooling)"
    return {"name": f"{preset.name} ({describe_facts(facts)}) + {head}",
            "preset": preset.name, "source": preset.source, "encoder": facts,
            "parameters": outcome["parameters"], "citation": citation(preset)}
