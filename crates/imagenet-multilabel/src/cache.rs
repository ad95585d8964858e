//! The parse cache: the index of one annotations file in a compact binary form, so a second
//! load of the same unchanged file takes milliseconds instead of a 200 MB parse.
//!
//! An entry is keyed by the file's canonical path, size, modification time (and inode on
//! Unix, so a different file renamed into place with the same mtime is noticed) and holds the
//! sha256 computed at the first load. One entry per source path: a changed file replaces its
//! entry. Entries are written atomically and end with a CRC-32C; anything that does not read
//! back perfectly — truncated, corrupt, another format or crate version, another key — is a
//! miss, never an error. Original labels are not stored: they come from the embedded tables,
//! which are always current.
//!
//! Layout (little-endian): magic `IMLANNC\0`, format u32, crate version (u8 length + bytes),
//! key (path: u32 length + bytes, size u64, mtime seconds i64 + nanoseconds u32, inode u64),
//! sha256 (32 bytes), record count u32, per record: image u32, problematic u8, three u16
//! list lengths and the u16 class ids; ImageNet-M count u32 and image numbers u32; CRC-32C
//! u32 of everything before it.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use sha2::{Digest, Sha256};

use crate::classes::{ClassId, ImageId};
use crate::error::{Error, Result};
use crate::index::{Annotations, ForeignGroup, Record};

const MAGIC: &[u8; 8] = b"IMLANNC\0";
/// Bumped whenever the layout or the parser's meaning changes.
const FORMAT: u32 = 2;

/// What identifies one state of one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    /// The canonical path.
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// Modification time: seconds since the Unix epoch (negative before it).
    pub mtime_secs: i64,
    /// Modification time: nanoseconds within the second.
    pub mtime_nanos: u32,
    /// The inode number on Unix; 0 elsewhere.
    pub inode: u64,
}

impl Key {
    /// The key of the file at `path` as it is now.
    pub fn of(path: &Path) -> io::Result<Key> {
        let canonical = fs::canonicalize(path)?;
        let meta = fs::metadata(&canonical)?;
        let modified = meta.modified()?;
        let (mtime_secs, mtime_nanos) = match modified.duration_since(UNIX_EPOCH) {
            Ok(d) => (d.as_secs() as i64, d.subsec_nanos()),
            Err(e) => {
                let d = e.duration();
                (-(d.as_secs() as i64) - 1, 1_000_000_000 - d.subsec_nanos())
            }
        };
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let inode = 0;
        Ok(Key {
            path: canonical,
            size: meta.len(),
            mtime_secs,
            mtime_nanos,
            inode,
        })
    }

    fn path_bytes(&self) -> Vec<u8> {
        #[cfg(unix)]
        {
            std::os::unix::ffi::OsStrExt::as_bytes(self.path.as_os_str()).to_vec()
        }
        #[cfg(not(unix))]
        {
            self.path.to_string_lossy().into_owned().into_bytes()
        }
    }
}

/// The file in `dir` that holds the entry for `key`'s path.
pub fn entry_path(dir: &Path, key: &Key) -> PathBuf {
    let digest = Sha256::digest(key.path_bytes());
    let name = crate::index::hex(&digest[..8]);
    dir.join(format!("annotations-{name}.bin"))
}

/// What a cache entry holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cached {
    /// The sha256 of the file, lowercase hex.
    pub sha256: String,
    /// The records (original labels filled from the embedded tables).
    pub records: Vec<Record>,
    /// The ImageNet-M images, in file order.
    pub imagenet_m: Vec<ImageId>,
    /// The non-validation keys of `initial_annots`, by prefix.
    pub foreign: Vec<ForeignGroup>,
}

/// The entry for `key` in `dir`, if there is a valid one.
pub fn read(dir: &Path, key: &Key) -> Option<Cached> {
    let bytes = fs::read(entry_path(dir, key)).ok()?;
    decode(&bytes, key)
}

/// Writes the entry for `key` (creating `dir` if needed), atomically.
pub fn write(dir: &Path, key: &Key, annotations: &Annotations) -> Result<()> {
    let too_long = annotations.records().iter().find(|r| {
        [&r.correct, &r.wrong, &r.unclear]
            .iter()
            .any(|l| l.len() > u16::MAX as usize)
    });
    if let Some(r) = too_long {
        return Err(Error::Mismatch(format!(
            "{} has a label list too long for the cache format",
            r.image
        )));
    }
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    crate::atomic::write(entry_path(dir, key), &encode(key, annotations))
}

/// The entry's bytes (label lists must be shorter than 65,536: [`write()`] checks).
pub fn encode(key: &Key, annotations: &Annotations) -> Vec<u8> {
    let records = annotations.records();
    let mut out = Vec::with_capacity(64 + records.len() * 16);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    let version = env!("CARGO_PKG_VERSION").as_bytes();
    out.push(version.len() as u8);
    out.extend_from_slice(version);
    encode_key(&mut out, key);
    out.extend_from_slice(&sha256_bytes(&annotations.source().sha256));
    out.extend_from_slice(&(records.len() as u32).to_le_bytes());
    for r in records {
        out.extend_from_slice(&r.image.0.to_le_bytes());
        out.push(u8::from(r.problematic));
        for list in [&r.correct, &r.wrong, &r.unclear] {
            out.extend_from_slice(&(list.len() as u16).to_le_bytes());
        }
        for list in [&r.correct, &r.wrong, &r.unclear] {
            for c in list.iter() {
                out.extend_from_slice(&c.0.to_le_bytes());
            }
        }
    }
    let m = annotations.imagenet_m();
    out.extend_from_slice(&(m.len() as u32).to_le_bytes());
    for image in m {
        out.extend_from_slice(&image.0.to_le_bytes());
    }
    let foreign = annotations.foreign();
    out.extend_from_slice(&(foreign.len() as u32).to_le_bytes());
    for g in foreign {
        out.extend_from_slice(&(g.prefix.len() as u32).to_le_bytes());
        out.extend_from_slice(g.prefix.as_bytes());
        out.extend_from_slice(&(g.count as u64).to_le_bytes());
    }
    let crc = crc32c::crc32c(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

fn encode_key(out: &mut Vec<u8>, key: &Key) {
    let path = key.path_bytes();
    out.extend_from_slice(&(path.len() as u32).to_le_bytes());
    out.extend_from_slice(&path);
    out.extend_from_slice(&key.size.to_le_bytes());
    out.extend_from_slice(&key.mtime_secs.to_le_bytes());
    out.extend_from_slice(&key.mtime_nanos.to_le_bytes());
    out.extend_from_slice(&key.inode.to_le_bytes());
}

/// 32 bytes from 64 hex digits (zeros for anything else: such an entry is never a hit, as
/// no real file hashes to zero).
fn sha256_bytes(hex: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    if hex.len() == 64 {
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0);
        }
    }
    out
}

/// Reads an entry; `None` unless it is intact, of this format and version, and for `key`.
pub fn decode(bytes: &[u8], key: &Key) -> Option<Cached> {
    let (body, crc) = bytes.split_last_chunk::<4>()?;
    if crc32c::crc32c(body) != u32::from_le_bytes(*crc) {
        return None;
    }
    let mut r = Reader(body);
    if r.take(8)? != MAGIC || r.u32()? != FORMAT {
        return None;
    }
    let version_len = r.take(1)?[0] as usize;
    if r.take(version_len)? != env!("CARGO_PKG_VERSION").as_bytes() {
        return None;
    }
    let mut expected_key = Vec::new();
    encode_key(&mut expected_key, key);
    if r.take(expected_key.len())? != expected_key {
        return None;
    }
    let sha = r.take(32)?;
    if sha.iter().all(|&b| b == 0) {
        return None;
    }
    let sha256 = crate::index::hex(sha);
    let count = r.u32()? as usize;
    // Each record takes at least 11 bytes: a corrupt count cannot make us allocate much.
    let mut records = Vec::with_capacity(count.min(r.0.len() / 11));
    for _ in 0..count {
        let image = ImageId::new(r.u32()?)?;
        let problematic = match r.take(1)?[0] {
            0 => false,
            1 => true,
            _ => return None,
        };
        let lens = [r.u16()?, r.u16()?, r.u16()?];
        let mut lists = lens.map(|n| Vec::with_capacity(n as usize));
        for (list, n) in lists.iter_mut().zip(lens) {
            for _ in 0..n {
                list.push(ClassId::new(r.u16()? as i64)?);
            }
        }
        records.push(Record::new(image, lists, problematic));
    }
    let m = r.u32()? as usize;
    let mut imagenet_m = Vec::with_capacity(m.min(r.0.len() / 4));
    for _ in 0..m {
        imagenet_m.push(ImageId::new(r.u32()?)?);
    }
    let groups = r.u32()? as usize;
    // Each group takes at least 12 bytes: a corrupt count cannot make us allocate much.
    let mut foreign = Vec::with_capacity(groups.min(r.0.len() / 12));
    for _ in 0..groups {
        let len = r.u32()? as usize;
        let prefix = std::str::from_utf8(r.take(len)?).ok()?.to_string();
        let count = usize::try_from(r.u64()?).ok()?;
        foreign.push(ForeignGroup { prefix, count });
    }
    if !r.0.is_empty() {
        return None;
    }
    Some(Cached {
        sha256,
        records,
        imagenet_m,
        foreign,
    })
}

/// A bounds-checked little-endian reader.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::annotations::{generate, Spec};
    use crate::index::{Source, Version};

    fn sample() -> (Key, Annotations) {
        let synthetic = generate(&Spec {
            per_class: 1,
            imagenet_m: 3,
            ..Spec::default()
        });
        let source = Source {
            path: PathBuf::from("a.json"),
            size: 10,
            sha256: "ab".repeat(32),
            version: Version::Unrecognised,
        };
        let a = Annotations::new(
            synthetic.records.clone(),
            synthetic.imagenet_m.clone(),
            source,
        )
        .unwrap()
        .with_foreign(synthetic.foreign());
        let key = Key {
            path: PathBuf::from("/x/a.json"),
            size: 10,
            mtime_secs: 1_700_000_000,
            mtime_nanos: 5,
            inode: 77,
        };
        (key, a)
    }

    #[test]
    fn entries_round_trip_and_reject_any_other_key() {
        let (key, a) = sample();
        let bytes = encode(&key, &a);
        let back = decode(&bytes, &key).unwrap();
        assert_eq!(back.sha256, "ab".repeat(32));
        assert_eq!(back.imagenet_m, a.imagenet_m());
        assert_eq!(back.foreign, a.foreign());
        assert!(!back.foreign.is_empty());
        let rebuilt = Annotations::new(back.records, back.imagenet_m, a.source().clone()).unwrap();
        assert_eq!(rebuilt.records(), a.records());
        for other in [
            Key {
                size: 11,
                ..key.clone()
            },
            Key {
                mtime_nanos: 6,
                ..key.clone()
            },
            Key {
                mtime_secs: 1,
                ..key.clone()
            },
            Key {
                inode: 78,
                ..key.clone()
            },
            Key {
                path: PathBuf::from("/x/b.json"),
                ..key.clone()
            },
        ] {
            assert!(decode(&bytes, &other).is_none(), "{other:?}");
        }
    }

    #[test]
    fn every_truncation_and_every_bit_flip_is_a_miss() {
        let (key, a) = sample();
        let bytes = encode(&key, &a);
        for len in (0..bytes.len()).step_by(7) {
            assert!(decode(&bytes[..len], &key).is_none(), "truncated to {len}");
        }
        for i in (0..bytes.len()).step_by(13) {
            let mut flipped = bytes.clone();
            flipped[i] ^= 0x10;
            assert!(decode(&flipped, &key).is_none(), "byte {i} flipped");
        }
    }

    #[test]
    fn entries_are_named_by_path_and_written_atomically() {
        let (key, a) = sample();
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("deep/cache");
        write(&cache, &key, &a).unwrap();
        let entry = entry_path(&cache, &key);
        assert!(entry
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("annotations-"));
        assert_eq!(fs::read_dir(&cache).unwrap().count(), 1);
        assert_eq!(read(&cache, &key).unwrap().records.len(), a.len());
        let other = Key {
            path: PathBuf::from("/y"),
            ..key.clone()
        };
        assert_ne!(entry_path(&cache, &other), entry);
        assert!(read(&cache, &other).is_none());
    }

    #[test]
    fn key_follows_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        fs::write(&path, "{}").unwrap();
        let key = Key::of(&path).unwrap();
        assert_eq!(key.size, 2);
        assert_eq!(key.path, fs::canonicalize(&path).unwrap());
        let again = Key::of(&dir.path().join(".").join("f.json")).unwrap();
        assert_eq!(again, key);
        fs::write(&path, "{} ").unwrap();
        assert_ne!(Key::of(&path).unwrap(), key);
        assert!(Key::of(&dir.path().join("missing")).is_err());
    }
}
