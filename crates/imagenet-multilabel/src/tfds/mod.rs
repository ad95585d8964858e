//! The TFDS on-disk format of `imagenet2012_multilabel` 3.0.0: what `tfds.load` reads.
//!
//! - [`record`]: TFRecord framing with masked CRC-32C.
//! - [`example`]: `tf.train.Example` encoding of the seven features.
//! - [`layout`]: example order (MD5 of split and file name), shard count and boundaries,
//!   the byte offset of every record — all known before any image is read.
//! - [`metadata`]: `dataset_info.json`, `features.json`, the `*.labels.txt` files.
//! - [`DatasetWriter`] writes a dataset in one pass over the tar, images in any order;
//!   [`Dataset`] reads one back (ours or one TFDS wrote), in order or, through
//!   [`RandomAccess`], by example number.
//!
//! ```
//! # fn main() -> imagenet_multilabel::Result<()> {
//! use imagenet_multilabel::tfds::{Dataset, DatasetWriter, WriteOptions};
//! use imagenet_multilabel::{Annotations, ClassId, ImageId, Record, Source, Split, Version};
//!
//! let image = |n: u32| ImageId::new(n).expect("an image number in 1..=50,000");
//! let seven = ClassId::new(7).expect("a class id below 1000");
//! let record = |n: u32| {
//!     let correct = vec![image(n).original_label()];
//!     Record::new(image(n), [correct, vec![seven], vec![]], false)
//! };
//! let source = Source { path: "a.json".into(), size: 0, sha256: String::new(), version: Version::Unrecognised };
//! let annotations = Annotations::new(vec![record(1), record(2)], vec![image(2)], source)?;
//! let jpeg = |n: u32| vec![0xff, 0xd8, n as u8, 0xff, 0xd9];
//!
//! // Sizes first (from the tar headers), then the images in any order.
//! let mut sizes = vec![None; 50_001];
//! sizes[1] = Some(5);
//! sizes[2] = Some(5);
//! let data_dir = tempfile::tempdir().unwrap();
//! let writer = DatasetWriter::create(data_dir.path(), &annotations, &sizes, &WriteOptions::default())?;
//! for n in [2, 1] {
//!     writer.write_image(image(n), &jpeg(n))?;
//! }
//! let summary = writer.finish()?; // publishes imagenet2012_multilabel/3.0.0/
//!
//! let dataset = Dataset::open(data_dir.path())?;
//! let names: Vec<String> = dataset
//!     .iter(Split::Validation)
//!     .map(|e| e.map(|e| e.file_name))
//!     .collect::<Result<_, _>>()?;
//! assert_eq!(names.len(), 2);
//! assert_eq!(summary.splits[1].num_examples(), 1);
//! # Ok(())
//! # }
//! ```

pub mod access;
pub mod example;
pub mod layout;
pub mod metadata;
pub mod reader;
pub mod record;
pub mod writer;

pub use access::RandomAccess;
pub use reader::{read_annotations, read_provenance, Dataset, Examples, MapParallel, SplitInfo};
pub use writer::{version_slot, DatasetWriter, SplitSummary, WriteOptions, WriteSummary};

/// The dataset's name, also the folder under the data dir.
pub const DATASET_NAME: &str = "imagenet2012_multilabel";
/// The dataset version this crate writes, also the folder under the dataset folder.
pub const VERSION: &str = "3.0.0";
