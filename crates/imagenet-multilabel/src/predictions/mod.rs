//! A model's predictions on the validation images, whatever file they came from.
//!
//! Each input format lives in its own file and produces the same [`Predictions`]: for each
//! image number, the model's ranked class ids (top-1 first; up to [`MAX_K`] kept).
//!
//! - [`npy`]: NumPy `.npy` score matrices `[N, 1000]` or class ids `[N]` / `[N, k]`,
//!   memory-mapped and ranked in parallel.
//! - [`npz`]: NumPy `.npz` archives of such an array, optionally with `file_names`.
//! - [`delimited`]: CSV / TSV with a file-name column and ranked prediction columns.
//! - [`json`]: a JSON object `{file_name: class}` and JSON Lines records.
//!
//! [`load`] reads any of them; [`sniff`] tells them apart by content, not by extension.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::classes::{ClassId, ImageId, NUM_CLASSES, NUM_VAL_IMAGES};
use crate::error::{Error, Result};

pub mod delimited;
pub mod json;
pub mod npy;
pub mod npz;
#[cfg(test)]
mod tests;

/// How many ranked predictions per image are kept (enough for top-5 metrics).
pub const MAX_K: usize = 5;

/// A model's ranked predictions, indexed by image number.
#[derive(Clone, Debug)]
pub struct Predictions {
    path: PathBuf,
    k: usize,
    has_scores: bool,
    /// Row `image - 1` holds `k` ranked ids.
    ranked: Vec<ClassId>,
    present: Vec<bool>,
    count: usize,
}

impl Predictions {
    /// Empty predictions with `k` (1..=MAX_K) ranked ids per image, read from `path`.
    /// `has_scores` says whether they were ranked from full score vectors.
    pub fn new(path: impl AsRef<Path>, k: usize, has_scores: bool) -> Predictions {
        let k = k.clamp(1, MAX_K);
        Predictions {
            path: path.as_ref().to_path_buf(),
            k,
            has_scores,
            ranked: vec![ClassId(0); NUM_VAL_IMAGES as usize * k],
            present: vec![false; NUM_VAL_IMAGES as usize],
            count: 0,
        }
    }

    /// Sets the ranked ids of `image` (the first `k` of `ranked` are kept; `ranked` must not
    /// be empty). Returns false, changing nothing, if the image already has a prediction or
    /// `ranked` is shorter than `k`.
    pub fn insert(&mut self, image: ImageId, ranked: &[ClassId]) -> bool {
        let row = (image.0 - 1) as usize;
        if self.present[row] || ranked.len() < self.k {
            return false;
        }
        self.ranked[row * self.k..(row + 1) * self.k].copy_from_slice(&ranked[..self.k]);
        self.present[row] = true;
        self.count += 1;
        true
    }

    /// The file the predictions came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Ranked ids kept per image.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Whether the ranking came from full score vectors.
    pub fn has_scores(&self) -> bool {
        self.has_scores
    }

    /// The top-1 prediction for `image`, if there is one.
    pub fn top1(&self, image: ImageId) -> Option<ClassId> {
        self.ranked_for(image).map(|r| r[0])
    }

    /// The ranked predictions for `image` (length `k`), if there are any.
    pub fn ranked_for(&self, image: ImageId) -> Option<&[ClassId]> {
        let row = (image.0 as usize).checked_sub(1)?;
        if *self.present.get(row)? {
            Some(&self.ranked[row * self.k..(row + 1) * self.k])
        } else {
            None
        }
    }

    /// How many images have a prediction.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no image has a prediction.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Whether every one of the 50,000 validation images has a prediction.
    pub fn covers_all(&self) -> bool {
        self.count == NUM_VAL_IMAGES as usize
    }
}

/// The input formats [`load`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// NumPy `.npy`: scores `[N, 1000]` (float16/32/64) or class ids `[N]` / `[N, k]` (integers).
    Npy,
    /// NumPy `.npz` (`np.savez` or `np.savez_compressed`): one such array, optionally with
    /// `file_names`.
    Npz,
    /// Comma-separated values with a header row.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
    /// One JSON object `{file_name: class or [ranked classes]}` (or an array of records).
    Json,
    /// JSON Lines: one `{"file_name": …, "prediction": …}` record per line.
    JsonLines,
}

impl Format {
    /// Every format, in the order the help text lists them.
    pub const ALL: [Format; 6] = [
        Format::Npy,
        Format::Npz,
        Format::Csv,
        Format::Tsv,
        Format::Json,
        Format::JsonLines,
    ];

    /// The name `--format` accepts (and [`fmt::Display`] prints).
    pub fn name(self) -> &'static str {
        match self {
            Format::Npy => "npy",
            Format::Npz => "npz",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Json => "json",
            Format::JsonLines => "jsonl",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;

    /// Case-insensitive; `jsonlines` and `ndjson` are accepted for JSON Lines.
    fn from_str(s: &str) -> Result<Format, String> {
        let lower = s.trim().to_ascii_lowercase();
        match lower.as_str() {
            "jsonlines" | "ndjson" => return Ok(Format::JsonLines),
            _ => {}
        }
        Format::ALL
            .into_iter()
            .find(|f| f.name() == lower)
            .ok_or_else(|| {
                let names: Vec<_> = Format::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "unknown predictions format {s:?}: expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// How [`load`] reads a predictions file.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// The format; `None` sniffs it from the content.
    pub format: Option<Format>,
    /// The model has 1001 outputs with background at index 0 (as TF-slim models emit):
    /// score column 0 is dropped and integer class ids are shifted down by one.
    pub background_class: bool,
}

/// Reads a model's predictions from `path`, in any [`Format`].
///
/// Scores are ranked to the top [`MAX_K`] (ties go to the lower class id, as `argmax` does);
/// class ids are kept in the given rank order. Every problem (bad value, unknown or duplicate
/// file name, wrong shape, truncated file) is an [`Error::Invalid`] naming the file and the
/// row or key.
pub fn load(path: &Path, options: &LoadOptions) -> Result<Predictions> {
    let format = match options.format {
        Some(format) => format,
        None => sniff(path)?,
    };
    match format {
        Format::Npy => npy::load(path, options.background_class),
        Format::Npz => npz::load(path, options.background_class),
        Format::Csv => delimited::load(path, b',', options.background_class),
        Format::Tsv => delimited::load(path, b'\t', options.background_class),
        Format::Json => json::load_object(path, options.background_class),
        Format::JsonLines => json::load_lines(path, options.background_class),
    }
}

/// Tells the format of `path` from its content: the NumPy magic `\x93NUMPY` (npy), a zip
/// local header `PK\x03\x04` (npz), a first non-space `{` or `[` (JSON, or JSON Lines when
/// a second value follows on a later line or the first line is one record), else delimited
/// text (TSV when the header line holds a tab, CSV otherwise).
pub fn sniff(path: &Path) -> Result<Format> {
    use std::io::Read;
    // The binary formats are told by their first bytes: a 200 MB score matrix is not read
    // twice. Text formats are small enough to read whole (JSON needs its first value).
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut magic = Vec::with_capacity(8);
    (&mut file)
        .take(8)
        .read_to_end(&mut magic)
        .map_err(|e| Error::io(path, e))?;
    if magic.starts_with(npy::MAGIC) {
        return Ok(Format::Npy);
    }
    if magic.starts_with(b"PK\x03\x04") || magic.starts_with(b"PK\x05\x06") {
        return Ok(Format::Npz);
    }
    let mut bytes = magic;
    file.read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    let text = strip_bom(&bytes);
    let Some(first) = text.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Err(Error::invalid(
            path,
            "start of file",
            "the file is empty: expected predictions (npy, npz, CSV, TSV, JSON or JSON Lines)",
        ));
    };
    let text = &text[first..];
    if text[0] == b'{' || text[0] == b'[' {
        return Ok(if json::looks_like_lines(text) {
            Format::JsonLines
        } else {
            Format::Json
        });
    }
    let header = text.split(|&b| b == b'\n').next().unwrap_or(text);
    Ok(if header.contains(&b'\t') {
        Format::Tsv
    } else {
        Format::Csv
    })
}

/// The bytes without a leading UTF-8 byte-order mark (as spreadsheet programs write).
fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// The class for an integer id from a file, or what is wrong with it. With a background
/// class, ids are 1..=1000 and 0 is the background.
fn class_from_int(id: i128, background_class: bool) -> Result<ClassId, String> {
    let n = NUM_CLASSES as i128;
    if background_class {
        match id {
            0 => Err("class id 0 is the background class, which is not an ImageNet class".into()),
            1..=1000 => Ok(ClassId((id - 1) as u16)),
            _ => Err(format!(
                "class id {id} is out of range: with --background-class, ids are 1..={n}"
            )),
        }
    } else {
        match id {
            0..=999 => Ok(ClassId(id as u16)),
            1000 => Err(format!(
                "class id 1000 is out of range 0..={}: if the model has 1001 outputs with \
                 background at 0, pass --background-class",
                n - 1
            )),
            _ => Err(format!("class id {id} is out of range 0..={}", n - 1)),
        }
    }
}

/// The class for a textual id: a wnid (`n01440764`) or an integer.
fn class_from_text(text: &str, background_class: bool) -> Result<ClassId, String> {
    let text = text.trim();
    if let Ok(id) = text.parse::<i128>() {
        return class_from_int(id, background_class);
    }
    if text.starts_with('n') {
        return ClassId::from_wnid(text)
            .ok_or_else(|| format!("{text:?} is not one of the 1000 ImageNet wnids"));
    }
    if text.is_empty() {
        return Err("the prediction is empty: expected a class id 0..=999 or a wnid".into());
    }
    Err(format!(
        "{text:?} is not a class: expected a class id 0..=999 or a wnid like n01440764"
    ))
}

/// The validation image a user-supplied name refers to, or what is wrong with it.
fn image_from_name(name: &str) -> Result<ImageId, String> {
    ImageId::from_path_like(name).ok_or_else(|| {
        format!(
            "{name:?} is not a validation image name: expected ILSVRC2012_val_00000001.JPEG \
             … ILSVRC2012_val_00050000.JPEG (a leading directory and any extension are fine)"
        )
    })
}

/// Collects ranked predictions while remembering where each image came from, so a
/// duplicate can name both places.
struct Collector {
    predictions: Predictions,
    /// 1-based place (row, line, entry) of each image's prediction; 0 = none yet.
    place_of: Vec<u32>,
}

impl Collector {
    fn new(path: &Path, k: usize, has_scores: bool) -> Collector {
        Collector {
            predictions: Predictions::new(path, k, has_scores),
            place_of: vec![0; NUM_VAL_IMAGES as usize],
        }
    }

    /// Adds `image`'s ranking found at 1-based `place`; on a duplicate returns the place of
    /// the first prediction for it.
    fn insert(&mut self, image: ImageId, ranked: &[ClassId], place: u32) -> Result<(), u32> {
        let slot = &mut self.place_of[(image.0 - 1) as usize];
        if *slot != 0 {
            return Err(*slot);
        }
        *slot = place;
        self.predictions.insert(image, ranked);
        Ok(())
    }

    fn finish(self) -> Predictions {
        self.predictions
    }
}

/// The error for a file without names whose row count is not the full validation set.
fn names_needed(path: &Path, at: &str, rows: u64) -> Error {
    Error::invalid(
        path,
        at,
        format!(
            "{rows} rows but no file names: an array without names must have exactly \
             {NUM_VAL_IMAGES} rows, ILSVRC2012_val_00000001.JPEG … in order; for other sets \
             save the names beside it (np.savez(path, logits=logits, \
             file_names=np.array(names, dtype=str))) or use CSV / JSON with a file_name column"
        ),
    )
}
