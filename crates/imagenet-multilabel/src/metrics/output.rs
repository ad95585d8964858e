//! What `eval` shows: the comparison table (one row per model, then notes) and the JSON
//! report (schema 1). In the library so that every front end (the CLI, the Python package)
//! prints the same table and the same JSON from the same [`Report`]s.

use std::io::{self, Write};
use std::path::Path;

use serde_json::json;

use super::{compare, Difference, Estimate, Report};
use crate::index::{Annotations, Source};
use crate::tfds;

/// The JSON report's schema version (`"schema"`).
pub const SCHEMA: u32 = 1;

/// The `eval --json` report: `{"schema", "tool_version", "annotations", "models",
/// "comparisons"}`. `differences` is [`differences_from_first`] of `reports`. The names are a
/// public contract: fields may be added, never renamed.
pub fn report_json(
    source: &Source,
    reports: &[Report],
    differences: &[Option<Difference>],
) -> serde_json::Value {
    let comparisons: Vec<_> = reports
        .iter()
        .zip(differences)
        .skip(1)
        .map(|(r, d)| {
            json!({
                "predictions": r.predictions,
                "baseline": reports[0].predictions,
                "multilabel_accuracy_difference": d,
            })
        })
        .collect();
    json!({
        "schema": SCHEMA,
        "tool_version": env!("CARGO_PKG_VERSION"),
        "annotations": source_json(source),
        "models": reports,
        "comparisons": comparisons,
    })
}

/// The `annotations` object of the JSON reports: path, sha256, size, version.
pub fn source_json(source: &Source) -> serde_json::Value {
    json!({
        "path": source.path.display().to_string(),
        "sha256": source.sha256,
        "size": source.size,
        "version": source.version,
    })
}

/// For each model after the first, its paired headline difference from the first (None for
/// the first, and where the two were not graded on the same images).
pub fn differences_from_first(reports: &[Report]) -> Vec<Option<Difference>> {
    reports
        .iter()
        .enumerate()
        .map(|(i, r)| (i > 0).then(|| compare(r, &reports[0]).ok()).flatten())
        .collect()
}

/// The columns of the comparison table.
const HEADER: [&str; 11] = [
    "model",
    "Δ vs first",
    "ML acc %",
    "95% CI",
    "strict %",
    "per-image %",
    "ML top-5 %",
    "ImageNet-M",
    "ReaL % [95% CI]",
    "orig top-1 %",
    "unreviewed",
];

/// One model's row of the table, under [`HEADER`]; `d` fills the difference column.
fn row(r: &Report, name: String, d: Option<&Difference>) -> [String; 11] {
    [
        name,
        d.map_or_else(
            || "-".to_string(),
            |d| {
                format!(
                    "{:+.2} [{:+.2}, {:+.2}]",
                    100.0 * d.value,
                    100.0 * d.ci95[0],
                    100.0 * d.ci95[1]
                )
            },
        ),
        pct(&r.multilabel_accuracy),
        ci(&r.multilabel_accuracy),
        pct(&r.multilabel_accuracy_strict),
        pct(&r.multilabel_accuracy_per_image),
        r.multilabel_top5_accuracy
            .as_ref()
            .map_or_else(|| "-".to_string(), pct),
        format!("{}/{}", r.imagenet_m.correct, r.imagenet_m.total),
        r.real_accuracy
            .as_ref()
            .map_or_else(|| "-".to_string(), |e| format!("{} {}", pct(e), ci(e))),
        pct(&r.top1_original_annotated),
        r.counts.unreviewed.to_string(),
    ]
}

/// Writes `header` and `rows` as aligned columns, only the columns in `shown`: the first
/// left-aligned, the others right-aligned.
fn write_grid(
    out: &mut impl Write,
    header: &[&str; 11],
    rows: &[[String; 11]],
    shown: &[usize],
) -> io::Result<()> {
    let header: Vec<&str> = shown.iter().map(|&c| header[c]).collect();
    let rows: Vec<Vec<&str>> = rows
        .iter()
        .map(|row| shown.iter().map(|&c| row[c].as_str()).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[&str]| -> String {
        cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if i == 0 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    writeln!(out, "{}", line(&header))?;
    for row in &rows {
        writeln!(out, "{}", line(row))?;
    }
    Ok(())
}

fn pct(e: &Estimate) -> String {
    format!("{:.2}", 100.0 * e.value)
}

fn ci(e: &Estimate) -> String {
    format!("[{:.2}, {:.2}]", 100.0 * e.ci95[0], 100.0 * e.ci95[1])
}

/// Writes the comparison table `eval` prints: where the labels come from, what was graded,
/// one row per model (with the paired difference from the first when there are several),
/// then a legend and per-model notes (partial coverage, ReaL coverage, background top-1s,
/// top-1 on all 50,000). `differences` is [`differences_from_first`] of `reports`;
/// `from_dataset` says the labels were read from a built dataset.
pub fn write_table(
    out: &mut impl Write,
    annotations: &Annotations,
    reports: &[Report],
    differences: &[Option<Difference>],
    from_dataset: bool,
) -> io::Result<()> {
    write_table_with_reviews(out, annotations, reports, differences, from_dataset, None)
}

/// [`write_table`], and with `with_reviews` (`eval --overlay`) a second table under the
/// official one: the same models graded with the community reviews, each with its paired
/// difference from its official figure. The official table is the same either way.
pub fn write_table_with_reviews(
    out: &mut impl Write,
    annotations: &Annotations,
    reports: &[Report],
    differences: &[Option<Difference>],
    from_dataset: bool,
    with_reviews: Option<&WithReviews>,
) -> io::Result<()> {
    let source = annotations.source();
    if from_dataset {
        // The dataset keeps the identity of the annotations it was built from (a TFDS
        // build of its own has none to report).
        match tfds::read_provenance(&source.path).ok().flatten() {
            Some(_) => writeln!(
                out,
                "labels: the built dataset {}, from annotations sha256 {} — {}",
                source.path.display(),
                source.sha256,
                source.version.describe()
            )?,
            None => writeln!(
                out,
                "labels: the built dataset {} (no record of its annotations)",
                source.path.display()
            )?,
        }
    } else {
        writeln!(
            out,
            "annotations: {} — {}",
            source.path.display(),
            source.version.describe()
        )?;
    }
    if let Some(r) = reports.first() {
        writeln!(
            out,
            "graded: {} of {} annotated images ({} problematic excluded); ImageNet-M: {} images",
            r.counts.graded, r.counts.annotated, r.counts.problematic, r.imagenet_m.total
        )?;
    }
    writeln!(out)?;
    let names = model_names(reports);
    let rows: Vec<[String; 11]> = reports
        .iter()
        .zip(&names)
        .zip(differences)
        .map(|((r, name), d)| row(r, name.clone(), d.as_ref()))
        .collect();
    // The difference column only means something with several models.
    let shown: Vec<usize> = (0..HEADER.len())
        .filter(|&c| c != 1 || reports.len() > 1)
        .collect();
    write_grid(out, &HEADER, &rows, &shown)?;
    if let Some(with) = with_reviews {
        write_with_reviews(out, reports, &names, with)?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "ML acc: per-class mean of top-1 in correct ∪ unclear over non-problematic images (the official metric); \
         strict: correct only; per-image: micro average; orig top-1: original label on the same images; \
         unreviewed: top-1 in none of the reviewed lists (graded as wrong — worth a look). \
         ReaL: top-1 in the image's ReaL label list (Beyer et al. 2020), per image, over all \
         images with a prediction and a non-empty list (the authors' figure needs all 50,000). \
         `info --cite` prints the BibTeX."
    )?;
    if reports.len() > 1 {
        writeln!(
            out,
            "Δ vs first: paired difference in ML acc from the first model, with its 95% CI \
             (only when both were graded on the same images)."
        )?;
    }
    for (r, name) in reports.iter().zip(&names) {
        let c = &r.coverage;
        if c.missing > 0 || c.imagenet_m_missing > 0 {
            writeln!(
                out,
                "{name}: PARTIAL coverage (--allow-missing): {} of {} graded images have a prediction ({:.2}%), \
                 {} ImageNet-M images have none; figures are over the covered images only",
                c.predicted,
                c.predicted + c.missing,
                100.0 * c.fraction,
                c.imagenet_m_missing
            )?;
        }
        let real = &r.real_counts;
        if real.missing > 0 {
            let top5 = r.real_top5_accuracy.as_ref().map_or_else(String::new, |e| {
                format!("; ReaL top-5 {}% {}", pct(e), ci(e))
            });
            writeln!(
                out,
                "{name}: ReaL on {} of the 46,837 images with a ReaL label ({:.2}%), not the \
                 authors' full-set figure; {} images with an empty ReaL list left out{top5}",
                real.graded,
                100.0 * real.coverage,
                real.excluded_empty
            )?;
        } else if let Some(e) = &r.real_top5_accuracy {
            writeln!(out, "{name}: ReaL top-5 {}% {}", pct(e), ci(e))?;
        }
        if r.counts.background > 0 {
            writeln!(
                out,
                "{name}: {} graded images have the background class as top-1 (graded as misses)",
                r.counts.background
            )?;
        }
        let s = &r.mistake_severity;
        if let Some(mean) = s.mean {
            writeln!(
                out,
                "{name}: mistake severity {mean:.2} (mean height of the lowest common ancestor of \
                 top-1 and nearest accepted label in WordNet, 1 = sibling class, 18 = root; \
                 Bertinetto et al. 2020) over {} graded mistakes",
                s.n
            )?;
        }
        if let Some(all) = &r.top1_original_all {
            writeln!(
                out,
                "{name}: top-1 on all 50,000 validation images {}% {}",
                pct(all),
                ci(all)
            )?;
        }
    }
    Ok(())
}

/// The models' file names, or their paths as given where two file names are the same.
pub fn model_names(reports: &[Report]) -> Vec<String> {
    let file_names: Vec<String> = reports
        .iter()
        .map(|r| {
            Path::new(&r.predictions).file_name().map_or_else(
                || r.predictions.clone(),
                |n| n.to_string_lossy().into_owned(),
            )
        })
        .collect();
    let unique = file_names
        .iter()
        .collect::<std::collections::HashSet<_>>()
        .len()
        == file_names.len();
    if unique {
        file_names
    } else {
        reports.iter().map(|r| r.predictions.clone()).collect()
    }
}

/// The "with reviews" grades of a run (`eval --overlay`): the same models graded on the
/// annotations with an overlay of community reviews. Always shown apart from the official
/// figures, never in their place.
#[derive(Clone, Debug)]
pub struct WithReviews {
    /// The overlay file, as given.
    pub path: String,
    /// sha256 of the overlay file.
    pub sha256: String,
    /// The overlay's own fields.
    pub overlay: crate::overlay::Overlay,
    /// What applying it did.
    pub applied: crate::overlay::OverlayApplied,
    /// One per official report, in the same order.
    pub reports: Vec<Report>,
}

impl WithReviews {
    /// For each model, the paired difference of its "with reviews" headline from its
    /// official one (the same images, so always defined unless predictions are missing).
    pub fn differences(&self, official: &[Report]) -> Vec<Option<Difference>> {
        self.reports
            .iter()
            .zip(official)
            .map(|(w, o)| compare(w, o).ok())
            .collect()
    }

    /// The `overlay` object of the JSON report.
    pub fn overlay_json(&self) -> serde_json::Value {
        json!({
            "path": self.path,
            "sha256": self.sha256,
            "kind": self.overlay.kind,
            "base_annotations_sha256": self.overlay.base_annotations_sha256,
            "created": self.overlay.created,
            "required_agreement": self.overlay.required_agreement,
            "labels": self.applied.labels,
            "applied": self.applied.applied,
            "ignored_already_judged": self.applied.ignored_already_judged,
            "images": self.applied.images,
        })
    }
}

/// [`report_json`] with the "with reviews" grades: a top-level `overlay` object
/// ([`WithReviews::overlay_json`]) and, in each `models[i]`, a `with_reviews` object (the
/// report on the overlaid annotations, plus `difference_from_official`). Every official key
/// keeps its value.
pub fn add_with_reviews(value: &mut serde_json::Value, official: &[Report], with: &WithReviews) {
    let differences = with.differences(official);
    if let Some(models) = value.get_mut("models").and_then(|m| m.as_array_mut()) {
        for ((model, report), d) in models.iter_mut().zip(&with.reports).zip(differences) {
            let mut grade = json!(report);
            grade["difference_from_official"] = json!(d);
            model["with_reviews"] = grade;
        }
    }
    value["overlay"] = with.overlay_json();
}

fn write_with_reviews(
    out: &mut impl Write,
    official: &[Report],
    names: &[String],
    with: &WithReviews,
) -> io::Result<()> {
    let a = &with.applied;
    writeln!(out)?;
    writeln!(
        out,
        "with community reviews — NOT the official figures: overlay {} ({} decisions, {} applied to {} images, \
         {} ignored because the experts judged the label; {} agreeing review(s) each)",
        with.path, a.labels, a.applied, a.images, a.ignored_already_judged, with.overlay.required_agreement
    )?;
    let mut header = HEADER;
    header[1] = "Δ vs official";
    let rows: Vec<[String; 11]> = with
        .reports
        .iter()
        .zip(names)
        .zip(with.differences(official))
        .map(|((r, name), d)| row(r, format!("{name} (with reviews)"), d.as_ref()))
        .collect();
    // ReaL and the original-label top-1 do not depend on the expert lists: left out.
    write_grid(out, &header, &rows, &[0, 1, 2, 3, 4, 5, 6, 7, 10])
}
