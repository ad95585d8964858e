//! Section 1 — Summary: per model the official figure with its interval, the companions, ImageNet-M,
//! the counts, and where the labels came from.

use std::fmt::Write as _;

use imagenet_multilabel::Version;

use crate::html::{count, esc, estimate, pct, table};
use crate::Page;

pub fn section(page: &Page) -> String {
    let mut s = String::new();
    let head = [
        "model",
        "multi-label accuracy % [95% CI]",
        "strict %",
        "per-image %",
        "top-5 %",
        "ImageNet-M",
        "ReaL % [95% CI]",
        "original top-1 % (graded images)",
        "original top-1 % (all 50,000)",
    ];
    let rows: Vec<Vec<String>> = page
        .models
        .iter()
        .enumerate()
        .map(|(m, model)| {
            let r = model.report;
            let opt = |key: &str, e: &Option<imagenet_multilabel::metrics::Estimate>| {
                e.as_ref()
                    .map_or_else(|| "–".to_string(), |e| estimate(m, key, e))
            };
            vec![
                format!("<span class=\"key{}\">■</span> {}", m % 4, esc(&model.name)),
                format!(
                    "<span class=\"headline\">{}</span>",
                    estimate(m, "multilabel_accuracy", &r.multilabel_accuracy)
                ),
                pct(
                    m,
                    "multilabel_accuracy_strict.value",
                    r.multilabel_accuracy_strict.value,
                ),
                pct(
                    m,
                    "multilabel_accuracy_per_image.value",
                    r.multilabel_accuracy_per_image.value,
                ),
                r.multilabel_top5_accuracy.as_ref().map_or_else(
                    || "–".to_string(),
                    |e| pct(m, "multilabel_top5_accuracy.value", e.value),
                ),
                format!(
                    "{}/{}",
                    count(m, "imagenet_m.correct", r.imagenet_m.correct),
                    count(m, "imagenet_m.total", r.imagenet_m.total)
                ),
                opt("real_accuracy", &r.real_accuracy),
                pct(
                    m,
                    "top1_original_annotated.value",
                    r.top1_original_annotated.value,
                ),
                r.top1_original_all.as_ref().map_or_else(
                    || "–".to_string(),
                    |e| pct(m, "top1_original_all.value", e.value),
                ),
            ]
        })
        .collect();
    s.push_str(&table("summary", &head, &rows));
    s.push_str(
        "<p class=\"note\">Multi-label accuracy is the official figure (Shankar et al. 2020): \
         problematic images left out, a top-1 in the image's <i>correct</i> ∪ <i>unclear</i> \
         labels counts as right, averaged per class over the 1000 classes; 95% stratified \
         interval. Strict: only <i>correct</i> counts. Per-image: the micro average. \
         ImageNet-M: the 68 images of Vasudevan et al. (2022) the model gets right. ReaL: \
         Beyer et al. (2020), per image. Original top-1: the old single-label figure.</p>",
    );

    let head = [
        "model",
        "annotated",
        "problematic (left out)",
        "graded",
        "with a prediction",
        "missing",
        "unreviewed top-1",
        "background top-1",
    ];
    let rows: Vec<Vec<String>> = page
        .models
        .iter()
        .enumerate()
        .map(|(m, model)| {
            let r = model.report;
            vec![
                esc(&model.name),
                count(m, "counts.annotated", r.counts.annotated),
                count(m, "counts.problematic", r.counts.problematic),
                count(m, "counts.graded", r.counts.graded),
                count(m, "coverage.predicted", r.coverage.predicted),
                count(m, "coverage.missing", r.coverage.missing),
                count(m, "counts.unreviewed", r.counts.unreviewed),
                count(m, "counts.background", r.counts.background),
            ]
        })
        .collect();
    s.push_str("<h3>Images counted</h3>");
    s.push_str(&table("counts", &head, &rows));
    for model in page.models {
        let c = &model.report.coverage;
        if c.missing > 0 || c.imagenet_m_missing > 0 {
            let _ = write!(
                s,
                "<p class=\"warn\">{}: partial coverage (<code>--allow-missing</code>): {} of {} \
                 graded images have a prediction; {} ImageNet-M images have none. Every figure \
                 is over the covered images only.</p>",
                esc(&model.name),
                c.predicted,
                c.predicted + c.missing,
                c.imagenet_m_missing
            );
        }
    }

    let source = page.annotations.source();
    let verified = source.version == Version::V3_0_0;
    let _ = write!(
        s,
        "<h3>Labels</h3><table class=\"provenance\"><tbody>\
         <tr><th>file</th><td class=\"l\"><code>{}</code></td></tr>\
         <tr><th>size</th><td class=\"l\">{} bytes</td></tr>\
         <tr><th>sha256</th><td class=\"l\"><code>{}</code></td></tr>\
         <tr><th>release</th><td class=\"l\"><span class=\"{}\">{}</span></td></tr></tbody></table>",
        esc(&source.path.display().to_string()),
        source.size,
        esc(&source.sha256),
        if verified { "hit" } else { "miss" },
        esc(source.version.describe())
    );
    if !verified {
        s.push_str(
            "<p class=\"warn\">These labels are not the verified \
             <code>human_accuracy_v3.0.0.json</code> (by sha256): the figures are not the \
             published protocol's.</p>",
        );
    }
    s
}
