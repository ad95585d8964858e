//! Random access by example number over one split of a built dataset (ours or TFDS's own: the
//! format is the same), for map-style loaders such as a PyTorch `Dataset`.
//!
//! Each shard gets an offset index, built on first use by one walk over its record headers
//! (12 bytes read per record, the length's CRC checked; the data are skipped) and kept in
//! memory; the record count is checked against `dataset_info.json` as the sequential reader
//! checks it. A record is then one positioned read of its whole frame, both CRCs checked.
//! Positioned reads share no file cursor, so one [`RandomAccess`] serves many threads.

use std::fs::File;
use std::io;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::OnceLock;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::example::{Example, Split};
use crate::images::{decode_rgb_with, Decode, RgbImage};
use crate::tfds::example::decode;
use crate::tfds::reader::Dataset;
use crate::tfds::record::{masked_crc32c, OVERHEAD};

/// One split of a [`Dataset`], readable by example number in stored order.
#[derive(Debug)]
pub struct RandomAccess {
    split: Split,
    shards: Vec<Shard>,
    /// `starts[k]` is the number of the first example of shard `k`; the last entry is the
    /// split's length.
    starts: Vec<u64>,
}

#[derive(Debug)]
struct Shard {
    path: PathBuf,
    expected: u64,
    opened: OnceLock<Opened>,
}

/// An open shard and the byte offset of each of its records, plus the file's length.
#[derive(Debug)]
struct Opened {
    file: File,
    offsets: Vec<u64>,
}

impl Dataset {
    /// Random access to the examples of `split`, numbered in stored order as
    /// [`Dataset::iter`] yields them. Nothing is read until an example is asked for.
    pub fn random_access(&self, split: Split) -> Result<RandomAccess> {
        let info = self.split(split).ok_or_else(|| {
            Error::Mismatch(format!(
                "{} has no split {}",
                self.dir().join("dataset_info.json").display(),
                split.name()
            ))
        })?;
        let mut starts = vec![0u64];
        let mut shards = Vec::with_capacity(info.shards.len());
        for (path, &expected) in info.shards.iter().zip(&info.shard_lengths) {
            starts.push(starts[starts.len() - 1] + expected);
            shards.push(Shard {
                path: path.clone(),
                expected,
                opened: OnceLock::new(),
            });
        }
        Ok(RandomAccess {
            split,
            shards,
            starts,
        })
    }
}

impl RandomAccess {
    /// The split.
    pub fn split(&self) -> Split {
        self.split
    }

    /// Number of examples, as `dataset_info.json` records it.
    pub fn len(&self) -> u64 {
        self.starts[self.starts.len() - 1]
    }

    /// Whether the split holds no example.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Example number `index` (0-based, stored order), with its JPEG bytes.
    pub fn get(&self, index: u64) -> Result<Example> {
        let (shard, k) = self.locate(index)?;
        let opened = shard.open()?;
        let at = opened.offsets[k];
        let end = opened.offsets[k + 1];
        let mut frame = vec![0u8; (end - at) as usize];
        read_exact_at(&opened.file, &mut frame, at).map_err(|e| Error::io(&shard.path, e))?;
        let bad = |m: String| Error::invalid(&shard.path, format!("record at byte {at}"), m);
        // The header was checked when the index was built; the file may have changed since.
        let (head, rest) = frame.split_at(12);
        let len_bytes: [u8; 8] = head[..8].try_into().unwrap_or_default();
        let stored_len_crc = u32::from_le_bytes(head[8..12].try_into().unwrap_or_default());
        let len = u64::from_le_bytes(len_bytes);
        if masked_crc32c(&len_bytes) != stored_len_crc || len + OVERHEAD != end - at {
            return Err(bad(
                "the record's header changed since the shard was indexed: the file was modified while open".into(),
            ));
        }
        let (data, foot) = rest.split_at(len as usize);
        let stored_crc = u32::from_le_bytes(foot.try_into().unwrap_or_default());
        if masked_crc32c(data) != stored_crc {
            return Err(bad(format!("bad data CRC for the {len}-byte record")));
        }
        decode(data).map_err(bad)
    }

    /// [`RandomAccess::get`] with the image decoded to RGB by `how` ([`Decode::Tfds`]: the
    /// pixels `tfds.load` yields). An image that does not decode is an error naming the shard,
    /// the example number and its file name.
    pub fn get_decoded(&self, index: u64, how: Decode) -> Result<(Example, RgbImage)> {
        let example = self.get(index)?;
        match decode_rgb_with(&example.image, how) {
            Ok(rgb) => Ok((example, rgb)),
            Err(e) => {
                let (shard, _) = self.locate(index)?;
                Err(Error::invalid(
                    &shard.path,
                    format!(
                        "example {index} of split {} ({})",
                        self.split.name(),
                        example.file_name
                    ),
                    e.to_string(),
                ))
            }
        }
    }

    /// The examples numbered `range`, read and passed through `f` in parallel on the current
    /// rayon pool (install one to choose the threads), in order. The range is clamped to the
    /// split. Each example has its own result, so one bad record does not hide the others.
    pub fn map_range<T, F>(&self, range: Range<u64>, f: F) -> Vec<Result<T>>
    where
        T: Send,
        F: Fn(u64, &RandomAccess) -> Result<T> + Sync,
    {
        let end = range.end.min(self.len());
        let start = range.start.min(end);
        (start..end).into_par_iter().map(|i| f(i, self)).collect()
    }

    /// Builds every shard's offset index now (otherwise each is built on first use), so that
    /// a corrupt or truncated shard is reported up front.
    pub fn index_all(&self) -> Result<()> {
        self.shards.iter().try_for_each(|s| s.open().map(|_| ()))
    }

    fn locate(&self, index: u64) -> Result<(&Shard, usize)> {
        if index >= self.len() {
            return Err(Error::Mismatch(format!(
                "example {index} is out of range: split {} holds {} examples",
                self.split.name(),
                self.len()
            )));
        }
        // The last shard whose first example is at or before `index`.
        let k = self.starts.partition_point(|&s| s <= index) - 1;
        Ok((&self.shards[k], (index - self.starts[k]) as usize))
    }
}

impl Shard {
    fn open(&self) -> Result<&Opened> {
        if let Some(o) = self.opened.get() {
            return Ok(o);
        }
        // Two threads may both index a shard the first time; one result is kept.
        let opened = self.index()?;
        Ok(self.opened.get_or_init(|| opened))
    }

    /// Opens the shard and walks its record headers. `offsets` gets one entry per record
    /// plus the end of the last one.
    fn index(&self) -> Result<Opened> {
        let path = &self.path;
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let bad = |at: u64, m: String| Error::invalid(path, format!("record at byte {at}"), m);
        let mut offsets = Vec::with_capacity(self.expected as usize + 1);
        let mut at = 0u64;
        while at < size {
            if offsets.len() as u64 == self.expected {
                return Err(bad(
                    at,
                    format!(
                        "dataset_info.json says this shard holds {} examples, it holds more",
                        self.expected
                    ),
                ));
            }
            let mut head = [0u8; 12];
            if size - at < head.len() as u64 {
                return Err(bad(
                    at,
                    format!(
                        "truncated record: the file ends {} bytes into the 12-byte header",
                        size - at
                    ),
                ));
            }
            read_exact_at(&file, &mut head, at).map_err(|e| Error::io(path, e))?;
            let len_bytes: [u8; 8] = head[..8].try_into().unwrap_or_default();
            let len = u64::from_le_bytes(len_bytes);
            if masked_crc32c(&len_bytes)
                != u32::from_le_bytes(head[8..].try_into().unwrap_or_default())
            {
                return Err(bad(
                    at,
                    format!("bad length CRC (length field says {len} bytes): not a TFRecord file, or corrupt"),
                ));
            }
            let room = size - at - 12;
            if len.saturating_add(4) > room {
                return Err(bad(
                    at,
                    format!(
                        "truncated record: expected {len} data bytes and a 4-byte CRC, the file holds {room}"
                    ),
                ));
            }
            offsets.push(at);
            at += len + OVERHEAD;
        }
        if offsets.len() as u64 != self.expected {
            return Err(Error::invalid(
                path,
                format!("end of file at byte {size}"),
                format!(
                    "the shard holds {} examples, dataset_info.json says {}",
                    offsets.len(),
                    self.expected
                ),
            ));
        }
        offsets.push(size);
        Ok(Opened { file, offsets })
    }
}

/// `pread`: reads exactly `buf.len()` bytes at `at`, without moving (or sharing) a cursor.
#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut at: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, at) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                at += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
