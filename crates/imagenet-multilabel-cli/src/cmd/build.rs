//! `imagenet-multilabel build`: the arguments, a progress bar and the summary around the
//! library's [`Build`] (`imagenet_multilabel_formats::build`), which owns the behaviour:
//! the single pass over the tar, the missing-image policy, the crash-safe publish, and
//! keeping every file of `--out` that no build wrote.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use imagenet_multilabel::overlay::{self, Overlay};
use imagenet_multilabel::{tfds, Split};
use imagenet_multilabel_formats::build::{
    self, first_names, Build, BuildOptions, BuildSummary, ImageChecks, Progress,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::config::{self, UsageError};

/// Build the dataset from ILSVRC2012_img_val.tar (TFDS, Parquet or WebDataset).
///
/// Example: imagenet-multilabel build ILSVRC2012_img_val.tar --out ~/tensorflow_datasets
#[derive(clap::Args)]
pub struct Args {
    /// The ImageNet validation archive, ILSVRC2012_img_val.tar.
    #[arg(value_name = "TAR")]
    pub tar: PathBuf,
    /// Where to build. TFDS: a data_dir (the dataset lands in
    /// OUT/imagenet2012_multilabel/3.0.0/, readable with tfds.load(..., data_dir=OUT)).
    /// Parquet, WebDataset: a folder (it may hold other files, which are kept); the split
    /// files go to OUT/data/, with OUT/README.md (Parquet's dataset card) and a manifest.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The annotations file (default: the one `fetch` stored in the cache).
    #[arg(long, value_name = "FILE")]
    pub annotations: Option<PathBuf>,
    /// The output form.
    #[arg(long, value_enum, default_value_t = Format::Tfds)]
    pub format: Format,
    /// A split to build (repeat for both; default: validation and imagenet_m).
    #[arg(long = "split", value_enum, value_name = "SPLIT")]
    pub splits: Vec<SplitArg>,
    /// Build even if annotated images are missing from the tar; they are left out, listed
    /// in the output and counted in the metadata. (Labels stay right: they come from each
    /// image's number, not from member order.)
    #[arg(long)]
    pub allow_missing: bool,
    /// Decode every kept JPEG (in parallel) and report corrupt, grayscale and CMYK images.
    /// The bytes are stored untouched either way.
    #[arg(long)]
    pub verify_images: bool,
    /// Replace a previous build (TFDS: OUT/imagenet2012_multilabel/3.0.0; others: what
    /// OUT/imagenet2012_multilabel.build.json lists). Nothing else in OUT is ever removed.
    #[arg(long)]
    pub force: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Parquet and WebDataset: start a new file before it passes this size (e.g. 500MB,
    /// 1GiB; default 500MB). TFDS's shard layout is fixed by TFDS's own rule.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub shard_size: Option<u64>,
    /// Do not read or write the annotations parse cache.
    #[arg(long)]
    pub no_cache: bool,
    /// TFDS: flush the shards to disk before publishing them (fsync), so that the dataset
    /// survives a power loss right after the build. Off by default, as in TFDS: the
    /// publish is atomic against a crash or kill either way.
    #[arg(long)]
    pub sync: bool,
    /// TFDS: store this overlay of community reviews (`reviews export`) in the version folder
    /// (community_reviews.json), so that `eval --dataset` also gives the "with reviews"
    /// figures. Checked against the annotations before the build starts. The labels
    /// themselves stay official.
    #[arg(long, value_name = "FILE.json")]
    pub overlay: Option<PathBuf>,
}

/// The output forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// TensorFlow Datasets (TFRecord shards + dataset_info.json), what tfds.load reads.
    Tfds,
    /// Parquet files with Hugging Face `datasets` features.
    Parquet,
    /// WebDataset tar shards.
    Webdataset,
}

/// The splits, as TFDS names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SplitArg {
    /// Every annotated image.
    Validation,
    /// The 68 ImageNet-M images.
    #[value(name = "imagenet_m")]
    ImagenetM,
}

impl From<SplitArg> for Split {
    fn from(s: SplitArg) -> Split {
        match s {
            SplitArg::Validation => Split::Validation,
            SplitArg::ImagenetM => Split::ImagenetM,
        }
    }
}

/// The library's build options for these arguments.
pub fn options(args: &Args) -> BuildOptions {
    BuildOptions {
        format: match args.format {
            Format::Tfds => build::Format::Tfds,
            Format::Parquet => build::Format::Parquet,
            Format::Webdataset => build::Format::WebDataset,
        },
        splits: args.splits.iter().map(|&s| Split::from(s)).collect(),
        allow_missing: args.allow_missing,
        verify_images: args.verify_images,
        replace: args.force,
        shard_size: args.shard_size,
        sync: args.sync,
    }
}

/// Runs `build`: the library's [`Build`], a progress bar, the summary on stdout.
pub fn run(args: Args) -> Result<()> {
    let started = Instant::now();
    if args.format != Format::Tfds && args.overlay.is_some() {
        return Err(UsageError(
            "--overlay applies to --format tfds (eval --dataset reads TFDS builds); pass the overlay to eval --overlay instead".into(),
        )
        .into());
    }
    if args.format == Format::Tfds && args.shard_size.is_some() {
        return Err(UsageError(
            "--shard-size applies to --format parquet and webdataset; TFDS decides its shards by its own rule (about 64 MiB to 1 GiB each)".into(),
        )
        .into());
    }
    let build = Build::new(&args.tar, &args.out, options(&args));
    build.check()?;
    // The tar's headers are read while the annotations load: neither needs the other.
    let (annotations, archive) = std::thread::scope(|scope| {
        let scan = scope.spawn(|| build.scan_tar());
        let annotations = config::load_annotations(args.annotations.clone(), args.no_cache);
        let archive = scan
            .join()
            .map_err(|_| anyhow::anyhow!("reading the tar's headers failed unexpectedly"))?;
        Ok::<_, anyhow::Error>((annotations?, archive?))
    })?;
    let bar = progress_bar(args.quiet);
    let report = |event: Progress| match event {
        Progress::Planned { bytes, .. } => bar.set_length(bytes),
        Progress::Image { done, bytes } => {
            bar.inc(bytes);
            if done % 64 == 0 {
                bar.set_message(format!("{done} images"));
            }
        }
        Progress::Warning(message) => bar.suspend(|| config::warn(&message)),
        _ => {}
    };
    // The overlay is checked before the long pass over the tar.
    let overlay = match &args.overlay {
        Some(path) => {
            let overlay = Overlay::read(path)
                .and_then(|o| {
                    annotations
                        .with_overlay(&o)
                        .map(|(_, applied)| (o, applied))
                })
                .with_context(|| format!("checking the overlay {}", path.display()))?;
            Some(overlay)
        }
        None => None,
    };
    let summary = build.run_scanned(&annotations, &archive, &report)?;
    bar.finish_and_clear();
    print_summary(&summary, started.elapsed())?;
    if let Some((overlay, applied)) = overlay {
        // The published folder is replaced whole by the next build, so a stored overlay
        // never outlives the labels it was checked against.
        let path = summary.dir.join(overlay::DATASET_FILE);
        overlay.write(&path).with_context(|| {
            format!(
                "the dataset is built, but storing the overlay {} failed",
                path.display()
            )
        })?;
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "stored the community reviews overlay ({} decisions, {} applied, {} ignored because the experts judged the label) in {}",
            applied.labels,
            applied.applied,
            applied.ignored_already_judged,
            path.display()
        )?;
    }
    Ok(())
}

/// The summary on stdout (`writeln!`: a closed stdout ends the output, not the program).
pub fn print_summary(summary: &BuildSummary, elapsed: Duration) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let splits: Vec<String> = summary
        .splits
        .iter()
        .map(|s| {
            format!(
                "{} {} examples in {} {}",
                s.split.name(),
                s.examples,
                s.files.len(),
                if summary.format == build::Format::Tfds {
                    "shard(s)"
                } else {
                    "file(s)"
                }
            )
        })
        .collect();
    writeln!(
        out,
        "built {} ({}) in {}: {}; {} image(s), {} read from a {} tar, {} written in {}{}",
        tfds::DATASET_NAME,
        summary.format.name(),
        summary.dir.display(),
        splits.join(", "),
        summary.images,
        human_bytes(summary.image_bytes),
        human_bytes(summary.tar_bytes),
        human_bytes(summary.written_bytes),
        human_duration(elapsed),
        if summary.missing.is_empty() {
            String::new()
        } else {
            format!(
                "; {} annotated image(s) missing from the tar were left out",
                summary.missing.len()
            )
        }
    )?;
    if let Some(checks) = &summary.checks {
        report_checks(&mut out, checks)?;
    }
    Ok(())
}

/// What `--verify-images` found.
fn report_checks(out: &mut impl Write, checks: &ImageChecks) -> Result<()> {
    writeln!(
        out,
        "verified: {} ok, {} grayscale, {} CMYK, {} corrupt (bytes stored untouched; \
         TensorFlow's decode_jpeg(channels=3) turns grayscale and CMYK into RGB)",
        checks.ok,
        checks.grayscale.len(),
        checks.cmyk.len(),
        checks.corrupt.len()
    )?;
    if !checks.grayscale.is_empty() {
        writeln!(out, "  grayscale: {}", first_names(&checks.grayscale, 10))?;
    }
    if !checks.cmyk.is_empty() {
        writeln!(out, "  cmyk: {}", first_names(&checks.cmyk, 10))?;
    }
    for (image, reason) in checks.corrupt.iter().take(10) {
        writeln!(out, "  corrupt: {image}: {reason}")?;
    }
    if !checks.corrupt.is_empty() {
        config::warn(&format!(
            "{} image(s) do not decode; they are stored as they are in the tar",
            checks.corrupt.len()
        ));
    }
    Ok(())
}

fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{bar:30} {decimal_bytes}/{decimal_total_bytes} {msg} {decimal_bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// `1.5 GB`, `640 KB`, `12 B` (decimal units, as file managers show sizes).
fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1000.0;
    let mut unit = 0;
    while v >= 1000.0 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

fn human_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 60.0 {
        format!("{s:.1} s")
    } else {
        format!("{}m{:02}s", (s / 60.0) as u64, (s % 60.0) as u64)
    }
}

/// `--shard-size`: bytes, with an optional decimal (KB, MB, GB) or binary (KiB, MiB, GiB)
/// unit.
fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size like 500MB or 1GiB"))?;
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" | "k" => 1_000,
        "mb" | "m" => 1_000_000,
        "gb" | "g" => 1_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        other => {
            return Err(format!(
                "unknown unit {other:?} in {text:?} (use B, KB, MB, GB, KiB, MiB, GiB)"
            ))
        }
    };
    let bytes = (number * scale as f64).round();
    if bytes < 1.0 {
        return Err(format!("{text:?}: a shard size must be at least 1 byte"));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("500MB"), Ok(500_000_000));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("1.5 kb"), Ok(1500));
        assert_eq!(parse_size("42"), Ok(42));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5 parsecs").is_err());
        assert!(parse_size("0").is_err());
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(2_700_000_000), "2.7 GB");
    }
}
