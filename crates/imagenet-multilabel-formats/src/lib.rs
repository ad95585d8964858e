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
//!
//! Several writers (one per split and form) can be open at once, so a single pass over the
//! images can feed them all; splits and forms may share a folder, as their file names differ.
//!
//! ```
//! use imagenet_multilabel::{ClassId, Example, ImageId, Split};
//! use imagenet_multilabel_formats::{
//!     write_dataset_card, ParquetOptions, ParquetWriter, WebDatasetOptions, WebDatasetWriter,
//! };
//!
//! # fn main() -> imagenet_multilabel::Result<()> {
//! # let dir = tempfile::tempdir().unwrap();
//! # let out = dir.path();
//! // The card (below) expects the files in `out/data/`, as a build lays them out.
//! let data = out.join("data");
//! let mut parquet = ParquetWriter::create(&data, Split::Validation, &ParquetOptions::default())?;
//! let mut shards = WebDatasetWriter::create(&data, Split::Validation, &WebDatasetOptions::default())?;
//! let image = ImageId::new(1).unwrap();
//! let example = Example {
//!     image: vec![0xff, 0xd8, 0xff, 0xd9], // the JPEG bytes, as read from the tar
//!     file_name: image.file_name(),
//!     original_label: image.original_label(),
//!     correct_multi_labels: vec![image.original_label()],
//!     wrong_multi_labels: vec![ClassId::new(3).expect("a class id below 1000")],
//!     unclear_multi_labels: vec![],
//!     is_problematic: false,
//! };
//! parquet.write(&example)?;
//! shards.write(&example)?;
//! let written = parquet.finish()?;
//! assert_eq!(written.files, [data.join("validation-00000-of-00001.parquet")]);
//! assert_eq!(shards.finish()?.files, [data.join("validation-000000.tar")]);
//! // The card lets `datasets.load_dataset(out)` find every split, `imagenet_m` included.
//! write_dataset_card(out, &[Split::Validation])?;
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod build;
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
