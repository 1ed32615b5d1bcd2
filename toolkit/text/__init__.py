"""Text: data, processing and models of labs 4-6.

- ``data``: labelled text from the registry (SST-2) or the student's own CSV/TSV, split.
- ``processing``: tokenizing, stop words, stemming, bag-of-words features.
- ``glove``: GloVe vectors, their cache and the embedding matrix.
- ``bert``: BERT-family encoders (presets, tokens and padding, model, optimisation, speed).
- ``tags``: automatic tags of sentences (negation, contrast, length...) for error analysis.
- ``plots``: text figures (length histograms, top tokens, error rate by tag).
"""
