//! Reads a dataset in the TFDS format — ours or one TFDS wrote — the way `tfds.load` does:
//! `dataset_info.json` says which shard files make a split and how many examples each holds;
//! the records are read in stored order with both CRCs checked.

use std::collections::VecDeque;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::classes::ImageId;
use crate::error::{Error, Result};
use crate::example::{Example, Split};
use crate::images::{Decode, RgbImage};
use crate::index::{Annotations, Record, Source, Version};
use crate::tfds::example::decode;
use crate::tfds::record::RecordReader;
use crate::tfds::{DATASET_NAME, VERSION};

/// One split as `dataset_info.json` describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitInfo {
    /// The split.
    pub split: Split,
    /// Examples per shard.
    pub shard_lengths: Vec<u64>,
    /// Σ serialized Example lengths, as recorded.
    pub num_bytes: u64,
    /// The shard files, in order.
    pub shards: Vec<PathBuf>,
}

impl SplitInfo {
    /// The split's TFDS name.
    pub fn name(&self) -> &'static str {
        self.split.name()
    }

    /// Number of examples.
    pub fn num_examples(&self) -> u64 {
        self.shard_lengths.iter().sum()
    }
}

/// A built dataset, opened for reading.
#[derive(Clone, Debug)]
pub struct Dataset {
    dir: PathBuf,
    splits: Vec<SplitInfo>,
}

impl Dataset {
    /// Opens the version folder (the one holding `dataset_info.json`) or a data dir holding
    /// `imagenet2012_multilabel/3.0.0/`. `incomplete.*` folders are never read.
    pub fn open(path: &Path) -> Result<Dataset> {
        let candidates = [
            path.to_path_buf(),
            path.join(DATASET_NAME).join(VERSION),
            path.join(VERSION),
        ];
        let dir = candidates
            .iter()
            .find(|d| d.join("dataset_info.json").is_file())
            .cloned()
            .ok_or_else(|| {
                Error::Mismatch(format!(
                    "no dataset at {}: expected dataset_info.json there or in {}/{}/",
                    path.display(),
                    DATASET_NAME,
                    VERSION
                ))
            })?;
        let info_path = dir.join("dataset_info.json");
        let text = std::fs::read_to_string(&info_path).map_err(|e| Error::io(&info_path, e))?;
        let splits = parse_info(&info_path, &text, &dir)?;
        for s in &splits {
            for shard in &s.shards {
                if !shard.is_file() {
                    return Err(Error::io(
                        shard,
                        std::io::Error::new(
                            std::io::ErrorKind::NotFound,
                            format!(
                                "shard of split {} listed by dataset_info.json is missing",
                                s.name()
                            ),
                        ),
                    ));
                }
            }
        }
        Ok(Dataset { dir, splits })
    }

    /// The version folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The splits, as `dataset_info.json` lists them.
    pub fn splits(&self) -> &[SplitInfo] {
        &self.splits
    }

    /// One split, if the dataset has it.
    pub fn split(&self, split: Split) -> Option<&SplitInfo> {
        self.splits.iter().find(|s| s.split == split)
    }

    /// The examples of `split` in stored order (shard 0 first). Each shard's record count is
    /// checked against `dataset_info.json`. Iteration ends after the first error.
    pub fn iter(&self, split: Split) -> Examples {
        match self.split(split) {
            Some(info) => Examples {
                shards: info
                    .shards
                    .iter()
                    .cloned()
                    .zip(info.shard_lengths.iter().copied())
                    .collect(),
                next_shard: 0,
                current: None,
                buf: Vec::new(),
                error: None,
            },
            None => Examples {
                shards: Vec::new(),
                next_shard: 0,
                current: None,
                buf: Vec::new(),
                error: Some(Error::Mismatch(format!(
                    "{} has no split {}",
                    self.dir.join("dataset_info.json").display(),
                    split.name()
                ))),
            },
        }
    }
}

impl Dataset {
    /// The examples of `split` in stored order, each passed through `f` on the rayon pool,
    /// `batch` examples at a time (memory stays bounded by one batch); results come in stored
    /// order. The hook for decoding images in parallel, e.g.
    /// `dataset.map_parallel(Split::Validation, 256, |ex| decode(&ex.image))`.
    pub fn map_parallel<T, F>(&self, split: Split, batch: usize, f: F) -> MapParallel<T, F>
    where
        T: Send,
        F: Fn(Example) -> T + Sync,
    {
        MapParallel {
            examples: self.iter(split),
            batch: batch.max(1),
            f,
            ready: VecDeque::new(),
        }
    }
}

impl Dataset {
    /// The examples of `split` in stored order with their images decoded to RGB
    /// (`H×W×3 u8`), exactly as `tfds.load` yields them ([`Decode::Tfds`]: TensorFlow's
    /// `decode_image`, bit for bit, grayscale and CMYK converted as TensorFlow converts them).
    /// Decoding runs in parallel, `batch` examples at a time. An image that does not decode
    /// is an error naming the dataset and the example.
    pub fn decoded(
        &self,
        split: Split,
        batch: usize,
    ) -> impl Iterator<Item = Result<(Example, RgbImage)>> + '_ {
        self.decoded_with(split, batch, Decode::Tfds)
    }

    /// [`Dataset::decoded`] with the pixels of the decoder `how` names: [`Decode::Pillow`]
    /// gives exactly what `PIL.Image.open(f).convert("RGB")` (torchvision's loader) gives.
    pub fn decoded_with(
        &self,
        split: Split,
        batch: usize,
        how: Decode,
    ) -> impl Iterator<Item = Result<(Example, RgbImage)>> + '_ {
        let dir = self.dir.clone();
        self.map_parallel(
            split,
            batch,
            move |example| match crate::images::decode_rgb_with(&example.image, how) {
                Ok(rgb) => Ok((example, rgb)),
                Err(e) => Err(Error::invalid(&dir, &example.file_name, e.to_string())),
            },
        )
        .map(|r| r.and_then(|inner| inner))
    }
}

/// Iterator of [`Dataset::map_parallel`].
pub struct MapParallel<T, F> {
    examples: Examples,
    batch: usize,
    f: F,
    ready: VecDeque<Result<T>>,
}

impl<T: Send, F: Fn(Example) -> T + Sync> Iterator for MapParallel<T, F> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        if self.ready.is_empty() {
            let mut chunk = Vec::with_capacity(self.batch);
            let mut error = None;
            for ex in self.examples.by_ref() {
                match ex {
                    Ok(ex) => chunk.push(ex),
                    Err(e) => {
                        error = Some(e);
                        break;
                    }
                }
                if chunk.len() == self.batch {
                    break;
                }
            }
            let f = &self.f;
            let mapped: Vec<T> = chunk.into_par_iter().map(f).collect();
            self.ready.extend(mapped.into_iter().map(Ok));
            self.ready.extend(error.map(Err));
        }
        self.ready.pop_front()
    }
}

/// Iterator over the examples of one split; see [`Dataset::iter`].
pub struct Examples {
    shards: Vec<(PathBuf, u64)>,
    next_shard: usize,
    /// The open shard, its expected record count and the records read so far.
    current: Option<(RecordReader<BufReader<File>>, u64, u64)>,
    buf: Vec<u8>,
    error: Option<Error>,
}

impl Examples {
    fn step(&mut self) -> Result<Option<Example>> {
        loop {
            let (reader, expected, seen) = match &mut self.current {
                Some(c) => c,
                None => {
                    let Some((path, expected)) = self.shards.get(self.next_shard).cloned() else {
                        return Ok(None);
                    };
                    self.next_shard += 1;
                    let file = File::open(&path).map_err(|e| Error::io(&path, e))?;
                    let reader = RecordReader::new(BufReader::with_capacity(1 << 20, file), &path);
                    self.current.insert((reader, expected, 0))
                }
            };
            match reader.next_into(&mut self.buf)? {
                Some(at) => {
                    *seen += 1;
                    if *seen > *expected {
                        return Err(Error::invalid(
                            reader.path(),
                            format!("record at byte {at}"),
                            format!("dataset_info.json says this shard holds {expected} examples, it holds more"),
                        ));
                    }
                    return decode(&self.buf).map(Some).map_err(|m| {
                        Error::invalid(reader.path(), format!("record at byte {at}"), m)
                    });
                }
                None => {
                    if seen != expected {
                        return Err(Error::invalid(
                            reader.path(),
                            format!("end of file at byte {}", reader.offset()),
                            format!("the shard holds {seen} examples, dataset_info.json says {expected}"),
                        ));
                    }
                    self.current = None;
                }
            }
        }
    }
}

impl Iterator for Examples {
    type Item = Result<Example>;

    fn next(&mut self) -> Option<Result<Example>> {
        if let Some(e) = self.error.take() {
            self.shards.clear();
            self.current = None;
            return Some(Err(e));
        }
        match self.step() {
            Ok(Some(ex)) => Some(Ok(ex)),
            Ok(None) => None,
            Err(e) => {
                // Stop after an error: a corrupt shard's later offsets are meaningless.
                self.shards.clear();
                self.current = None;
                Some(Err(e))
            }
        }
    }
}

/// The index of a built dataset: its validation split's labels, and its `imagenet_m` split
/// (in stored order) as the ImageNet-M list. Fails if a stored original label disagrees
/// with the one the image number gives (a dataset built from a tar with an image missing
/// by a tool that zips labels with member order).
pub fn read_annotations(path: &Path) -> Result<Annotations> {
    let dataset = Dataset::open(path)?;
    let mut records = Vec::new();
    for ex in dataset.iter(Split::Validation) {
        records.push(record_of(&dataset, Split::Validation, ex?)?);
    }
    let mut imagenet_m = Vec::new();
    if dataset.split(Split::ImagenetM).is_some() {
        for ex in dataset.iter(Split::ImagenetM) {
            imagenet_m.push(record_of(&dataset, Split::ImagenetM, ex?)?.image);
        }
    }
    let source = match read_provenance(&dataset.dir)? {
        // The labels keep the identity of the annotations they were built from.
        Some((size, sha256)) => Source {
            path: dataset.dir.clone(),
            size,
            version: Version::from_sha256(&sha256),
            sha256,
        },
        // A dataset built by TFDS itself (or by an older version of this tool): the only
        // identity at hand is its metadata's.
        None => {
            let info_path = dataset.dir.join("dataset_info.json");
            let info = std::fs::read(&info_path).map_err(|e| Error::io(&info_path, e))?;
            Source {
                path: dataset.dir.clone(),
                size: info.len() as u64,
                sha256: crate::index::hex(&Sha256::digest(&info)),
                version: Version::Unrecognised,
            }
        }
    };
    Annotations::new(records, imagenet_m, source)
}

/// The size and sha256 of the annotations a dataset was built from, from the version
/// folder's [`PROVENANCE_FILE`](crate::tfds::metadata::PROVENANCE_FILE); `None` when the
/// folder has none (TFDS's own builds). A present but malformed file is an error.
pub fn read_provenance(version_dir: &Path) -> Result<Option<(u64, String)>> {
    let path = version_dir.join(crate::tfds::metadata::PROVENANCE_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::invalid(&path, "the file", format!("not JSON: {e}")))?;
    crate::tfds::metadata::parse_provenance(&value)
        .map(Some)
        .ok_or_else(|| {
            Error::invalid(
                &path,
                "annotations",
                "expected {\"size\": bytes, \"sha256\": 64 hex digits}",
            )
        })
}

fn record_of(dataset: &Dataset, split: Split, ex: Example) -> Result<Record> {
    let at = || format!("split {}, example {}", split.name(), ex.file_name);
    let image = ImageId::from_file_name(&ex.file_name).ok_or_else(|| {
        Error::invalid(
            dataset.dir(),
            at(),
            "file_name is not ILSVRC2012_val_NNNNNNNN.JPEG",
        )
    })?;
    if image.original_label() != ex.original_label {
        return Err(Error::invalid(
            dataset.dir(),
            at(),
            format!(
                "original_label is {}, but image {} is labelled {} in ImageNet: the dataset's labels are shifted or wrong",
                ex.original_label,
                image.0,
                image.original_label()
            ),
        ));
    }
    Ok(Record {
        image,
        original: ex.original_label,
        correct: ex.correct_multi_labels,
        wrong: ex.wrong_multi_labels,
        unclear: ex.unclear_multi_labels,
        problematic: ex.is_problematic,
        imagenet_m: false,
    })
}

/// Parses the parts of `dataset_info.json` a reader needs.
fn parse_info(path: &Path, text: &str, dir: &Path) -> Result<Vec<SplitInfo>> {
    let v: Value =
        serde_json::from_str(text).map_err(|e| Error::json(path, text.as_bytes(), 0, &e))?;
    let bad = |at: &str, msg: String| Error::invalid(path, at.to_string(), msg);
    let name = v["name"].as_str().unwrap_or("");
    if name != DATASET_NAME {
        return Err(bad(
            "name",
            format!("is {name:?}, expected {DATASET_NAME:?}"),
        ));
    }
    let format = v["fileFormat"].as_str().unwrap_or("tfrecord");
    if format != "tfrecord" {
        return Err(bad(
            "fileFormat",
            format!("is {format:?}; only \"tfrecord\" datasets can be read"),
        ));
    }
    let splits = v["splits"]
        .as_array()
        .ok_or_else(|| bad("splits", "missing or not a list".into()))?;
    let mut out = Vec::new();
    for (i, s) in splits.iter().enumerate() {
        let at = |key: &str| format!("splits[{i}].{key}");
        let sname = s["name"].as_str().unwrap_or("");
        let split = Split::from_name(sname).ok_or_else(|| {
            bad(
                &at("name"),
                format!("{sname:?} is not a split of this dataset (validation, imagenet_m)"),
            )
        })?;
        let template = s["filepathTemplate"]
            .as_str()
            .unwrap_or("{DATASET}-{SPLIT}.{FILEFORMAT}-{SHARD_X_OF_Y}");
        if template != "{DATASET}-{SPLIT}.{FILEFORMAT}-{SHARD_X_OF_Y}" {
            return Err(bad(
                &at("filepathTemplate"),
                format!("{template:?} is not supported"),
            ));
        }
        let lengths = s["shardLengths"].as_array().ok_or_else(|| {
            bad(
                &at("shardLengths"),
                "missing: TFDS cannot read the split without it".into(),
            )
        })?;
        let shard_lengths = lengths
            .iter()
            .enumerate()
            .map(|(k, l)| {
                int64(l).ok_or_else(|| {
                    bad(
                        &at(&format!("shardLengths[{k}]")),
                        format!("{l} is not a count"),
                    )
                })
            })
            .collect::<Result<Vec<u64>>>()?;
        let num_bytes = match &s["numBytes"] {
            Value::Null => 0,
            b => int64(b).ok_or_else(|| bad(&at("numBytes"), format!("{b} is not a count")))?,
        };
        let k = shard_lengths.len();
        let shards = (0..k)
            .map(|j| dir.join(super::layout::shard_file_name(split.name(), j, k)))
            .collect();
        out.push(SplitInfo {
            split,
            shard_lengths,
            num_bytes,
            shards,
        });
    }
    Ok(out)
}

/// A proto3-JSON int64: a decimal string, or a plain number.
fn int64(v: &Value) -> Option<u64> {
    match v {
        Value::String(s) => s.parse().ok(),
        v => v.as_u64(),
    }
}
