//! What is in an annotations index, in figures: the facts `info` shows.

use serde::Serialize;

use crate::classes::NUM_CLASSES;
use crate::index::Annotations;

/// Counts that describe an index.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// Annotated validation images.
    pub annotated: usize,
    /// Of those, listed as problematic (left out of grading).
    pub problematic: usize,
    /// Annotated and not problematic: the images the headline metric grades.
    pub graded: usize,
    /// Images in the ImageNet-M list.
    pub imagenet_m: usize,
    /// ImageNet-M images that are also problematic (the reference grades them anyway).
    pub imagenet_m_problematic: usize,
    /// Annotated images per class (by original label): fewest, median, most.
    pub per_class_annotated: MinMedianMax,
    /// Graded images per class: fewest, median, most.
    pub per_class_graded: MinMedianMax,
    /// Classes with no graded image (the headline metric is undefined while any exist).
    pub classes_without_graded: Vec<u16>,
    /// `correct_sizes[n]`: images with exactly n distinct correct labels (last bucket: n or more).
    pub correct_sizes: Vec<usize>,
    /// `accepted_sizes[n]`: images with exactly n distinct correct ∪ unclear labels (last: n or more).
    pub accepted_sizes: Vec<usize>,
    /// Images with more than one distinct correct label.
    pub multi_correct: usize,
    /// Images whose original label is not among their correct labels.
    pub original_not_correct: usize,
    /// Total labels reviewed (entries in the three lists).
    pub labels_reviewed: usize,
}

/// Fewest, median and most of a per-class count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MinMedianMax {
    /// The fewest.
    pub min: usize,
    /// The median (lower median).
    pub median: usize,
    /// The most.
    pub max: usize,
}

/// Histogram buckets for label-set sizes: 0, 1, …, 5 or more.
const SIZE_BUCKETS: usize = 6;

impl Summary {
    /// Counts everything in one pass over the index.
    pub fn of(annotations: &Annotations) -> Summary {
        let mut annotated_per_class = vec![0usize; NUM_CLASSES];
        let mut graded_per_class = vec![0usize; NUM_CLASSES];
        let mut correct_sizes = vec![0usize; SIZE_BUCKETS];
        let mut accepted_sizes = vec![0usize; SIZE_BUCKETS];
        let (mut problematic, mut multi_correct, mut original_not_correct, mut labels) =
            (0, 0, 0, 0);
        let mut imagenet_m_problematic = 0;
        for r in annotations.records() {
            annotated_per_class[r.original.index()] += 1;
            if r.problematic {
                problematic += 1;
                imagenet_m_problematic += usize::from(r.imagenet_m);
            } else {
                graded_per_class[r.original.index()] += 1;
            }
            let mut correct = r.correct.clone();
            correct.sort_unstable();
            correct.dedup();
            let mut accepted: Vec<_> = r.correct.iter().chain(&r.unclear).copied().collect();
            accepted.sort_unstable();
            accepted.dedup();
            correct_sizes[correct.len().min(SIZE_BUCKETS - 1)] += 1;
            accepted_sizes[accepted.len().min(SIZE_BUCKETS - 1)] += 1;
            multi_correct += usize::from(correct.len() > 1);
            original_not_correct += usize::from(!correct.contains(&r.original));
            labels += r.correct.len() + r.wrong.len() + r.unclear.len();
        }
        let classes_without_graded = graded_per_class
            .iter()
            .enumerate()
            .filter(|(_, &n)| n == 0)
            .map(|(c, _)| c as u16)
            .collect();
        Summary {
            annotated: annotations.len(),
            problematic,
            graded: annotations.len() - problematic,
            imagenet_m: annotations.imagenet_m().len(),
            imagenet_m_problematic,
            per_class_annotated: MinMedianMax::of(annotated_per_class),
            per_class_graded: MinMedianMax::of(graded_per_class),
            classes_without_graded,
            correct_sizes,
            accepted_sizes,
            multi_correct,
            original_not_correct,
            labels_reviewed: labels,
        }
    }
}

impl MinMedianMax {
    fn of(mut counts: Vec<usize>) -> MinMedianMax {
        counts.sort_unstable();
        MinMedianMax {
            min: counts.first().copied().unwrap_or(0),
            median: counts
                .get(counts.len().saturating_sub(1) / 2)
                .copied()
                .unwrap_or(0),
            max: counts.last().copied().unwrap_or(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classes::{ClassId, ImageId};
    use crate::index::{Record, Source, Version};

    fn record(image: u32, correct: &[u16], unclear: &[u16], problematic: bool) -> Record {
        let id = ImageId(image);
        Record {
            image: id,
            original: id.original_label(),
            correct: correct.iter().map(|&c| ClassId(c)).collect(),
            wrong: vec![ClassId(999)],
            unclear: unclear.iter().map(|&c| ClassId(c)).collect(),
            problematic,
            imagenet_m: false,
        }
    }

    #[test]
    fn counts_follow_the_records() {
        // Image 1 is class 65 (n01751748, sea snake); image 2 is class 970.
        let records = vec![
            record(1, &[65, 65, 66], &[], false),
            record(2, &[], &[3], true),
            record(3, &[10], &[11, 10], false),
        ];
        let source = Source {
            path: "x.json".into(),
            size: 0,
            sha256: String::new(),
            version: Version::Unrecognised,
        };
        let a = Annotations::new(records, vec![ImageId(2)], source).unwrap();
        let s = Summary::of(&a);
        assert_eq!((s.annotated, s.problematic, s.graded), (3, 1, 2));
        assert_eq!((s.imagenet_m, s.imagenet_m_problematic), (1, 1));
        // Distinct correct sizes: {65,66} → 2, {} → 0, {10} → 1.
        assert_eq!(s.correct_sizes, vec![1, 1, 1, 0, 0, 0]);
        // Distinct accepted sizes: 2, 1, 2.
        assert_eq!(s.accepted_sizes, vec![0, 1, 2, 0, 0, 0]);
        assert_eq!(s.multi_correct, 1);
        assert_eq!(s.labels_reviewed, 3 + 1 + 1 + 1 + 1 + 1 + 2);
        assert_eq!(s.classes_without_graded.len(), NUM_CLASSES - 2);
        assert_eq!(s.per_class_annotated.max, 1);
    }
}
