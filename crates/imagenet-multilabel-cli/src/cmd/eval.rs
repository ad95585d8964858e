//! `imagenet-multilabel eval`: grade predictions with the expert multi-labels.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use imagenet_multilabel::metrics::{self, Difference, Estimate, EvalOptions, Report};
use imagenet_multilabel::predictions::{self, ClassIds, Format, LoadOptions};
use imagenet_multilabel::thumbnails::{self, ImageSource};
use imagenet_multilabel::{tfds, Annotations, Predictions};
use imagenet_multilabel_report as report;
use serde_json::json;

use crate::config::{self, UsageError};

/// Grade one or more models' predictions exactly as the dataset prescribes: drop problematic
/// images, count a top-1 in correct ∪ unclear as right, average per class over the 1000
/// classes — with ImageNet-M, stricter and looser companions, and 95% confidence intervals.
#[derive(clap::Args)]
pub struct Args {
    /// Prediction files: .npy/.npz scores or class ids, CSV/TSV, JSON, JSON Lines
    /// (sniffed by content). Several files give one comparison table.
    #[arg(required = true, value_name = "PREDICTIONS")]
    pub predictions: Vec<PathBuf>,
    /// The annotations file (default: the one `fetch` stored in the cache).
    #[arg(long, value_name = "FILE", conflicts_with = "dataset")]
    pub annotations: Option<PathBuf>,
    /// Take the labels from a built dataset (TFDS layout) instead of the annotations file.
    #[arg(long, value_name = "DIR")]
    pub dataset: Option<PathBuf>,
    /// Force the input format instead of sniffing it.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// The model has 1001 outputs with background at 0 (TF-slim): score column 0 and id 0
    /// are "no class", which takes a rank and is never a hit; ids 1..=1000 are the classes.
    #[arg(long)]
    pub background_class: bool,
    /// How integer class ids are numbered: sorted (0..=999, index in the sorted wnids: TFDS,
    /// torchvision, timm), devkit (ILSVRC2012_ID 1..=1000 of the devkit's meta.mat) or
    /// one-based (sorted + 1). Wnids and score columns are not affected.
    #[arg(long, value_name = "CONVENTION", default_value = "sorted")]
    pub class_ids: ClassIds,
    /// Grade the annotated images that have a prediction and report coverage, instead of
    /// failing when some are missing.
    #[arg(long)]
    pub allow_missing: bool,
    /// Print a JSON report (schema 1) instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Write per-class figures to this CSV (one file per model when several are given).
    #[arg(long, value_name = "FILE.csv")]
    pub per_class: Option<PathBuf>,
    /// Write every graded image that is not a hit to this CSV (one file per model when
    /// several are given).
    #[arg(long, value_name = "FILE.csv")]
    pub mistakes: Option<PathBuf>,
    /// Do not read or write the annotations parse cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Write a self-contained HTML report (figures, plots, the published field and, with
    /// --dataset or --images, the images) to this file.
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
    /// Take the report's images from the validation tar (ILSVRC2012_img_val.tar).
    #[arg(long, value_name = "TAR", requires = "report")]
    pub images: Option<PathBuf>,
}

/// Runs `eval`.
pub fn run(args: Args) -> Result<()> {
    let annotations = match &args.dataset {
        Some(dir) => tfds::read_annotations(dir)
            .with_context(|| format!("reading the labels of the dataset {}", dir.display()))?,
        None => config::load_annotations(args.annotations.clone(), args.no_cache)?,
    };
    let graded = evaluate_all(&annotations, &args)?;
    let (predictions, reports): (Vec<Predictions>, Vec<Report>) = graded.into_iter().unzip();
    let models: Vec<&Path> = args.predictions.iter().map(PathBuf::as_path).collect();
    if let Some(path) = &args.per_class {
        for (report, path) in reports.iter().zip(metrics::per_model_paths(path, &models)) {
            metrics::write_per_class_csv(report, &path)?;
        }
    }
    if let Some(path) = &args.mistakes {
        for (report, path) in reports.iter().zip(metrics::per_model_paths(path, &models)) {
            metrics::write_mistakes_csv(report, &path)?;
        }
    }
    if let Some(path) = &args.report {
        write_report(&annotations, &predictions, &reports, &args, path)?;
    }
    let differences = differences_from_first(&reports);
    let mut out = std::io::stdout().lock();
    if args.json {
        let comparisons: Vec<_> = reports
            .iter()
            .zip(&differences)
            .skip(1)
            .map(|(r, d)| {
                json!({
                    "predictions": r.predictions,
                    "baseline": reports[0].predictions,
                    "multilabel_accuracy_difference": d,
                })
            })
            .collect();
        let value = json!({
            "schema": 1,
            "tool_version": env!("CARGO_PKG_VERSION"),
            "annotations": config::source_json(annotations.source()),
            "models": reports,
            "comparisons": comparisons,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
    } else {
        write_table(
            &mut out,
            &annotations,
            &reports,
            &differences,
            args.dataset.is_some(),
        )?;
    }
    Ok(())
}

/// The longer side of the report's thumbnails, in pixels.
const THUMBNAIL_SIDE: u32 = 160;

/// The HTML report of the run, from the same reports the table and `--json` show.
fn write_report(
    annotations: &Annotations,
    predictions: &[Predictions],
    reports: &[Report],
    args: &Args,
    path: &Path,
) -> Result<()> {
    let names = model_names(reports);
    let models: Vec<report::Model> = names
        .into_iter()
        .zip(reports.iter().zip(predictions))
        .map(|(name, (report, predictions))| report::Model {
            name,
            report,
            predictions,
        })
        .collect();
    // Images from the tar when given, else from the dataset the labels came from.
    let source = match (&args.images, &args.dataset) {
        (Some(tar), _) => Some(ImageSource::Tar(tar.clone())),
        (None, Some(dir)) => Some(ImageSource::Dataset(dir.clone())),
        (None, None) => None,
    };
    let thumbnails = match &source {
        Some(source) => {
            let wanted = report::wanted_images(annotations, &models);
            thumbnails::thumbnails(source, &wanted, THUMBNAIL_SIDE)
                .context("reading the report's images")?
        }
        None => Default::default(),
    };
    let page = report::Page {
        annotations,
        models: &models,
        images: source.as_ref().map(|source| report::Images {
            source: match source {
                ImageSource::Tar(p) | ImageSource::Dataset(p) => p.display().to_string(),
            },
            thumbnails: &thumbnails,
        }),
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    let size = report::write(&page, path)
        .with_context(|| format!("writing the report {}", path.display()))?;
    eprintln!(
        "report: {} ({} KB, {} images)",
        path.display(),
        size.div_ceil(1024),
        thumbnails.len()
    );
    Ok(())
}

/// Loads and grades every prediction file; the first failure stops the run.
fn evaluate_all(annotations: &Annotations, args: &Args) -> Result<Vec<(Predictions, Report)>> {
    if args.predictions.len() > 1 {
        let mut seen = std::collections::HashSet::new();
        for p in &args.predictions {
            if !seen.insert(p) {
                return Err(UsageError(format!("{} is given twice", p.display())).into());
            }
        }
    }
    let load = LoadOptions {
        format: args.format,
        background_class: args.background_class,
        class_ids: args.class_ids,
    };
    let options = EvalOptions {
        allow_missing: args.allow_missing,
    };
    args.predictions
        .iter()
        .map(|path| {
            let predictions = predictions::load(path, &load)?;
            if let Some(warning) = predictions.warning() {
                config::warn(&warning);
            }
            let report = metrics::evaluate(annotations, &predictions, &options)?;
            Ok((predictions, report))
        })
        .collect()
}

/// For each model after the first, its paired headline difference from the first (None for
/// the first, and where the two were not graded on the same images).
fn differences_from_first(reports: &[Report]) -> Vec<Option<Difference>> {
    reports
        .iter()
        .enumerate()
        .map(|(i, r)| {
            (i > 0)
                .then(|| metrics::compare(r, &reports[0]).ok())
                .flatten()
        })
        .collect()
}

fn pct(e: &Estimate) -> String {
    format!("{:.2}", 100.0 * e.value)
}

fn ci(e: &Estimate) -> String {
    format!("[{:.2}, {:.2}]", 100.0 * e.ci95[0], 100.0 * e.ci95[1])
}

fn write_table(
    out: &mut impl Write,
    annotations: &Annotations,
    reports: &[Report],
    differences: &[Option<Difference>],
    from_dataset: bool,
) -> Result<()> {
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
    let header = [
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
    let names = model_names(reports);
    let rows: Vec<[String; 11]> = reports
        .iter()
        .zip(&names)
        .zip(differences)
        .map(|((r, name), d)| {
            [
                name.clone(),
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
        })
        .collect();
    // The difference column only means something with several models.
    let shown: Vec<usize> = (0..header.len())
        .filter(|&c| c != 1 || reports.len() > 1)
        .collect();
    let header: Vec<&str> = shown.iter().map(|&c| header[c]).collect();
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|row| shown.iter().map(|&c| row[c].clone()).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
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
    writeln!(out, "{}", line(header))?;
    for row in &rows {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
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
fn model_names(reports: &[Report]) -> Vec<String> {
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
