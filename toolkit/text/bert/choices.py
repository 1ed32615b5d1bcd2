"""What a fine-tuning run can choose: strategies, heads, poolings (no Keras here, so a lab's
``--help`` lists them without loading a backend)."""

STRATEGIES = ("full", "frozen", "last-n", "layerwise", "gradual")
POOLINGS = ("mean", "cls")
HEADS = ("linear", "mlp")
