//! NumPy `.npy` predictions: a score matrix `[N, 1000]` (float16/32/64) ranked to the top
//! [`MAX_K`], or integer class ids `[N]` (top-1) / `[N, k]` (ranked), any integer width.
//!
//! The file is memory-mapped and rows are ranked in parallel: a 50,000 × 1000 float32 matrix
//! (200 MB) is never copied. Memory-mapping is safe as long as nobody truncates the file
//! while we read it (the same contract ripgrep documents); a predictions file is written
//! once by the model run and then only read.
//!
//! The header is parsed here rather than with a general Python-literal parser: numpy writes
//! a fixed, tiny dict (`{'descr': '<f4', 'fortran_order': False, 'shape': (50000, 1000), }`),
//! and a parser of exactly that cannot be driven into deep recursion, huge allocations or
//! overflow by a corrupt file.

use std::path::Path;

use rayon::prelude::*;

use super::{names_needed, push_slot, Collector, Ids, Predictions, Slot, MAX_K};
use crate::classes::{ClassId, ImageId, NUM_CLASSES, NUM_VAL_IMAGES};
use crate::error::{Error, Result};

/// The first six bytes of every `.npy` file.
pub const MAGIC: &[u8] = b"\x93NUMPY";

/// Reads predictions from the `.npy` file at `path` (memory-mapped). Without names the array
/// must have 50,000 rows, the validation images in order.
pub(crate) fn load(path: &Path, ids: &Ids) -> Result<Predictions> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    // SAFETY: see the module docs: the map is only read, and a predictions file is not
    // modified while it is graded.
    // `populate` pre-faults the whole map in one call instead of one fault per 4 KiB page
    // (50,000 of them for 200 MB): every byte is read anyway.
    let map = unsafe { memmap2::MmapOptions::new().populate().map(&file) }
        .map_err(|e| Error::io(path, e))?;
    let array = Array::parse(&map).map_err(|e| Error::invalid(path, e.at, e.message))?;
    array.predictions(path, "", None, ids)
}

/// A parse problem: where (`at`) and what.
#[derive(Debug)]
pub(crate) struct ParseError {
    pub at: String,
    pub message: String,
}

fn parse_error(at: impl Into<String>, message: impl Into<String>) -> ParseError {
    ParseError {
        at: at.into(),
        message: message.into(),
    }
}

/// An element type from a `descr` such as `<f4`, `|u1`, `>i8`, `<U23`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Dtype {
    /// numpy's kind character: `f`, `i`, `u`, `b`, `U`, `S`, `O`, …
    pub kind: char,
    /// Bytes per element.
    pub size: usize,
    pub big_endian: bool,
    /// The `descr` as written, for messages.
    pub descr: String,
}

impl Dtype {
    fn parse(descr: &str) -> Option<Dtype> {
        let mut chars = descr.chars();
        let (big_endian, rest) = match chars.next()? {
            '<' | '|' | '=' => (false, chars.as_str()),
            '>' => (true, chars.as_str()),
            _ => (false, descr),
        };
        let mut rest_chars = rest.chars();
        let kind = rest_chars.next()?;
        let digits = rest_chars.as_str();
        let count: usize = if digits.is_empty() {
            // `O` (object) has no size; anything else without one is not a plain dtype.
            if kind != 'O' {
                return None;
            }
            8
        } else {
            digits.parse().ok()?
        };
        // numpy counts unicode sizes in characters of 4 bytes (UTF-32).
        let size = if kind == 'U' {
            count.checked_mul(4)?
        } else {
            count
        };
        Some(Dtype {
            kind,
            size,
            big_endian,
            descr: descr.to_string(),
        })
    }
}

/// A parsed `.npy`: its header and the data bytes that follow it (exactly as many as the
/// header says).
#[derive(Debug)]
pub(crate) struct Array<'a> {
    pub dtype: Dtype,
    pub shape: Vec<u64>,
    pub fortran_order: bool,
    pub data: &'a [u8],
}

impl<'a> Array<'a> {
    /// Parses the header of `bytes` (a whole `.npy`) and checks the data length.
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Array<'a>, ParseError> {
        if bytes.is_empty() {
            return Err(parse_error("start of file", "the file is empty"));
        }
        if !bytes.starts_with(MAGIC) {
            return Err(parse_error(
                "byte 0",
                "not a NumPy .npy file: expected the magic bytes \\x93NUMPY",
            ));
        }
        let (major, minor) = match bytes.get(6..8) {
            Some(v) => (v[0], v[1]),
            None => return Err(truncated_header(bytes.len())),
        };
        let (len_size, utf8) = match major {
            1 => (2, false),
            2 => (4, false),
            3 => (4, true),
            _ => {
                return Err(parse_error(
                    "byte 6",
                    format!(
                        "unsupported .npy format version {major}.{minor}: expected 1.0, 2.0 or 3.0"
                    ),
                ))
            }
        };
        let len_bytes = bytes
            .get(8..8 + len_size)
            .ok_or_else(|| truncated_header(bytes.len()))?;
        let header_len = len_bytes
            .iter()
            .rev()
            .fold(0usize, |acc, &b| (acc << 8) | b as usize);
        let start = 8 + len_size;
        let text_bytes = start
            .checked_add(header_len)
            .and_then(|end| bytes.get(start..end))
            .ok_or_else(|| truncated_header(bytes.len()))?;
        let text: String = if utf8 {
            std::str::from_utf8(text_bytes)
                .map_err(|_| parse_error(format!("byte {start}"), "the header is not UTF-8"))?
                .to_string()
        } else {
            // Versions 1 and 2 are latin-1; every byte is one character.
            text_bytes.iter().map(|&b| b as char).collect()
        };
        let header = parse_header(&text).map_err(|m| {
            parse_error(
                format!("header (byte {start})"),
                format!("{m}; the header reads {:?}", text.trim_end()),
            )
        })?;
        let data = &bytes[start + header_len..];
        if header.dtype.kind == 'O' {
            // A pickle stream, not fixed-size elements: the readers reject it with advice.
            return Ok(Array {
                dtype: header.dtype,
                shape: header.shape,
                fortran_order: header.fortran_order,
                data,
            });
        }
        let expected = header
            .shape
            .iter()
            .try_fold(header.dtype.size as u64, |acc, &d| acc.checked_mul(d));
        match expected {
            Some(n) if n == data.len() as u64 => {}
            Some(n) if n > data.len() as u64 => {
                return Err(parse_error(
                    format!("byte {}", bytes.len()),
                    format!(
                        "truncated: the header says shape {:?} of {} = {n} bytes of data, but \
                         only {} follow",
                        header.shape,
                        header.dtype.descr,
                        data.len()
                    ),
                ))
            }
            Some(n) => {
                return Err(parse_error(
                    format!("byte {}", start + header_len + n as usize),
                    format!(
                        "{} bytes after the {n} bytes of data the header describes (shape {:?} \
                         of {}): the file is corrupt",
                        data.len() as u64 - n,
                        header.shape,
                        header.dtype.descr
                    ),
                ))
            }
            None => {
                return Err(parse_error(
                    format!("header (byte {start})"),
                    format!("shape {:?} is impossibly large", header.shape),
                ))
            }
        }
        Ok(Array {
            dtype: header.dtype,
            shape: header.shape,
            fortran_order: header.fortran_order,
            data,
        })
    }

    /// An array in memory given by its element type in `.npy` notation (`<f4`), shape,
    /// layout and bytes, checked as [`Array::parse`] checks a file's.
    pub(crate) fn in_memory(
        descr: &str,
        shape: &[u64],
        fortran_order: bool,
        data: &'a [u8],
    ) -> Result<Array<'a>, ParseError> {
        let dtype = Dtype::parse(descr).ok_or_else(|| {
            parse_error(
                "dtype",
                format!("dtype {descr:?} is neither float scores nor integer class ids"),
            )
        })?;
        let expected = shape
            .iter()
            .try_fold(dtype.size as u64, |acc, &d| acc.checked_mul(d));
        if expected != Some(data.len() as u64) {
            return Err(parse_error(
                "shape",
                format!(
                    "shape {shape:?} of {descr} does not match the {} bytes of data",
                    data.len()
                ),
            ));
        }
        Ok(Array {
            dtype,
            shape: shape.to_vec(),
            fortran_order,
            data,
        })
    }

    /// The predictions this array holds. `at` prefixes every place in messages (an npz
    /// member name); `names` gives each row's image (else rows are images 1..=50,000).
    pub(crate) fn predictions(
        &self,
        path: &Path,
        at: &str,
        names: Option<&[ImageId]>,
        ids: &Ids,
    ) -> Result<Predictions> {
        let shape_at = format!("{at}shape");
        let (rows, cols) = match self.shape[..] {
            [rows] => (rows, 1),
            [rows, cols] => (rows, cols),
            _ => {
                return Err(Error::invalid(
                    path,
                    shape_at,
                    format!(
                        "shape {:?} has {} dimensions: expected scores [N, {NUM_CLASSES}] or class \
                         ids [N] or [N, k]",
                        self.shape,
                        self.shape.len()
                    ),
                ))
            }
        };
        let images: Vec<ImageId> = match names {
            Some(names) => {
                if names.len() as u64 != rows {
                    return Err(Error::invalid(
                        path,
                        shape_at,
                        format!(
                            "{rows} rows of predictions but {} file names: expected one name per row",
                            names.len()
                        ),
                    ));
                }
                names.to_vec()
            }
            None if rows == NUM_VAL_IMAGES as u64 => ImageId::all().collect(),
            None => return Err(names_needed(path, &shape_at, rows)),
        };
        if rows == 0 {
            return Err(Error::invalid(path, shape_at, "the array has no rows"));
        }
        if cols == 0 {
            return Err(Error::invalid(
                path,
                shape_at,
                format!("shape {:?} has no predictions per row", self.shape),
            ));
        }
        let (ranked, k, has_scores) = match self.dtype.kind {
            'f' => self.rank_scores(path, at, &images, cols as usize, ids.background_class())?,
            'i' | 'u' => self.read_ids(path, at, rows as usize, cols as usize, ids)?,
            'O' => {
                return Err(Error::invalid(
                    path,
                    format!("{at}dtype"),
                    "an object array (pickled) cannot be read: save plain numbers, e.g. \
                     np.save(path, logits.astype(np.float32))",
                ))
            }
            _ => {
                return Err(Error::invalid(
                    path,
                    format!("{at}dtype"),
                    format!(
                        "dtype {} is neither float scores nor integer class ids",
                        self.dtype.descr
                    ),
                ))
            }
        };
        // The usual array, all 50,000 rows in order without a background rank: the rows are
        // the predictions as they stand (no name to check, no background to place).
        if names.is_none() {
            if let Some(classes) = ranked.iter().map(|s| s.class()).collect() {
                return Ok(Predictions::in_order(path, k, has_scores, classes));
            }
        }
        let mut collector = Collector::new(path, k, has_scores);
        for (row, (&image, ranked)) in images.iter().zip(ranked.chunks_exact(k)).enumerate() {
            if let Err(first) = collector.insert(image, ranked, row as u32 + 1) {
                return Err(Error::invalid(
                    path,
                    format!("{at}row {row}"),
                    format!(
                        "duplicate file name {image}: rows {} and {row} both name it",
                        first - 1
                    ),
                ));
            }
        }
        Ok(collector.finish())
    }

    /// Ranks each row of scores to its top [`MAX_K`] class ids, in parallel. With a
    /// background column 0 it is ranked with the classes: it takes a rank, as the
    /// reference's `argmax(logits) - 1` gives -1, a miss, when background wins.
    fn rank_scores(
        &self,
        path: &Path,
        at: &str,
        images: &[ImageId],
        cols: usize,
        background_class: bool,
    ) -> Result<(Vec<Slot>, usize, bool)> {
        match (cols, background_class) {
            (NUM_CLASSES, false) | (1001, true) => {}
            (1001, false) => {
                return Err(Error::invalid(
                    path,
                    format!("{at}shape"),
                    format!(
                        "shape {:?}: 1001 score columns; if column 0 is a background class (as \
                         TF-slim models emit), pass --background-class (a background top-1 then counts as a miss)",
                        self.shape
                    ),
                ))
            }
            _ => {
                let expected = if background_class { 1001 } else { NUM_CLASSES };
                return Err(Error::invalid(
                    path,
                    format!("{at}shape"),
                    format!(
                        "shape {:?}: expected scores [N, {expected}] (one column per class){}",
                        self.shape,
                        if self.shape.len() == 1 {
                            "; a 1-D array must hold integer class ids, not floats"
                        } else {
                            ""
                        }
                    ),
                ));
            }
        }
        let rows = images.len();
        let (size, big) = (self.dtype.size, self.dtype.big_endian);
        let result = match (size, big) {
            // Every float16 is exactly a float32, so half scores rank as singles.
            (2, false) => {
                self.rank_with(rows, cols, |b: [u8; 2]| f16_to_f32(u16::from_le_bytes(b)))
            }
            (2, true) => self.rank_with(rows, cols, |b: [u8; 2]| f16_to_f32(u16::from_be_bytes(b))),
            (4, false) => self.rank_with(rows, cols, f32::from_le_bytes),
            (4, true) => self.rank_with(rows, cols, f32::from_be_bytes),
            (8, false) => self.rank_with(rows, cols, f64::from_le_bytes),
            (8, true) => self.rank_with(rows, cols, f64::from_be_bytes),
            _ => {
                return Err(Error::invalid(
                    path,
                    format!("{at}dtype"),
                    format!(
                        "dtype {}: expected float16, float32 or float64 scores",
                        self.dtype.descr
                    ),
                ))
            }
        };
        let to_slot = |column: u16| match (background_class, column) {
            (false, c) => Slot::Class(ClassId(c)),
            (true, 0) => Slot::Background,
            (true, c) => Slot::Class(ClassId(c - 1)),
        };
        result
            .map(|ranked| (ranked.into_iter().map(to_slot).collect(), MAX_K, true))
            .map_err(|bad| {
                let image = images
                    .get(bad.row)
                    .map(|i| i.to_string())
                    .unwrap_or_default();
                Error::invalid(
                    path,
                    format!("{at}row {}, column {}", bad.row, bad.column),
                    format!(
                        "score {} (image {image}) is not a finite number: every score must be \
                         finite (NaN or infinity usually means the model diverged)",
                        bad.value
                    ),
                )
            })
    }

    /// Ranks every row with `read` converting one element's bytes to a score. Returns the
    /// first (lowest) row holding a non-finite score on failure, so errors are reproducible.
    fn rank_with<const W: usize, S: Score>(
        &self,
        rows: usize,
        cols: usize,
        read: impl Fn([u8; W]) -> S + Sync,
    ) -> Result<Vec<u16>, BadScore> {
        let mut ranked = vec![0u16; rows * MAX_K];
        let data = self.data;
        let element = |index: usize| -> S {
            let mut b = [0u8; W];
            b.copy_from_slice(&data[index * W..index * W + W]);
            read(b)
        };
        let fortran = self.fortran_order;
        let bad = ranked
            .par_chunks_mut(MAX_K)
            .enumerate()
            .filter_map(|(row, out)| {
                let result = if fortran {
                    rank_row((0..cols).map(|c| element(c * rows + row)), out)
                } else {
                    let bytes = &data[row * cols * W..(row + 1) * cols * W];
                    rank_contiguous(bytes, &read, out)
                };
                result.err().map(|(column, value)| BadScore {
                    row,
                    column,
                    value: value.into(),
                })
            })
            .min_by_key(|bad| bad.row);
        match bad {
            Some(bad) => Err(bad),
            None => Ok(ranked),
        }
    }

    /// Reads integer class ids `[N]` or `[N, k]` (rank order along the row).
    fn read_ids(
        &self,
        path: &Path,
        at: &str,
        rows: usize,
        cols: usize,
        ids: &Ids,
    ) -> Result<(Vec<Slot>, usize, bool)> {
        let size = self.dtype.size;
        if !matches!(size, 1 | 2 | 4 | 8) {
            return Err(Error::invalid(
                path,
                format!("{at}dtype"),
                format!(
                    "dtype {}: expected integers of 1, 2, 4 or 8 bytes",
                    self.dtype.descr
                ),
            ));
        }
        let signed = self.dtype.kind == 'i';
        let k = cols.min(MAX_K);
        let mut ranked = Vec::with_capacity(rows * k);
        let mut row_slots = Vec::with_capacity(cols.min(MAX_K));
        for row in 0..rows {
            row_slots.clear();
            // Every column is checked, not just the kept ones: a bad id anywhere means the
            // array is not what we think it is.
            for col in 0..cols {
                let index = if self.fortran_order {
                    col * rows + row
                } else {
                    row * cols + col
                };
                let bytes = &self.data[index * size..(index + 1) * size];
                let value = read_int(bytes, signed, self.dtype.big_endian);
                let place = || {
                    if cols == 1 {
                        format!("{at}row {row}")
                    } else {
                        format!("{at}row {row}, column {col}")
                    }
                };
                let slot = ids
                    .slot(value)
                    .map_err(|m| Error::invalid(path, place(), m))?;
                if col < k {
                    push_slot(&mut row_slots, slot)
                        .map_err(|m| Error::invalid(path, place(), m))?;
                }
            }
            ranked.extend_from_slice(&row_slots);
        }
        Ok((ranked, k, false))
    }
}

/// A non-finite score and where it is.
struct BadScore {
    row: usize,
    column: usize,
    value: f64,
}

/// A score type ranked natively (float16 is widened to float32).
trait Score:
    Copy
    + PartialOrd
    + Send
    + Sync
    + Into<f64>
    + std::ops::Add<Output = Self>
    + std::ops::Sub<Output = Self>
{
    const LOWEST: Self;
    const ZERO: Self;
    fn is_finite(self) -> bool;

    /// 0 for a finite score, NaN for an infinity or NaN: summed, a test of finiteness
    /// without a branch or a comparison, which vectorises.
    #[allow(clippy::eq_op)]
    #[inline(always)]
    fn zero_if_finite(self) -> Self {
        self - self
    }
}

impl Score for f32 {
    const LOWEST: f32 = f32::NEG_INFINITY;
    const ZERO: f32 = 0.0;
    fn is_finite(self) -> bool {
        f32::is_finite(self)
    }
}

impl Score for f64 {
    const LOWEST: f64 = f64::NEG_INFINITY;
    const ZERO: f64 = 0.0;
    fn is_finite(self) -> bool {
        f64::is_finite(self)
    }
}

/// The best [`MAX_K`] (class, score) pairs offered so far, best first. Only a strictly
/// greater score overtakes, so of equal scores the earlier (lower) class stays ahead, as
/// `argmax` does.
struct Top<S> {
    value: [S; MAX_K],
    class: [u16; MAX_K],
}

impl<S: Score> Top<S> {
    fn new() -> Top<S> {
        Top {
            value: [S::LOWEST; MAX_K],
            class: [0; MAX_K],
        }
    }

    /// The score to beat to enter.
    #[inline(always)]
    fn threshold(&self) -> S {
        self.value[MAX_K - 1]
    }

    #[inline(always)]
    fn offer(&mut self, class: usize, value: S) {
        if value > self.value[MAX_K - 1] {
            let mut slot = MAX_K - 1;
            while slot > 0 && value > self.value[slot - 1] {
                self.value[slot] = self.value[slot - 1];
                self.class[slot] = self.class[slot - 1];
                slot -= 1;
            }
            self.value[slot] = value;
            self.class[slot] = class as u16;
        }
    }

    fn write(&self, out: &mut [u16]) {
        out.copy_from_slice(&self.class[..out.len()]);
    }
}

/// Writes the top [`MAX_K`] class ids of `scores` (class order) into `out`, best first,
/// ties to the lower class. Fails with the first non-finite score's column and value.
fn rank_row<S: Score>(
    scores: impl Iterator<Item = S> + Clone,
    out: &mut [u16],
) -> Result<(), (usize, S)> {
    let mut top = Top::new();
    // Finiteness is accumulated without a branch and located only when a row fails. A NaN
    // never compares greater, and an infinity that slips into the top 5 is reported all
    // the same.
    let mut all_finite = true;
    for (class, value) in scores.clone().enumerate() {
        all_finite &= value.is_finite();
        top.offer(class, value);
    }
    if !all_finite {
        if let Some(bad) = scores.enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(bad);
        }
    }
    top.write(out);
    Ok(())
}

/// [`rank_row`] over contiguous scores (`W` bytes each, decoded by `read`): the hot path,
/// in two vectorisable passes over the row (4 KB, in L1 by the second).
///
/// 1. Column-wise maxima of the row cut into blocks of [`LANES`], and finiteness (`v - v`
///    is 0 for a finite score and NaN otherwise, summed per lane: no per-block branch or
///    reduction). The 5th largest of those maxima is a *floor*: five distinct scores reach
///    it, so no score below it can be in the top 5.
/// 2. A block is looked into only when one of its scores reaches the floor (one vector
///    compare per block), and then only those scores are offered to [`Top`], in class order
///    (so ties still go to the lower class). For real or random scores that is a handful of
///    blocks per row.
///
/// (Measured per row in L1, scratch program: 780 ns with a scalar candidate mask per block
/// in pass 2 and a per-block finiteness reduction in pass 1, 540 ns so; wider blocks in pass
/// 2 and a single pass against the running 5th best were slower.)
fn rank_contiguous<const W: usize, S: Score>(
    bytes: &[u8],
    read: &impl Fn([u8; W]) -> S,
    out: &mut [u16],
) -> Result<(), (usize, S)> {
    let decode = |b: &[u8]| {
        let mut raw = [0u8; W];
        raw.copy_from_slice(b);
        read(raw)
    };
    let block = |chunk: &[u8]| {
        let mut values = [S::LOWEST; LANES];
        for (v, b) in values.iter_mut().zip(chunk.chunks_exact(W)) {
            *v = decode(b);
        }
        values
    };
    let blocks = bytes.chunks_exact(W * LANES);
    let tail = blocks.remainder();

    let mut lane_max = [S::LOWEST; LANES];
    let mut lane_nan = [S::ZERO; LANES];
    for chunk in blocks.clone() {
        for ((m, nan), v) in lane_max.iter_mut().zip(&mut lane_nan).zip(block(chunk)) {
            *nan = *nan + v.zero_if_finite();
            *m = if v > *m { v } else { *m };
        }
    }
    let mut all_finite = lane_nan.iter().all(|&nan| nan == S::ZERO);
    let mut floor = Top::new();
    for (lane, &m) in lane_max.iter().enumerate() {
        floor.offer(lane, m);
    }
    let floor = floor.threshold();

    let mut top = Top::new();
    for (b, chunk) in blocks.enumerate() {
        let values = block(chunk);
        if values.iter().fold(false, |any, &v| any | (v >= floor)) {
            for (i, &v) in values.iter().enumerate() {
                if v >= floor {
                    top.offer(b * LANES + i, v);
                }
            }
        }
    }
    let tail_start = (bytes.len() - tail.len()) / W;
    for (i, b) in tail.chunks_exact(W).enumerate() {
        let v = decode(b);
        all_finite &= v.is_finite();
        top.offer(tail_start + i, v);
    }
    if !all_finite {
        if let Some(bad) = bytes
            .chunks_exact(W)
            .map(decode)
            .enumerate()
            .find(|(_, v)| !v.is_finite())
        {
            return Err(bad);
        }
    }
    top.write(out);
    Ok(())
}

/// Scores per block in [`rank_contiguous`]: one AVX register of f32, at least [`MAX_K`].
const LANES: usize = 8;

/// An IEEE half-precision float as the float32 of the same value (exact). Branch-free, so
/// the ranking loop still vectorises: the exponent and mantissa bits are moved into place
/// and rebiased by one exact multiplication by 2^112 (which also normalises subnormals),
/// then infinities and NaNs get the all-ones exponent back (F. Giesen's method).
pub(crate) fn f16_to_f32(half: u16) -> f32 {
    let rebias = f32::from_bits((254 - 15) << 23);
    let was_inf_nan = f32::from_bits((127 + 16) << 23);
    let magnitude = f32::from_bits(u32::from(half & 0x7fff) << 13) * rebias;
    let mut bits = magnitude.to_bits();
    if magnitude >= was_inf_nan {
        bits |= 0xff << 23;
    }
    f32::from_bits(bits | u32::from(half & 0x8000) << 16)
}

/// An IEEE half-precision float by its definition, to check [`f16_to_f32`] against.
#[cfg(test)]
pub(crate) fn f16_to_f64(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exponent = ((bits >> 10) & 0x1f) as i32;
    let mantissa = (bits & 0x3ff) as f64;
    sign * match exponent {
        0 => mantissa * 2f64.powi(-24),
        0x1f if mantissa == 0.0 => f64::INFINITY,
        0x1f => f64::NAN,
        _ => (1.0 + mantissa / 1024.0) * 2f64.powi(exponent - 15),
    }
}

/// An integer of 1..=8 bytes, sign-extended when `signed`.
fn read_int(bytes: &[u8], signed: bool, big_endian: bool) -> i128 {
    let mut value: u64 = 0;
    let mut push = |b: u8| value = (value << 8) | b as u64;
    if big_endian {
        bytes.iter().for_each(|&b| push(b));
    } else {
        bytes.iter().rev().for_each(|&b| push(b));
    }
    let bits = bytes.len() * 8;
    if signed && bits < 128 && value >> (bits - 1) & 1 == 1 {
        value as i128 - (1i128 << bits)
    } else {
        value as i128
    }
}

fn truncated_header(len: usize) -> ParseError {
    parse_error(
        format!("byte {len}"),
        "truncated: the file ends inside the .npy header",
    )
}

/// The three keys of an `.npy` header.
struct Header {
    dtype: Dtype,
    fortran_order: bool,
    shape: Vec<u64>,
}

/// Parses the header dict: `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
fn parse_header(text: &str) -> Result<Header, String> {
    let mut p = Literal {
        rest: text.trim_start(),
    };
    p.expect('{')?;
    let (mut descr, mut fortran_order, mut shape) = (None, None, None);
    loop {
        if p.eat('}') {
            break;
        }
        let key = p.string()?;
        p.expect(':')?;
        match key.as_str() {
            "descr" => {
                let text = p.string().map_err(|_| {
                    "'descr' is not a plain dtype string (structured arrays are not predictions)"
                        .to_string()
                })?;
                descr = Some(Dtype::parse(&text).ok_or_else(|| format!("unknown dtype {text:?}"))?);
            }
            "fortran_order" => fortran_order = Some(p.boolean()?),
            "shape" => shape = Some(p.tuple()?),
            other => return Err(format!("unexpected key {other:?}")),
        }
        if !p.eat(',') {
            p.expect('}')?;
            break;
        }
    }
    Ok(Header {
        dtype: descr.ok_or("the header has no 'descr'")?,
        fortran_order: fortran_order.ok_or("the header has no 'fortran_order'")?,
        shape: shape.ok_or("the header has no 'shape'")?,
    })
}

/// A cursor over the header's Python literal.
struct Literal<'a> {
    rest: &'a str,
}

impl Literal<'_> {
    fn eat(&mut self, c: char) -> bool {
        match self.rest.strip_prefix(c) {
            Some(rest) => {
                self.rest = rest.trim_start();
                true
            }
            None => false,
        }
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!("expected {c:?} in the header dict"))
        }
    }

    fn string(&mut self) -> Result<String, String> {
        let quote = match self.rest.chars().next() {
            Some(q @ ('\'' | '"')) => q,
            _ => return Err("expected a quoted string in the header dict".into()),
        };
        let body = &self.rest[1..];
        let end = body
            .find(quote)
            .ok_or("unterminated string in the header dict")?;
        let value = body[..end].to_string();
        self.rest = body[end + 1..].trim_start();
        Ok(value)
    }

    fn boolean(&mut self) -> Result<bool, String> {
        for (word, value) in [("True", true), ("False", false)] {
            if let Some(rest) = self.rest.strip_prefix(word) {
                self.rest = rest.trim_start();
                return Ok(value);
            }
        }
        Err("'fortran_order' is not True or False".into())
    }

    fn tuple(&mut self) -> Result<Vec<u64>, String> {
        self.expect('(')?;
        let mut dims = Vec::new();
        loop {
            if self.eat(')') {
                return Ok(dims);
            }
            let digits = self
                .rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(self.rest.len());
            let dim: u64 = self.rest[..digits]
                .parse()
                .map_err(|_| "'shape' is not a tuple of non-negative integers".to_string())?;
            // Python 2 era numpy wrote longs as `50000L`.
            self.rest = self.rest[digits..].trim_start_matches('L').trim_start();
            dims.push(dim);
            if !self.eat(',') {
                self.expect(')')?;
                return Ok(dims);
            }
        }
    }
}

/// The ranking of `scores` by [`rank_row`], after checking that [`rank_contiguous`] agrees
/// on them as float64 and, when exact, as float32 bytes.
#[cfg(test)]
pub(crate) fn rank_row_for_tests(
    scores: &[f64],
    classes: &mut [ClassId],
) -> Result<(), (usize, f64)> {
    let mut out = vec![0u16; classes.len()];
    let out = &mut out[..];
    let expected = rank_row(scores.iter().copied(), out);
    for (class, &column) in classes.iter_mut().zip(out.iter()) {
        *class = ClassId(column);
    }
    let mut again = vec![0u16; out.len()];
    let bytes: Vec<u8> = scores.iter().flat_map(|v| v.to_le_bytes()).collect();
    let fast = rank_contiguous(&bytes, &f64::from_le_bytes, &mut again);
    assert_eq!(fast.map_err(|e| e.0), expected.map_err(|e| e.0));
    assert_eq!(&again[..], &out[..]);
    if scores.iter().all(|&v| v as f32 as f64 == v || v.is_nan()) {
        let bytes: Vec<u8> = scores
            .iter()
            .flat_map(|&v| (v as f32).to_le_bytes())
            .collect();
        let fast = rank_contiguous(&bytes, &f32::from_le_bytes, &mut again);
        assert_eq!(fast.map_err(|e| e.0), expected.map_err(|e| e.0));
        assert_eq!(&again[..], &out[..]);
    }
    expected
}
