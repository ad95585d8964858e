//! 4. Mistakes: wrong against unreviewed, the most frequent confusions, and how severe the
//! mistakes are in the WordNet hierarchy.

use std::collections::HashMap;

use imagenet_multilabel::metrics::Mistake;
use imagenet_multilabel::{ClassId, LabelStatus};

use crate::html::{count, table};
use crate::sections::{class_label, graded_mistakes, model_heading};
use crate::Page;

/// How many confusions the page lists per model.
pub const CONFUSIONS: usize = 15;

/// The most frequent (original, prediction) pairs among the graded mistakes, most frequent
/// first (ties by class ids), with their counts and the images.
pub fn confusions(mistakes: &[Mistake]) -> Vec<((ClassId, Option<ClassId>), Vec<&Mistake>)> {
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
                vec![
                    format!("<span class=\"l\">{}</span>", class_label(Some(*original))),
                    format!("<span class=\"l\">{}</span>", class_label(*predicted)),
                    format!("{}", images.len()),
                    format!("{unreviewed}"),
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
            ],
            &rows,
        ));
        s.push_str(&severity(page, m));
    }
    s
}

/// Mistake severity (Bertinetto et al. 2020): filled in from the report's figures.
fn severity(_page: &Page, _m: usize) -> String {
    String::new()
}
