"""Text: data, processing and models of labs 4-6.

- ``readers``: CSV/TSV and ``label sentence`` files read into texts and labels (columns guessed).
- ``datasets``: labelled text from the registry (SST-2), TFDS or the student's own file, split;
  the text labs' data flags. (``data`` re-exports both for older imports.)
- ``lab_runs``: the end of a text lab's run (published SST-2 score, model saved).
- ``processing``: tokenizing, stop words, stemming, bag-of-words features.
- ``glove``: GloVe vectors, their cache and the embedding matrix.
- ``bert``: BERT-family encoders (presets, tokens and padding, model, optimisation, speed).
- ``tags``: automatic tags of sentences (negation, contrast, length...) for error analysis.
- ``plots``: text figures (length histograms, top tokens, error rate by tag).
"""
