"""Moved: the readers are in :mod:`toolkit.text.readers`, the data sets in
:mod:`toolkit.text.datasets`.

This module only re-exports their public names, so code written against
``toolkit.text.data`` (``from toolkit.text import data as text_data``) keeps working while
it moves over; new code imports from the two modules above.
"""

from toolkit.text.datasets import (  # noqa: F401
    DATASETS,
    SST2_CLASS_NAMES,
    TEST_FRACTION,
    TFDS_PREFIX,
    VALIDATION_FRACTION,
    TextDataset,
    add_text_data_arguments,
    dataset_name,
    load_from_args,
    load_sst2_glue,
    load_sst2_sentences,
    load_text_dataset,
    load_text_file,
    load_tfds,
    stratified_split,
)
from toolkit.text.readers import (  # noqa: F401
    LABEL_COLUMN_GUESSES,
    MISSING_VALUES,
    TEXT_COLUMN_GUESSES,
    RawTexts,
    check_labels,
    encode_file,
    encode_labels,
    label_values,
    read_label_sentence_file,
    read_text_file,
    read_text_table,
    read_unlabelled_table,
    read_utf8,
)
