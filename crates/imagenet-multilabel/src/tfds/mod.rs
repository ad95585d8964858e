//! The TFDS on-disk format of `imagenet2012_multilabel` 3.0.0: what `tfds.load` reads.
//!
//! - [`record`]: TFRecord framing with masked CRC-32C.
//! - [`example`]: `tf.train.Example` encoding of the seven features.
//! - [`layout`]: example order (MD5 of split and file name), shard count and boundaries,
//!   the byte offset of every record — all known before any image is read.
//! - [`metadata`]: `dataset_info.json`, `features.json`, the `*.labels.txt` files.
//! - [`DatasetWriter`] writes a dataset in one pass over the tar, images in any order;
//!   [`Dataset`] reads one back (ours or one TFDS wrote).

pub mod example;
pub mod layout;
pub mod metadata;
pub mod reader;
pub mod record;
pub mod writer;

pub use reader::{read_annotations, Dataset, Examples, SplitInfo};
pub use writer::{DatasetWriter, SplitSummary, WriteOptions, WriteSummary};

/// The dataset's name, also the folder under the data dir.
pub const DATASET_NAME: &str = "imagenet2012_multilabel";
/// The dataset version this crate writes, also the folder under the dataset folder.
pub const VERSION: &str = "3.0.0";
