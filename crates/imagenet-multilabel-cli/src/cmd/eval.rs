//! `imagenet-multilabel eval`: grade predictions with the expert multi-labels.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use imagenet_multilabel::metrics::output::WithReviews;
use imagenet_multilabel::metrics::{self, EvalOptions, Report};
use imagenet_multilabel::overlay::{self, Overlay};
use imagenet_multilabel::predictions::{self, ClassIds, Format, LoadOptions};
use imagenet_multilabel::thumbnails::{self, ImageSource};
use imagenet_multilabel::{tfds, Annotations, Predictions};
use imagenet_multilabel_report as report;

use sha2::{Digest, Sha256};

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
    /// Also grade with this overlay of community reviews (`reviews export`): the official
    /// figures stay as they are, and a second table (`with_reviews` in --json) gives the
    /// figures with the reviews, never mixed with the official ones. With --dataset, the
    /// overlay stored by `build --overlay` is used unless one is given here.
    #[arg(long, value_name = "FILE.json")]
    pub overlay: Option<PathBuf>,
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
    // An overlay given, else the one `build --overlay` stored with the dataset.
    let overlay = match (&args.overlay, &args.dataset) {
        (Some(path), _) => Some(path.clone()),
        (None, Some(_)) => overlay::read_stored(&annotations.source().path)?.map(|(path, _)| path),
        (None, None) => None,
    };
    let with_reviews = match &overlay {
        Some(path) => Some(
            with_reviews(&annotations, &predictions, path, &args)
                .with_context(|| format!("grading with the overlay {}", path.display()))?,
        ),
        None => None,
    };
    let differences = metrics::output::differences_from_first(&reports);
    let mut out = std::io::stdout().lock();
    if args.json {
        let mut value = metrics::output::report_json(annotations.source(), &reports, &differences);
        if let Some(with) = &with_reviews {
            metrics::output::add_with_reviews(&mut value, &reports, with);
        }
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
    } else {
        metrics::output::write_table_with_reviews(
            &mut out,
            &annotations,
            &reports,
            &differences,
            args.dataset.is_some(),
            with_reviews.as_ref(),
        )?;
    }
    Ok(())
}

/// Every model graded again on the annotations with the overlay at `path`.
fn with_reviews(
    annotations: &Annotations,
    predictions: &[Predictions],
    path: &Path,
    args: &Args,
) -> Result<WithReviews> {
    let bytes = std::fs::read(path).map_err(|e| imagenet_multilabel::Error::io(path, e))?;
    let overlay = Overlay::parse(&bytes, path)?;
    let (overlaid, applied) = annotations.with_overlay(&overlay)?;
    let reports = predictions
        .iter()
        .map(|p| metrics::evaluate(&overlaid, p, &eval_options(args)))
        .collect::<imagenet_multilabel::Result<Vec<_>>>()?;
    Ok(WithReviews {
        path: path.display().to_string(),
        sha256: imagenet_multilabel::index::hex(&Sha256::digest(&bytes)),
        overlay,
        applied,
        reports,
    })
}

fn eval_options(args: &Args) -> EvalOptions {
    EvalOptions {
        allow_missing: args.allow_missing,
    }
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
    let names = metrics::output::model_names(reports);
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
    let options = eval_options(args);
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
