//! The grading protocol of Shankar et al. (2020) and Vasudevan et al. (2022), exactly, and the
//! companions that make it readable.
//!
//! The headline, [`Report::multilabel_accuracy`]: leave out the problematic images; for each
//! of the 1000 classes (by *original* label) take the fraction of its remaining images whose
//! top-1 prediction is in `correct ∪ unclear`; average the 1000 fractions. The average is
//! summed in class order in f64, as the reference README's recipe sums it (`for cid in
//! range(1000)`), so the figure is the same to the last bit on every machine and for every
//! order of the input.
//!
//! ImageNet-M, [`Report::imagenet_m`]: how many of the 68 ImageNet-M images get a top-1 in
//! `correct ∪ unclear`; problematic images are *not* left out here, as in the reference.
//!
//! ReaL accuracy, [`Report::real_accuracy`] ([`real`]): the figure Beyer et al. (2020) define
//! on their reassessed labels of all 50,000 images, reported beside the multi-label figures
//! so one grade gives both label-corrected views.
//!
//! Every accuracy comes with a 95% interval ([`interval`]); [`compare`] gives the paired
//! interval of the difference between two models. docs/METRICS.md explains the choices and
//! walks through an example.

pub mod compare;
pub mod interval;
pub mod output;
pub mod real;

mod tables;

use std::fmt::Write as _;

use serde::Serialize;

use crate::classes::{ClassId, ImageId, NUM_CLASSES};
use crate::error::{Error, Result};
use crate::index::{Annotations, LabelStatus, Version};
use crate::predictions::Predictions;

pub use self::compare::{compare, Difference};
pub use self::real::RealCounts;
pub use self::tables::{
    mistakes_table, per_class_table, per_model_paths, write_mistakes_csv, write_per_class_csv,
    Cell, Table,
};

/// How many image names an error message lists before saying "and N more".
const LISTED: usize = 5;

/// Choices for [`evaluate`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EvalOptions {
    /// Grade the images that have a prediction when some annotated ones have none (the
    /// report's [`Coverage`] says how many); by default that is an error.
    pub allow_missing: bool,
}

/// An accuracy (a fraction in [0, 1]) and its 95% confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Estimate {
    /// The accuracy.
    pub value: f64,
    /// Lower and upper bounds of the 95% confidence interval.
    pub ci95: [f64; 2],
}

/// The ImageNet-M figure: `correct` of `total` images.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ImagenetM {
    /// ImageNet-M images whose top-1 is in `correct ∪ unclear`.
    pub correct: usize,
    /// ImageNet-M images graded: all of them (68 in v3.0.0), or those with a prediction
    /// under [`EvalOptions::allow_missing`].
    pub total: usize,
    /// Wilson 95% interval of `correct / total`, for readers who treat the 68 as a sample.
    pub ci95: [f64; 2],
}

/// How many images each stage of the protocol kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Annotated validation images.
    pub annotated: usize,
    /// Annotated images left out as problematic.
    pub problematic: usize,
    /// Annotated images that are not problematic: those the protocol grades.
    pub graded: usize,
    /// Graded images whose top-1 is in none of the three lists: graded as wrong, but never
    /// reviewed, so some may be right (a new model's novel answers land here).
    pub unreviewed: usize,
    /// Graded images whose top-1 is the background class of a 1001-output model (graded as
    /// wrong: the model answered "no class").
    pub background: usize,
}

/// How much of what should be graded had a prediction.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Coverage {
    /// Graded images with a prediction (the denominator of every multi-label figure).
    pub predicted: usize,
    /// Graded images without a prediction (0 unless [`EvalOptions::allow_missing`]).
    pub missing: usize,
    /// `predicted / graded`: 1 when every graded image has a prediction.
    pub fraction: f64,
    /// ImageNet-M images without a prediction (0 unless allowed).
    pub imagenet_m_missing: usize,
    /// Validation images the predictions file covers, annotated or not.
    pub images_in_file: usize,
    /// Ranked predictions per image in the file (top-5 figures need 5).
    pub k: usize,
}

/// One class's line of the per-class table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClassRow {
    /// The class (original label of the images counted).
    pub class: ClassId,
    /// Graded images of the class with a prediction.
    pub graded: u32,
    /// Of those, images whose top-1 is in `correct ∪ unclear`.
    pub correct: u32,
    /// Of those, images whose top-1 is in `correct` (the strict figure).
    pub strict: u32,
    /// Of those, images with any of the top 5 in `correct ∪ unclear` (when k ≥ 5).
    pub top5: Option<u32>,
}

impl ClassRow {
    /// The class's multi-label accuracy, `correct / graded`.
    pub fn accuracy(&self) -> f64 {
        f64::from(self.correct) / f64::from(self.graded)
    }
}

/// An image the model got wrong under the protocol (or an ImageNet-M image it got wrong).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mistake {
    /// The image.
    pub image: ImageId,
    /// Its original label.
    pub original: ClassId,
    /// The model's top-1; `None` when it is the background class of a 1001-output model.
    pub prediction: Option<ClassId>,
    /// How the review judged the top-1: [`LabelStatus::Wrong`] or [`LabelStatus::Unreviewed`]
    /// (a background top-1 is [`LabelStatus::Wrong`]).
    pub status: LabelStatus,
    /// Whether the image is problematic (then it is listed only because it is in ImageNet-M).
    pub problematic: bool,
    /// Whether the image is in ImageNet-M.
    pub imagenet_m: bool,
}

/// Everything [`evaluate`] finds. The serialised fields (names included) are a public
/// contract: `eval --json` prints them.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The predictions file.
    pub predictions: String,
    /// The annotations file.
    pub annotations: String,
    /// The release the annotations are (by sha256).
    pub annotations_version: Version,
    /// The official figure: per-class average of top-1 in `correct ∪ unclear`, problematic
    /// images left out.
    pub multilabel_accuracy: Estimate,
    /// As the official figure, but only `correct` counts (unclear is a miss).
    pub multilabel_accuracy_strict: Estimate,
    /// Fraction of graded images with top-1 in `correct ∪ unclear` (micro average).
    pub multilabel_accuracy_per_image: Estimate,
    /// Per-class average of "any of the top 5 in `correct ∪ unclear`"; `None` when the
    /// predictions hold fewer than 5 ranked classes per image.
    pub multilabel_top5_accuracy: Option<Estimate>,
    /// The ImageNet-M count.
    pub imagenet_m: ImagenetM,
    /// Fraction of the graded images whose top-1 is the original label (per image): the
    /// old single-label figure on the same images, for comparison.
    pub top1_original_annotated: Estimate,
    /// Fraction of all 50,000 validation images whose top-1 is the original label; `None`
    /// unless the predictions cover all of them.
    pub top1_original_all: Option<Estimate>,
    /// Image counts at each stage.
    pub counts: Counts,
    /// How much of what should be graded had a prediction.
    pub coverage: Coverage,
    /// ReaL accuracy (Beyer et al. 2020, [`real`]): top-1 in the image's ReaL list, per
    /// image, over the predicted images whose list is not empty; `None` when there are none.
    pub real_accuracy: Option<Estimate>,
    /// ReaL top-5: any of the top 5 in the list; `None` also with fewer than 5 ranked classes.
    pub real_top5_accuracy: Option<Estimate>,
    /// The images ReaL accuracy was taken over, and its coverage of the 46,837.
    pub real_counts: RealCounts,
    /// For each figure, the BibTeX keys of the works it rests on ([`crate::cite`]).
    pub sources: std::collections::BTreeMap<&'static str, Vec<&'static str>>,
    /// The 1000 classes, in id order.
    #[serde(skip)]
    pub per_class: Vec<ClassRow>,
    /// Graded images whose top-1 is not a hit, and ImageNet-M images (problematic or not)
    /// whose top-1 is not a hit; by image number.
    #[serde(skip)]
    pub mistakes: Vec<Mistake>,
}

/// Grades `predictions` against `annotations` by the protocol and its companions.
///
/// Fails with [`Error::Mismatch`] when a class has no graded image (naming it), when
/// annotated images to grade have no prediction (unless `options.allow_missing`), or when,
/// with missing predictions allowed, a class is left with no predicted graded image.
///
/// ```
/// use imagenet_multilabel::fixture::annotations::{generate, Spec};
/// use imagenet_multilabel::fixture::known::{self, Plan};
/// use imagenet_multilabel::metrics::{evaluate, EvalOptions};
///
/// // A synthetic index, and a model planned to hit 90% of what each class allows.
/// let annotations = generate(&Spec { per_class: 5, ..Spec::default() }).annotations();
/// let plan = Plan::fraction(&annotations, 0.9, 5, 7);
/// let known = known::generate(&annotations, &plan)?;
/// let report = evaluate(&annotations, &known.predictions, &EvalOptions::default())?;
/// assert_eq!(report.multilabel_accuracy.value, known.expected.multilabel_accuracy);
/// let [low, high] = report.multilabel_accuracy.ci95;
/// assert!(low < report.multilabel_accuracy.value && report.multilabel_accuracy.value < high);
/// assert_eq!(report.imagenet_m.total, 68);
/// # Ok::<(), imagenet_multilabel::Error>(())
/// ```
pub fn evaluate(
    annotations: &Annotations,
    predictions: &Predictions,
    options: &EvalOptions,
) -> Result<Report> {
    let top5 = predictions.k() >= 5;
    let mut rows: Vec<ClassRow> = ClassId::all()
        .map(|class| ClassRow {
            class,
            graded: 0,
            correct: 0,
            strict: 0,
            top5: top5.then_some(0),
        })
        .collect();
    // Graded images per class whether predicted or not: a class with none is the
    // annotations' fault, one with none predicted is the predictions'.
    let mut annotated_graded = vec![0u32; NUM_CLASSES];
    let mut counts = Counts {
        annotated: annotations.len(),
        problematic: 0,
        graded: 0,
        unreviewed: 0,
        background: 0,
    };
    let (mut imagenet_m_hits, mut imagenet_m_total) = (0usize, 0usize);
    let (mut graded_missing, mut imagenet_m_missing) = (0usize, 0usize);
    let (mut to_grade, mut missing) = (0usize, Vec::new());
    let (mut original_hits, mut mistakes) = (0u64, Vec::new());

    for record in annotations.records() {
        let ranking = predictions.ranking(record.image);
        let graded = !record.problematic;
        if graded {
            counts.graded += 1;
            annotated_graded[record.original.index()] += 1;
        } else {
            counts.problematic += 1;
        }
        to_grade += usize::from(graded || record.imagenet_m);
        let Some(ranking) = ranking else {
            if graded || record.imagenet_m {
                missing.push(record.image);
                graded_missing += usize::from(graded);
                imagenet_m_missing += usize::from(record.imagenet_m);
            }
            continue;
        };
        // A background top-1 is the model saying "no class": a miss, as the reference's
        // `argmax - 1 == -1` is in no label list.
        let top1 = ranking.top1();
        let status = top1.map_or(LabelStatus::Wrong, |c| record.status(c));
        if record.imagenet_m {
            imagenet_m_total += 1;
            imagenet_m_hits += usize::from(status.is_hit());
        }
        if !status.is_hit() && (graded || record.imagenet_m) {
            mistakes.push(Mistake {
                image: record.image,
                original: record.original,
                prediction: top1,
                status,
                problematic: record.problematic,
                imagenet_m: record.imagenet_m,
            });
        }
        if !graded {
            continue;
        }
        let row = &mut rows[record.original.index()];
        row.graded += 1;
        row.correct += u32::from(status.is_hit());
        row.strict += u32::from(status == LabelStatus::Correct);
        if let Some(top5) = &mut row.top5 {
            let any = ranking.top(5).iter().any(|&c| record.status(c).is_hit());
            *top5 += u32::from(any);
        }
        counts.unreviewed += usize::from(status == LabelStatus::Unreviewed);
        counts.background += usize::from(top1.is_none());
        original_hits += u64::from(top1 == Some(record.original));
    }

    let no_graded = classes_without(|c| annotated_graded[c.index()]);
    if !no_graded.is_empty() {
        return Err(Error::Mismatch(format!(
            "{}: no graded (annotated, not problematic) image for {}; the protocol averages \
             over all 1000 classes and needs at least one image of each (the reference \
             asserts this): are these the full annotations?",
            annotations.source().path.display(),
            name_classes(&no_graded)
        )));
    }
    if !missing.is_empty() && !options.allow_missing {
        return Err(Error::Mismatch(format!(
            "{} of the {to_grade} annotated images to grade (not problematic, or in \
             ImageNet-M) have no prediction in {}: {}; pass --allow-missing to grade only \
             the images that have one",
            missing.len(),
            predictions.path().display(),
            name_images(&missing)
        )));
    }
    let no_predicted = classes_without(|c| rows[c.index()].graded);
    if !no_predicted.is_empty() {
        return Err(Error::Mismatch(format!(
            "{}: no prediction for any graded image of {}; the per-class average needs \
             every class, even when missing predictions are allowed",
            predictions.path().display(),
            name_classes(&no_predicted)
        )));
    }

    let predicted = counts.graded - graded_missing;
    let real = real::grade(predictions);
    let per_image_hits: u64 = rows.iter().map(|r| u64::from(r.correct)).sum();
    let top1_original_all = predictions.covers_all().then(|| {
        let hits = ImageId::all()
            .filter(|&i| {
                predictions
                    .ranking(i)
                    .is_some_and(|r| r.top1() == Some(i.original_label()))
            })
            .count() as u64;
        per_image(hits, u64::from(crate::classes::NUM_VAL_IMAGES))
    });
    Ok(Report {
        predictions: predictions.path().display().to_string(),
        annotations: annotations.source().path.display().to_string(),
        annotations_version: annotations.source().version,
        multilabel_accuracy: class_mean(&rows, |r| r.correct),
        multilabel_accuracy_strict: class_mean(&rows, |r| r.strict),
        multilabel_accuracy_per_image: per_image(per_image_hits, predicted as u64),
        multilabel_top5_accuracy: top5.then(|| class_mean(&rows, |r| r.top5.unwrap_or(0))),
        imagenet_m: ImagenetM {
            correct: imagenet_m_hits,
            total: imagenet_m_total,
            ci95: interval::wilson(imagenet_m_hits as u64, imagenet_m_total as u64),
        },
        top1_original_annotated: per_image(original_hits, predicted as u64),
        top1_original_all,
        counts,
        coverage: Coverage {
            predicted,
            missing: graded_missing,
            fraction: predicted as f64 / counts.graded as f64,
            imagenet_m_missing,
            images_in_file: predictions.len(),
            k: predictions.k(),
        },
        real_accuracy: real.accuracy,
        real_top5_accuracy: real.top5_accuracy,
        real_counts: real.counts,
        sources: crate::cite::sources(),
        per_class: rows,
        mistakes,
    })
}

/// The classes for which `count` is 0, in id order.
fn classes_without(count: impl Fn(ClassId) -> u32) -> Vec<ClassId> {
    ClassId::all().filter(|&c| count(c) == 0).collect()
}

/// The mean over the 1000 classes of `hits(row) / row.graded`, summed in class order, with
/// its stratified interval. Every row has `graded ≥ 1` (checked by the caller).
fn class_mean(rows: &[ClassRow], hits: impl Fn(&ClassRow) -> u32) -> Estimate {
    let hits: Vec<u32> = rows.iter().map(&hits).collect();
    let graded: Vec<u32> = rows.iter().map(|r| r.graded).collect();
    let mut sum = 0.0f64;
    for (&k, &n) in hits.iter().zip(&graded) {
        sum += f64::from(k) / f64::from(n);
    }
    let value = sum / rows.len() as f64;
    Estimate {
        value,
        ci95: interval::stratified(value, &hits, &graded),
    }
}

fn per_image(hits: u64, n: u64) -> Estimate {
    Estimate {
        value: hits as f64 / n as f64,
        ci95: interval::wilson(hits, n),
    }
}

/// `class 12 (n01530575, brambling)`, or `3 classes: class 1 (…), … and 1 more`.
fn name_classes(classes: &[ClassId]) -> String {
    let one = |c: &ClassId| format!("class {} ({}, {})", c, c.wnid(), c.name());
    match classes {
        [c] => one(c),
        _ => {
            let mut s = format!("{} classes: ", classes.len());
            let listed: Vec<String> = classes.iter().take(LISTED).map(one).collect();
            s.push_str(&listed.join(", "));
            if classes.len() > LISTED {
                let _ = write!(s, " and {} more", classes.len() - LISTED);
            }
            s
        }
    }
}

/// The first few image names, and how many more.
fn name_images(images: &[ImageId]) -> String {
    let mut s = images
        .iter()
        .take(LISTED)
        .map(|i| i.file_name())
        .collect::<Vec<_>>()
        .join(", ");
    if images.len() > LISTED {
        let _ = write!(s, " and {} more", images.len() - LISTED);
    }
    s
}

#[cfg(test)]
mod tests;
