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
//! Integer ids are read in the [`ClassIds`] convention asked for, and [`load`] refuses a file
//! that fits another convention far better ([`IdMismatch`]).

use std::cell::Cell;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::classes::{ClassId, ImageId, NUM_CLASSES, NUM_VAL_IMAGES};
use crate::error::{Error, Result};

pub mod class_ids;
pub mod delimited;
pub mod json;
pub mod npy;
pub mod npz;

pub use class_ids::{ClassIds, IdMismatch, Reading};
#[cfg(test)]
mod tests;

/// How many ranked predictions per image are kept (enough for top-5 metrics).
pub const MAX_K: usize = 5;

/// No background rank in a row (see [`Predictions`]).
const NO_BACKGROUND: u8 = u8::MAX;

/// A model's ranked predictions, indexed by image number.
#[derive(Clone, Debug)]
pub struct Predictions {
    path: PathBuf,
    k: usize,
    has_scores: bool,
    /// Row `image - 1` holds the `k` best ImageNet classes in rank order, the background
    /// class left out (a row whose background is in the top `k` is padded at the end).
    ranked: Vec<ClassId>,
    /// Per row, the rank the background class takes within the top `k` (a 1001-output
    /// model's "no class"), or [`NO_BACKGROUND`]. Empty until some row has one.
    background: Vec<u8>,
    present: Vec<bool>,
    count: usize,
    ground_truth: bool,
}

/// One image's ranked predictions: ImageNet classes, and where a 1001-output model put its
/// background class ("no class"), which takes a rank but is never a hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ranking<'a> {
    /// The `k` best classes, background left out (padded when background is in the top k).
    classes: &'a [ClassId],
    background: Option<usize>,
}

impl<'a> Ranking<'a> {
    /// The top-1 class; `None` when the model's top-1 is the background class.
    pub fn top1(&self) -> Option<ClassId> {
        self.top(1).first().copied()
    }

    /// The ImageNet classes among the first `n` ranks (at most `k`), best first: `n` of them,
    /// or `n - 1` when the background class is among those ranks.
    pub fn top(&self, n: usize) -> &'a [ClassId] {
        let n = n.min(self.classes.len());
        let taken = usize::from(self.background.is_some_and(|b| b < n));
        &self.classes[..n - taken]
    }

    /// The rank (0 = top-1) of the background class, when it is within the top `k`.
    pub fn background_rank(&self) -> Option<usize> {
        self.background
    }

    /// Ranks kept (`k`), the background's included.
    pub fn len(&self) -> usize {
        self.classes.len()
    }

    /// Never true: a ranking has at least one rank.
    pub fn is_empty(&self) -> bool {
        self.classes.is_empty()
    }
}

/// One rank as a file gives it: a class, or the background of a 1001-output model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    Class(ClassId),
    Background,
}

impl Slot {
    /// The class, or `None` for the background.
    fn class(self) -> Option<ClassId> {
        match self {
            Slot::Class(c) => Some(c),
            Slot::Background => None,
        }
    }
}

impl Predictions {
    /// Predictions for every validation image, row `image - 1` of `ranked` holding its `k`
    /// (1..=MAX_K) classes in rank order: what [`Predictions::insert`] would make of them one
    /// by one, without the per-row work.
    fn in_order(path: &Path, k: usize, has_scores: bool, ranked: Vec<ClassId>) -> Predictions {
        let all = NUM_VAL_IMAGES as usize;
        debug_assert!((1..=MAX_K).contains(&k) && ranked.len() == all * k);
        Predictions {
            path: path.to_path_buf(),
            k,
            has_scores,
            ranked,
            background: Vec::new(),
            present: vec![true; all],
            count: all,
            ground_truth: false,
        }
    }

    /// Empty predictions with `k` (1..=MAX_K) ranked ids per image, read from `path`.
    /// `has_scores` says whether they were ranked from full score vectors.
    pub fn new(path: impl AsRef<Path>, k: usize, has_scores: bool) -> Predictions {
        let k = k.clamp(1, MAX_K);
        Predictions {
            path: path.as_ref().to_path_buf(),
            k,
            has_scores,
            ranked: vec![ClassId(0); NUM_VAL_IMAGES as usize * k],
            background: Vec::new(),
            present: vec![false; NUM_VAL_IMAGES as usize],
            count: 0,
            ground_truth: false,
        }
    }

    /// Sets the ranked ids of `image` (the first `k` of `ranked` are kept; `ranked` must not
    /// be empty). Returns false, changing nothing, if the image already has a prediction or
    /// `ranked` is shorter than `k`.
    pub fn insert(&mut self, image: ImageId, ranked: &[ClassId]) -> bool {
        self.insert_with_background(image, ranked, None)
    }

    /// As [`Predictions::insert`] for a 1001-output model whose background class takes rank
    /// `background_rank` (0 = top-1): `ranked` are the ImageNet classes in rank order
    /// without it, at least `k - 1` of them when the background is within the top `k`.
    /// Returns false, changing nothing, if the image already has a prediction or `ranked`
    /// is too short.
    pub fn insert_with_background(
        &mut self,
        image: ImageId,
        ranked: &[ClassId],
        background_rank: Option<usize>,
    ) -> bool {
        let Some(row) = (image.0 as usize)
            .checked_sub(1)
            .filter(|&r| r < self.present.len())
        else {
            return false;
        };
        let background = background_rank.filter(|&b| b < self.k);
        let needed = self.k - usize::from(background.is_some());
        if self.present[row] || ranked.len() < needed {
            return false;
        }
        let out = &mut self.ranked[row * self.k..(row + 1) * self.k];
        out[..needed].copy_from_slice(&ranked[..needed]);
        // The pad repeats the last class, so any slice of the row holds real classes.
        if needed < self.k {
            out[needed] = out.get(needed.wrapping_sub(1)).copied().unwrap_or_default();
        }
        if let Some(b) = background {
            if self.background.is_empty() {
                self.background = vec![NO_BACKGROUND; self.present.len()];
            }
            self.background[row] = b as u8;
        }
        self.present[row] = true;
        self.count += 1;
        true
    }

    /// Inserts a row of [`Slot`]s (the first `k` kept); false as [`Predictions::insert`].
    fn insert_slots(&mut self, image: ImageId, slots: &[Slot]) -> bool {
        // On the stack: this runs once per image of a 50,000-row file.
        let slots = &slots[..slots.len().min(self.k)];
        let background = slots.iter().position(|s| *s == Slot::Background);
        let mut classes = [ClassId::default(); MAX_K];
        let mut n = 0;
        for slot in slots {
            if let Slot::Class(c) = slot {
                classes[n] = *c;
                n += 1;
            }
        }
        self.insert_with_background(image, &classes[..n], background)
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

    /// The ranked predictions for `image`, if there are any.
    pub fn ranking(&self, image: ImageId) -> Option<Ranking<'_>> {
        let row = (image.0 as usize).checked_sub(1)?;
        if !*self.present.get(row)? {
            return None;
        }
        let background = match self.background.get(row) {
            Some(&b) if b != NO_BACKGROUND => Some(usize::from(b)),
            _ => None,
        };
        Some(Ranking {
            classes: &self.ranked[row * self.k..(row + 1) * self.k],
            background,
        })
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

    /// Whether [`load`] found every top-1 equal to the original ImageNet label (over at least
    /// [`class_ids::MIN_IMAGES_GROUND_TRUTH`] images): the file looks like the ground truth
    /// (a label column), not a model's predictions. [`Predictions::warning`] says so.
    pub fn looks_like_ground_truth(&self) -> bool {
        self.ground_truth
    }

    /// What a user should be told about these predictions before the figures, if anything.
    pub fn warning(&self) -> Option<String> {
        self.ground_truth.then(|| {
            format!(
                "{}: every one of the {} top-1 predictions is the original ImageNet label: \
                 this looks like the ground truth (a label column), not a model's predictions",
                self.path.display(),
                self.count
            )
        })
    }
}

/// The input formats [`load`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
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
    /// The model has 1001 outputs with background at index 0 (as TF-slim models emit): score
    /// column 0 and integer id 0 are the background class, which takes a rank and is never
    /// a hit; integer ids 1..=1000 are the classes.
    pub background_class: bool,
    /// How integer class ids are numbered (wnids and score columns are not affected).
    pub class_ids: ClassIds,
}

impl LoadOptions {
    /// The reading of integer ids these options ask for.
    pub fn reading(&self) -> Reading {
        Reading {
            class_ids: self.class_ids,
            background_class: self.background_class,
        }
    }
}

/// Reads a model's predictions from `path`, in any [`Format`].
///
/// Scores are ranked to the top [`MAX_K`] (ties go to the lower class id, as `argmax` does);
/// class ids are kept in the given rank order. Every problem (bad value, unknown or duplicate
/// file name, wrong shape, truncated file) is an [`Error::Invalid`] naming the file and the
/// row or key.
///
/// Integer ids are checked against the original ImageNet labels: when top-1 is at chance
/// level (below [`class_ids::CHANCE_TOP1`] over at least [`class_ids::MIN_IMAGES_TO_JUDGE`]
/// images), or the ids are out of range, and another [`Reading`] (convention, background)
/// gets top-1 above chance, the load fails with [`Error::ClassIds`] naming it. A file whose
/// every top-1 is the original label loads, flagged by
/// [`Predictions::looks_like_ground_truth`].
pub fn load(path: &Path, options: &LoadOptions) -> Result<Predictions> {
    let format = match options.format {
        Some(format) => format,
        None => sniff(path)?,
    };
    load_with(path, options, |ids| read(path, format, ids))
}

/// A contiguous array in memory, as NumPy's array interface describes it: the element type
/// in `.npy` notation (`descr`: `<f4`, `<f2`, `<i8`, `|u1`, …), the shape and the bytes.
#[derive(Clone, Copy, Debug)]
pub struct ArrayRef<'a> {
    /// The element type as NumPy writes it (`dtype.str`): byte order, kind, size in bytes.
    pub descr: &'a str,
    /// The shape: `[N, 1000]` scores, `[N]` ids or `[N, k]` ranked ids.
    pub shape: &'a [u64],
    /// The elements, exactly `shape.product() × size` bytes.
    pub data: &'a [u8],
    /// Whether the elements are in column-major (Fortran) order rather than row-major (C).
    pub fortran_order: bool,
    /// Each row's image name (`ILSVRC2012_val_00000001.JPEG`, with any directory or
    /// extension); `None` when the rows are all 50,000 validation images in order.
    pub file_names: Option<&'a [String]>,
}

/// Reads predictions from an array in memory (an `np.ndarray` given to the Python package),
/// exactly as [`load`] reads the same array saved as `.npy` (or `.npz` with `file_names`):
/// the same checks, messages and class-id numbering check. `label` names the array in
/// messages and in the report. The bytes are read in place, never copied.
pub fn from_array(label: &Path, array: ArrayRef<'_>, options: &LoadOptions) -> Result<Predictions> {
    let names = match array.file_names {
        Some(names) => Some(
            names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    image_from_name(name)
                        .map_err(|m| Error::invalid(label, format!("file_names[{i}]"), m))
                })
                .collect::<Result<Vec<ImageId>>>()?,
        ),
        None => None,
    };
    let parsed = npy::Array::in_memory(array.descr, array.shape, array.fortran_order, array.data)
        .map_err(|e| Error::invalid(label, e.at, e.message))?;
    load_with(label, options, |ids| {
        parsed.predictions(label, "", names.as_deref(), ids)
    })
}

/// Reads predictions from JSON text in memory (a Python `dict` given to the Python package,
/// serialised): `{file_name: class or [ranked classes]}` or an array of records, exactly as
/// [`load`] reads a JSON file. `label` names the input in messages and in the report.
pub fn from_json(label: &Path, text: &[u8], options: &LoadOptions) -> Result<Predictions> {
    load_with(label, options, |ids| {
        json::object_from_bytes(label, text, ids)
    })
}

/// [`load`]'s checks around one way of reading the input (`read`, called again with other
/// readings of integer ids when the ids look misnumbered).
fn load_with(
    path: &Path,
    options: &LoadOptions,
    read: impl Fn(&Ids) -> Result<Predictions>,
) -> Result<Predictions> {
    let given = options.reading();
    let ids = Ids::new(given);
    let loaded = read(&ids);
    let mut predictions = match loaded {
        Ok(p) => p,
        Err(error) => {
            // Ids out of range as asked (1000 read as sorted, 0 as devkit) may be another
            // convention's: say which, if one fits.
            if let Some(id) = ids.out_of_range.get() {
                let why = match &error {
                    Error::Invalid { at, .. } => format!("{at}: id {id} is out of range"),
                    other => other.to_string(),
                };
                if let Some(mismatch) = better_reading(&read, given, Err(why), None) {
                    return Err(Error::ClassIds {
                        path: path.to_path_buf(),
                        mismatch: Box::new(mismatch),
                    });
                }
            }
            return Err(error);
        }
    };
    if predictions.has_scores() && !ids.ints_seen.get() && options.class_ids != ClassIds::Sorted {
        return Err(Error::invalid(
            path,
            "class ids",
            format!(
                "--class-ids {} applies to integer class ids, but this file holds scores, \
                 whose column j is class j of the sorted wnids: drop --class-ids",
                options.class_ids
            ),
        ));
    }
    let (hits, images) = class_ids::original_top1(&predictions);
    let top1 = hits as f64 / images.max(1) as f64;
    if ids.ints_seen.get()
        && images >= class_ids::MIN_IMAGES_TO_JUDGE
        && top1 < class_ids::CHANCE_TOP1
    {
        if let Some(mismatch) = better_reading(&read, given, Ok(top1), Some(&predictions)) {
            return Err(Error::ClassIds {
                path: path.to_path_buf(),
                mismatch: Box::new(mismatch),
            });
        }
    }
    predictions.ground_truth = images >= class_ids::MIN_IMAGES_GROUND_TRUTH && hits == images;
    Ok(predictions)
}

/// Reads `path` as `format` with integer ids read by `ids`.
fn read(path: &Path, format: Format, ids: &Ids) -> Result<Predictions> {
    match format {
        Format::Npy => npy::load(path, ids),
        Format::Npz => npz::load(path, ids),
        Format::Csv => delimited::load(path, b',', ids),
        Format::Tsv => delimited::load(path, b'\t', ids),
        Format::Json => json::load_object(path, ids),
        Format::JsonLines => json::load_lines(path, ids),
    }
}

/// The alternative reading of the input (`read` reads it with other ids) with the best top-1
/// against the original labels, if it is above chance over enough images. `as_given` is the top-1 as asked, or why the file
/// cannot be read so; `loaded` is the file as read when it could be.
///
/// With the file loaded, each reading's top-1 is first estimated from the loaded top-1s
/// (every reading maps ids one to one), so a weak or random model costs no second read;
/// only a reading whose estimate is above chance is read from the file to confirm it.
fn better_reading(
    read: &impl Fn(&Ids) -> Result<Predictions>,
    given: Reading,
    as_given: Result<f64, String>,
    loaded: Option<&Predictions>,
) -> Option<IdMismatch> {
    let mut candidates: Vec<(Reading, f64)> = given
        .alternatives()
        .into_iter()
        .filter_map(|reading| match loaded {
            Some(p) => estimate_top1(p, given, reading).map(|top1| (reading, top1)),
            None => Some((reading, 1.0)),
        })
        .filter(|&(_, top1)| top1 >= class_ids::CHANCE_TOP1)
        .collect();
    // Best estimate first; equal ones keep the alternatives' order of preference.
    candidates.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut best: Option<(Reading, f64, usize)> = None;
    for (reading, _) in candidates {
        // A reading that fails (its own range, say) is simply not a candidate.
        let Ok(p) = read(&Ids::new(reading)) else {
            continue;
        };
        let (hits, images) = class_ids::original_top1(&p);
        let top1 = hits as f64 / images.max(1) as f64;
        if images >= class_ids::MIN_IMAGES_TO_JUDGE
            && top1 >= class_ids::CHANCE_TOP1
            && best.is_none_or(|(_, b, _)| top1 > b)
        {
            best = Some((reading, top1, images));
        }
        if loaded.is_some() && best.is_some() {
            break;
        }
    }
    best.map(|(fits, fits_top1, images)| IdMismatch {
        given,
        given_top1: as_given.as_ref().ok().copied(),
        given_error: as_given.err(),
        fits,
        fits_top1,
        images,
    })
}

/// Top-1 against the original labels if the ids `p` was read from (as `given`) were read as
/// `other`, from the top-1s alone; `None` when some top-1 id is out of range for `other`.
fn estimate_top1(p: &Predictions, given: Reading, other: Reading) -> Option<f64> {
    let other = Ids::new(other);
    let mut hits = 0usize;
    for image in ImageId::all() {
        let Some(ranking) = p.ranking(image) else {
            continue;
        };
        let id = match ranking.top1() {
            None => 0,
            Some(class) if given.background_class => match given.class_ids {
                ClassIds::Devkit => ClassIds::Devkit.id(class),
                ClassIds::Sorted | ClassIds::OneBased => ClassIds::OneBased.id(class),
            },
            Some(class) => given.class_ids.id(class),
        };
        match other.slot(id).ok()? {
            Slot::Class(c) => hits += usize::from(c == image.original_label()),
            Slot::Background => {}
        }
    }
    Some(hits as f64 / p.len().max(1) as f64)
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

/// Reads integer ids in one [`Reading`], noting what it saw: whether the file has integer
/// ids at all (only those can be in the wrong convention) and whether one was out of range.
pub(crate) struct Ids {
    reading: Reading,
    ints_seen: Cell<bool>,
    /// The first integer id out of range, if any.
    out_of_range: Cell<Option<i128>>,
}

impl Ids {
    pub(crate) fn new(reading: Reading) -> Ids {
        Ids {
            reading,
            ints_seen: Cell::new(false),
            out_of_range: Cell::new(None),
        }
    }

    /// Whether column 0 of 1001 scores (and id 0) is the background class.
    pub(crate) fn background_class(&self) -> bool {
        self.reading.background_class
    }

    /// The rank an integer id from a file stands for, or what is wrong with it.
    pub(crate) fn slot(&self, id: i128) -> Result<Slot, String> {
        self.ints_seen.set(true);
        let Reading {
            class_ids,
            background_class,
        } = self.reading;
        if background_class {
            // A 1001-output model: 0 is "no class", 1..=1000 are the classes counted from
            // 1 (sorted) or the devkit's ids.
            let class_ids = match class_ids {
                ClassIds::Devkit => ClassIds::Devkit,
                ClassIds::Sorted | ClassIds::OneBased => ClassIds::OneBased,
            };
            return match id {
                0 => Ok(Slot::Background),
                _ => class_ids.class(id).map(Slot::Class).ok_or_else(|| {
                    self.note_out_of_range(id);
                    format!(
                        "class id {id} is out of range: with --background-class, ids are 0 \
                         (background) and 1..={NUM_CLASSES}"
                    )
                }),
            };
        }
        class_ids.class(id).map(Slot::Class).ok_or_else(|| {
            self.note_out_of_range(id);
            let (lo, hi) = class_ids.range();
            match (class_ids, id) {
                (ClassIds::Sorted, 1000) => format!(
                    "class id 1000 is out of range {lo}..={hi}: ids counted from 1 need \
                     --class-ids one-based (or devkit for ILSVRC2012_ID); a 1001-output \
                     model with background at 0 needs --background-class"
                ),
                (ClassIds::Devkit | ClassIds::OneBased, 0) => format!(
                    "class id 0 is out of range {lo}..={hi} for --class-ids {class_ids}: \
                     ids counted from 0 are sorted ids (the default); a 1001-output model's \
                     background needs --background-class"
                ),
                _ => {
                    format!("class id {id} is out of range {lo}..={hi} for --class-ids {class_ids}")
                }
            }
        })
    }

    fn note_out_of_range(&self, id: i128) {
        if self.out_of_range.get().is_none() {
            self.out_of_range.set(Some(id));
        }
    }

    /// The rank a textual id stands for: a wnid (`n01440764`) or an integer.
    pub(crate) fn slot_from_text(&self, text: &str) -> Result<Slot, String> {
        let text = text.trim();
        if let Ok(id) = text.parse::<i128>() {
            return self.slot(id);
        }
        if text.starts_with('n') {
            return ClassId::from_wnid(text)
                .map(Slot::Class)
                .ok_or_else(|| format!("{text:?} is not one of the 1000 ImageNet wnids"));
        }
        if text.is_empty() {
            return Err("the prediction is empty: expected a class id or a wnid".into());
        }
        Err(format!(
            "{text:?} is not a class: expected a class id or a wnid like n01440764"
        ))
    }
}

/// Appends `slot` to a ranking; the background class may take only one rank.
pub(crate) fn push_slot(ranked: &mut Vec<Slot>, slot: Slot) -> Result<(), String> {
    if slot == Slot::Background && ranked.contains(&Slot::Background) {
        return Err(format!(
            "the background class (id 0) is ranked twice, at ranks {} and {}",
            ranked
                .iter()
                .position(|s| *s == Slot::Background)
                .unwrap_or(0),
            ranked.len()
        ));
    }
    ranked.push(slot);
    Ok(())
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
    fn insert(&mut self, image: ImageId, ranked: &[Slot], place: u32) -> Result<(), u32> {
        let slot = &mut self.place_of[(image.0 - 1) as usize];
        if *slot != 0 {
            return Err(*slot);
        }
        *slot = place;
        self.predictions.insert_slots(image, ranked);
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
