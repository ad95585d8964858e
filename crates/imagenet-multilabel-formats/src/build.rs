//! The dataset from `ILSVRC2012_img_val.tar`, in TFDS, Parquet or WebDataset form, in one
//! sequential pass over the tar: what `imagenet-multilabel build` runs, for any front end.
//!
//! The tar's headers are read first (the TFDS layout needs every image's size up front), then
//! the wanted images go from a memory map of the tar straight into the writer (TFDS: on every
//! core at once, each record written to its planned place). Labels come from the annotations
//! index by image number, never from member order.
//!
//! Output appears under its final names only when complete, by the one mechanism of
//! [`imagenet_multilabel::publish`]:
//!
//! - TFDS: `OUT/imagenet2012_multilabel/3.0.0/` is written as `incomplete.*` and swapped in;
//!   other datasets and versions in the data_dir are never touched.
//! - Parquet and WebDataset: the split files go to `OUT/data/`, written as a hidden staging
//!   folder and swapped in whole, so every split appears at once. Beside it: the dataset card
//!   `OUT/README.md` (Parquet) and the manifest [`MANIFEST`], which lists what the build wrote.
//!   A later build replaces only what the manifest lists; any other file or folder in `OUT` is
//!   kept, and a build refuses (whatever `replace` says) to write over one it did not write.
//!
//! ```no_run
//! use std::path::Path;
//! use imagenet_multilabel::annotations::{self, LoadOptions};
//! use imagenet_multilabel_formats::build::{Build, BuildOptions, Format};
//!
//! # fn main() -> imagenet_multilabel::Result<()> {
//! let annotations = annotations::load(Path::new("human_accuracy_v3.0.0.json"), &LoadOptions::default())?;
//! let options = BuildOptions { format: Format::Parquet, ..BuildOptions::default() };
//! let summary = Build::new("ILSVRC2012_img_val.tar", "out", options).run(&annotations, &|_| {})?;
//! println!("{} images in {}", summary.images, summary.dir.display());
//! # Ok(())
//! # }
//! ```

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use imagenet_multilabel::archive::Archive;
use imagenet_multilabel::images::{self, ImageCheck};
use imagenet_multilabel::publish::{self, Slot, Staging};
use imagenet_multilabel::tfds::{self, DatasetWriter, WriteOptions};
use imagenet_multilabel::{Annotations, Error, Example, ImageId, Result, Split};
use rayon::prelude::*;
use serde_json::{json, Value};

use crate::{
    write_dataset_card, ParquetOptions, ParquetWriter, Summary, WebDatasetOptions, WebDatasetWriter,
};

/// The manifest of a Parquet or WebDataset build, in `OUT`: the entries of `OUT` the build
/// wrote (`written`), its splits and the provenance of its labels.
pub const MANIFEST: &str = "imagenet2012_multilabel.build.json";

/// The folder of `OUT` that holds a Parquet or WebDataset build's split files.
pub const DATA_DIR: &str = "data";

/// The dataset card of a Parquet build, in `OUT` (what `datasets.load_dataset(OUT)` reads).
pub const CARD: &str = "README.md";

/// Test hook: abort (like `kill -9`: no destructor runs) after this many images, to prove
/// that an interrupted build leaves nothing that looks finished.
pub const ABORT_AFTER_ENV: &str = "IMAGENET_MULTILABEL_TEST_ABORT_AFTER";

/// Images decoded together by `verify_images`: enough to keep every core busy, few enough
/// to keep memory small.
const VERIFY_BATCH: usize = 256;

/// The output forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// TensorFlow Datasets (TFRecord shards + dataset_info.json), what `tfds.load` reads.
    Tfds,
    /// Parquet files with Hugging Face `datasets` features.
    Parquet,
    /// WebDataset tar shards.
    WebDataset,
}

impl Format {
    /// `tfds`, `parquet`, `webdataset`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Tfds => "tfds",
            Format::Parquet => "parquet",
            Format::WebDataset => "webdataset",
        }
    }
}

/// How to build (fill it with `..BuildOptions::default()`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildOptions {
    /// The output form.
    pub format: Format,
    /// The splits (empty: all, in TFDS's order; any order and repeats are normalised).
    pub splits: Vec<Split>,
    /// Build even if annotated images are missing from the tar (they are left out, listed
    /// in `missing_images.txt` and counted in the metadata).
    pub allow_missing: bool,
    /// Decode every kept JPEG and report corrupt, grayscale and CMYK images.
    pub verify_images: bool,
    /// Replace a previous build of ours (never anything else).
    pub replace: bool,
    /// Parquet and WebDataset: start a new file before it passes this many bytes.
    pub shard_size: Option<u64>,
    /// TFDS: sync the shards to disk before publishing them.
    pub sync: bool,
}

impl Default for BuildOptions {
    fn default() -> BuildOptions {
        BuildOptions {
            format: Format::Tfds,
            splits: Vec::new(),
            allow_missing: false,
            verify_images: false,
            replace: false,
            shard_size: None,
            sync: false,
        }
    }
}

/// What a build reports while it runs (from any thread).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Progress {
    /// The pass is about to start: this many images, of this many bytes in all.
    Planned {
        /// Images to write.
        images: usize,
        /// Their bytes.
        bytes: u64,
    },
    /// One more image was written (`done` so far), of `bytes` bytes.
    Image {
        /// Images written so far.
        done: usize,
        /// This image's size.
        bytes: u64,
    },
    /// Something the user should know that does not stop the build.
    Warning(String),
}

/// One published split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitOutput {
    /// The split.
    pub split: Split,
    /// Its examples.
    pub examples: u64,
    /// Its files (TFDS shards, Parquet files, WebDataset shards), in order.
    pub files: Vec<PathBuf>,
}

/// What `verify_images` found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageChecks {
    /// Images that decode as three-component JPEGs.
    pub ok: usize,
    /// One-component JPEGs, sorted.
    pub grayscale: Vec<ImageId>,
    /// Four-component (CMYK/YCCK) JPEGs, sorted.
    pub cmyk: Vec<ImageId>,
    /// Images that do not decode, with the reason, sorted.
    pub corrupt: Vec<(ImageId, String)>,
}

impl ImageChecks {
    fn add(&mut self, image: ImageId, check: ImageCheck) {
        match check {
            ImageCheck::Ok => self.ok += 1,
            ImageCheck::Grayscale => self.grayscale.push(image),
            ImageCheck::Cmyk => self.cmyk.push(image),
            ImageCheck::Corrupt(reason) => self.corrupt.push((image, reason)),
        }
    }
}

/// What a finished build published.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BuildSummary {
    /// The format.
    pub format: Format,
    /// TFDS: the version folder; Parquet and WebDataset: `OUT`.
    pub dir: PathBuf,
    /// The splits, in TFDS's order.
    pub splits: Vec<SplitOutput>,
    /// Images written (each once, whatever the number of splits holding it).
    pub images: usize,
    /// Their bytes, as read from the tar.
    pub image_bytes: u64,
    /// The tar's size.
    pub tar_bytes: u64,
    /// Bytes of the files written.
    pub written_bytes: u64,
    /// Annotated images of the chosen splits that the tar lacks (left out), sorted.
    pub missing: Vec<ImageId>,
    /// What `verify_images` found (`None` without it).
    pub checks: Option<ImageChecks>,
    /// How long the build took.
    pub elapsed: Duration,
}

/// A build: where from, where to, how. See the module documentation.
#[derive(Clone, Debug)]
pub struct Build {
    tar: PathBuf,
    out: PathBuf,
    options: BuildOptions,
}

impl Build {
    /// A build of `tar` (`ILSVRC2012_img_val.tar`) into `out` (TFDS: a data_dir; Parquet,
    /// WebDataset: a folder, which may hold other files).
    pub fn new(tar: impl Into<PathBuf>, out: impl Into<PathBuf>, options: BuildOptions) -> Build {
        Build {
            tar: tar.into(),
            out: out.into(),
            options,
        }
    }

    /// Checks what can be checked before any reading: options that do not fit the format,
    /// an output that holds a build and `replace` is off, an output entry in the way that
    /// no build of ours wrote. Fails with a bad-input error naming the path.
    pub fn check(&self) -> Result<()> {
        let o = &self.options;
        if o.format == Format::Tfds && o.shard_size.is_some() {
            return Err(Error::Mismatch(
                "a shard size applies to Parquet and WebDataset; TFDS decides its shards by its own rule (about 64 MiB to 1 GiB each)".into(),
            ));
        }
        if o.shard_size == Some(0) {
            return Err(Error::Mismatch(
                "a shard size must be at least 1 byte".into(),
            ));
        }
        match o.format {
            Format::Tfds => {
                let target = tfds_version_dir(&self.out);
                if !o.replace && target.exists() {
                    return Err(Error::Mismatch(format!(
                        "{} already holds a built dataset; pass --force to replace it, or choose another --out",
                        target.display()
                    )));
                }
                Ok(())
            }
            Format::Parquet | Format::WebDataset => {
                let previous = read_manifest(&self.out)?;
                if previous.is_some() && !o.replace {
                    return Err(Error::Mismatch(format!(
                        "{} already holds a build ({}); pass --force to replace it, or choose another --out",
                        self.out.display(),
                        self.out.join(MANIFEST).display()
                    )));
                }
                let ours = previous.unwrap_or_default();
                for name in owned_entries(o.format) {
                    let path = self.out.join(name);
                    if fs::symlink_metadata(&path).is_ok() && !ours.contains(*name) {
                        return Err(Error::Mismatch(format!(
                            "{} exists and was not written by a build (it is not listed in {}); it is kept whatever the flags: move it away or choose another --out",
                            path.display(),
                            MANIFEST
                        )));
                    }
                }
                Ok(())
            }
        }
    }

    /// Reads the tar's headers (a missing tar is a bad-input error naming it).
    pub fn scan_tar(&self) -> Result<Archive> {
        match fs::metadata(&self.tar) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::Mismatch(format!(
                    "{}: no such file; give the path of ILSVRC2012_img_val.tar",
                    self.tar.display()
                )))
            }
            Ok(m) if m.is_dir() => {
                return Err(Error::Mismatch(format!(
                    "{} is a folder; give the path of ILSVRC2012_img_val.tar",
                    self.tar.display()
                )))
            }
            _ => {}
        }
        Archive::open(&self.tar)
    }

    /// Checks, reads the tar's headers and builds.
    pub fn run(
        &self,
        annotations: &Annotations,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<BuildSummary> {
        self.check()?;
        let archive = self.scan_tar()?;
        self.run_scanned(annotations, &archive, progress)
    }

    /// Builds from a tar whose headers [`Build::scan_tar`] read (so that a front end can read
    /// them while it loads the annotations).
    pub fn run_scanned(
        &self,
        annotations: &Annotations,
        archive: &Archive,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<BuildSummary> {
        let started = Instant::now();
        self.check()?;
        let splits = normalise(&self.options.splits);
        let (missing, needed_missing) = missing_images(annotations, archive, &splits);
        if !needed_missing.is_empty() {
            if !self.options.allow_missing {
                return Err(Error::Mismatch(format!(
                    "{}: {} annotated image(s) are not in the tar (first: {}); is it the complete \
                     ILSVRC2012_img_val.tar? Pass --allow-missing to build without them",
                    self.tar.display(),
                    needed_missing.len(),
                    first_names(&needed_missing, 5)
                )));
            }
            progress(Progress::Warning(format!(
                "building without {} annotated image(s) missing from the tar (first: {})",
                needed_missing.len(),
                first_names(&needed_missing, 5)
            )));
        }
        let mut wanted = vec![false; imagenet_multilabel::NUM_VAL_IMAGES as usize + 1];
        for &split in &splits {
            for image in split_images(annotations, split) {
                if archive.get(image).is_some() {
                    wanted[image.number() as usize] = true;
                }
            }
        }
        let image_bytes: u64 = archive
            .members()
            .iter()
            .filter(|m| wanted[m.image.number() as usize])
            .map(|m| m.size)
            .sum();
        let images = wanted.iter().filter(|&&w| w).count();
        progress(Progress::Planned {
            images,
            bytes: image_bytes,
        });
        let mut pass = Pass {
            verify: self.options.verify_images,
            batch: Vec::new(),
            checks: ImageChecks::default(),
            progress,
            images: AtomicUsize::new(0),
            abort_after: std::env::var(ABORT_AFTER_ENV)
                .ok()
                .and_then(|v| v.parse().ok()),
        };
        let context = Context {
            annotations,
            archive,
            splits: &splits,
            wanted: &wanted,
        };
        let (dir, outputs, written_bytes) = match self.options.format {
            Format::Tfds => self.build_tfds(&context, &missing, &mut pass)?,
            Format::Parquet | Format::WebDataset => {
                self.build_files(&context, &needed_missing, &mut pass)?
            }
        };
        let checks = if self.options.verify_images {
            let mut c = pass.checks;
            c.grayscale.sort_unstable();
            c.cmyk.sort_unstable();
            c.corrupt.sort_unstable();
            Some(c)
        } else {
            None
        };
        Ok(BuildSummary {
            format: self.options.format,
            dir,
            splits: outputs,
            images,
            image_bytes,
            tar_bytes: archive.len(),
            written_bytes,
            missing: needed_missing,
            checks,
            elapsed: started.elapsed(),
        })
    }

    fn build_tfds(
        &self,
        cx: &Context,
        missing: &[ImageId],
        pass: &mut Pass,
    ) -> Result<(PathBuf, Vec<SplitOutput>, u64)> {
        for path in publish::recover(&tfds::version_slot(&self.out))? {
            progress_note(pass.progress, &path);
        }
        let options = WriteOptions {
            splits: cx.splits.to_vec(),
            missing: missing.to_vec(),
            overwrite: self.options.replace,
        };
        let mut writer = DatasetWriter::create(
            &self.out,
            cx.annotations,
            &cx.archive.image_sizes(),
            &options,
        )?;
        writer.set_sync(self.options.sync);
        let wanted = cx.wanted;
        if pass.verify {
            cx.archive.map_images(
                |image| wanted[image.number() as usize],
                |member, bytes| {
                    pass.take(member.image, bytes, &mut |image, bytes| {
                        writer.write_image(image, bytes)
                    })
                },
            )?;
        } else {
            // Every core maps its own part of the tar and writes its records: the work is the
            // kernel copying pages and the CRC, both of which scale with the threads.
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
            let shared = &*pass;
            cx.archive.par_map_images(
                |image| wanted[image.number() as usize],
                threads,
                |member, bytes| -> Result<()> {
                    writer.write_image(member.image, bytes)?;
                    shared.count(bytes.len());
                    Ok(())
                },
            )?;
        }
        pass.flush(&mut |image, bytes| writer.write_image(image, bytes))?;
        let summary = writer.finish()?;
        let outputs = summary
            .splits
            .iter()
            .map(|s| SplitOutput {
                split: s.split,
                examples: s.num_examples(),
                files: s.shards.clone(),
            })
            .collect();
        Ok((summary.dir, outputs, summary.shard_bytes))
    }

    fn build_files(
        &self,
        cx: &Context,
        missing: &[ImageId],
        pass: &mut Pass,
    ) -> Result<(PathBuf, Vec<SplitOutput>, u64)> {
        let out = &self.out;
        let format = self.options.format;
        fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
        let previous = read_manifest(out)?.unwrap_or_default();
        let slot = Slot::hidden(out.join(DATA_DIR));
        for path in publish::recover(&slot)? {
            progress_note(pass.progress, &path);
        }
        let staging = Staging::create(&slot, "")?;
        let temp = staging.path();

        let mut writers: Vec<(Split, FileWriter)> = Vec::new();
        for &split in cx.splits {
            let writer = match format {
                Format::Parquet => {
                    let mut options = ParquetOptions::default();
                    if let Some(size) = self.options.shard_size {
                        options.max_bytes_per_file = Some(size);
                    }
                    FileWriter::Parquet(Box::new(ParquetWriter::create(temp, split, &options)?))
                }
                _ => {
                    let mut options = WebDatasetOptions::default();
                    if let Some(size) = self.options.shard_size {
                        options.max_bytes_per_shard = size;
                    }
                    FileWriter::WebDataset(Box::new(WebDatasetWriter::create(
                        temp, split, &options,
                    )?))
                }
            };
            writers.push((split, writer));
        }
        let annotations = cx.annotations;
        let mut write = |image: ImageId, bytes: &[u8]| -> Result<()> {
            let Some(record) = annotations.get(image) else {
                return Ok(());
            };
            let example = Example::from_record(record, bytes.to_vec());
            for (split, writer) in &mut writers {
                if *split == Split::Validation || record.imagenet_m() {
                    writer.write(&example)?;
                }
            }
            Ok(())
        };
        let wanted = cx.wanted;
        cx.archive.map_images(
            |image| wanted[image.number() as usize],
            |member, bytes| pass.take(member.image, bytes, &mut write),
        )?;
        pass.flush(&mut write)?;
        let mut outputs = Vec::new();
        let mut bytes = 0;
        for (split, writer) in writers {
            let summary = writer.finish()?;
            bytes += summary.bytes;
            let final_dir = out.join(DATA_DIR);
            outputs.push(SplitOutput {
                split,
                examples: summary.examples as u64,
                // Named as they will be once the folder is published.
                files: summary
                    .files
                    .iter()
                    .filter_map(|f| f.file_name().map(|n| final_dir.join(n)))
                    .collect(),
            });
        }
        if !missing.is_empty() {
            let text: String = missing.iter().map(|i| format!("{i}\n")).collect();
            let path = temp.join("missing_images.txt");
            fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
        }

        // Publish: the data folder in one swap, then the card and the manifest (each one
        // atomic rename). Whatever the moment of a crash, `data/` holds a complete build.
        staging.publish(self.options.replace)?;
        if format == Format::Parquet {
            publish::step();
            let card = write_dataset_card(out, cx.splits)?;
            bytes += fs::metadata(&card).map_or(0, |m| m.len());
        }
        publish::step();
        let written: Vec<&str> = owned_entries(format).to_vec();
        let manifest = json!({
            "dataset": tfds::DATASET_NAME,
            "version": tfds::VERSION,
            "format": format.name(),
            "written": written,
            "splits": outputs.iter().map(|s| json!({
                "name": s.split.name(),
                "examples": s.examples,
                "files": s.files.iter().filter_map(|f| f.file_name()).map(|n| format!("{DATA_DIR}/{}", n.to_string_lossy())).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "missing_images": missing.len(),
            "provenance": tfds::metadata::provenance(annotations.source()),
        });
        let text = serde_json::to_string_pretty(&manifest)
            .map_err(|e| Error::Mismatch(format!("internal: manifest: {e}")))?;
        imagenet_multilabel::atomic::write(out.join(MANIFEST), text.as_bytes())?;
        // What the previous build wrote and this one did not (a card, after a switch from
        // Parquet to WebDataset): ours, and now stale.
        for name in previous.iter().filter(|n| !written.contains(&n.as_str())) {
            if is_safe_entry(name) {
                publish::step();
                let path = out.join(name);
                let _ = fs::remove_file(&path);
            }
        }
        publish::step();
        Ok((out.clone(), outputs, bytes))
    }
}

/// What the passes share.
struct Context<'a> {
    annotations: &'a Annotations,
    archive: &'a Archive,
    splits: &'a [Split],
    wanted: &'a [bool],
}

/// The entries of `OUT` a Parquet or WebDataset build writes.
fn owned_entries(format: Format) -> &'static [&'static str] {
    match format {
        Format::Parquet => &[DATA_DIR, CARD, MANIFEST],
        _ => &[DATA_DIR, MANIFEST],
    }
}

/// A manifest entry this code may remove: one of the names it writes (a manifest edited by
/// hand cannot make a build delete anything else).
fn is_safe_entry(name: &str) -> bool {
    name == CARD
}

/// The entries listed in `OUT`'s manifest, if there is one.
fn read_manifest(out: &Path) -> Result<Option<BTreeSet<String>>> {
    let path = out.join(MANIFEST);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        Error::invalid(
            &path,
            "the file",
            format!("not JSON ({e}); remove it to build here"),
        )
    })?;
    let written = value
        .get("written")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            Error::invalid(
                &path,
                "written",
                "expected a list of the entries the build wrote",
            )
        })?;
    Ok(Some(
        written
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
    ))
}

/// The provenance of a Parquet or WebDataset build's labels, from its manifest: the
/// annotations' size and sha256 (`None` if `out` has no manifest).
pub fn read_build_provenance(out: &Path) -> Result<Option<(u64, String)>> {
    let path = out.join(MANIFEST);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| Error::invalid(&path, "the file", format!("not JSON: {e}")))?;
    Ok(value
        .get("provenance")
        .and_then(tfds::metadata::parse_provenance))
}

fn progress_note(progress: &(dyn Fn(Progress) + Sync), path: &Path) {
    progress(Progress::Warning(format!(
        "cleaned up {}, left by an interrupted build",
        path.display()
    )));
}

/// TFDS: where the version folder goes.
fn tfds_version_dir(out: &Path) -> PathBuf {
    out.join(tfds::DATASET_NAME).join(tfds::VERSION)
}

/// One split's Parquet or WebDataset writer (boxed: the Parquet one is ~2 KB).
enum FileWriter {
    Parquet(Box<ParquetWriter>),
    WebDataset(Box<WebDatasetWriter>),
}

impl FileWriter {
    fn write(&mut self, example: &Example) -> Result<()> {
        match self {
            FileWriter::Parquet(w) => w.write(example),
            FileWriter::WebDataset(w) => w.write(example),
        }
    }

    fn finish(self) -> Result<Summary> {
        match self {
            FileWriter::Parquet(w) => w.finish(),
            FileWriter::WebDataset(w) => w.finish(),
        }
    }
}

/// The data pass's per-image work: verification batches, progress, the test abort.
struct Pass<'a> {
    verify: bool,
    batch: Vec<(ImageId, Vec<u8>)>,
    checks: ImageChecks,
    progress: &'a (dyn Fn(Progress) + Sync),
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
            write(image, bytes)?;
            self.count(bytes.len());
            Ok(())
        }
    }

    /// Verifies the queued images in parallel and writes them, in order.
    fn flush(&mut self, write: &mut Sink) -> Result<()> {
        let batch = std::mem::take(&mut self.batch);
        let results: Vec<ImageCheck> = batch.par_iter().map(|(_, b)| images::check(b)).collect();
        for ((image, bytes), check) in batch.iter().zip(results) {
            self.checks.add(*image, check);
            write(*image, bytes)?;
            self.count(bytes.len());
        }
        Ok(())
    }

    /// Counts one written image of `len` bytes (from any thread).
    fn count(&self, len: usize) {
        let done = self.images.fetch_add(1, Ordering::Relaxed) + 1;
        (self.progress)(Progress::Image {
            done,
            bytes: len as u64,
        });
        if self.abort_after == Some(done) {
            std::process::abort();
        }
    }
}

/// The chosen splits in TFDS's order, each once; none given means all.
fn normalise(given: &[Split]) -> Vec<Split> {
    if given.is_empty() {
        return Split::ALL.to_vec();
    }
    Split::ALL
        .into_iter()
        .filter(|s| given.contains(s))
        .collect()
}

fn split_images(annotations: &Annotations, split: Split) -> Vec<ImageId> {
    match split {
        Split::Validation => annotations.records().iter().map(|r| r.image()).collect(),
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
        .map(|r| r.image())
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

/// `ILSVRC2012_val_00000001.JPEG, …` (the first `n`).
pub fn first_names(images: &[ImageId], n: usize) -> String {
    let mut names: Vec<String> = images.iter().take(n).map(|i| i.to_string()).collect();
    if images.len() > n {
        names.push("…".into());
    }
    names.join(", ")
}
