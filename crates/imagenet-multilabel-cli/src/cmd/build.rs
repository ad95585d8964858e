//! `imagenet-multilabel build`: the dataset from `ILSVRC2012_img_val.tar`, in TFDS, Parquet
//! or WebDataset form, in one sequential pass over the tar.
//!
//! The headers are read first (the TFDS layout needs every image's size up front), then the
//! wanted images go from a memory map of the tar straight into the writer (TFDS: on every
//! core at once, each record written to its planned place). Labels come
//! from the annotations index by image number, never from member order. Whatever the format,
//! output appears under its final name only when complete: TFDS in
//! `imagenet2012_multilabel/incomplete.*` renamed to `3.0.0/`, the others in a hidden
//! folder beside `--out` renamed to it. Leftovers of an interrupted build are removed by the
//! next one.

use std::fs;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;
use imagenet_multilabel::archive::Archive;
use imagenet_multilabel::images::{self, ImageCheck};
use imagenet_multilabel::tfds::{self, DatasetWriter, WriteOptions};
use imagenet_multilabel::{Annotations, Error, Example, ImageId, Split};
use imagenet_multilabel_formats::{
    write_dataset_card, ParquetOptions, ParquetWriter, Summary, WebDatasetOptions, WebDatasetWriter,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

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
    /// Parquet, WebDataset: a folder whose file names say their split.
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
    /// Replace an existing dataset (TFDS: OUT/imagenet2012_multilabel/3.0.0; others: a
    /// non-empty OUT).
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

/// Test hook: abort (like `kill -9`: no destructor runs) after this many images, to prove
/// that an interrupted build leaves nothing that looks finished.
const ABORT_ENV: &str = "IMAGENET_MULTILABEL_TEST_ABORT_AFTER";

/// Images decoded together by `--verify-images`: enough to keep every core busy, few
/// enough to keep memory small.
const VERIFY_BATCH: usize = 256;

/// Runs `build`.
pub fn run(args: Args) -> Result<()> {
    let started = Instant::now();
    let splits = chosen_splits(&args.splits);
    if args.format == Format::Tfds && args.shard_size.is_some() {
        return Err(UsageError(
            "--shard-size applies to --format parquet and webdataset; TFDS decides its shards by its own rule (about 64 MiB to 1 GiB each)".into(),
        )
        .into());
    }
    refuse_existing(&args)?;
    // The tar's headers are read while the annotations load: neither needs the other.
    let (annotations, archive) = std::thread::scope(|scope| {
        let scan = scope.spawn(|| Archive::open(&args.tar));
        let annotations = config::load_annotations(args.annotations.clone(), args.no_cache);
        let archive = scan
            .join()
            .map_err(|_| anyhow::anyhow!("reading the tar's headers failed unexpectedly"))?;
        Ok::<_, anyhow::Error>((annotations?, archive?))
    })?;

    let (missing, needed_missing) = missing_images(&annotations, &archive, &splits);
    if !needed_missing.is_empty() {
        if !args.allow_missing {
            return Err(Error::Mismatch(format!(
                "{}: {} annotated image(s) are not in the tar (first: {}); is it the complete \
                 ILSVRC2012_img_val.tar? Pass --allow-missing to build without them",
                args.tar.display(),
                needed_missing.len(),
                first_names(&needed_missing, 5)
            ))
            .into());
        }
        config::warn(&format!(
            "building without {} annotated image(s) missing from the tar (first: {})",
            needed_missing.len(),
            first_names(&needed_missing, 5)
        ));
    }

    let mut wanted = vec![false; imagenet_multilabel::NUM_VAL_IMAGES as usize + 1];
    for &split in &splits {
        for image in split_images(&annotations, split) {
            if archive.get(image).is_some() {
                wanted[image.0 as usize] = true;
            }
        }
    }
    let total_bytes: u64 = archive
        .members()
        .iter()
        .filter(|m| wanted[m.image.0 as usize])
        .map(|m| m.size)
        .sum();
    let total_images = wanted.iter().filter(|&&w| w).count();
    let progress = progress_bar(args.quiet, total_bytes);
    let abort_after: Option<usize> = std::env::var(ABORT_ENV).ok().and_then(|v| v.parse().ok());
    let mut checks = Checks::default();
    let mut pass = Pass {
        verify: args.verify_images,
        batch: Vec::new(),
        checks: &mut checks,
        progress: &progress,
        images: AtomicUsize::new(0),
        abort_after,
    };

    let outcome = match args.format {
        Format::Tfds => build_tfds(
            &args,
            &annotations,
            &archive,
            &splits,
            &missing,
            &wanted,
            &mut pass,
        )?,
        Format::Parquet | Format::Webdataset => build_files(
            &args,
            &annotations,
            &archive,
            &splits,
            &needed_missing,
            &wanted,
            &mut pass,
        )?,
    };
    progress.finish_and_clear();

    let elapsed = started.elapsed();
    println!(
        "built {} ({}) in {}: {}; {} image(s), {} read from a {} tar, {} written in {}{}",
        tfds::DATASET_NAME,
        format_name(args.format),
        outcome.dir.display(),
        outcome.splits.join(", "),
        total_images,
        human_bytes(total_bytes),
        human_bytes(archive.len()),
        human_bytes(outcome.bytes),
        human_duration(elapsed),
        if needed_missing.is_empty() {
            String::new()
        } else {
            format!(
                "; {} annotated image(s) missing from the tar were left out",
                needed_missing.len()
            )
        }
    );
    if args.verify_images {
        checks.report();
    }
    Ok(())
}

/// What a finished build published.
struct Outcome {
    dir: PathBuf,
    /// `validation: 20,000 examples in 32 shards`, one per split.
    splits: Vec<String>,
    bytes: u64,
}

fn build_tfds(
    args: &Args,
    annotations: &Annotations,
    archive: &Archive,
    splits: &[Split],
    missing: &[ImageId],
    wanted: &[bool],
    pass: &mut Pass,
) -> Result<Outcome> {
    remove_stale(&args.out.join(tfds::DATASET_NAME), |name| {
        name.starts_with("incomplete.")
    });
    let options = WriteOptions {
        splits: splits.to_vec(),
        missing: missing.to_vec(),
        overwrite: args.force,
    };
    let mut writer =
        DatasetWriter::create(&args.out, annotations, &archive.image_sizes(), &options)?;
    writer.set_sync(args.sync);
    if pass.verify {
        archive.map_images(
            |image| wanted[image.0 as usize],
            |member, bytes| {
                pass.take(member.image, bytes, &mut |image, bytes| {
                    writer.write_image(image, bytes).map_err(Into::into)
                })
            },
        )?;
    } else {
        // Every core maps its own part of the tar and writes its records: the work is the
        // kernel copying pages and the CRC, both of which scale with the threads.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        archive.par_map_images(
            |image| wanted[image.0 as usize],
            threads,
            |member, bytes| -> Result<()> {
                writer.write_image(member.image, bytes)?;
                pass.count(bytes.len());
                Ok(())
            },
        )?;
    }
    pass.flush(&mut |image, bytes| writer.write_image(image, bytes).map_err(Into::into))?;
    let summary = writer.finish()?;
    Ok(Outcome {
        dir: summary.dir,
        splits: summary
            .splits
            .iter()
            .map(|s| {
                format!(
                    "{} {} examples in {} shard(s)",
                    s.split.name(),
                    s.num_examples(),
                    s.shard_lengths.len()
                )
            })
            .collect(),
        bytes: summary.shard_bytes,
    })
}

fn build_files(
    args: &Args,
    annotations: &Annotations,
    archive: &Archive,
    splits: &[Split],
    missing: &[ImageId],
    wanted: &[bool],
    pass: &mut Pass,
) -> Result<Outcome> {
    let out = &args.out;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| UsageError(format!("--out {} has no folder name", out.display())))?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
    let stale = format!(".{name}.incomplete-");
    remove_stale(&parent, |n| n.starts_with(&stale));
    // The whole build goes to a hidden sibling and becomes OUT by one rename: a reader
    // never sees some splits without the others.
    let temp = parent.join(format!("{stale}{}", std::process::id()));
    fs::create_dir(&temp).map_err(|e| Error::io(&temp, e))?;
    let guard = RemoveOnDrop(Some(temp.clone()));

    let mut writers: Vec<(Split, FileWriter)> = Vec::new();
    for &split in splits {
        let writer = match args.format {
            Format::Parquet => {
                let mut options = ParquetOptions::default();
                if let Some(size) = args.shard_size {
                    options.max_bytes_per_file = Some(size);
                }
                FileWriter::Parquet(Box::new(ParquetWriter::create(&temp, split, &options)?))
            }
            _ => {
                let mut options = WebDatasetOptions::default();
                if let Some(size) = args.shard_size {
                    options.max_bytes_per_shard = size;
                }
                FileWriter::WebDataset(Box::new(WebDatasetWriter::create(&temp, split, &options)?))
            }
        };
        writers.push((split, writer));
    }
    let mut write = |image: ImageId, bytes: &[u8]| -> Result<()> {
        let Some(record) = annotations.get(image) else {
            return Ok(());
        };
        let example = Example::from_record(record, bytes.to_vec());
        for (split, writer) in &mut writers {
            if *split == Split::Validation || record.imagenet_m {
                writer.write(&example)?;
            }
        }
        Ok(())
    };
    archive.map_images(
        |image| wanted[image.0 as usize],
        |member, bytes| pass.take(member.image, bytes, &mut write),
    )?;
    pass.flush(&mut write)?;
    let mut lines = Vec::new();
    let mut bytes = 0;
    for (split, writer) in writers {
        let summary = writer.finish()?;
        bytes += summary.bytes;
        lines.push(format!(
            "{} {} examples in {} file(s)",
            split.name(),
            summary.examples,
            summary.files.len()
        ));
    }
    if args.format == Format::Parquet {
        write_dataset_card(&temp, splits)?;
    }
    if !missing.is_empty() {
        let text: String = missing.iter().map(|i| format!("{i}\n")).collect();
        let path = temp.join("missing_images.txt");
        fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
    }
    publish(&temp, out)?;
    std::mem::forget(guard);
    Ok(Outcome {
        dir: out.clone(),
        splits: lines,
        bytes,
    })
}

/// One split's Parquet or WebDataset writer (boxed: the Parquet one is ~2 KB).
enum FileWriter {
    Parquet(Box<ParquetWriter>),
    WebDataset(Box<WebDatasetWriter>),
}

impl FileWriter {
    fn write(&mut self, example: &Example) -> Result<()> {
        match self {
            FileWriter::Parquet(w) => w.write(example)?,
            FileWriter::WebDataset(w) => w.write(example)?,
        }
        Ok(())
    }

    fn finish(self) -> Result<Summary> {
        Ok(match self {
            FileWriter::Parquet(w) => w.finish()?,
            FileWriter::WebDataset(w) => w.finish()?,
        })
    }
}

/// Removes a temporary folder unless defused (`mem::forget`) after publishing.
struct RemoveOnDrop(Option<PathBuf>);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(dir) = self.0.take() {
            let _ = fs::remove_dir_all(dir);
        }
    }
}

/// Makes the complete build `temp` become `out`: one rename, after moving aside (and then
/// removing) an existing `out`, which `refuse_existing` allowed only when empty or forced.
fn publish(temp: &Path, out: &Path) -> Result<()> {
    if out.exists() {
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let old = out.with_file_name(format!(".{name}.incomplete-old-{}", std::process::id()));
        fs::rename(out, &old).map_err(|e| Error::io(out, e))?;
        fs::rename(temp, out).map_err(|e| Error::io(out, e))?;
        fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
    } else {
        fs::rename(temp, out).map_err(|e| Error::io(out, e))?;
    }
    Ok(())
}

/// The data pass's per-image work: verification batches, progress, the test abort.
struct Pass<'a> {
    verify: bool,
    batch: Vec<(ImageId, Vec<u8>)>,
    checks: &'a mut Checks,
    progress: &'a ProgressBar,
    images: AtomicUsize,
    abort_after: Option<usize>,
}

type Sink<'s> = dyn FnMut(ImageId, &[u8]) -> Result<()> + 's;

impl Pass<'_> {
    /// Hands one image to `write`, or queues it for verification first.
    fn take(&mut self, image: ImageId, bytes: &[u8], write: &mut Sink) -> Result<()> {
        if self.verify {
            self.batch.push((image, bytes.to_vec()));
            if self.batch.len() >= VERIFY_BATCH {
                self.flush(write)?;
            }
            Ok(())
        } else {
            self.done(image, bytes, write)
        }
    }

    /// Verifies the queued images in parallel and writes them, in order.
    fn flush(&mut self, write: &mut Sink) -> Result<()> {
        let batch = std::mem::take(&mut self.batch);
        let results: Vec<ImageCheck> = batch.par_iter().map(|(_, b)| images::check(b)).collect();
        for ((image, bytes), check) in batch.iter().zip(results) {
            self.checks.add(*image, check);
            self.done(*image, bytes, write)?;
        }
        Ok(())
    }

    fn done(&mut self, image: ImageId, bytes: &[u8], write: &mut Sink) -> Result<()> {
        write(image, bytes)?;
        self.count(bytes.len());
        Ok(())
    }

    /// Counts one written image of `len` bytes (from any thread).
    fn count(&self, len: usize) {
        let images = self.images.fetch_add(1, Ordering::Relaxed) + 1;
        self.progress.inc(len as u64);
        self.progress.set_message(format!("{images} images"));
        if self.abort_after == Some(images) {
            std::process::abort();
        }
    }
}

/// What `--verify-images` found.
#[derive(Default)]
struct Checks {
    ok: usize,
    grayscale: Vec<ImageId>,
    cmyk: Vec<ImageId>,
    corrupt: Vec<(ImageId, String)>,
}

impl Checks {
    fn add(&mut self, image: ImageId, check: ImageCheck) {
        match check {
            ImageCheck::Ok => self.ok += 1,
            ImageCheck::Grayscale => self.grayscale.push(image),
            ImageCheck::Cmyk => self.cmyk.push(image),
            ImageCheck::Corrupt(reason) => self.corrupt.push((image, reason)),
        }
    }

    fn report(&mut self) {
        self.grayscale.sort_unstable();
        self.cmyk.sort_unstable();
        self.corrupt.sort_unstable();
        println!(
            "verified: {} ok, {} grayscale, {} CMYK, {} corrupt (bytes stored untouched; \
             TensorFlow's decode_jpeg(channels=3) turns grayscale and CMYK into RGB)",
            self.ok,
            self.grayscale.len(),
            self.cmyk.len(),
            self.corrupt.len()
        );
        if !self.grayscale.is_empty() {
            println!("  grayscale: {}", first_names(&self.grayscale, 10));
        }
        if !self.cmyk.is_empty() {
            println!("  cmyk: {}", first_names(&self.cmyk, 10));
        }
        for (image, reason) in self.corrupt.iter().take(10) {
            println!("  corrupt: {image}: {reason}");
        }
        if !self.corrupt.is_empty() {
            config::warn(&format!(
                "{} image(s) do not decode; they are stored as they are in the tar",
                self.corrupt.len()
            ));
        }
    }
}

fn chosen_splits(given: &[SplitArg]) -> Vec<Split> {
    if given.is_empty() {
        return Split::ALL.to_vec();
    }
    // In TFDS's order, each once, whatever the command line's order.
    Split::ALL
        .into_iter()
        .filter(|s| given.iter().any(|&g| Split::from(g) == *s))
        .collect()
}

fn split_images(annotations: &Annotations, split: Split) -> Vec<ImageId> {
    match split {
        Split::Validation => annotations.records().iter().map(|r| r.image).collect(),
        Split::ImagenetM => annotations.imagenet_m().to_vec(),
    }
}

/// Annotated images the tar lacks: all of them (for the TFDS writer's bookkeeping) and
/// those the chosen splits need.
fn missing_images(
    annotations: &Annotations,
    archive: &Archive,
    splits: &[Split],
) -> (Vec<ImageId>, Vec<ImageId>) {
    let all: Vec<ImageId> = annotations
        .records()
        .iter()
        .map(|r| r.image)
        .filter(|&i| archive.get(i).is_none())
        .collect();
    let mut needed: Vec<ImageId> = splits
        .iter()
        .flat_map(|&s| split_images(annotations, s))
        .filter(|&i| archive.get(i).is_none())
        .collect();
    needed.sort_unstable();
    needed.dedup();
    (all, needed)
}

/// Fails early (before any reading) when the target holds a finished dataset and `--force`
/// was not given.
fn refuse_existing(args: &Args) -> Result<()> {
    if args.force {
        return Ok(());
    }
    let (target, what) = match args.format {
        Format::Tfds => (
            args.out.join(tfds::DATASET_NAME).join(tfds::VERSION),
            "a built dataset",
        ),
        Format::Parquet | Format::Webdataset => (args.out.clone(), "files"),
    };
    let occupied = match fs::read_dir(&target) {
        Ok(mut entries) => entries.next().is_some(),
        Err(_) => target.exists(),
    };
    if occupied {
        return Err(UsageError(format!(
            "{} already holds {what}; pass --force to replace it, or choose another --out",
            target.display()
        ))
        .into());
    }
    Ok(())
}

/// Removes leftovers of interrupted builds in `dir` (names `is_ours` accepts). Two builds
/// into the same folder at once are not supported, so any such leftover is stale.
fn remove_stale(dir: &Path, is_ours: impl Fn(&str) -> bool) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_ours(&name) {
            let path = entry.path();
            let removed = if path.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            match removed {
                Ok(()) => config::warn(&format!(
                    "removed {}, left by an interrupted build",
                    path.display()
                )),
                Err(e) => config::warn(&format!("could not remove {}: {e}", path.display())),
            }
        }
    }
}

fn progress_bar(quiet: bool, total_bytes: u64) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total_bytes), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{bar:30} {decimal_bytes}/{decimal_total_bytes} {msg} {decimal_bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn first_names(images: &[ImageId], n: usize) -> String {
    let mut names: Vec<String> = images.iter().take(n).map(|i| i.to_string()).collect();
    if images.len() > n {
        names.push("…".into());
    }
    names.join(", ")
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::Tfds => "tfds",
        Format::Parquet => "parquet",
        Format::Webdataset => "webdataset",
    }
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
