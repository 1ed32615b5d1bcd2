"""What lab 6's flags let a student choose: the fine-tuning strategy, the head, the pooling.

Kept apart from :mod:`.model` (which loads Keras) so that a lab's settings read these choices
and ``--help`` answers before Keras loads.
"""

STRATEGIES = ("full", "frozen", "last-n", "layerwise", "gradual")
POOLINGS = ("mean", "cls")
HEADS = ("linear", "mlp")
# Learning-rate schedules: BERT's warm-up + linear decay, warm-up + cosine with warm restarts,
# or a constant rate halved when the monitored metric stops improving (ReduceLROnPlateau).
SCHEDULES = ("linear", "cosine-restarts", "plateau")
