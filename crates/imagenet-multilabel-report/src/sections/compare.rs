//! Section 7 — Several models: the paired differences from the first model, with intervals, and the
//! images on which the models disagree.

use std::collections::{BTreeSet, HashSet};
use std::fmt::Write as _;

use imagenet_multilabel::ImageId;

use crate::html::{esc, estimate, table};
use crate::sections::graded_mistakes;
use crate::sections::images::{embedded, grid};
use crate::{differences_from_first, Model, Page};

/// Disagreements shown (with thumbnails when there are images).
pub const SHOWN: usize = 24;

/// Graded images every model has a prediction for, on which some model hits and another
/// misses, by image number.
pub fn disagreements(models: &[Model]) -> Vec<ImageId> {
    if models.len() < 2 {
        return Vec::new();
    }
    let missed: Vec<HashSet<ImageId>> = models
        .iter()
        .map(|m| {
            graded_mistakes(&m.report.mistakes)
                .map(|x| x.image)
                .collect()
        })
        .collect();
    let any: BTreeSet<ImageId> = missed.iter().flatten().copied().collect();
    any.into_iter()
        .filter(|i| !missed.iter().all(|set| set.contains(i)))
        .filter(|&i| models.iter().all(|m| m.predictions.ranking(i).is_some()))
        .collect()
}

pub fn section(page: &Page) -> String {
    if page.models.len() < 2 {
        return "<p class=\"note\">One model: give <code>eval</code> several prediction files \
                for a paired comparison.</p>"
            .to_string();
    }
    let mut s = String::new();
    let differences = differences_from_first(page.models);
    let base = &page.models[0].name;
    let rows: Vec<Vec<String>> = page
        .models
        .iter()
        .zip(&differences)
        .enumerate()
        .map(|(m, (model, d))| {
            let (diff, only) = match d {
                None if m == 0 => ("baseline".to_string(), "–".to_string()),
                None => (
                    "<span class=\"muted\">not graded on the same images</span>".to_string(),
                    "–".to_string(),
                ),
                Some(d) => {
                    let c = m - 1;
                    (
                        format!(
                            "{} <span class=\"ci\">[{}, {}]</span>",
                            signed(c, "multilabel_accuracy_difference.value", d.value),
                            signed(c, "multilabel_accuracy_difference.ci95.0", d.ci95[0]),
                            signed(c, "multilabel_accuracy_difference.ci95.1", d.ci95[1])
                        ),
                        format!(
                            "{} / {}",
                            crate::html::count(
                                c,
                                "multilabel_accuracy_difference.only_a",
                                d.only_a
                            )
                            .replace("data-m=", "data-c="),
                            crate::html::count(
                                c,
                                "multilabel_accuracy_difference.only_b",
                                d.only_b
                            )
                            .replace("data-m=", "data-c=")
                        ),
                    )
                }
            };
            vec![
                format!("<span class=\"key{}\">■</span> {}", m % 4, esc(&model.name)),
                estimate(m, "multilabel_accuracy", &model.report.multilabel_accuracy),
                diff,
                only,
            ]
        })
        .collect();
    s.push_str(&table(
        "comparison",
        &[
            "model",
            "multi-label % [95% CI]",
            &format!("difference from {} (points) [95% CI]", esc(base)),
            "images only this model / only the first gets right",
        ],
        &rows,
    ));
    s.push_str(
        "<p class=\"note\">Paired difference of the headline on the same images, with its \
         paired 95% interval (docs/METRICS.md); an interval that excludes 0 is a difference \
         the sample supports.</p>",
    );
    let disagree = disagreements(page.models);
    let _ = write!(
        s,
        "<h3>Images on which the models disagree ({} graded images; {} shown)</h3>",
        disagree.len(),
        disagree.len().min(SHOWN)
    );
    s.push_str(&grid(
        page,
        &embedded(page),
        &disagree[..disagree.len().min(SHOWN)],
    ));
    s
}

/// A difference of comparison `c` (index in `comparisons`) in points with its sign.
fn signed(c: usize, key: &str, value: f64) -> String {
    format!(
        "<span class=\"fig\" data-c=\"{c}\" data-k=\"{key}\" data-v=\"{value:?}\">{:+.2}</span>",
        100.0 * value
    )
}
