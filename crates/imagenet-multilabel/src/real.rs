//! The ReaL labels ("Reassessed Labels", Beyer et al. 2020, "Are we done with ImageNet?"):
//! a second, complete label-corrected view of all 50,000 validation images, embedded.
//!
//! [`labels`] gives an image's list (class ids in the sorted-wnid order, the same as ours);
//! an empty list means the raters found no label that fits, and the image is left out of
//! ReaL accuracy ([`crate::metrics::real`]). [`Agreement`] compares the lists with the expert
//! multi-labels on the annotated images, for `info`.
//!
//! The JSON (388 KB, Apache-2.0, provenance in `data/README.md`) is parsed once, on first
//! use, into two flat arrays (offsets and ids: about 300 KB), so grading a model looks a list
//! up in O(1) without touching the JSON again.

use std::sync::OnceLock;

use serde::Serialize;

use crate::classes::{ClassId, ImageId, NUM_CLASSES, NUM_VAL_IMAGES};
use crate::index::{Annotations, Record};

const REAL_JSON: &str = include_str!("../data/reassessed_imagenet_real.json");

struct Table {
    /// Image `n`'s labels are `ids[start[n - 1]..start[n]]`.
    start: Vec<u32>,
    ids: Vec<ClassId>,
    /// Images with a non-empty list.
    gradable: usize,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(parse_table)
}

// The embedded file is checked by the tests below (shape, counts, id range, and equality with
// serde_json's reading); a malformed table is a build defect, not bad user input, so the
// parser may assume what it is tested against, as `classes.rs` does for the class tables.
// A direct scan into the two flat arrays, not `serde_json` into 50,000 small `Vec`s: `eval`
// pays this once per run, and the scan takes a fraction of a millisecond where the generic
// parse took several.
fn parse_table() -> Table {
    let mut start = Vec::with_capacity(NUM_VAL_IMAGES as usize + 1);
    let mut ids = Vec::with_capacity(57_553);
    start.push(0u32);
    let (mut depth, mut number, mut gradable) = (0u8, None::<u16>, 0usize);
    for &b in REAL_JSON.as_bytes() {
        match b {
            b'[' => depth += 1,
            b'0'..=b'9' => number = Some(number.unwrap_or(0) * 10 + u16::from(b - b'0')),
            b',' | b']' => {
                if let Some(c) = number.take() {
                    assert!(usize::from(c) < NUM_CLASSES, "embedded ReaL id {c}");
                    ids.push(ClassId(c));
                }
                if b == b']' {
                    depth -= 1;
                    if depth == 1 {
                        let first = *start.last().unwrap_or(&0) as usize;
                        gradable += usize::from(ids.len() > first);
                        start.push(ids.len() as u32);
                    }
                }
            }
            _ => {}
        }
    }
    assert_eq!(
        start.len(),
        NUM_VAL_IMAGES as usize + 1,
        "embedded ReaL lists"
    );
    Table {
        start,
        ids,
        gradable,
    }
}

/// The ReaL labels of `image`, in the file's order; empty when the raters found none that
/// fits (then the image is not graded by ReaL accuracy).
pub fn labels(image: ImageId) -> &'static [ClassId] {
    let t = table();
    let n = image.0 as usize;
    match (t.start.get(n.wrapping_sub(1)), t.start.get(n)) {
        (Some(&a), Some(&b)) => &t.ids[a as usize..b as usize],
        _ => &[],
    }
}

/// Validation images with a non-empty ReaL list: those ReaL accuracy averages over when the
/// predictions cover all 50,000 (46,837).
pub fn gradable() -> usize {
    table().gradable
}

/// How an image's ReaL list relates to its expert `correct ∪ unclear` set (as sets).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SetRelations {
    /// The two sets are equal (and not empty).
    pub identical: usize,
    /// ReaL is a proper, non-empty subset of the multi-label set.
    pub real_subset_of_multilabel: usize,
    /// The multi-label set is a proper, non-empty subset of ReaL.
    pub multilabel_subset_of_real: usize,
    /// Both non-empty, they share a label, neither contains the other.
    pub overlapping: usize,
    /// Both non-empty, no label in common.
    pub disjoint: usize,
    /// ReaL's list is empty, the multi-label set is not.
    pub real_empty: usize,
    /// The multi-label set is empty, ReaL's list is not.
    pub multilabel_empty: usize,
    /// Both empty.
    pub both_empty: usize,
}

/// The problematic flag against ReaL's empty lists: both mark images whose labels do not
/// fit, by different raters and rules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProblematicVsEmpty {
    /// Problematic, and ReaL's list is empty (both leave the image out).
    pub problematic_real_empty: usize,
    /// Problematic, but ReaL grades the image.
    pub problematic_real_labelled: usize,
    /// Not problematic, but ReaL's list is empty.
    pub graded_real_empty: usize,
    /// Not problematic, and ReaL grades the image (both grade it).
    pub graded_real_labelled: usize,
}

/// How the original label, the expert multi-labels (`correct ∪ unclear`) and the ReaL labels
/// agree on the annotated images.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Agreement {
    /// Annotated images compared (all of them, problematic included).
    pub images: usize,
    /// ReaL against the multi-label set.
    pub sets: SetRelations,
    /// Images whose original label is in `correct ∪ unclear`.
    pub original_in_multilabel: usize,
    /// Images whose original label is in ReaL's list.
    pub original_in_real: usize,
    /// Images whose original label is in both.
    pub original_in_both: usize,
    /// The problematic flag against ReaL's empty lists.
    pub problematic: ProblematicVsEmpty,
}

impl Agreement {
    /// Compares every annotated image of `annotations` with its ReaL list.
    pub fn of(annotations: &Annotations) -> Agreement {
        let mut a = Agreement {
            images: annotations.len(),
            ..Agreement::default()
        };
        for r in annotations.records() {
            let ml = accepted(r);
            let mut real = labels(r.image).to_vec();
            real.sort_unstable();
            real.dedup();
            let common = real.iter().filter(|c| ml.binary_search(c).is_ok()).count();
            let s = &mut a.sets;
            match (real.is_empty(), ml.is_empty()) {
                (true, true) => s.both_empty += 1,
                (true, false) => s.real_empty += 1,
                (false, true) => s.multilabel_empty += 1,
                (false, false) => {
                    if real == ml {
                        s.identical += 1;
                    } else if common == real.len() {
                        s.real_subset_of_multilabel += 1;
                    } else if common == ml.len() {
                        s.multilabel_subset_of_real += 1;
                    } else if common > 0 {
                        s.overlapping += 1;
                    } else {
                        s.disjoint += 1;
                    }
                }
            }
            let in_ml = ml.binary_search(&r.original).is_ok();
            let in_real = real.binary_search(&r.original).is_ok();
            a.original_in_multilabel += usize::from(in_ml);
            a.original_in_real += usize::from(in_real);
            a.original_in_both += usize::from(in_ml && in_real);
            let p = &mut a.problematic;
            match (r.problematic, real.is_empty()) {
                (true, true) => p.problematic_real_empty += 1,
                (true, false) => p.problematic_real_labelled += 1,
                (false, true) => p.graded_real_empty += 1,
                (false, false) => p.graded_real_labelled += 1,
            }
        }
        a
    }
}

/// `correct ∪ unclear` of a record, sorted, without duplicates.
fn accepted(r: &Record) -> Vec<ClassId> {
    let mut v: Vec<ClassId> = r.correct.iter().chain(&r.unclear).copied().collect();
    v.sort_unstable();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::{Source, Version};

    #[test]
    fn the_scan_reads_what_serde_json_reads() {
        let lists: Vec<Vec<u16>> = serde_json::from_str(REAL_JSON).unwrap();
        assert_eq!(lists.len(), NUM_VAL_IMAGES as usize);
        for (i, list) in lists.iter().enumerate() {
            let image = ImageId(i as u32 + 1);
            let ours: Vec<u16> = labels(image).iter().map(|c| c.0).collect();
            assert_eq!(&ours, list, "image {}", i + 1);
        }
        assert_eq!(gradable(), lists.iter().filter(|l| !l.is_empty()).count());
    }

    #[test]
    fn the_embedded_table_has_the_documented_shape() {
        // The counts data/README.md states, recomputed from the embedded file.
        let all: Vec<&[ClassId]> = ImageId::all().map(labels).collect();
        assert_eq!(all.len(), 50_000);
        assert_eq!(all.iter().filter(|l| l.is_empty()).count(), 3_163);
        assert_eq!(gradable(), 46_837);
        assert_eq!(all.iter().map(|l| l.len()).sum::<usize>(), 57_553);
        assert_eq!(all.iter().filter(|l| l.len() > 1).count(), 7_443);
        let original_in = ImageId::all()
            .filter(|&i| labels(i).contains(&i.original_label()))
            .count();
        assert_eq!(original_in, 42_164);
        // The first lists of the file: [], [970, 795], [230, 231].
        assert!(labels(ImageId(1)).is_empty());
        assert_eq!(labels(ImageId(2)), &[ClassId(970), ClassId(795)]);
        assert_eq!(labels(ImageId(3)), &[ClassId(230), ClassId(231)]);
        // Out-of-range image numbers have no list rather than panicking.
        assert!(labels(ImageId(0)).is_empty());
        assert!(labels(ImageId(50_001)).is_empty());
    }

    #[test]
    fn agreement_sorts_each_image_into_one_relation() {
        // Image 2: ReaL [970, 795] (original 970). Image 3: ReaL [230, 231] (original 230).
        // Image 1: ReaL [] (original 65).
        let rec = |image: u32, correct: &[u16], unclear: &[u16], problematic: bool| Record {
            image: ImageId(image),
            original: ImageId(image).original_label(),
            correct: correct.iter().map(|&c| ClassId(c)).collect(),
            wrong: vec![],
            unclear: unclear.iter().map(|&c| ClassId(c)).collect(),
            problematic,
            imagenet_m: false,
        };
        type Field = fn(&SetRelations) -> usize;
        let cases: Vec<(Record, Field)> = vec![
            (rec(2, &[795, 970], &[970], false), |s| s.identical),
            (rec(2, &[970], &[795, 5], false), |s| {
                s.real_subset_of_multilabel
            }),
            (rec(2, &[970], &[], false), |s| s.multilabel_subset_of_real),
            (rec(2, &[970, 7], &[], false), |s| s.overlapping),
            (rec(3, &[7], &[8], false), |s| s.disjoint),
            (rec(1, &[65], &[], true), |s| s.real_empty),
            (rec(3, &[], &[], false), |s| s.multilabel_empty),
            (rec(1, &[], &[], false), |s| s.both_empty),
        ];
        for (record, field) in cases {
            let desc = format!("{record:?}");
            let source = Source {
                path: "x.json".into(),
                size: 0,
                sha256: String::new(),
                version: Version::Unrecognised,
            };
            let a = Annotations::new(vec![record], vec![], source).unwrap();
            let agreement = Agreement::of(&a);
            assert_eq!(field(&agreement.sets), 1, "{desc}: {agreement:?}");
            let s = agreement.sets;
            let total = s.identical
                + s.real_subset_of_multilabel
                + s.multilabel_subset_of_real
                + s.overlapping
                + s.disjoint
                + s.real_empty
                + s.multilabel_empty
                + s.both_empty;
            assert_eq!(total, 1, "{desc}");
        }
    }

    #[test]
    fn agreement_counts_original_labels_and_problematic_images() {
        let source = Source {
            path: "x.json".into(),
            size: 0,
            sha256: String::new(),
            version: Version::Unrecognised,
        };
        let records = vec![
            // Image 1 (original 65, ReaL empty), problematic.
            Record::new(ImageId(1), [vec![ClassId(65)], vec![], vec![]], true),
            // Image 2 (original 970, ReaL [970, 795]): original in both.
            Record::new(ImageId(2), [vec![ClassId(970)], vec![], vec![]], false),
            // Image 3 (original 230, ReaL [230, 231]): original only in ReaL.
            Record::new(ImageId(3), [vec![ClassId(231)], vec![], vec![]], true),
        ];
        let a = Agreement::of(&Annotations::new(records, vec![], source).unwrap());
        assert_eq!(a.images, 3);
        assert_eq!(
            (
                a.original_in_multilabel,
                a.original_in_real,
                a.original_in_both
            ),
            (2, 2, 1)
        );
        assert_eq!(
            a.problematic,
            ProblematicVsEmpty {
                problematic_real_empty: 1,
                problematic_real_labelled: 1,
                graded_real_empty: 0,
                graded_real_labelled: 1,
            }
        );
        assert_eq!(a.sets.real_subset_of_multilabel, 0);
        assert_eq!(
            (a.sets.real_empty, a.sets.multilabel_subset_of_real),
            (1, 2)
        );
    }
}
