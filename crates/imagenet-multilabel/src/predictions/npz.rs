//! NumPy `.npz` predictions: a zip of `.npy` members, as `np.savez` (stored) or
//! `np.savez_compressed` (deflated) write them.
//!
//! The predictions member is the only array, or the one named `logits`, `predictions`,
//! `scores` or `probs`; an optional `file_names` (or `filenames`) member names each row,
//! as a numpy string array (`<U…` or `|S…`). Stored members are read in place from the
//! memory map (the npy reader needs no alignment); deflated ones are decompressed.

use std::borrow::Cow;
use std::io::{Cursor, Read};
use std::path::Path;

use zip::{CompressionMethod, ZipArchive};

use super::npy::Array;
use super::{image_from_name, Ids, Predictions};
use crate::classes::ImageId;
use crate::error::{Error, Result};

/// Member names (without `.npy`) taken as the predictions, in order of preference.
pub const PREDICTION_MEMBERS: [&str; 4] = ["logits", "predictions", "scores", "probs"];
/// Member names (without `.npy`) taken as the file names of the rows.
pub const NAME_MEMBERS: [&str; 2] = ["file_names", "filenames"];

/// The largest member read, in bytes: the largest array a predictions file can need is
/// float64 scores for 50,000 images × 1001 columns (400.4 MB); 1 GiB leaves room for long
/// file names and any header, and bounds what a corrupt or hostile size field can claim.
pub const MAX_MEMBER_BYTES: u64 = 1 << 30;

/// Deflate's best ratio: each 258-byte match costs at least 2 bits, so one byte of a
/// deflated member inflates to at most 1032 bytes. A declared size beyond that is a lie.
const MAX_DEFLATE_RATIO: u64 = 1032;

/// Reads predictions from the `.npz` file at `path`.
pub(crate) fn load(path: &Path, ids: &Ids) -> Result<Predictions> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    // SAFETY: as for `.npy` (see `npy`'s module docs): the map is only read.
    let map = unsafe { memmap2::MmapOptions::new().populate().map(&file) }
        .map_err(|e| Error::io(path, e))?;
    let bytes: &[u8] = &map;
    if bytes.is_empty() {
        return Err(Error::invalid(path, "start of file", "the file is empty"));
    }
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        Error::invalid(
            path,
            "zip directory",
            format!("not a readable .npz (zip) archive: {e}"),
        )
    })?;
    let members: Vec<String> = (0..archive.len())
        .map(|i| match archive.name_for_index(i) {
            Some(Ok(name)) => name.into_owned(),
            _ => String::new(),
        })
        .collect();
    let stem = |name: &str| name.strip_suffix(".npy").unwrap_or(name).to_string();
    let names_index = members
        .iter()
        .position(|m| NAME_MEMBERS.contains(&stem(m).as_str()));
    let candidates: Vec<usize> = (0..members.len())
        .filter(|&i| Some(i) != names_index)
        .collect();
    let scores_index = match candidates[..] {
        [only] => only,
        _ => PREDICTION_MEMBERS
            .iter()
            .find_map(|want| {
                candidates
                    .iter()
                    .copied()
                    .find(|&i| stem(&members[i]) == *want)
            })
            .ok_or_else(|| {
                Error::invalid(
                    path,
                    "members",
                    format!(
                        "cannot tell which array holds the predictions among {members:?}: \
                         expected a single array, or one named {}",
                        PREDICTION_MEMBERS.join(", ")
                    ),
                )
            })?,
    };
    let names = match names_index {
        Some(i) => {
            let data = member_bytes(path, &mut archive, bytes, i)?;
            Some(read_names(path, &members[i], &data)?)
        }
        None => None,
    };
    let data = member_bytes(path, &mut archive, bytes, scores_index)?;
    let member = &members[scores_index];
    let array = Array::parse(&data)
        .map_err(|e| Error::invalid(path, format!("member {member}, {}", e.at), e.message))?;
    array.predictions(path, &format!("member {member}, "), names.as_deref(), ids)
}

/// The bytes of member `index`: a slice of the map when stored, else decompressed.
fn member_bytes<'a>(
    path: &Path,
    archive: &mut ZipArchive<Cursor<&'a [u8]>>,
    bytes: &'a [u8],
    index: usize,
) -> Result<Cow<'a, [u8]>> {
    let mut member = archive.by_index(index).map_err(|e| {
        Error::invalid(
            path,
            format!("member #{index}"),
            format!("cannot read the member: {e}"),
        )
    })?;
    let name = member.name().map(|n| n.to_string()).unwrap_or_default();
    let corrupt = |what: String| Error::invalid(path, format!("member {name}"), what);
    if member.encrypted() {
        return Err(corrupt("the member is encrypted".into()));
    }
    if member.compression() == CompressionMethod::Stored {
        let start = member
            .data_start()
            .ok_or_else(|| corrupt("the member's data offset is unknown".into()))?;
        let end = start.checked_add(member.size());
        return match end.and_then(|end| bytes.get(start as usize..end as usize)) {
            Some(data) => Ok(Cow::Borrowed(data)),
            None => Err(corrupt(format!(
                "truncated: the member's {} bytes at offset {start} run past the end of the \
                 file ({} bytes)",
                member.size(),
                bytes.len()
            ))),
        };
    }
    // The declared size is the file's word, not a fact: it is checked against what the
    // compressed bytes can hold and a cap before anything is reserved, the buffer is reserved
    // no larger than deflate can produce from the member's bytes in this file, and it grows
    // only as data arrives. Decompression stops one byte past the declared size: a member
    // that inflates beyond it is corrupt (or a zip bomb), and is not decompressed to the end.
    let declared = member.size();
    let compressed = member.compressed_size();
    if compressed > bytes.len() as u64 {
        return Err(corrupt(format!(
            "the member claims {compressed} compressed bytes, more than the whole file ({} \
             bytes): the file is truncated or corrupt",
            bytes.len()
        )));
    }
    let possible = compressed
        .saturating_mul(MAX_DEFLATE_RATIO)
        .saturating_add(1024);
    if declared > possible {
        return Err(corrupt(format!(
            "the member declares {declared} bytes, more than its {compressed} compressed bytes \
             can inflate to: the file is corrupt"
        )));
    }
    if declared > MAX_MEMBER_BYTES {
        return Err(corrupt(format!(
            "the member declares {declared} bytes; a predictions array for the 50,000 \
             validation images needs at most about 400 MB (float64 scores [50000, 1001]), and \
             members over {MAX_MEMBER_BYTES} bytes are not read"
        )));
    }
    let mut data = Vec::with_capacity(declared.min(possible).min(1 << 26) as usize);
    (&mut member)
        .take(declared.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|e| corrupt(format!("cannot decompress the member: {e}")))?;
    if data.len() as u64 != declared {
        return Err(corrupt(format!(
            "the member inflates to {}{} bytes, not the {declared} its header declares",
            data.len(),
            if data.len() as u64 > declared {
                "+"
            } else {
                ""
            }
        )));
    }
    Ok(Cow::Owned(data))
}

/// The images named by a numpy string array (`<U…` or `|S…`, one dimension).
fn read_names(path: &Path, member: &str, data: &[u8]) -> Result<Vec<ImageId>> {
    let array = Array::parse(data)
        .map_err(|e| Error::invalid(path, format!("member {member}, {}", e.at), e.message))?;
    let at = format!("member {member}");
    if array.dtype.kind == 'O' {
        return Err(Error::invalid(
            path,
            at,
            "the file names are an object array, which numpy pickles and which cannot be read \
             safely: save them as strings, file_names=np.array(names, dtype=str)",
        ));
    }
    if !matches!(array.dtype.kind, 'U' | 'S') {
        return Err(Error::invalid(
            path,
            at,
            format!(
                "dtype {}: expected file names as strings (np.array(names, dtype=str))",
                array.dtype.descr
            ),
        ));
    }
    if array.shape.len() != 1 {
        return Err(Error::invalid(
            path,
            at,
            format!(
                "shape {:?}: expected one file name per row, a 1-D array",
                array.shape
            ),
        ));
    }
    let size = array.dtype.size;
    if size == 0 {
        return Err(Error::invalid(
            path,
            at,
            "the file names are all empty strings",
        ));
    }
    array
        .data
        .chunks_exact(size)
        .enumerate()
        .map(|(row, raw)| {
            let name = decode_name(raw, array.dtype.kind == 'U', array.dtype.big_endian);
            image_from_name(&name).map_err(|m| Error::invalid(path, format!("{at}[{row}]"), m))
        })
        .collect()
}

/// One element of a numpy string array: UTF-32 (`U`) or bytes (`S`), zero-padded.
fn decode_name(raw: &[u8], unicode: bool, big_endian: bool) -> String {
    if unicode {
        raw.chunks_exact(4)
            .map(|c| {
                let b = [c[0], c[1], c[2], c[3]];
                if big_endian {
                    u32::from_be_bytes(b)
                } else {
                    u32::from_le_bytes(b)
                }
            })
            .take_while(|&c| c != 0)
            .map(|c| char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect()
    } else {
        let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
        String::from_utf8_lossy(&raw[..end]).into_owned()
    }
}
