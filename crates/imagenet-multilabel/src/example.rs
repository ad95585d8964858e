//! One example of the built dataset: a record of the index joined with its JPEG bytes.
//! Every dataset writer (TFDS, Parquet, WebDataset) and the reader share this type.

use crate::classes::{ClassId, ImageId};
use crate::index::Record;

/// The seven features TFDS defines for `imagenet2012_multilabel`, as typed values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Example {
    /// The JPEG bytes, exactly as stored in the tar.
    pub image: Vec<u8>,
    /// `ILSVRC2012_val_{n:08}.JPEG`.
    pub file_name: String,
    /// The original ImageNet label.
    pub original_label: ClassId,
    /// Labels judged correct, in annotation-file order.
    pub correct_multi_labels: Vec<ClassId>,
    /// Labels judged wrong, in annotation-file order.
    pub wrong_multi_labels: Vec<ClassId>,
    /// Labels judged unclear, in annotation-file order.
    pub unclear_multi_labels: Vec<ClassId>,
    /// Listed in `problematic_images`.
    pub is_problematic: bool,
}

impl Example {
    /// The example of an annotated image: its labels from the index, with `image` bytes.
    pub fn from_record(record: &Record, image: Vec<u8>) -> Example {
        Example {
            image,
            file_name: record.image.file_name(),
            original_label: record.original,
            correct_multi_labels: record.correct.clone(),
            wrong_multi_labels: record.wrong.clone(),
            unclear_multi_labels: record.unclear.clone(),
            is_problematic: record.problematic,
        }
    }

    /// The image number, when the file name is a validation name.
    pub fn image_id(&self) -> Option<ImageId> {
        ImageId::from_file_name(&self.file_name)
    }
}

/// The two splits of the dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Split {
    /// Every annotated validation image (20,000 in v3.0.0).
    Validation,
    /// The 68 ImageNet-M images.
    ImagenetM,
}

impl Split {
    /// Both splits, in the order TFDS lists them.
    pub const ALL: [Split; 2] = [Split::Validation, Split::ImagenetM];

    /// The split's name as TFDS spells it (also the salt of its example order).
    pub fn name(self) -> &'static str {
        match self {
            Split::Validation => "validation",
            Split::ImagenetM => "imagenet_m",
        }
    }

    /// The split with this TFDS name.
    pub fn from_name(name: &str) -> Option<Split> {
        Split::ALL.into_iter().find(|s| s.name() == name)
    }
}
