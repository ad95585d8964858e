//! Section 4 — Mistakes: wrong against unreviewed, the most frequent confusions, and how severe the
//! mistakes are in the WordNet hierarchy.

use std::collections::HashMap;

use imagenet_multilabel::metrics::Mistake;
use imagenet_multilabel::{ClassId, LabelStatus};

use std::fmt::Write as _;

use imagenet_multilabel::hierarchy::Hierarchy;

use crate::html::{count, esc, number, table};
use crate::sections::{class_label, graded_mistakes, model_heading};
use crate::svg::{figure, Plot};
use crate::Page;

/// A confusion: the original label and the top-1 (None: background).
pub type Pair = (ClassId, Option<ClassId>);

/// How many confusions the page lists per model.
pub const CONFUSIONS: usize = 15;

/// The most frequent (original, prediction) pairs among the graded mistakes, most frequent
/// first (ties by class ids), with their counts and the images.
pub fn confusions(mistakes: &[Mistake]) -> Vec<(Pair, Vec<&Mistake>)> {
    let mut pairs: HashMap<(ClassId, Option<ClassId>), Vec<&Mistake>> = HashMap::new();
    for m in graded_mistakes(mistakes) {
        pairs.entry((m.original, m.prediction)).or_default().push(m);
    }
    let mut pairs: Vec<_> = pairs.into_iter().collect();
    pairs.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    pairs.truncate(CONFUSIONS);
    pairs
}

pub fn section(page: &Page) -> String {
    let mut s = String::new();
    for (m, model) in page.models.iter().enumerate() {
        let r = model.report;
        s.push_str(&model_heading(page, m));
        let wrong = graded_mistakes(&r.mistakes)
            .filter(|x| x.status == LabelStatus::Wrong)
            .count();
        let rows = vec![vec![
            format!("{}", wrong + r.counts.unreviewed),
            format!("{wrong}"),
            count(m, "counts.unreviewed", r.counts.unreviewed),
            count(m, "counts.background", r.counts.background),
        ]];
        s.push_str(&table(
            "kinds",
            &[
                "graded images missed",
                "wrong (an expert rejected the top-1)",
                "unreviewed (no expert saw the top-1)",
                "of the wrong: background top-1",
            ],
            &rows,
        ));
        s.push_str(
            "<p class=\"note\">An unreviewed top-1 is graded as a mistake because no expert \
             judged that label for that image; a new model's correct answers may hide there \
             (see the sample in <a href=\"#images\">Images</a>).</p>",
        );
        let rows: Vec<Vec<String>> = confusions(&r.mistakes)
            .iter()
            .map(|((original, predicted), images)| {
                let unreviewed = images
                    .iter()
                    .filter(|x| x.status == LabelStatus::Unreviewed)
                    .count();
                let meet = predicted.map_or_else(String::new, |p| {
                    let h = Hierarchy::embedded();
                    format!(
                        "{} <span class=\"muted\">({})</span>",
                        esc(h.lca(*original, p).name()),
                        h.lca_height(*original, p)
                    )
                });
                vec![
                    format!("<span class=\"l\">{}</span>", class_label(Some(*original))),
                    format!("<span class=\"l\">{}</span>", class_label(*predicted)),
                    format!("{}", images.len()),
                    format!("{unreviewed}"),
                    format!("<span class=\"l\">{meet}</span>"),
                ]
            })
            .collect();
        s.push_str("<h3>Most frequent confusions (original label → top-1)</h3>");
        s.push_str(&table(
            "confusions",
            &[
                "original label",
                "predicted",
                "images",
                "of which unreviewed",
                "where they meet in WordNet (height)",
            ],
            &rows,
        ));
        s.push_str(&severity(page, m));
    }
    s
}

/// Mistake severity (Bertinetto et al. 2020): the mean height of the lowest common ancestor
/// of the top-1 and the nearest correct label in WordNet, and its histogram, as the report
/// computed them.
fn severity(page: &Page, m: usize) -> String {
    let sev = &page.models[m].report.mistake_severity;
    let mut s = String::from("<h3>Mistake severity</h3>");
    let Some(mean) = sev.mean else {
        return s
            + "<p class=\"note\">No graded mistake with a class top-1: nothing to measure.</p>";
    };
    let _ = write!(
        s,
        "<p>Mean height of the lowest common ancestor: <b>{}</b> over {} graded mistakes \
         (1 = a sibling class, {} = only the root in common; lower is a better mistake).</p>",
        number(m, "mistake_severity.mean", mean),
        count(m, "mistake_severity.n", sev.n as usize),
        sev.histogram.len().saturating_sub(1)
    );
    let top = sev.histogram.iter().copied().max().unwrap_or(1).max(1) as f64;
    let step = nice_step(top / 4.0);
    let ymax = (top / step).ceil() * step;
    let hmax = sev.histogram.len().saturating_sub(1) as f64;
    let mut plot = Plot::new((0.5, hmax + 0.5), (0.0, ymax));
    for (h, &k) in sev.histogram.iter().enumerate().skip(1) {
        plot.bar(
            h as f64 - 0.5,
            h as f64 + 0.5,
            k as f64,
            &format!("you{}", m % 4),
            &format!("{k} mistakes of height {h}"),
        );
    }
    let svg = plot.finish(
        &format!("Mistake severity: {}", page.models[m].name),
        "height of the lowest common ancestor in WordNet (levels)",
        "graded mistakes (count)",
        1.0,
        step,
        |v| format!("{v:.0}"),
        |v| format!("{v:.0}"),
    );
    s.push_str(&figure(
        &svg,
        "For each graded mistake, how far up the WordNet tree the top-1 and the nearest \
         correct label meet (Bertinetto et al. 2020, \"Making Better Mistakes\"). Hierarchy: \
         WordNet 3.0 hypernyms of the 1000 classes (one chain per class, \
         imagenet2012_hierarchy.tsv). Source: this run's mistakes (<code>eval --mistakes</code>, \
         column severity).",
    ));
    s
}

/// 1, 2 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let power = 10f64.powf(raw.max(1.0).log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|f| f * power)
        .find(|&v| v >= raw)
        .unwrap_or(10.0 * power)
}
