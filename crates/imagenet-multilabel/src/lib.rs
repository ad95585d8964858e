//! The expert multi-label view of the ImageNet validation set — the dataset TensorFlow
//! Datasets calls `imagenet2012_multilabel` (v3.0.0) — and the grading protocol its authors
//! prescribe (Shankar et al. 2020; Vasudevan et al. 2022).
//!
//! The central type is [`Annotations`], one index of the annotated validation images.
//! [`annotations::load`] builds it from `human_accuracy_v3.0.0.json`; [`predictions::load`]
//! reads a model's predictions; [`metrics::evaluate`] grades them.
#![deny(missing_docs)]

pub mod annotations;
pub mod archive;
pub mod atomic;
mod cache;
pub mod cite;
pub mod classes;
pub mod error;
pub mod example;
/// Synthetic inputs for tests, benches, examples and `demo` (feature `fixture`).
#[cfg(any(test, feature = "fixture"))]
pub mod fixture;
pub mod hierarchy;
pub mod home;
pub mod images;
pub mod index;
pub mod metrics;
pub mod overlay;
pub mod predictions;
pub mod publish;
pub mod real;
pub mod summary;
pub mod tfds;
pub mod thumbnails;

pub use classes::{ClassId, ImageId, NUM_CLASSES, NUM_VAL_IMAGES};
pub use error::{Error, Result};
pub use example::{Example, Split};
pub use index::{Annotations, LabelStatus, Record, Source, Version};
pub use predictions::Predictions;
