//! TFRecord framing: `u64le length | u32le masked_crc32c(length) | data | u32le masked_crc32c(data)`.
//!
//! The CRC is CRC-32C (Castagnoli), "masked" as TensorFlow does (rotate right by 15, add a
//! constant) so that a CRC stored inside CRC'd data does not look like a valid CRC of it.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Bytes of framing around every record: 8 (length) + 4 (its CRC) + 4 (the data's CRC).
pub const OVERHEAD: u64 = 16;

const MASK_DELTA: u32 = 0xa282_ead8;

/// The masked CRC-32C of `data`, as TFRecord stores it.
pub fn masked_crc32c(data: &[u8]) -> u32 {
    mask(crc32c::crc32c(data))
}

/// `crc`, a CRC-32C computed elsewhere (e.g. piecewise with `crc32c_append`), masked.
pub fn mask(crc: u32) -> u32 {
    crc.rotate_right(15).wrapping_add(MASK_DELTA)
}

/// The 12 bytes before a record of `len` bytes: its length and the length's masked CRC.
pub fn header(len: u64) -> [u8; 12] {
    let len = len.to_le_bytes();
    let mut h = [0u8; 12];
    h[..8].copy_from_slice(&len);
    h[8..].copy_from_slice(&masked_crc32c(&len).to_le_bytes());
    h
}

/// Appends `data`, framed as one record, to `out`.
pub fn append_framed(out: &mut Vec<u8>, data: &[u8]) {
    out.reserve(data.len() + OVERHEAD as usize);
    out.extend_from_slice(&header(data.len() as u64));
    out.extend_from_slice(data);
    out.extend_from_slice(&masked_crc32c(data).to_le_bytes());
}

/// Reads the records of one TFRecord file in order, checking both CRCs of each. Errors name
/// the file and the byte offset of the record concerned.
pub struct RecordReader<R> {
    inner: R,
    path: PathBuf,
    offset: u64,
}

impl<R: Read> RecordReader<R> {
    /// A reader of `inner`, whose errors name `path`.
    pub fn new(inner: R, path: impl AsRef<Path>) -> RecordReader<R> {
        RecordReader {
            inner,
            path: path.as_ref().to_path_buf(),
            offset: 0,
        }
    }

    /// The byte offset of the next record.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The file the records come from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the next record into `data` (replacing its contents) and returns the record's
    /// byte offset, or `None` at a clean end of file.
    pub fn next_into(&mut self, data: &mut Vec<u8>) -> Result<Option<u64>> {
        let at = self.offset;
        let mut head = [0u8; 12];
        let got = read_full(&mut self.inner, &mut head).map_err(|e| Error::io(&self.path, e))?;
        if got == 0 {
            return Ok(None);
        }
        if got < head.len() {
            return Err(self.bad(
                at,
                format!("truncated record: the file ends {got} bytes into the 12-byte header"),
            ));
        }
        let len_bytes: [u8; 8] = head[..8].try_into().unwrap_or_default();
        let len = u64::from_le_bytes(len_bytes);
        let stored = u32::from_le_bytes(head[8..].try_into().unwrap_or_default());
        if masked_crc32c(&len_bytes) != stored {
            return Err(self.bad(
                at,
                format!("bad length CRC (length field says {len} bytes): not a TFRecord file, or corrupt"),
            ));
        }
        data.clear();
        // `take` grows the buffer as bytes arrive, so a corrupt length cannot make us
        // allocate more than the file holds.
        let read = (&mut self.inner)
            .take(len)
            .read_to_end(data)
            .map_err(|e| Error::io(&self.path, e))? as u64;
        if read < len {
            return Err(self.bad(
                at,
                format!("truncated record: expected {len} data bytes, the file holds {read}"),
            ));
        }
        let mut foot = [0u8; 4];
        let got = read_full(&mut self.inner, &mut foot).map_err(|e| Error::io(&self.path, e))?;
        if got < 4 {
            return Err(self.bad(
                at,
                "truncated record: the file ends inside the data CRC".to_string(),
            ));
        }
        if masked_crc32c(data) != u32::from_le_bytes(foot) {
            return Err(self.bad(at, format!("bad data CRC for the {len}-byte record")));
        }
        self.offset += len + OVERHEAD;
        Ok(Some(at))
    }

    fn bad(&self, at: u64, message: String) -> Error {
        Error::invalid(&self.path, format!("record at byte {at}"), message)
    }
}

/// Reads until `buf` is full or the end of input; returns the bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn framing_matches_bytes_tensorflow_wrote() {
        // `tf.io.TFRecordWriter` writing b"hello" then b"" (TensorFlow 2.20).
        let tf = hex(concat!(
            "0500000000000000eab2043e68656c6c6fbb1f1c19",
            "000000000000000029039807d8ea82a2"
        ));
        let mut ours = Vec::new();
        append_framed(&mut ours, b"hello");
        append_framed(&mut ours, b"");
        assert_eq!(ours, tf);
        // The standard CRC-32C check value.
        assert_eq!(crc32c::crc32c(b"123456789"), 0xe306_9283);
    }

    #[test]
    fn frames_then_reads_back() {
        let mut buf = Vec::new();
        append_framed(&mut buf, b"hello");
        append_framed(&mut buf, b"");
        assert_eq!(buf.len(), 5 + 16 + 16);
        let mut r = RecordReader::new(&buf[..], "x.tfrecord");
        let mut data = Vec::new();
        assert_eq!(r.next_into(&mut data).unwrap(), Some(0));
        assert_eq!(data, b"hello");
        assert_eq!(r.next_into(&mut data).unwrap(), Some(21));
        assert!(data.is_empty());
        assert_eq!(r.next_into(&mut data).unwrap(), None);
    }

    #[test]
    fn corruption_is_reported_with_file_and_offset() {
        let mut buf = Vec::new();
        append_framed(&mut buf, b"first");
        append_framed(&mut buf, b"second");
        let mut data = Vec::new();

        let mut bad = buf.clone();
        bad[21 + 12 + 2] ^= 1; // a data byte of the second record
        let mut r = RecordReader::new(&bad[..], "s.tfrecord");
        r.next_into(&mut data).unwrap();
        let e = r.next_into(&mut data).unwrap_err().to_string();
        assert!(
            e.contains("s.tfrecord")
                && e.contains("record at byte 21")
                && e.contains("bad data CRC"),
            "{e}"
        );

        let mut bad = buf.clone();
        bad[0] ^= 1; // the first length
        let e = RecordReader::new(&bad[..], "s.tfrecord")
            .next_into(&mut data)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("record at byte 0") && e.contains("bad length CRC"),
            "{e}"
        );

        let cut = &buf[..buf.len() - 3];
        let mut r = RecordReader::new(cut, "s.tfrecord");
        r.next_into(&mut data).unwrap();
        let e = r.next_into(&mut data).unwrap_err().to_string();
        assert!(
            e.contains("record at byte 21") && e.contains("truncated"),
            "{e}"
        );

        let cut = &buf[..30];
        let mut r = RecordReader::new(cut, "s.tfrecord");
        r.next_into(&mut data).unwrap();
        let e = r.next_into(&mut data).unwrap_err().to_string();
        assert!(e.contains("12-byte header"), "{e}");
    }
}
