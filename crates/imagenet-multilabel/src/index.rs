//! The central data model: one index of the annotated validation images, built from the
//! annotations file plus the embedded class tables. `eval` grades predictions against it and
//! `build` joins it with image bytes from the tar; no command re-derives labels on its own.

use std::path::PathBuf;

use crate::classes::{ClassId, ImageId, NUM_VAL_IMAGES};
use crate::error::{Error, Result};

/// sha256 of the real `human_accuracy_v3.0.0.json`.
pub const V3_SHA256: &str = "d5b2b6111fc9efea16aaebd21bc5a401d16ad18285d3fd99635d8b32ebdb6287";
/// Size in bytes of the real `human_accuracy_v3.0.0.json`.
pub const V3_SIZE: u64 = 200_417_830;
/// The official URL of the v3.0.0 annotations.
pub const V3_URL: &str =
    "https://storage.googleapis.com/brain-car-datasets/imagenet-mistakes/human_accuracy_v3.0.0.json";
/// File name of the v3.0.0 annotations.
pub const V3_FILE_NAME: &str = "human_accuracy_v3.0.0.json";

/// How an expert review judged one label of one image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelStatus {
    /// In the image's `correct` list.
    Correct,
    /// In the image's `unclear` list (counts as correct in the official metric).
    Unclear,
    /// In the image's `wrong` list.
    Wrong,
    /// In none of the three lists: never reviewed. Graded as wrong, but worth a look, since
    /// a new model's novel correct labels hide here.
    Unreviewed,
}

impl LabelStatus {
    /// Whether the official (lenient) metric counts this as a hit: correct ∪ unclear.
    pub fn is_hit(self) -> bool {
        matches!(self, LabelStatus::Correct | LabelStatus::Unclear)
    }

    /// `correct`, `unclear`, `wrong` or `unreviewed`, as tables and JSON write it.
    pub fn name(self) -> &'static str {
        match self {
            LabelStatus::Correct => "correct",
            LabelStatus::Unclear => "unclear",
            LabelStatus::Wrong => "wrong",
            LabelStatus::Unreviewed => "unreviewed",
        }
    }
}

/// One annotated validation image. Made only by [`Record::new`] (and [`Annotations::new`],
/// which sets [`Record::imagenet_m`]), so the original label always matches the image number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub(crate) image: ImageId,
    pub(crate) original: ClassId,
    pub(crate) correct: Vec<ClassId>,
    pub(crate) wrong: Vec<ClassId>,
    pub(crate) unclear: Vec<ClassId>,
    pub(crate) problematic: bool,
    pub(crate) imagenet_m: bool,
}

impl Record {
    /// The image number, from `ILSVRC2012_val_{image:08}.JPEG`.
    pub fn image(&self) -> ImageId {
        self.image
    }
    /// The original ImageNet label, from the embedded validation labels by image number.
    pub fn original(&self) -> ClassId {
        self.original
    }
    /// Labels judged correct, in file order (duplicates kept, as TFDS keeps them).
    pub fn correct(&self) -> &[ClassId] {
        &self.correct
    }
    /// Labels judged wrong, in file order.
    pub fn wrong(&self) -> &[ClassId] {
        &self.wrong
    }
    /// Labels judged unclear, in file order.
    pub fn unclear(&self) -> &[ClassId] {
        &self.unclear
    }
    /// Listed in `problematic_images`: left out of the official metric.
    pub fn problematic(&self) -> bool {
        self.problematic
    }
    /// Listed in `imagenet_m` (set by [`Annotations::new`]).
    pub fn imagenet_m(&self) -> bool {
        self.imagenet_m
    }

    /// The record of `image` with these `[correct, wrong, unclear]` lists. The original label
    /// always comes from the image number (never from a position in some list or archive).
    pub fn new(image: ImageId, lists: [Vec<ClassId>; 3], problematic: bool) -> Record {
        let [correct, wrong, unclear] = lists;
        Record {
            image,
            original: image.original_label(),
            correct,
            wrong,
            unclear,
            problematic,
            imagenet_m: false,
        }
    }

    /// How the review judged `label` for this image. A label in several lists takes the most
    /// favourable status, as the reference's `pred in correct + unclear` test does.
    pub fn status(&self, label: ClassId) -> LabelStatus {
        if self.correct.contains(&label) {
            LabelStatus::Correct
        } else if self.unclear.contains(&label) {
            LabelStatus::Unclear
        } else if self.wrong.contains(&label) {
            LabelStatus::Wrong
        } else {
            LabelStatus::Unreviewed
        }
    }
}

/// Lowercase hex of `bytes` (how sha256 digests are shown and compared).
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Which release of the annotations a file is, judged by its sha256.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum Version {
    /// The real `human_accuracy_v3.0.0.json`, verified by sha256.
    #[serde(rename = "v3.0.0")]
    V3_0_0,
    /// Any other file in the same schema (a synthetic fixture, an edited copy).
    #[serde(rename = "unrecognised")]
    Unrecognised,
}

impl Version {
    /// The version a file with this sha256 (lowercase hex) is.
    pub fn from_sha256(sha256: &str) -> Version {
        if sha256 == V3_SHA256 {
            Version::V3_0_0
        } else {
            Version::Unrecognised
        }
    }

    /// What to tell a user: `v3.0.0 (verified)` or `unrecognised file`.
    pub fn describe(self) -> &'static str {
        match self {
            Version::V3_0_0 => "v3.0.0 (verified)",
            Version::Unrecognised => "unrecognised file",
        }
    }
}

/// Where an index came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The annotations file (or the built dataset directory).
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// Its sha256, lowercase hex.
    pub sha256: String,
    /// The release it is, judged by the sha256.
    pub version: Version,
}

/// Keys of `initial_annots` that are not ImageNet validation images (the real file also
/// holds ImageNetV2 images), counted by prefix: reported by `info`, never graded.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ForeignGroup {
    /// What the keys start with: the text before the first `/` (`imagenetv2-matched-frequency`),
    /// or for a bare name, the name without its extension and trailing digits
    /// (`ILSVRC2012_test_`).
    pub prefix: String,
    /// How many keys have it.
    pub count: usize,
}

/// The index of annotated validation images: the one data model every command shares.
#[derive(Clone, Debug)]
pub struct Annotations {
    records: Vec<Record>,
    /// `slot[n]` is the position in `records` of image `n`, or `u32::MAX`.
    slot: Vec<u32>,
    imagenet_m: Vec<ImageId>,
    source: Source,
    foreign: Vec<ForeignGroup>,
}

impl Annotations {
    /// Builds the index. `records` may come in any order (they are sorted by image number);
    /// `imagenet_m` keeps its file order. Fails if an image is listed twice or an ImageNet-M
    /// image is not annotated; `Record::imagenet_m` is set from `imagenet_m`.
    pub fn new(
        mut records: Vec<Record>,
        imagenet_m: Vec<ImageId>,
        source: Source,
    ) -> Result<Annotations> {
        records.sort_unstable_by_key(|r| r.image);
        let mut slot = vec![u32::MAX; NUM_VAL_IMAGES as usize + 1];
        for (i, r) in records.iter_mut().enumerate() {
            let s = &mut slot[r.image.0 as usize];
            if *s != u32::MAX {
                return Err(Error::invalid(
                    &source.path,
                    format!("initial_annots.{}", r.image),
                    "the image is annotated twice",
                ));
            }
            *s = i as u32;
            r.imagenet_m = false;
        }
        for (i, image) in imagenet_m.iter().enumerate() {
            match slot[image.0 as usize] {
                u32::MAX => {
                    return Err(Error::invalid(
                        &source.path,
                        format!("imagenet_m[{i}]"),
                        format!("{image} is not in initial_annots: every ImageNet-M image must be annotated"),
                    ))
                }
                s => records[s as usize].imagenet_m = true,
            }
        }
        Ok(Annotations {
            records,
            slot,
            imagenet_m,
            source,
            foreign: Vec::new(),
        })
    }

    /// The index with `foreign` as the count of its file's non-validation keys (sorted by
    /// count, most first, then by prefix; groups with the same prefix are merged).
    pub fn with_foreign(mut self, foreign: Vec<ForeignGroup>) -> Annotations {
        let mut merged: std::collections::BTreeMap<String, usize> = Default::default();
        for g in foreign {
            *merged.entry(g.prefix).or_default() += g.count;
        }
        let mut foreign: Vec<ForeignGroup> = merged
            .into_iter()
            .map(|(prefix, count)| ForeignGroup { prefix, count })
            .collect();
        foreign.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.prefix.cmp(&b.prefix)));
        self.foreign = foreign;
        self
    }

    /// The keys of `initial_annots` that are not validation images, by prefix (empty for an
    /// index read from a built dataset, which holds only validation images).
    pub fn foreign(&self) -> &[ForeignGroup] {
        &self.foreign
    }

    /// Every annotated image, by image number.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// The record of `image`, if it is annotated. O(1).
    pub fn get(&self, image: ImageId) -> Option<&Record> {
        match self.slot.get(image.0 as usize) {
            Some(&s) if s != u32::MAX => self.records.get(s as usize),
            _ => None,
        }
    }

    /// The ImageNet-M images, in file order.
    pub fn imagenet_m(&self) -> &[ImageId] {
        &self.imagenet_m
    }

    /// Where the index came from.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// Number of annotated images.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether no image is annotated.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}
