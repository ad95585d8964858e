//! Writes the dataset in one pass over the tar, images in any order.
//!
//! The tar's headers give every image's size before any image is read, and the serialized
//! length of an Example follows from its labels and image size alone. So [`DatasetWriter::create`]
//! plans the whole layout up front — order, shard count, boundaries, every record's offset —
//! and preallocates the shard files; [`DatasetWriter::write_image`] then writes each record
//! straight to its final place, whatever order the tar holds the images in. Memory does not
//! grow with the images' size.
//!
//! Everything is written under `imagenet2012_multilabel/incomplete.PID-N_3.0.0/` (a name
//! TFDS readers skip) and published as `3.0.0/` by [`DatasetWriter::finish`] through
//! [`crate::publish`]: a rename, or over an old version one atomic swap, is the commit. A
//! writer dropped without finishing removes its folder; a crash leaves only `incomplete.*`,
//! which the next [`DatasetWriter::create`] cleans up (restoring an old version first if the
//! crash left one set aside).

use std::collections::HashSet;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::classes::{ImageId, NUM_VAL_IMAGES};
use crate::error::{Error, Result};
use crate::example::{Example, Split};
use crate::index::{Annotations, Record};
use crate::publish::{self, Slot, Staging};
use crate::tfds::example::{encode_around_image, encoded_len};
use crate::tfds::layout::SplitLayout;
use crate::tfds::metadata::{
    dataset_info_json, label_files, parse_provenance, provenance, FEATURES_JSON, PROVENANCE_FILE,
};
use crate::tfds::record;
use crate::tfds::{DATASET_NAME, VERSION};

/// What to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteOptions {
    /// The splits to write, in the order `dataset_info.json` lists them.
    pub splits: Vec<Split>,
    /// Annotated images the tar lacks, to build without (recorded in the metadata). Any
    /// other annotated image without a size is an error.
    pub missing: Vec<ImageId>,
    /// Replace an existing `3.0.0/` folder instead of failing.
    pub overwrite: bool,
}

impl Default for WriteOptions {
    fn default() -> WriteOptions {
        WriteOptions {
            splits: Split::ALL.to_vec(),
            missing: Vec::new(),
            overwrite: false,
        }
    }
}

/// One written split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitSummary {
    /// The split.
    pub split: Split,
    /// Examples per shard.
    pub shard_lengths: Vec<u64>,
    /// Σ serialized Example lengths.
    pub num_bytes: u64,
    /// The shard files, in order.
    pub shards: Vec<PathBuf>,
}

impl SplitSummary {
    /// Number of examples in the split.
    pub fn num_examples(&self) -> u64 {
        self.shard_lengths.iter().sum()
    }
}

/// What [`DatasetWriter::finish`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteSummary {
    /// The published version folder, `DATA_DIR/imagenet2012_multilabel/3.0.0`.
    pub dir: PathBuf,
    /// The splits, in the order written.
    pub splits: Vec<SplitSummary>,
    /// Bytes of all shard files together.
    pub shard_bytes: u64,
}

const NOT_PLANNED: u32 = u32::MAX;

/// A dataset being written; see the module documentation.
pub struct DatasetWriter {
    dataset_dir: PathBuf,
    temp_dir: PathBuf,
    layouts: Vec<SplitLayout>,
    /// `files[s][k]`: shard `k` of split `s`.
    files: Vec<Vec<File>>,
    /// `slots[s][n]`: position of image `n` in `layouts[s].examples`, or `NOT_PLANNED`.
    slots: Vec<Vec<u32>>,
    image_len: Vec<Option<u64>>,
    /// Per image number: given to [`DatasetWriter::write_image`] yet. Atomic so that
    /// several threads can write records at once (each record has its own place).
    written: Vec<AtomicBool>,
    remaining: AtomicUsize,
    annotations: Annotations,
    missing: Vec<ImageId>,
    overwrite: bool,
    /// The folder being written; taken by `finish` to publish it, and removed if the
    /// writer is dropped unfinished.
    staging: Option<Staging>,
    sync: bool,
}

/// The Example of `record` without its image bytes.
pub(crate) fn example_of(record: &Record) -> Example {
    Example::from_record(record, Vec::new())
}

impl DatasetWriter {
    /// Plans the splits from the annotations and `image_len[n]` (`Some(size)` for every image
    /// `n` in the tar; index 0 unused) and creates
    /// `DATA_DIR/imagenet2012_multilabel/incomplete.PID-N_3.0.0/` with every shard file
    /// preallocated. Fails if an annotated image has no size and is not in
    /// `options.missing`, if a split would be empty, or if `3.0.0/` exists (unless
    /// `options.overwrite`).
    pub fn create(
        data_dir: &Path,
        annotations: &Annotations,
        image_len: &[Option<u64>],
        options: &WriteOptions,
    ) -> Result<DatasetWriter> {
        let len_of = |image: ImageId| image_len.get(image.0 as usize).copied().flatten();
        let mut splits = options.splits.clone();
        splits.dedup();
        if splits.is_empty() || splits.len() != options.splits.len() {
            return Err(Error::Mismatch(format!(
                "the splits to write must be distinct and at least one, got {:?}",
                options.splits
            )));
        }
        let missing: HashSet<ImageId> = options.missing.iter().copied().collect();
        let absent: Vec<ImageId> = annotations
            .records()
            .iter()
            .map(|r| r.image)
            .filter(|&i| len_of(i).is_none() && !missing.contains(&i))
            .collect();
        if let Some(first) = absent.first() {
            return Err(Error::Mismatch(format!(
                "{first} is annotated but the tar has no such image ({} annotated image(s) \
                 missing in all); build without them only if that is intended",
                absent.len()
            )));
        }

        let mut layouts = Vec::new();
        let mut slots = Vec::new();
        for &split in &splits {
            let images: Vec<ImageId> = match split {
                Split::Validation => annotations.records().iter().map(|r| r.image).collect(),
                Split::ImagenetM => annotations.imagenet_m().to_vec(),
            };
            let items: Vec<(ImageId, u64)> = images
                .into_iter()
                .filter_map(|image| {
                    let record = annotations.get(image)?;
                    let len = len_of(image)?;
                    Some((image, encoded_len(&example_of(record), len)))
                })
                .collect();
            if items.is_empty() {
                return Err(Error::Mismatch(format!(
                    "split {} would be empty: none of its images is in the tar",
                    split.name()
                )));
            }
            let layout = SplitLayout::plan(split, &items);
            let mut slot = vec![NOT_PLANNED; NUM_VAL_IMAGES as usize + 1];
            for (i, p) in layout.examples.iter().enumerate() {
                slot[p.image.0 as usize] = i as u32;
            }
            layouts.push(layout);
            slots.push(slot);
        }

        let dataset_dir = data_dir.join(DATASET_NAME);
        let final_dir = dataset_dir.join(VERSION);
        if final_dir.exists() && !options.overwrite {
            return Err(Error::Mismatch(format!(
                "{} already exists; remove it or ask to overwrite it",
                final_dir.display()
            )));
        }
        let slot = version_slot(data_dir);
        // Leftovers of an interrupted build: an old version set aside comes back first, so
        // cleaning up never removes the last complete build.
        publish::recover(&slot)?;
        let staging = Staging::create(&slot, &format!("_{VERSION}"))?;
        let temp_dir = staging.path().to_path_buf();

        let mut writer = DatasetWriter {
            dataset_dir,
            temp_dir,
            staging: Some(staging),
            layouts: Vec::new(),
            files: Vec::new(),
            slots,
            image_len: image_len.to_vec(),
            written: (0..=NUM_VAL_IMAGES)
                .map(|_| AtomicBool::new(false))
                .collect(),
            remaining: AtomicUsize::new(0),
            annotations: annotations.clone(),
            // What the metadata records: the annotated images that really have no size
            // (`options.missing` may list more).
            missing: annotations
                .records()
                .iter()
                .map(|r| r.image)
                .filter(|&i| len_of(i).is_none())
                .collect(),
            overwrite: options.overwrite,
            sync: false,
        };
        // From here on a failure drops `writer`, which removes the folder.
        for layout in &layouts {
            let mut files = Vec::new();
            for (k, &size) in layout.shard_sizes.iter().enumerate() {
                let path = writer.temp_dir.join(layout.shard_file_name(k));
                let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
                file.set_len(size).map_err(|e| Error::io(&path, e))?;
                files.push(file);
            }
            writer.files.push(files);
        }
        let wanted: HashSet<ImageId> = layouts
            .iter()
            .flat_map(|l| l.examples.iter().map(|p| p.image))
            .collect();
        writer.remaining = AtomicUsize::new(wanted.len());
        writer.layouts = layouts;
        Ok(writer)
    }

    /// Whether [`DatasetWriter::finish`] syncs the shards and the folder to disk before and
    /// after publishing them (off by default, as in TFDS; see `finish` for why).
    pub fn set_sync(&mut self, sync: bool) {
        self.sync = sync;
    }

    /// The folder being written (`incomplete.PID-N_3.0.0`).
    pub fn temp_dir(&self) -> &Path {
        &self.temp_dir
    }

    /// The planned layout of each split (order, shards, offsets), e.g. to report it before
    /// any image is read.
    pub fn layouts(&self) -> &[SplitLayout] {
        &self.layouts
    }

    /// Bytes of all shard files together, as planned.
    pub fn planned_bytes(&self) -> u64 {
        self.layouts.iter().flat_map(|l| &l.shard_sizes).sum()
    }

    /// Whether `image` belongs to a split being written (and so must be given once).
    pub fn wants(&self, image: ImageId) -> bool {
        self.slots
            .iter()
            .any(|s| s.get(image.0 as usize).is_some_and(|&i| i != NOT_PLANNED))
    }

    /// Number of wanted images not written yet.
    pub fn remaining(&self) -> usize {
        self.remaining.load(Ordering::Relaxed)
    }

    /// Writes `image`'s record into every split that holds it. Images may come in any
    /// order, each exactly once, with the size announced to [`DatasetWriter::create`], and
    /// from several threads at once (every record has its own place in its shard).
    pub fn write_image(&self, image: ImageId, jpeg: &[u8]) -> Result<()> {
        if !self.wants(image) {
            return Err(Error::Mismatch(format!(
                "{image} is not in any split being written"
            )));
        }
        let n = image.0 as usize;
        let announced = self.image_len.get(n).copied().flatten();
        if announced != Some(jpeg.len() as u64) {
            return Err(Error::Mismatch(format!(
                "{image}: {} bytes given, but its size was announced as {}",
                jpeg.len(),
                announced.map_or("nothing".to_string(), |l| l.to_string())
            )));
        }
        let record = self
            .annotations
            .get(image)
            .ok_or_else(|| Error::Mismatch(format!("{image} is not annotated")))?;
        // Claimed only once the input is known good, and atomically: of two threads given
        // the same image, one writes it and the other fails.
        if self.written[n].swap(true, Ordering::Relaxed) {
            return Err(Error::Mismatch(format!(
                "{image} was given twice (does the tar hold it twice?)"
            )));
        }
        // The record is written in three pieces so that the image goes from the caller's
        // slice (the mapped tar) straight into the shard's page cache: one copy, made by the
        // kernel. The CRC is computed over the same pieces.
        let (mut prefix, mut tail) = (Vec::new(), Vec::new());
        encode_around_image(
            &example_of(record),
            jpeg.len() as u64,
            &mut prefix,
            &mut tail,
        );
        let len = (prefix.len() + jpeg.len() + tail.len()) as u64;
        let crc = crc32c::crc32c_append(crc32c::crc32c(&prefix), jpeg);
        let crc = crc32c::crc32c_append(crc, &tail);
        tail.extend_from_slice(&record::mask(crc).to_le_bytes());
        let head = [&record::header(len)[..], &prefix].concat();
        for (s, layout) in self.layouts.iter().enumerate() {
            let i = self.slots[s][n];
            if i == NOT_PLANNED {
                continue;
            }
            let placed = layout.examples[i as usize];
            // The plan and the encoder must agree to the byte, or records would overlap.
            if placed.len != len {
                return Err(Error::Mismatch(format!(
                    "internal: {image} encodes to {len} bytes, {} were planned",
                    placed.len
                )));
            }
            let file = &self.files[s][placed.shard as usize];
            let at = placed.offset;
            let image_at = at + head.len() as u64;
            write_at(file, at, &head)
                .and_then(|()| write_at(file, image_at, jpeg))
                .and_then(|()| write_at(file, image_at + jpeg.len() as u64, &tail))
                .map_err(|e| {
                    let path = self
                        .temp_dir
                        .join(layout.shard_file_name(placed.shard as usize));
                    Error::io(&path, e)
                })?;
        }
        self.remaining.fetch_sub(1, Ordering::Relaxed);
        Ok(())
    }

    /// Checks every wanted image was written, writes the metadata and publishes the folder
    /// as `3.0.0/` (replacing an existing one only if asked to).
    pub fn finish(mut self) -> Result<WriteSummary> {
        let remaining = self.remaining();
        if remaining > 0 {
            let first = self
                .layouts
                .iter()
                .flat_map(|l| l.examples.iter())
                .find(|p| !self.written[p.image.0 as usize].load(Ordering::Relaxed))
                .map(|p| p.image.to_string())
                .unwrap_or_default();
            return Err(Error::Mismatch(format!(
                "{remaining} image(s) of the plan were never written (first: {first})"
            )));
        }
        // No fsync by default, as TFDS itself never syncs. The publish is still atomic
        // against a crash of this process (a panic, kill -9, an error): the rename below
        // comes after every byte was handed to the kernel, and until then only
        // `incomplete.*` exists. What a sync adds is durability against power loss or a
        // kernel crash in the seconds after the build, when the rename may reach the disk
        // before the data; the shards' CRCs then expose the damage to any reader. Syncing
        // 2 GB made the build wait ~0.9 s for writeback, a third of its time: it is
        // opt-in ([`DatasetWriter::set_sync`]).
        if self.sync {
            for (s, files) in self.files.iter().enumerate() {
                for (k, f) in files.iter().enumerate() {
                    f.sync_all().map_err(|e| {
                        Error::io(self.temp_dir.join(self.layouts[s].shard_file_name(k)), e)
                    })?;
                }
            }
        }
        let put = |name: &str, text: &str| -> Result<()> {
            let path = self.temp_dir.join(name);
            fs::write(&path, text).map_err(|e| Error::io(&path, e))
        };
        let info = dataset_info_json(
            &self.layouts,
            self.annotations.source().size,
            self.missing.len(),
        );
        put("dataset_info.json", &info)?;
        put("features.json", FEATURES_JSON)?;
        // Annotations made in memory (not read from a file) have no identity to record.
        let provenance = provenance(self.annotations.source());
        if parse_provenance(&provenance).is_some() {
            let text = serde_json::to_string_pretty(&provenance)
                .map_err(|e| Error::Mismatch(format!("internal: provenance: {e}")))?;
            put(PROVENANCE_FILE, &text)?;
        }
        for (name, text) in label_files() {
            put(&name, text)?;
        }
        if !self.missing.is_empty() {
            // Records are in image order, so the list is sorted.
            let text: String = self.missing.iter().map(|i| format!("{i}\n")).collect();
            put("missing_images.txt", &text)?;
        }

        let final_dir = self.dataset_dir.join(VERSION);
        let staging = self
            .staging
            .take()
            .ok_or_else(|| Error::Mismatch("internal: the dataset was already published".into()))?;
        // One atomic swap: `3.0.0/` holds the old complete version or the new one, never
        // a mix (see `publish`).
        // The shard handles are closed first: some systems cannot rename a folder with
        // open files in it.
        self.files.clear();
        staging.publish(self.overwrite)?;
        // Make the rename itself durable (best effort: not every platform can sync a folder).
        if self.sync {
            if let Ok(d) = File::open(&self.dataset_dir) {
                let _ = d.sync_all();
            }
        }
        let splits = self
            .layouts
            .iter()
            .map(|l| SplitSummary {
                split: l.split,
                shard_lengths: l.shard_lengths.clone(),
                num_bytes: l.num_bytes,
                shards: (0..l.shard_lengths.len())
                    .map(|k| final_dir.join(l.shard_file_name(k)))
                    .collect(),
            })
            .collect();
        Ok(WriteSummary {
            shard_bytes: self.layouts.iter().flat_map(|l| &l.shard_sizes).sum(),
            dir: final_dir,
            splits,
        })
    }
}

/// Where the version folder is published, with the temporary names TFDS readers skip:
/// `incomplete.PID-N_3.0.0` while written, `incomplete.old.PID-N` for an old version set
/// aside by a swap without `RENAME_EXCHANGE`.
pub fn version_slot(data_dir: &Path) -> Slot {
    Slot {
        target: data_dir.join(DATASET_NAME).join(VERSION),
        staging_prefix: "incomplete.".into(),
        aside_prefix: "incomplete.old.".into(),
    }
}

#[cfg(unix)]
fn write_at(file: &File, offset: u64, bytes: &[u8]) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, offset)
}

#[cfg(windows)]
fn write_at(file: &File, mut offset: u64, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        let n = std::os::windows::fs::FileExt::seek_write(file, bytes, offset)?;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        bytes = &bytes[n..];
        offset += n as u64;
    }
    Ok(())
}

#[cfg(not(any(unix, windows)))]
fn write_at(_file: &File, _offset: u64, _bytes: &[u8]) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "positioned writes are not available on this platform",
    ))
}
