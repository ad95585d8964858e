//! `imagenet-multilabel demo`: the whole pipeline on generated data, no downloads.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use imagenet_multilabel::fixture::annotations::{self as synthetic, Spec};
use imagenet_multilabel::fixture::known::{self, Plan};
use imagenet_multilabel::fixture::pred_files::{self, Row, WriteOptions};
use imagenet_multilabel::fixture::tar::{self as tar_fixture, TarSpec};
use imagenet_multilabel::predictions::Format;
use imagenet_multilabel::{ImageId, Predictions};
use imagenet_multilabel_formats::build::{Build, BuildOptions, Progress};

use crate::cmd::{build, eval, info, inspect};

/// Run the whole pipeline on generated data: write a synthetic `human_accuracy_v3.0.0.json`
/// in the real schema (20 images per class, with the real class tables), two models'
/// predictions whose every figure is known in advance, and an `ILSVRC2012_img_val.tar` of
/// small real JPEGs; then run `info`, `eval`, `build` (TFDS layout), `inspect` and
/// `eval --dataset` on them. The data is synthetic: the figures say nothing about any real
/// model.
#[derive(clap::Args)]
pub struct Args {
    /// Keep the generated files in this directory (created if absent) instead of a
    /// temporary one that is removed at the end.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
    /// Seed of the generated data.
    #[arg(long, default_value_t = 2020)]
    pub seed: u64,
}

/// Runs `demo`.
pub fn run(args: Args) -> Result<()> {
    let temp;
    let dir = match &args.keep {
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            dir.clone()
        }
        None => {
            temp = tempfile::Builder::new()
                .prefix("imagenet-multilabel-demo.")
                .tempdir()
                .context("creating a temporary directory")?;
            temp.path().to_path_buf()
        }
    };
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "== imagenet-multilabel demo: SYNTHETIC data in the real formats, written to {}",
        dir.display()
    )?;
    writeln!(
        out,
        "   (the real annotations and images are not redistributable; nothing here is a real result)\n"
    )?;

    let spec = Spec {
        seed: args.seed,
        ..Spec::default()
    };
    let synthetic = synthetic::generate(&spec);
    let json = dir.join("human_accuracy_v3.0.0.json");
    synthetic.write_json(&json)?;
    let index = synthetic.annotations();

    // Two models: one with full float32 scores for all 50,000 images (.npy, as a PyTorch
    // evaluation loop would save them), one with top-1 class ids for the annotated images
    // only (CSV with file names).
    let strong = known::generate(&index, &Plan::fraction(&index, 0.9, 5, args.seed))?;
    let weak_plan = Plan {
        cover_all: false,
        ..Plan::fraction(&index, 0.7, 1, args.seed + 1)
    };
    let weak = known::generate(&index, &weak_plan)?;
    let strong_path = dir.join("strong_model.npy");
    let weak_path = dir.join("weak_model.csv");
    pred_files::write(
        &strong_path,
        &rows(&strong.predictions),
        &WriteOptions::new(Format::Npy),
    )?;
    pred_files::write(
        &weak_path,
        &rows(&weak.predictions),
        &WriteOptions::new(Format::Csv),
    )?;

    writeln!(
        out,
        "$ imagenet-multilabel info --annotations {}",
        json.display()
    )?;
    out.flush()?;
    info::run(info::Args {
        annotations: Some(json.clone()),
        json: false,
        no_cache: true,
        cite: false,
    })?;

    writeln!(
        out,
        "\n$ imagenet-multilabel eval --annotations {} {} {}",
        json.display(),
        strong_path.display(),
        weak_path.display()
    )?;
    out.flush()?;
    eval::run(eval_args(
        vec![strong_path, weak_path],
        Some(json.clone()),
        None,
    ))?;
    writeln!(
        out,
        "\nThe generator knew the answers in advance: multi-label accuracy {:.2}% and {:.2}%, \
         ImageNet-M {}/{} and {}/{}.",
        100.0 * strong.expected.multilabel_accuracy,
        100.0 * weak.expected.multilabel_accuracy,
        strong.expected.imagenet_m_correct,
        strong.expected.imagenet_m_total,
        weak.expected.imagenet_m_correct,
        weak.expected.imagenet_m_total,
    )?;

    // The dataset itself: a tar of the annotated images (small real JPEGs, members shuffled,
    // one grayscale and one CMYK image as the real archive has), built into the TFDS layout.
    let annotated: Vec<ImageId> = index.records().iter().map(|r| r.image()).collect();
    let spec = TarSpec {
        shuffle: true,
        grayscale: annotated.iter().copied().take(1).collect(),
        cmyk: annotated.iter().copied().skip(1).take(1).collect(),
        ..TarSpec::of(annotated.iter().copied(), args.seed)
    };
    let tar = dir.join("ILSVRC2012_img_val.tar");
    tar_fixture::write(&tar, &spec)?;
    let data_dir = dir.join("tensorflow_datasets");
    writeln!(
        out,
        "\n$ imagenet-multilabel build {} --out {} --verify-images",
        tar.display(),
        data_dir.display()
    )?;
    out.flush()?;
    let options = BuildOptions {
        verify_images: true,
        replace: true,
        ..BuildOptions::default()
    };
    let started = std::time::Instant::now();
    // Loaded from the file, as `build` does, so the dataset records the file's sha256.
    let from_file = crate::config::load_annotations(Some(json.clone()), true)?;
    let summary = Build::new(&tar, &data_dir, options).run(&from_file, &|event| {
        if let Progress::Warning(message) = event {
            crate::config::warn(&message);
        }
    })?;
    drop(out);
    build::print_summary(&summary, started.elapsed())?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "\n$ imagenet-multilabel inspect {} -n 2",
        data_dir.display()
    )?;
    out.flush()?;
    inspect::run(inspect::Args {
        dir: data_dir.clone(),
        examples: 2,
        all: false,
    })?;
    // With both models and the HTML report: the figures, plots, the published field and the
    // dataset's images. The report outlives the temporary directory, so without --keep it
    // goes to the system's temporary directory.
    let report = match &args.keep {
        Some(dir) => dir.join("report.html"),
        None => std::env::temp_dir().join("imagenet-multilabel-demo-report.html"),
    };
    let models = vec![dir.join("strong_model.npy"), dir.join("weak_model.csv")];
    writeln!(
        out,
        "\n$ imagenet-multilabel eval --dataset {} {} {} --report {}",
        data_dir.display(),
        models[0].display(),
        models[1].display(),
        report.display()
    )?;
    out.flush()?;
    eval::run(eval::Args {
        report: Some(report.clone()),
        ..eval_args(models, None, Some(data_dir))
    })?;
    writeln!(
        out,
        "\nThe report (figures, plots, the published field, the images): {}",
        report.display()
    )?;
    Ok(())
}

/// `eval` with its defaults, labels from `annotations` or a built `dataset`, no parse cache
/// (the demo's files are temporary).
fn eval_args(
    predictions: Vec<PathBuf>,
    annotations: Option<PathBuf>,
    dataset: Option<PathBuf>,
) -> eval::Args {
    eval::Args {
        predictions,
        annotations,
        dataset,
        format: None,
        background_class: false,
        class_ids: Default::default(),
        allow_missing: false,
        json: false,
        per_class: None,
        mistakes: None,
        no_cache: true,
        report: None,
        images: None,
        overlay: None,
    }
}

/// The ranked rows of `predictions`, in image order.
fn rows(predictions: &Predictions) -> Vec<Row> {
    ImageId::all()
        .filter_map(|image| {
            predictions
                .ranking(image)
                .map(|ranked| (image, ranked.top(ranked.len()).to_vec()))
        })
        .collect()
}
