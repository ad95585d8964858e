//! `imagenet-multilabel eval`: grade predictions with the expert multi-labels.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use imagenet_multilabel::metrics::{self, EvalOptions, Report};
use imagenet_multilabel::predictions::{self, ClassIds, Format, LoadOptions};
use imagenet_multilabel::{tfds, Annotations};

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
}

/// Runs `eval`.
pub fn run(args: Args) -> Result<()> {
    let annotations = match &args.dataset {
        Some(dir) => tfds::read_annotations(dir)
            .with_context(|| format!("reading the labels of the dataset {}", dir.display()))?,
        None => config::load_annotations(args.annotations.clone(), args.no_cache)?,
    };
    let reports = evaluate_all(&annotations, &args)?;
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
    let differences = metrics::output::differences_from_first(&reports);
    let mut out = std::io::stdout().lock();
    if args.json {
        let value = metrics::output::report_json(annotations.source(), &reports, &differences);
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
    } else {
        metrics::output::write_table(
            &mut out,
            &annotations,
            &reports,
            &differences,
            args.dataset.is_some(),
        )?;
    }
    Ok(())
}

/// Loads and grades every prediction file; the first failure stops the run.
fn evaluate_all(annotations: &Annotations, args: &Args) -> Result<Vec<Report>> {
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
            Ok(metrics::evaluate(annotations, &predictions, &options)?)
        })
        .collect()
}
