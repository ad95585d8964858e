//! `imagenet-multilabel info`: what is in the annotations.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use imagenet_multilabel::real::Agreement;
use imagenet_multilabel::summary::Summary;
use imagenet_multilabel::{cite, ClassId};
use serde_json::json;

use crate::config;

/// Show what is in the annotations: counts (annotated, per class, problematic, ImageNet-M),
/// the label-set size histogram, multi-label images, how they agree with the ReaL labels,
/// the keys that are not validation images, and the file's version and sha256.
#[derive(clap::Args)]
pub struct Args {
    /// The annotations file (default: the one `fetch` stored in the cache).
    #[arg(long, value_name = "FILE")]
    pub annotations: Option<PathBuf>,
    /// Print a JSON object instead of the readable summary.
    #[arg(long)]
    pub json: bool,
    /// Do not read or write the parse cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Print BibTeX for every work the figures rest on (needs no annotations) and exit.
    #[arg(long, conflicts_with = "json")]
    pub cite: bool,
}

/// Runs `info`.
pub fn run(args: Args) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if args.cite {
        out.write_all(cite::BIBTEX.as_bytes())?;
        return Ok(());
    }
    let annotations = config::load_annotations(args.annotations, args.no_cache)?;
    let summary = Summary::of(&annotations);
    let agreement = Agreement::of(&annotations);
    let source = annotations.source();
    if args.json {
        let value = json!({
            "schema": 1,
            "tool_version": env!("CARGO_PKG_VERSION"),
            "annotations": config::source_json(source),
            "summary": summary,
            "real_agreement": agreement,
            "foreign_keys": annotations.foreign(),
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(());
    }
    writeln!(out, "annotations  {}", source.path.display())?;
    writeln!(out, "version      {}", source.version.describe())?;
    writeln!(out, "sha256       {}", source.sha256)?;
    writeln!(out, "size         {} bytes", source.size)?;
    writeln!(out)?;
    writeln!(
        out,
        "annotated    {:>6} validation images",
        summary.annotated
    )?;
    writeln!(
        out,
        "problematic  {:>6} (excluded from grading)",
        summary.problematic
    )?;
    writeln!(out, "graded       {:>6}", summary.graded)?;
    writeln!(
        out,
        "ImageNet-M   {:>6} ({} of them problematic, graded anyway as the reference does)",
        summary.imagenet_m, summary.imagenet_m_problematic
    )?;
    let (a, g) = (summary.per_class_annotated, summary.per_class_graded);
    writeln!(
        out,
        "per class    annotated min {} / median {} / max {}; graded min {} / median {} / max {}",
        a.min, a.median, a.max, g.min, g.median, g.max
    )?;
    if !summary.classes_without_graded.is_empty() {
        let names: Vec<String> = summary
            .classes_without_graded
            .iter()
            .take(5)
            .filter_map(|&c| ClassId::new(c.into()))
            .map(|c| format!("{c} {}", c.wnid()))
            .collect();
        writeln!(
            out,
            "warning      {} classes have no graded image, so the headline metric is undefined (e.g. {})",
            summary.classes_without_graded.len(),
            names.join(", ")
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "multi-label  {} images ({:.1}%) have more than one correct label",
        summary.multi_correct,
        percent(summary.multi_correct, summary.annotated)
    )?;
    writeln!(
        out,
        "             {} images ({:.1}%) do not count their original label as correct",
        summary.original_not_correct,
        percent(summary.original_not_correct, summary.annotated)
    )?;
    writeln!(
        out,
        "             {} labels reviewed in all",
        summary.labels_reviewed
    )?;
    writeln!(out)?;
    writeln!(out, "label-set size   correct   correct ∪ unclear")?;
    for (n, (c, u)) in summary
        .correct_sizes
        .iter()
        .zip(&summary.accepted_sizes)
        .enumerate()
    {
        let label = if n + 1 == summary.correct_sizes.len() {
            format!("{n}+")
        } else {
            n.to_string()
        };
        writeln!(out, "{label:>14}   {c:>7}   {u:>17}")?;
    }
    writeln!(out)?;
    write_agreement(&mut out, &agreement)?;
    writeln!(out)?;
    let foreign = annotations.foreign();
    let total: usize = foreign.iter().map(|g| g.count).sum();
    if foreign.is_empty() {
        writeln!(
            out,
            "other keys   none: initial_annots holds only validation images"
        )?;
    } else {
        writeln!(
            out,
            "other keys   {total} keys of initial_annots are not ImageNet validation images (not graded):"
        )?;
        for g in foreign {
            writeln!(out, "{:>18}  {}", g.count, g.prefix)?;
        }
    }
    Ok(())
}

/// The agreement of the expert multi-labels with the ReaL labels, as two small tables.
fn write_agreement(out: &mut impl Write, a: &Agreement) -> Result<()> {
    let n = a.images;
    let row = |out: &mut dyn Write, what: &str, k: usize| -> std::io::Result<()> {
        writeln!(out, "  {what:<44} {k:>6}  {:>5.1}%", percent(k, n))
    };
    writeln!(
        out,
        "ReaL labels (Beyer et al. 2020) against correct ∪ unclear, on the {n} annotated images:"
    )?;
    let s = &a.sets;
    row(out, "identical sets", s.identical)?;
    row(
        out,
        "ReaL ⊂ multi-label (ReaL stricter)",
        s.real_subset_of_multilabel,
    )?;
    row(
        out,
        "multi-label ⊂ ReaL (ReaL looser)",
        s.multilabel_subset_of_real,
    )?;
    row(
        out,
        "overlapping, neither contains the other",
        s.overlapping,
    )?;
    row(out, "disjoint", s.disjoint)?;
    row(out, "ReaL empty (ReaL leaves the image out)", s.real_empty)?;
    row(out, "multi-label empty, ReaL not", s.multilabel_empty)?;
    row(out, "both empty", s.both_empty)?;
    row(
        out,
        "original label in correct ∪ unclear",
        a.original_in_multilabel,
    )?;
    row(out, "original label in ReaL", a.original_in_real)?;
    row(out, "original label in both", a.original_in_both)?;
    let p = &a.problematic;
    writeln!(out, "problematic images against ReaL's empty lists:")?;
    writeln!(
        out,
        "  {:<16} {:>10} {:>14}",
        "", "ReaL empty", "ReaL labelled"
    )?;
    writeln!(
        out,
        "  {:<16} {:>10} {:>14}",
        "problematic", p.problematic_real_empty, p.problematic_real_labelled
    )?;
    writeln!(
        out,
        "  {:<16} {:>10} {:>14}",
        "not problematic", p.graded_real_empty, p.graded_real_labelled
    )?;
    Ok(())
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}
