//! Is model A better than model B? The difference of two headline figures, with a *paired*
//! 95% interval.
//!
//! Two models graded on the same images make correlated errors (the hard images are hard for
//! both), so the variance of the difference is far smaller than the sum of the two variances:
//! overlapping intervals do not mean "no difference". Per image the paired difference is
//! `d = hit_A − hit_B` ∈ {−1, 0, 1}; per class its mean is the difference of the two class
//! accuracies; and the headline difference is their average over the 1000 classes. The
//! interval is the stratified normal one of [`super::interval`] applied to `d`: per class the
//! unbiased sample variance of `d` over `n_c − 1`, summed over classes, over 1000².

use std::collections::HashMap;

use serde::Serialize;

use super::interval::Z95;
use super::Report;
use crate::classes::{ClassId, ImageId};
use crate::error::{Error, Result};

/// `a − b` for the headline, with its paired interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Difference {
    /// `a.multilabel_accuracy − b.multilabel_accuracy` (in [−1, 1]).
    pub value: f64,
    /// The paired 95% interval of the difference, clipped to [−1, 1].
    pub ci95: [f64; 2],
    /// Graded images that `a` gets right and `b` wrong.
    pub only_a: usize,
    /// Graded images that `b` gets right and `a` wrong.
    pub only_b: usize,
}

/// The paired difference of the headline figures of two reports graded on the same images.
///
/// Fails with [`Error::Mismatch`] unless both graded exactly the same images: the same
/// annotations, and no predictions missing in either.
pub fn compare(a: &Report, b: &Report) -> Result<Difference> {
    let same_images = a.annotations == b.annotations
        && a.counts.graded == b.counts.graded
        && a.coverage.missing == 0
        && b.coverage.missing == 0
        && a.per_class.len() == b.per_class.len()
        && a.per_class
            .iter()
            .zip(&b.per_class)
            .all(|(x, y)| x.graded == y.graded);
    if !same_images {
        return Err(Error::Mismatch(format!(
            "{} and {} were not graded on the same images (different annotations, or \
             predictions missing): a paired comparison needs both graded on all of them",
            a.predictions, b.predictions
        )));
    }
    // d per graded image that either model misses: +1 when only b misses, −1 when only a.
    let mut d: HashMap<ImageId, (ClassId, i8)> = HashMap::new();
    for (report, sign) in [(a, 1i8), (b, -1i8)] {
        for m in report.mistakes.iter().filter(|m| !m.problematic) {
            d.entry(m.image).or_insert((m.original, 0)).1 -= sign;
        }
    }
    // Per class: Σd and Σd² (d² = 1 exactly for the discordant images).
    let classes = a.per_class.len();
    let mut sum = vec![0i64; classes];
    let mut discordant = vec![0u32; classes];
    let (mut only_a, mut only_b) = (0, 0);
    for &(class, di) in d.values() {
        if di != 0 {
            sum[class.index()] += i64::from(di);
            discordant[class.index()] += 1;
            only_a += usize::from(di > 0);
            only_b += usize::from(di < 0);
        }
    }
    let mut var = 0.0;
    for (c, row) in a.per_class.iter().enumerate() {
        let n = f64::from(row.graded);
        var += match row.graded {
            0 => 0.0,
            // One image: no variance estimate; the largest possible for d ∈ {−1, 0, 1}.
            1 => 1.0,
            _ => {
                let mean = sum[c] as f64 / n;
                let s2 = (f64::from(discordant[c]) - n * mean * mean) / (n - 1.0);
                s2 / n
            }
        };
    }
    let value = a.multilabel_accuracy.value - b.multilabel_accuracy.value;
    let half = Z95 * (var / (classes as f64 * classes as f64)).sqrt();
    Ok(Difference {
        value,
        ci95: [(value - half).max(-1.0), (value + half).min(1.0)],
        only_a,
        only_b,
    })
}
