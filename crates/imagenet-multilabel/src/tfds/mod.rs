//! The TFDS on-disk format for `imagenet2012_multilabel` 3.0.0 (in progress).
