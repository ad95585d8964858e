//! The 1000 ImageNet classes and the original labels of the 50,000 validation images.
//!
//! Class id = index of the wnid in the sorted list of 1000 wnids, the convention of TFDS,
//! torchvision and timm. The tables are embedded (see `data/README.md` for provenance) and
//! parsed once, on first use; every lookup after that is O(1).

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

/// Number of ImageNet-1k classes.
pub const NUM_CLASSES: usize = 1000;
/// Number of images in the ILSVRC2012 validation set.
pub const NUM_VAL_IMAGES: u32 = 50_000;

const LABELS_TXT: &str = include_str!("../data/imagenet2012_labels.txt");
const VALIDATION_LABELS_TXT: &str = include_str!("../data/imagenet2012_validation_labels.txt");
const CLASS_NAMES_TSV: &str = include_str!("../data/imagenet2012_class_names.tsv");
const SUPERCLASSES_TSV: &str = include_str!("../data/imagenet2012_superclasses.tsv");

/// An ImageNet-1k class: 0..=999, the index of its wnid in the sorted wnid list.
///
/// The field is private to the crate: a `ClassId` made outside it comes from a validated
/// constructor ([`ClassId::new`], [`ClassId::from_wnid`], [`ClassId::all`]), so every lookup
/// by id ([`ClassId::info`], per-class arrays of [`NUM_CLASSES`]) is in bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ClassId(pub(crate) u16);

impl ClassId {
    /// The class with this index, if it is below 1000.
    pub fn new(id: i64) -> Option<ClassId> {
        (0..NUM_CLASSES as i64)
            .contains(&id)
            .then_some(ClassId(id as u16))
    }
    /// The class whose wnid this is (`n01440764` → 0).
    pub fn from_wnid(wnid: &str) -> Option<ClassId> {
        tables().by_wnid.get(wnid).copied()
    }
    /// The index as a usize, for indexing per-class arrays.
    pub fn index(self) -> usize {
        self.0 as usize
    }
    /// The index as stored in files (0..=999).
    pub fn as_u16(self) -> u16 {
        self.0
    }
    /// The class's facts: wnid, names, flags.
    pub fn info(self) -> &'static ClassInfo {
        &tables().classes[self.index()]
    }
    /// The WordNet id, e.g. `n01440764`.
    pub fn wnid(self) -> &'static str {
        self.info().wnid
    }
    /// First WordNet lemma, e.g. `tench` (not unique: `crane` is 134 and 517).
    pub fn short_name(self) -> &'static str {
        self.info().short_name
    }
    /// Curated display name, e.g. `American robin` (not unique either).
    pub fn name(self) -> &'static str {
        self.info().clean_name
    }
    /// Every class, in id order.
    pub fn all() -> impl ExactSizeIterator<Item = ClassId> {
        (0..NUM_CLASSES as u16).map(ClassId)
    }
}

impl fmt::Display for ClassId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What the embedded tables say about one class.
#[derive(Debug)]
pub struct ClassInfo {
    /// The class id.
    pub id: ClassId,
    /// WordNet id (`n01440764`).
    pub wnid: &'static str,
    /// First lemma of the synset (`tench`).
    pub short_name: &'static str,
    /// All lemmas, comma separated (`tench, Tinca tinca`).
    pub synonyms: &'static str,
    /// Curated display name (`tench`, `American robin`).
    pub clean_name: &'static str,
    /// A descendant of WordNet `dog, domestic dog` (ids 151..=268).
    pub is_dog: bool,
    /// A descendant of WordNet `organism, being` (410 classes); the rest are objects.
    pub is_organism: bool,
}

struct Tables {
    classes: Vec<ClassInfo>,
    by_wnid: HashMap<&'static str, ClassId>,
    /// `original[i]` is the label of `ILSVRC2012_val_{i+1:08}.JPEG`.
    original: Vec<ClassId>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(parse_tables)
}

// The embedded tables are checked by the tests in this module; a malformed table is a build
// defect, not bad user input, so the parser may assume the shapes it is tested against.
fn parse_tables() -> Tables {
    let wnids: Vec<&'static str> = LABELS_TXT.lines().collect();
    assert_eq!(wnids.len(), NUM_CLASSES, "embedded labels.txt");
    let by_wnid: HashMap<&'static str, ClassId> = wnids
        .iter()
        .enumerate()
        .map(|(i, w)| (*w, ClassId(i as u16)))
        .collect();
    let mut classes: Vec<ClassInfo> = wnids
        .iter()
        .enumerate()
        .map(|(i, w)| ClassInfo {
            id: ClassId(i as u16),
            wnid: w,
            short_name: "",
            synonyms: "",
            clean_name: "",
            is_dog: false,
            is_organism: false,
        })
        .collect();
    for (i, line) in CLASS_NAMES_TSV.lines().skip(1).enumerate() {
        let f: Vec<&'static str> = line.split('\t').collect();
        assert!(
            f.len() == 5 && f[1] == wnids[i],
            "embedded class_names.tsv row {i}"
        );
        classes[i].short_name = f[2];
        classes[i].synonyms = f[3];
        classes[i].clean_name = f[4];
    }
    for (i, line) in SUPERCLASSES_TSV.lines().skip(1).enumerate() {
        let f: Vec<&'static str> = line.split('\t').collect();
        assert!(
            f.len() == 4 && f[1] == wnids[i],
            "embedded superclasses.tsv row {i}"
        );
        classes[i].is_dog = f[2] == "1";
        classes[i].is_organism = f[3] == "1";
    }
    let original: Vec<ClassId> = VALIDATION_LABELS_TXT.lines().map(|w| by_wnid[w]).collect();
    assert_eq!(
        original.len(),
        NUM_VAL_IMAGES as usize,
        "embedded validation labels"
    );
    Tables {
        classes,
        by_wnid,
        original,
    }
}

/// The 1000 wnids joined by `\n` with a final `\n`, exactly TFDS's `labels.txt`.
pub fn labels_txt() -> &'static str {
    LABELS_TXT
}

/// A validation image: its number 1..=50,000 from `ILSVRC2012_val_{number:08}.JPEG`.
///
/// The field is private to the crate: a `ImageId` made outside it comes from a validated
/// constructor ([`ImageId::new`], [`ImageId::from_file_name`], [`ImageId::from_path_like`],
/// [`ImageId::all`]), so [`ImageId::original_label`] and per-image tables are in bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ImageId(pub(crate) u32);

impl ImageId {
    /// The image with this number, if it is in 1..=50,000.
    pub fn new(number: u32) -> Option<ImageId> {
        (1..=NUM_VAL_IMAGES)
            .contains(&number)
            .then_some(ImageId(number))
    }

    /// Parses the exact validation file name `ILSVRC2012_val_00000001.JPEG`.
    /// Returns `None` for anything else (ImageNetV2 names, other extensions, paths).
    pub fn from_file_name(name: &str) -> Option<ImageId> {
        let digits = name
            .strip_prefix("ILSVRC2012_val_")?
            .strip_suffix(".JPEG")?;
        Self::from_digits(digits)
    }

    /// Lenient form for user-supplied prediction files: accepts a leading directory
    /// (`val/n01751748/ILSVRC2012_val_00000001.JPEG`, as torchvision's ImageFolder gives),
    /// any extension or none, and `\` separators.
    pub fn from_path_like(name: &str) -> Option<ImageId> {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let stem = base.strip_prefix("ILSVRC2012_val_")?;
        let digits = match stem.find('.') {
            Some(dot) => &stem[..dot],
            None => stem,
        };
        Self::from_digits(digits)
    }

    fn from_digits(digits: &str) -> Option<ImageId> {
        if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok().and_then(ImageId::new)
    }

    /// The image number, 1..=50,000.
    pub fn number(self) -> u32 {
        self.0
    }

    /// The canonical file name, `ILSVRC2012_val_{number:08}.JPEG`.
    pub fn file_name(self) -> String {
        format!("ILSVRC2012_val_{:08}.JPEG", self.0)
    }

    /// The original ImageNet label (from TFDS's `validation_labels.txt`, by image number).
    pub fn original_label(self) -> ClassId {
        tables().original[(self.0 - 1) as usize]
    }

    /// Every validation image, in number order.
    pub fn all() -> impl ExactSizeIterator<Item = ImageId> {
        (1..NUM_VAL_IMAGES + 1).map(ImageId)
    }
}

impl fmt::Display for ImageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ILSVRC2012_val_{:08}.JPEG", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_agree_with_their_provenance_notes() {
        assert_eq!(ClassId(0).wnid(), "n01440764");
        assert_eq!(ClassId(0).short_name(), "tench");
        assert_eq!(ClassId::from_wnid("n01440764"), Some(ClassId(0)));
        assert_eq!(ClassId::from_wnid("n99999999"), None);
        assert_eq!(ClassId(134).short_name(), "crane");
        assert_eq!(ClassId(517).short_name(), "crane");
        let dogs: Vec<u16> = ClassId::all()
            .filter(|c| c.info().is_dog)
            .map(|c| c.0)
            .collect();
        assert_eq!(dogs, (151..=268).collect::<Vec<u16>>());
        assert_eq!(ClassId::all().filter(|c| c.info().is_organism).count(), 410);
        // Line 1 of validation_labels.txt is n01751748 (sea snake).
        let first = ImageId(1).original_label();
        assert_eq!(first.wnid(), "n01751748");
        let mut per_class = [0u32; NUM_CLASSES];
        for image in ImageId::all() {
            per_class[image.original_label().index()] += 1;
        }
        assert!(per_class.iter().all(|&n| n == 50));
        assert_eq!(labels_txt().len(), 10_000);
    }

    #[test]
    fn constructors_refuse_what_is_out_of_range() {
        assert_eq!(ClassId::new(999).map(ClassId::as_u16), Some(999));
        assert_eq!(ClassId::new(999).map(ClassId::index), Some(999));
        assert_eq!(ClassId::new(1000), None);
        assert_eq!(ClassId::new(-1), None);
        assert_eq!(ClassId::new(i64::MAX), None);
        assert_eq!(ImageId::new(0), None);
        assert_eq!(ImageId::new(50_001), None);
        assert_eq!(ImageId::new(50_000).map(ImageId::number), Some(50_000));
        assert_eq!(ImageId::all().last().map(ImageId::number), Some(50_000));
        assert_eq!(ClassId::all().last().map(ClassId::as_u16), Some(999));
    }

    #[test]
    fn image_names() {
        assert_eq!(
            ImageId::from_file_name("ILSVRC2012_val_00000001.JPEG"),
            Some(ImageId(1))
        );
        assert_eq!(
            ImageId::from_file_name("ILSVRC2012_val_00050001.JPEG"),
            None
        );
        assert_eq!(
            ImageId::from_file_name("ILSVRC2012_val_00000000.JPEG"),
            None
        );
        assert_eq!(ImageId::from_file_name("ILSVRC2012_val_0000001.JPEG"), None);
        assert_eq!(
            ImageId::from_file_name("ILSVRC2012_val_00000001.jpeg"),
            None
        );
        assert_eq!(ImageId::from_file_name("imagenetv2/0/abc.jpeg"), None);
        assert_eq!(
            ImageId::from_path_like("val/n01751748/ILSVRC2012_val_00000001.JPEG"),
            Some(ImageId(1))
        );
        assert_eq!(
            ImageId::from_path_like("ILSVRC2012_val_00049999"),
            Some(ImageId(49_999))
        );
        assert_eq!(ImageId::from_path_like("ILSVRC2012_val_1.JPEG"), None);
        assert_eq!(ImageId(7).file_name(), "ILSVRC2012_val_00000007.JPEG");
    }
}
