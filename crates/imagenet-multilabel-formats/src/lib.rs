//! The dataset in the two forms machine-learning code reads most besides TFDS:
//!
//! - [`parquet`]: Parquet files that Hugging Face `datasets` loads with typed features (the
//!   image decodes to a PIL image, labels are `ClassLabel`s named by wnid);
//! - [`webdataset`]: tar shards that the PyTorch `webdataset` library streams
//!   (`{key}.jpg`, `{key}.json`, `{key}.cls`).
//!
//! Both writers take [`Example`](imagenet_multilabel::Example)s one at a time, in the order
//! they should appear, keep memory bounded (one row group, or nothing beyond a write buffer),
//! and publish a split's files only when [`finish`](ParquetWriter::finish) succeeds: until
//! then every file has a hidden temporary name, and a writer dropped unfinished removes them.
//! Their bytes depend only on the examples and the options, so a rebuild is byte-identical.
#![deny(missing_docs)]

pub mod parquet;
mod staged;
pub mod webdataset;

use std::path::PathBuf;

pub use crate::parquet::{write_dataset_card, ParquetOptions, ParquetWriter};
pub use crate::webdataset::{WebDatasetOptions, WebDatasetWriter};

/// What a finished writer published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// The files, in order.
    pub files: Vec<PathBuf>,
    /// How many examples they hold.
    pub examples: usize,
    /// Their total size in bytes.
    pub bytes: u64,
}
