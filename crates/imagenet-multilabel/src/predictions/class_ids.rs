//! Integer class ids: the conventions in the wild, and telling them apart.
//!
//! Our class id is the index of the wnid in the sorted list of the 1000 wnids (TFDS,
//! torchvision, timm). Two other numberings are common and are graded at chance level when
//! read as ours, without any error: the ILSVRC2012 devkit's `ILSVRC2012_ID` (1..=1000, the
//! order of `synsets` in its `meta.mat`; the table is embedded, see `data/README.md` §6) and
//! sorted ids counted from 1. [`ClassIds`] reads each on purpose; [`IdMismatch`] is what
//! [`super::load`] reports when a file fits another convention far better than the one asked
//! for.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use crate::classes::{ClassId, ImageId, NUM_CLASSES};

use super::Predictions;

const DEVKIT_IDS_TSV: &str = include_str!("../../data/imagenet2012_devkit_ids.tsv");

/// Below this top-1 against the original labels, a file is at chance level (1000 classes:
/// a random model scores 0.1%; the weakest published ImageNet models score above 40%).
pub const CHANCE_TOP1: f64 = 0.02;
/// The detection only judges files with at least this many images: below that, a weak
/// model and a wrong convention are not told apart with confidence.
pub const MIN_IMAGES_TO_JUDGE: usize = 1000;
/// A file whose every top-1 is the original label, over at least this many images, is
/// flagged as the ground truth: a real model at 90% top-1 matches 100 images in a row with
/// probability 3·10⁻⁵.
pub const MIN_IMAGES_GROUND_TRUTH: usize = 100;

/// How the integer class ids in a predictions file are numbered. Wnids and score columns
/// are not affected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClassIds {
    /// 0..=999, the index of the wnid in the sorted wnid list (TFDS, torchvision, timm,
    /// Keras, Caffe). The default.
    #[default]
    Sorted,
    /// 1..=1000, the ILSVRC2012 devkit's `ILSVRC2012_ID` (`meta.mat` order: 1 is kit fox
    /// `n02119789`), as in its `ILSVRC2012_validation_ground_truth.txt` and the official
    /// submission format.
    Devkit,
    /// 1..=1000, the sorted index plus one.
    OneBased,
}

impl ClassIds {
    /// Every convention, in the order the help text lists them.
    pub const ALL: [ClassIds; 3] = [ClassIds::Sorted, ClassIds::Devkit, ClassIds::OneBased];

    /// The name `--class-ids` accepts (and [`fmt::Display`] prints).
    pub fn name(self) -> &'static str {
        match self {
            ClassIds::Sorted => "sorted",
            ClassIds::Devkit => "devkit",
            ClassIds::OneBased => "one-based",
        }
    }

    /// The valid ids, as `lo..=hi`.
    pub fn range(self) -> (i128, i128) {
        match self {
            ClassIds::Sorted => (0, NUM_CLASSES as i128 - 1),
            ClassIds::Devkit | ClassIds::OneBased => (1, NUM_CLASSES as i128),
        }
    }

    /// The class integer `id` names under this convention; `None` when out of range.
    pub fn class(self, id: i128) -> Option<ClassId> {
        let (lo, hi) = self.range();
        if !(lo..=hi).contains(&id) {
            return None;
        }
        Some(match self {
            ClassIds::Sorted => ClassId(id as u16),
            ClassIds::OneBased => ClassId((id - 1) as u16),
            ClassIds::Devkit => devkit().to_class[(id - 1) as usize],
        })
    }

    /// The id of `class` under this convention (the inverse of [`ClassIds::class`]).
    pub fn id(self, class: ClassId) -> i128 {
        match self {
            ClassIds::Sorted => i128::from(class.0),
            ClassIds::OneBased => i128::from(class.0) + 1,
            ClassIds::Devkit => i128::from(devkit().to_id[class.index()]),
        }
    }
}

impl fmt::Display for ClassIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ClassIds {
    type Err = String;

    /// Case-insensitive; `one_based`, `onebased` and `1-based` are accepted too.
    fn from_str(s: &str) -> Result<ClassIds, String> {
        let lower = s.trim().to_ascii_lowercase().replace('_', "-");
        match lower.as_str() {
            "sorted" => Ok(ClassIds::Sorted),
            "devkit" => Ok(ClassIds::Devkit),
            "one-based" | "onebased" | "1-based" => Ok(ClassIds::OneBased),
            _ => Err(format!(
                "unknown class-id convention {s:?}: expected sorted (0..=999, the default), \
                 devkit (ILSVRC2012_ID 1..=1000) or one-based (sorted + 1)"
            )),
        }
    }
}

/// The devkit table both ways.
struct Devkit {
    /// `to_class[devkit_id - 1]`.
    to_class: Vec<ClassId>,
    /// `to_id[class]` = devkit id.
    to_id: Vec<u16>,
}

fn devkit() -> &'static Devkit {
    static TABLE: OnceLock<Devkit> = OnceLock::new();
    TABLE.get_or_init(parse_devkit)
}

// The embedded table is checked by this module's tests (a permutation, rows in id order,
// every wnid matching `index`); a malformed table is a build defect, not bad input.
fn parse_devkit() -> Devkit {
    let mut to_class = Vec::with_capacity(NUM_CLASSES);
    let mut to_id = vec![0u16; NUM_CLASSES];
    for (row, line) in DEVKIT_IDS_TSV.lines().skip(1).enumerate() {
        let fields: Vec<&str> = line.split('\t').collect();
        let parsed = match fields[..] {
            [id, wnid, index] => id
                .parse::<u16>()
                .ok()
                .zip(index.parse::<u16>().ok())
                .filter(|&(id, index)| {
                    usize::from(id) == row + 1
                        && usize::from(index) < NUM_CLASSES
                        && ClassId::from_wnid(wnid) == Some(ClassId(index))
                }),
            _ => None,
        };
        let Some((id, index)) = parsed else {
            panic!("embedded imagenet2012_devkit_ids.tsv row {}", row + 2);
        };
        to_class.push(ClassId(index));
        to_id[usize::from(index)] = id;
    }
    assert_eq!(
        to_class.len(),
        NUM_CLASSES,
        "embedded imagenet2012_devkit_ids.tsv"
    );
    Devkit { to_class, to_id }
}

/// One way to read a file's integer ids: a convention, with or without a background class
/// at 0 (a 1001-output model's id 0 is "no class"; its other ids count from 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Reading {
    /// The numbering of the ids.
    pub class_ids: ClassIds,
    /// Id 0 is the background class (`--background-class`).
    pub background_class: bool,
}

impl Reading {
    /// How the ids are described in messages: `devkit ids`, `sorted ids with background at 0`.
    pub fn describe(self) -> String {
        let mut text = format!("{} ids", self.class_ids);
        if self.background_class {
            text.push_str(" with background at 0");
        }
        text
    }

    /// Under `--background-class` ids 1..=1000 count from 1 in both sorted conventions, so
    /// `one-based` is `sorted` there: one canonical form for comparisons.
    pub(crate) fn canonical(self) -> Reading {
        match self {
            Reading {
                class_ids: ClassIds::OneBased,
                background_class: true,
            } => Reading {
                class_ids: ClassIds::Sorted,
                background_class: true,
            },
            other => other,
        }
    }

    /// The readings tried when a file does not fit this one, in order of preference on ties
    /// (the same background choice first: the fewest flags to change).
    pub(crate) fn alternatives(self) -> Vec<Reading> {
        let given = self.canonical();
        let all = [false, true].map(|flip| {
            let bg = flip != self.background_class;
            [ClassIds::Sorted, ClassIds::Devkit, ClassIds::OneBased].map(|class_ids| {
                Reading {
                    class_ids,
                    background_class: bg,
                }
                .canonical()
            })
        });
        let mut out: Vec<Reading> = Vec::new();
        for reading in all.into_iter().flatten() {
            if reading != given && !out.contains(&reading) {
                out.push(reading);
            }
        }
        out
    }
}

/// Top-1 against the original ImageNet labels: `(hits, images)` over every image with a
/// prediction. A background top-1 is a miss.
pub fn original_top1(predictions: &Predictions) -> (usize, usize) {
    let hits = ImageId::all()
        .filter(|&image| {
            predictions
                .ranking(image)
                .is_some_and(|r| r.top1() == Some(image.original_label()))
        })
        .count();
    (hits, predictions.len())
}

/// A file whose integer ids fit another convention far better than the one asked for: top-1
/// against the original labels is at chance level as read (or the ids are out of range), and
/// above it as read by [`IdMismatch::fits`].
#[derive(Clone, Debug, PartialEq)]
pub struct IdMismatch {
    /// How the file was asked to be read.
    pub given: Reading,
    /// Top-1 against the original labels as asked; `None` when the file cannot be read so.
    pub given_top1: Option<f64>,
    /// Why the file cannot be read as asked (when it cannot).
    pub given_error: Option<String>,
    /// The reading that fits best.
    pub fits: Reading,
    /// Top-1 against the original labels read that way.
    pub fits_top1: f64,
    /// Images in the file.
    pub images: usize,
}

impl IdMismatch {
    /// What to change on the command line: `pass --class-ids devkit`, `pass
    /// --background-class`, `pass --class-ids sorted without --background-class`.
    pub fn advice(&self) -> String {
        let mut flags = Vec::new();
        if self.fits.class_ids != self.given.class_ids {
            flags.push(format!("--class-ids {}", self.fits.class_ids));
        }
        if self.fits.background_class && !self.given.background_class {
            flags.push("--background-class".to_string());
        }
        let drop_background = self.given.background_class && !self.fits.background_class;
        match (flags.is_empty(), drop_background) {
            (true, _) => "drop --background-class".to_string(),
            (false, true) => format!("pass {} without --background-class", flags.join(" ")),
            (false, false) => format!("pass {}", flags.join(" ")),
        }
    }
}

impl fmt::Display for IdMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pct = |v: f64| format!("{:.1}%", 100.0 * v);
        // Name a reading by what differs from the other one.
        let name = |r: Reading, other: Reading| {
            if r.class_ids == other.class_ids {
                r.describe()
            } else {
                r.class_ids.to_string()
            }
        };
        let (fits, given) = (name(self.fits, self.given), name(self.given, self.fits));
        write!(
            f,
            "these look like {} (top-1 against the original labels {} if read as {fits}",
            self.fits.describe(),
            pct(self.fits_top1),
        )?;
        match (&self.given_top1, &self.given_error) {
            (Some(top1), _) => write!(f, ", {} as {given}", pct(*top1))?,
            (None, Some(error)) => write!(f, "; as {given} they cannot be read: {error}")?,
            (None, None) => write!(f, "; as {given} they cannot be read")?,
        }
        write!(f, "; {} images): {}", self.images, self.advice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devkit_table_is_a_permutation_matching_the_readme_examples() {
        let mut seen = vec![false; NUM_CLASSES];
        for id in 1..=1000 {
            let class = ClassIds::Devkit.class(id).unwrap();
            assert!(!std::mem::replace(&mut seen[class.index()], true));
            assert_eq!(ClassIds::Devkit.id(class), id);
        }
        // data/README.md §6: 1 → kit fox 278; 490 → sea snake 65; 1000 → dumbbell 543.
        for (id, wnid, index) in [
            (1, "n02119789", 278),
            (490, "n01751748", 65),
            (1000, "n03255030", 543),
        ] {
            let class = ClassIds::Devkit.class(id).unwrap();
            assert_eq!((class.0, class.wnid()), (index, wnid));
        }
        // Only basset keeps its number (devkit 161 = index 161), as the README says.
        let same = (1..=1000)
            .filter(|&id| ClassIds::Devkit.class(id).unwrap().0 as i128 == id)
            .count();
        assert_eq!(same, 1);
    }

    #[test]
    fn conventions_map_their_range_and_reject_the_rest() {
        assert_eq!(ClassIds::Sorted.class(0), Some(ClassId(0)));
        assert_eq!(ClassIds::Sorted.class(999), Some(ClassId(999)));
        assert_eq!(ClassIds::Sorted.class(1000), None);
        assert_eq!(ClassIds::OneBased.class(1), Some(ClassId(0)));
        assert_eq!(ClassIds::OneBased.class(1000), Some(ClassId(999)));
        for c in [ClassIds::OneBased, ClassIds::Devkit] {
            assert_eq!(c.class(0), None);
            assert_eq!(c.class(1001), None);
        }
        for c in ClassIds::ALL {
            assert_eq!(c.name().parse::<ClassIds>().unwrap(), c);
            assert_eq!(c.class(c.id(ClassId(17))), Some(ClassId(17)));
        }
        assert_eq!("1-based".parse::<ClassIds>(), Ok(ClassIds::OneBased));
        let e = "caffe".parse::<ClassIds>().unwrap_err();
        assert!(e.contains("sorted") && e.contains("devkit") && e.contains("one-based"));
    }

    #[test]
    fn alternatives_cover_every_distinct_reading_once() {
        let given = Reading {
            class_ids: ClassIds::Sorted,
            background_class: false,
        };
        let alts = given.alternatives();
        // sorted, devkit, one-based × with/without background, less the given one and
        // one-based-with-background (the same as sorted-with-background).
        assert_eq!(alts.len(), 4);
        assert!(!alts.contains(&given));
        assert_eq!(alts[0].class_ids, ClassIds::Devkit);
        assert!(!alts[0].background_class && !alts[1].background_class);
        assert!(alts[2].background_class && alts[3].background_class);
    }
}
