//! ReaL accuracy (Beyer et al. 2020), exactly as its authors define it: an image is a hit
//! when the model's top-1 is in the image's ReaL list ([`crate::real::labels`]); images with
//! an empty list are left out; the figure is the mean over the remaining images (per image,
//! not per class). ReaL top-5 (timm's `RealLabelsImagenet`): any of the top 5 in the list.
//!
//! The authors' figure needs predictions for all 50,000 images. With fewer, the same mean is
//! taken over the covered images and [`RealCounts`] says how many that is; with none, the
//! figures are `None` (`null` in JSON), never a made-up 0.
//!
//! The value is `hits / graded` in f64: NumPy's `np.mean` of booleans sums exactly (the
//! partial sums are small integers) and divides once, so this is the same float, to the
//! last bit, as the upstream snippet and timm (checked against independent transcriptions
//! of both, see `tests/real_goldens.rs`).

use serde::Serialize;

use super::{per_image, Estimate};
use crate::classes::ImageId;
use crate::predictions::Predictions;

/// How many images ReaL accuracy was taken over.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct RealCounts {
    /// Images with a prediction and a non-empty ReaL list: the denominator.
    pub graded: usize,
    /// Images with a prediction whose ReaL list is empty (left out, as the authors do).
    pub excluded_empty: usize,
    /// Images with a non-empty ReaL list but no prediction (0 when all 50,000 are covered).
    pub missing: usize,
    /// `graded` over the 46,837 images with a non-empty list: 1 for the authors' figure.
    pub coverage: f64,
}

/// ReaL top-1 and top-5 accuracy of one model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RealFigures {
    /// Top-1 in the ReaL list, per image, with its Wilson 95% interval; `None` when no image
    /// with a non-empty list has a prediction.
    pub accuracy: Option<Estimate>,
    /// Any of the top 5 in the list; `None` also when the predictions rank fewer than 5
    /// classes per image.
    pub top5_accuracy: Option<Estimate>,
    /// The images counted.
    pub counts: RealCounts,
}

/// Grades `predictions` against the embedded ReaL labels.
pub fn grade(predictions: &Predictions) -> RealFigures {
    let top5 = predictions.k() >= 5;
    let (mut graded, mut excluded_empty, mut missing) = (0usize, 0usize, 0usize);
    let (mut hits, mut hits5) = (0u64, 0u64);
    for image in ImageId::all() {
        let labels = crate::real::labels(image);
        let Some(ranking) = predictions.ranking(image) else {
            missing += usize::from(!labels.is_empty());
            continue;
        };
        if labels.is_empty() {
            excluded_empty += 1;
            continue;
        }
        graded += 1;
        // A background top-1 (1001-output models) is in no list: a miss, as in the official
        // figure; in top-5 it takes a rank and is never a hit.
        hits += u64::from(ranking.top1().is_some_and(|c| labels.contains(&c)));
        if top5 {
            hits5 += u64::from(ranking.top(5).iter().any(|c| labels.contains(c)));
        }
    }
    let n = graded as u64;
    RealFigures {
        accuracy: (n > 0).then(|| per_image(hits, n)),
        top5_accuracy: (n > 0 && top5).then(|| per_image(hits5, n)),
        counts: RealCounts {
            graded,
            excluded_empty,
            missing,
            coverage: graded as f64 / crate::real::gradable() as f64,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classes::ClassId;

    #[test]
    fn hits_follow_the_lists_and_empty_lists_are_left_out() {
        // Image 1: ReaL [] (left out). Image 2: [970, 795]. Image 3: [230, 231].
        let mut p = Predictions::new("p.csv", 5, false);
        let ranked = |c: &[u16]| c.iter().map(|&c| ClassId(c)).collect::<Vec<_>>();
        assert!(p.insert(ImageId(1), &ranked(&[65, 1, 2, 3, 4])));
        assert!(p.insert(ImageId(2), &ranked(&[795, 1, 2, 3, 4])));
        assert!(p.insert(ImageId(3), &ranked(&[0, 1, 2, 3, 231])));
        let f = grade(&p);
        assert_eq!(f.counts.graded, 2);
        assert_eq!(f.counts.excluded_empty, 1);
        assert_eq!(f.counts.missing, crate::real::gradable() - 2);
        assert_eq!(f.counts.coverage, 2.0 / 46_837.0);
        let acc = f.accuracy.unwrap();
        assert_eq!(acc.value, 0.5);
        assert_eq!(acc.ci95, super::super::interval::wilson(1, 2));
        assert_eq!(f.top5_accuracy.unwrap().value, 1.0);
    }

    #[test]
    fn nothing_covered_gives_no_figure() {
        // Only image 1, whose list is empty: nothing to grade.
        let mut p = Predictions::new("p.csv", 1, false);
        assert!(p.insert(ImageId(1), &[ClassId(65)]));
        let f = grade(&p);
        assert_eq!((f.accuracy, f.top5_accuracy), (None, None));
        assert_eq!(
            (f.counts.graded, f.counts.excluded_empty, f.counts.coverage),
            (0, 1, 0.0)
        );
        // Top-5 needs five ranked classes.
        let mut p = Predictions::new("p.csv", 1, false);
        assert!(p.insert(ImageId(2), &[ClassId(970)]));
        let f = grade(&p);
        assert_eq!(f.accuracy.map(|e| e.value), Some(1.0));
        assert_eq!(f.top5_accuracy, None);
    }
}
