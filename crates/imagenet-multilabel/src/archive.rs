//! Reading `ILSVRC2012_img_val.tar`: first every header (seeking over the data, which is
//! cheap on a file), then the wanted members' bytes in one pass over a memory map.
//!
//! Why two phases: the TFDS layout needs every record's size before the first record is
//! written (shard boundaries depend on them), and the headers give exactly that. The data
//! pass then maps the tar a window at a time and lends the caller each wanted member's bytes
//! where they lie: nothing is copied into a buffer (the writer hands the slice to the kernel,
//! which makes the only copy), and memory does not depend on the archive's size. The pass
//! can also run on several threads, each over its own part of the tar.
//!
//! Labels never come from member order (TFDS zips the sorted member names with the label
//! file, so one missing image shifts every later label): a member is identified by the
//! number in its name, `ILSVRC2012_val_%08d.JPEG`, bare or under a directory.
//!
//! The header parser is our own (ustar, GNU `L` long names, pax `path`/`size` records) so
//! that every error can name the member and the byte offset. Members that are not regular
//! files, and hidden, absolute, `..` or `~` paths are skipped, as TFDS skips them.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::classes::{ImageId, NUM_VAL_IMAGES};
use crate::error::{Error, Result};

const BLOCK: u64 = 512;

/// Bytes of the tar mapped at a time by [`Archive::map_images`] (more when one member is
/// larger).
pub const MAP_WINDOW: u64 = 64 << 20;

/// The largest member accepted as an image. Real validation JPEGs are at most a few MB; the
/// cap keeps what one record may claim bounded whatever a corrupt header says.
pub const MAX_IMAGE_BYTES: u64 = 256 << 20;

/// One validation image in the archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The image, from the number in the member's name.
    pub image: ImageId,
    /// The member's full path in the archive.
    pub name: String,
    /// Byte offset of the member's data in the tar file.
    pub offset: u64,
    /// Size of the member's data (the JPEG) in bytes.
    pub size: u64,
}

/// A member that is not a validation image, and why it was left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ignored {
    /// The member's path.
    pub name: String,
    /// Why it was left out: `not a regular file`, `hidden or unsafe path` or
    /// `not a validation image name`.
    pub reason: &'static str,
}

/// The catalogue of an `ILSVRC2012_img_val.tar`: where every validation image is.
#[derive(Clone, Debug)]
pub struct Archive {
    path: PathBuf,
    len: u64,
    /// Validation images in file order.
    members: Vec<Member>,
    /// `slot[n]` is the position in `members` of image `n`, or `u32::MAX`.
    slot: Vec<u32>,
    ignored: Vec<Ignored>,
}

impl Archive {
    /// Reads every header of the tar at `path`. Fails if it is not a tar, is cut short,
    /// holds an image twice, or holds no validation image at all (the message says what
    /// it holds instead).
    pub fn open(path: impl AsRef<Path>) -> Result<Archive> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let mut archive = Archive {
            path: path.to_path_buf(),
            len,
            members: Vec::new(),
            slot: vec![u32::MAX; NUM_VAL_IMAGES as usize + 1],
            ignored: Vec::new(),
        };
        archive.scan(&file)?;
        if archive.members.is_empty() {
            return Err(archive.not_val_archive());
        }
        Ok(archive)
    }

    fn scan(&mut self, file: &File) -> Result<()> {
        let mut pos = 0u64;
        let mut block = [0u8; BLOCK as usize];
        // Overrides for the next entry, from GNU `L` and pax `x` headers.
        let mut long_name: Option<String> = None;
        let mut pax_size: Option<u64> = None;
        let mut last = String::new();
        loop {
            if pos + BLOCK > self.len {
                if pos == self.len && long_name.is_none() && pax_size.is_none() {
                    // No end-of-archive blocks: tolerated, as GNU tar tolerates it.
                    return Ok(());
                }
                return Err(self.truncated(pos, &last, "a 512-byte header"));
            }
            read_at(file, &mut block, pos).map_err(|e| Error::io(&self.path, e))?;
            if block.iter().all(|&b| b == 0) {
                return Ok(());
            }
            let header = Header::parse(&block).map_err(|what| {
                let message = if pos == 0 && block.starts_with(&[0x1f, 0x8b]) {
                    "a gzip-compressed file, not a plain tar: decompress it first (ILSVRC2012_img_val.tar is not compressed)".to_string()
                } else if pos == 0 {
                    format!("not a tar archive: the first 512 bytes are not a tar header ({what}); expected ILSVRC2012_img_val.tar")
                } else {
                    format!("corrupt tar header ({what}) after member {last}")
                };
                Error::invalid(&self.path, format!("byte offset {pos}"), message)
            })?;
            let size = pax_size.take().unwrap_or(header.size);
            let data = pos + BLOCK;
            let name = long_name.take().unwrap_or(header.name);
            if data.checked_add(size).is_none_or(|end| end > self.len) {
                return Err(self.truncated(
                    data,
                    &name,
                    &format!("{size} bytes of data for member {name}"),
                ));
            }
            match header.kind {
                b'L' => long_name = Some(self.read_text(file, data, size, "GNU long name")?),
                b'x' => {
                    let records = self.read_bytes(file, data, size, "pax header")?;
                    for (key, value) in pax_records(&records).map_err(|what| {
                        Error::invalid(
                            &self.path,
                            format!("byte offset {data}"),
                            format!("malformed pax header ({what}) after member {last}"),
                        )
                    })? {
                        match key {
                            "path" => long_name = Some(value.to_string()),
                            "size" => {
                                pax_size = Some(value.parse().map_err(|_| {
                                    Error::invalid(
                                        &self.path,
                                        format!("byte offset {data}"),
                                        format!("pax size {value:?} is not a number"),
                                    )
                                })?)
                            }
                            _ => {}
                        }
                    }
                }
                // Global pax headers, GNU long link names, volume labels: metadata only.
                b'g' | b'K' | b'V' => {}
                kind => {
                    self.add(kind, name.clone(), data, size)?;
                    last = name;
                }
            }
            pos = data + size.div_ceil(BLOCK) * BLOCK;
        }
    }

    fn add(&mut self, kind: u8, name: String, offset: u64, size: u64) -> Result<()> {
        let regular = matches!(kind, b'0' | 0 | b'7') && !name.ends_with('/');
        let reason = if !regular {
            "not a regular file"
        } else if !safe_path(&name) {
            "hidden or unsafe path"
        } else {
            let base = name.rsplit('/').next().unwrap_or(&name);
            match ImageId::from_file_name(base) {
                None => "not a validation image name",
                Some(image) => {
                    let slot = &mut self.slot[image.0 as usize];
                    if let Some(first) = self.members.get(*slot as usize) {
                        return Err(Error::invalid(
                            &self.path,
                            format!("byte offset {}", offset - BLOCK),
                            format!(
                                "duplicate member: {image} is stored twice, as {} at byte offset {} and as {name}",
                                first.name,
                                first.offset - BLOCK
                            ),
                        ));
                    }
                    *slot = self.members.len() as u32;
                    self.members.push(Member {
                        image,
                        name,
                        offset,
                        size,
                    });
                    return Ok(());
                }
            }
        };
        self.ignored.push(Ignored { name, reason });
        Ok(())
    }

    fn read_bytes(&self, file: &File, at: u64, size: u64, what: &str) -> Result<Vec<u8>> {
        // Names and pax records are short; anything larger is not a sane archive.
        if size > 1 << 20 {
            return Err(Error::invalid(
                &self.path,
                format!("byte offset {at}"),
                format!("{what} of {size} bytes (at most 1 MiB expected)"),
            ));
        }
        let mut bytes = vec![0u8; size as usize];
        read_at(file, &mut bytes, at).map_err(|e| Error::io(&self.path, e))?;
        Ok(bytes)
    }

    fn read_text(&self, file: &File, at: u64, size: u64, what: &str) -> Result<String> {
        let bytes = self.read_bytes(file, at, size, what)?;
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
        String::from_utf8(bytes[..end].to_vec()).map_err(|_| {
            Error::invalid(
                &self.path,
                format!("byte offset {at}"),
                format!("{what} is not UTF-8"),
            )
        })
    }

    fn truncated(&self, at: u64, member: &str, expected: &str) -> Error {
        let after = if member.is_empty() {
            String::new()
        } else {
            format!(" (member {member})")
        };
        Error::invalid(
            &self.path,
            format!("byte offset {at}{after}"),
            format!(
                "truncated tar: expected {expected} but the file ends at byte {}; was the download or copy interrupted?",
                self.len
            ),
        )
    }

    fn not_val_archive(&self) -> Error {
        let found = if self.ignored.is_empty() {
            "no files at all".to_string()
        } else {
            let first: Vec<String> = self
                .ignored
                .iter()
                .take(3)
                .map(|i| format!("{} ({})", i.name, i.reason))
                .collect();
            format!(
                "{} other member(s), e.g. {}",
                self.ignored.len(),
                first.join(", ")
            )
        };
        Error::invalid(
            &self.path,
            "its members",
            format!(
                "not the ImageNet validation archive: no member named like ILSVRC2012_val_00000001.JPEG; found {found}. Expected ILSVRC2012_img_val.tar (6.3 GB, 50,000 JPEGs)"
            ),
        )
    }

    /// The tar file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Size of the tar file in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the archive holds no validation image (never true for an opened archive).
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Every validation image, in file order.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// Where `image` is, if the archive has it. O(1).
    pub fn get(&self, image: ImageId) -> Option<&Member> {
        self.members.get(*self.slot.get(image.0 as usize)? as usize)
    }

    /// Members left out (not regular files, hidden or unsafe paths, other names).
    pub fn ignored(&self) -> &[Ignored] {
        &self.ignored
    }

    /// Size of every image by image number (index 0 unused; `None` when absent), the shape
    /// the TFDS writer takes to plan its shards.
    pub fn image_sizes(&self) -> Vec<Option<u64>> {
        let mut sizes = vec![None; NUM_VAL_IMAGES as usize + 1];
        for m in &self.members {
            sizes[m.image.0 as usize] = Some(m.size);
        }
        sizes
    }

    /// Calls `each` with every member `wanted` accepts and its bytes, in file order, on the
    /// calling thread, the bytes borrowed from a memory map of the tar: nothing is copied
    /// here, so a writer can hand them straight to the kernel. Stops at the first error.
    ///
    /// The tar is mapped a window of about [`MAP_WINDOW`] bytes at a time, each unmapped
    /// once its members are done, so the mapped pages held stay bounded (they count as the
    /// process's resident memory) whatever the tar's size.
    ///
    /// A map is only as stable as the file: were the tar truncated by another process
    /// *during* the pass, touching the lost pages would kill this process with SIGBUS (the
    /// choice ripgrep makes for its maps too; the archive is the user's own input, opened
    /// read-only). A tar already shorter than its headers said is reported as an error
    /// naming the member.
    pub fn map_images<E: From<Error>>(
        &self,
        wanted: impl Fn(ImageId) -> bool,
        mut each: impl FnMut(&Member, &[u8]) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let (file, chosen) = self.open_chosen(wanted)?;
        self.map_part(
            &file,
            &chosen,
            MAP_WINDOW,
            &AtomicBool::new(false),
            &mut each,
        )
    }

    /// [`Archive::map_images`] on `threads` threads at once, each over its own contiguous
    /// part of the wanted members (of about equal bytes; file order within a part), calling
    /// `each` from all of them. Stops soon after the first error, which it returns (of
    /// several, the one of the earliest part).
    pub fn par_map_images<E: From<Error> + Send>(
        &self,
        wanted: impl Fn(ImageId) -> bool,
        threads: usize,
        each: impl Fn(&Member, &[u8]) -> std::result::Result<(), E> + Sync,
    ) -> std::result::Result<(), E> {
        let (file, chosen) = self.open_chosen(wanted)?;
        let total: u64 = chosen.iter().map(|m| m.size).sum();
        let per_part = total.div_ceil(threads.max(1) as u64).max(1);
        let mut parts: Vec<&[&Member]> = Vec::new();
        let mut rest = &chosen[..];
        while !rest.is_empty() {
            let mut bytes = 0;
            let n = rest
                .iter()
                .take_while(|m| {
                    bytes += m.size;
                    bytes - m.size < per_part
                })
                .count()
                .max(1);
            let (part, later) = rest.split_at(n);
            parts.push(part);
            rest = later;
        }
        let stop = AtomicBool::new(false);
        let results: Vec<std::result::Result<(), E>> = std::thread::scope(|scope| {
            let handles: Vec<_> = parts
                .iter()
                .map(|part| {
                    let (file, stop, each) = (&file, &stop, &each);
                    scope.spawn(move || {
                        let result =
                            self.map_part(file, part, MAP_WINDOW, stop, &mut |m, b| each(m, b));
                        if result.is_err() {
                            stop.store(true, Ordering::Relaxed);
                        }
                        result
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(Error::Mismatch("a thread writing the images panicked".into()).into())
                    })
                })
                .collect()
        });
        results.into_iter().collect()
    }

    /// The tar, opened, and the members `wanted` accepts, checked to lie inside the file.
    fn open_chosen(&self, wanted: impl Fn(ImageId) -> bool) -> Result<(File, Vec<&Member>)> {
        let chosen: Vec<&Member> = self.members.iter().filter(|m| wanted(m.image)).collect();
        let file = File::open(&self.path).map_err(|e| Error::io(&self.path, e))?;
        let file_len = file.metadata().map_err(|e| Error::io(&self.path, e))?.len();
        if let Some(m) = chosen.iter().find(|m| m.size > MAX_IMAGE_BYTES) {
            return Err(Error::invalid(
                &self.path,
                format!("byte offset {} (member {})", m.offset, m.name),
                format!("{} bytes is no ImageNet JPEG (the largest is a few MB; at most {MAX_IMAGE_BYTES} accepted)", m.size),
            ));
        }
        if let Some(m) = chosen.iter().find(|m| m.offset + m.size > file_len) {
            return Err(Error::invalid(
                &self.path,
                format!("byte offset {} (member {})", m.offset, m.name),
                format!("the file ends at byte {file_len}, inside this member; was it truncated since the headers were read?"),
            ));
        }
        Ok((file, chosen))
    }

    /// Maps `members` (in file order, inside the file) `window` bytes at a time and hands
    /// each to `each`, until done, an error, or `stop`.
    fn map_part<E: From<Error>>(
        &self,
        file: &File,
        members: &[&Member],
        window: u64,
        stop: &AtomicBool,
        each: &mut impl FnMut(&Member, &[u8]) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let mut rest = members;
        while let Some(first) = rest.first() {
            // The members of this window: at least one, then as many as fit.
            let start = first.offset;
            let n = rest
                .iter()
                .skip(1)
                .take_while(|m| m.offset + m.size - start <= window)
                .count()
                + 1;
            let (window, later) = rest.split_at(n);
            rest = later;
            let end = window[n - 1].offset + window[n - 1].size;
            let len = usize::try_from(end - start).map_err(|_| {
                Error::invalid(
                    &self.path,
                    format!("byte offset {start}"),
                    "a member too large to map",
                )
            })?;
            if len == 0 {
                // Empty members only: nothing to map (a zero-length map is an error).
                for m in window {
                    each(m, &[])?;
                }
                continue;
            }
            // SAFETY: read-only and within the file's length; see `map_images` for truncation.
            let map = unsafe { memmap2::MmapOptions::new().offset(start).len(len).map(file) }
                .map_err(|e| Error::io(&self.path, e))?;
            for m in window {
                if stop.load(Ordering::Relaxed) {
                    return Ok(());
                }
                let at = (m.offset - start) as usize;
                each(m, &map[at..at + m.size as usize])?;
            }
        }
        Ok(())
    }
}

/// `pread` without the Unix-only API: header reads are few and small.
fn read_at(mut file: &File, buf: &mut [u8], at: u64) -> io::Result<()> {
    file.seek(SeekFrom::Start(at))?;
    file.read_exact(buf)
}

/// TFDS's rule (`os.path.normpath`, then no leading `.`, no absolute path, no trailing
/// `~`, no hidden base name), plus: no `..` anywhere.
fn safe_path(name: &str) -> bool {
    let mut rest = name;
    while let Some(r) = rest.strip_prefix("./") {
        rest = r;
    }
    let base = rest.rsplit('/').next().unwrap_or(rest);
    !(rest.is_empty()
        || rest.starts_with('/')
        || rest.starts_with('.')
        || rest.ends_with('~')
        || base.starts_with('.')
        || rest.split('/').any(|c| c == ".."))
}

/// The fields of a ustar/GNU header block we use.
struct Header {
    name: String,
    size: u64,
    kind: u8,
}

impl Header {
    fn parse(b: &[u8; 512]) -> std::result::Result<Header, String> {
        let stored = octal(&b[148..156]).ok_or("unreadable checksum field")?;
        let unsigned: u64 = b
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    x as u64
                }
            })
            .sum();
        let signed: i64 = b
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    x as i8 as i64
                }
            })
            .sum();
        if stored != unsigned && stored as i64 != signed {
            return Err(format!("checksum {stored} stored, {unsigned} computed"));
        }
        let size = size_field(&b[124..136]).ok_or("unreadable size field")?;
        let mut name = text(&b[0..100]);
        // POSIX ustar splits long paths into prefix/name; GNU uses those bytes otherwise.
        if &b[257..263] == b"ustar\0" {
            let prefix = text(&b[345..500]);
            if !prefix.is_empty() {
                name = format!("{prefix}/{name}");
            }
        }
        Ok(Header {
            name,
            size,
            kind: b[156],
        })
    }
}

fn text(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

fn octal(field: &[u8]) -> Option<u64> {
    let s = std::str::from_utf8(field).ok()?;
    let s = s.trim_matches(|c| c == ' ' || c == '\0');
    if s.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(s, 8).ok()
}

/// A size field: octal text, or GNU base-256 (high bit set) for sizes of 8 GiB and more.
fn size_field(field: &[u8]) -> Option<u64> {
    if field[0] & 0x80 != 0 {
        let mut v: u64 = u64::from(field[0] & 0x7f);
        for &b in &field[1..] {
            v = v.checked_mul(256)?.checked_add(u64::from(b))?;
        }
        Some(v)
    } else {
        octal(field)
    }
}

/// Parses pax records, `"LEN key=value\n"` each.
fn pax_records(mut bytes: &[u8]) -> std::result::Result<Vec<(&str, &str)>, String> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        if bytes.iter().all(|&b| b == 0) {
            break;
        }
        let space = bytes
            .iter()
            .position(|&b| b == b' ')
            .ok_or("a record without a length")?;
        let len: usize = std::str::from_utf8(&bytes[..space])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or("a record length that is not a number")?;
        if len <= space + 1 || len > bytes.len() || bytes[len - 1] != b'\n' {
            return Err(format!("a record length {len} that does not fit"));
        }
        let record = std::str::from_utf8(&bytes[space + 1..len - 1])
            .map_err(|_| "a record that is not UTF-8")?;
        let (key, value) = record.split_once('=').ok_or("a record without '='")?;
        out.push((key, value));
        bytes = &bytes[len..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::tar::{write, Naming, TarSpec};

    fn build(spec: &TarSpec) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ILSVRC2012_img_val.tar");
        write(&path, spec).unwrap();
        (dir, path)
    }

    fn read_all(archive: &Archive) -> Vec<(ImageId, Vec<u8>)> {
        let mut out = Vec::new();
        archive
            .map_images(
                |_| true,
                |m, bytes| -> Result<()> {
                    out.push((m.image, bytes.to_vec()));
                    Ok(())
                },
            )
            .unwrap();
        out
    }

    #[test]
    fn reads_every_naming_in_file_order() {
        for naming in [
            Naming::Bare,
            Naming::InDirectory("val".into()),
            Naming::InDirectory(format!("{}/val", "d".repeat(140))),
            Naming::Pax,
        ] {
            let mut spec = TarSpec::of((1..=30).map(ImageId), 11).leave_out(&[ImageId(7)]);
            spec.shuffle = true;
            spec.extras = true;
            spec.naming = naming.clone();
            let (_dir, path) = build(&spec);
            let archive = Archive::open(&path).unwrap();
            let got = read_all(&archive);
            let order: Vec<ImageId> = got.iter().map(|g| g.0).collect();
            assert_eq!(order, spec.order(), "{naming:?}");
            for (image, bytes) in &got {
                assert_eq!(bytes, &spec.jpeg(*image), "{naming:?} {image}");
                assert_eq!(archive.get(*image).unwrap().name, spec.member_name(*image));
            }
            assert!(archive.get(ImageId(7)).is_none());
            let sizes = archive.image_sizes();
            assert_eq!(sizes[7], None);
            assert_eq!(sizes[8], Some(spec.jpeg(ImageId(8)).len() as u64));
            let reasons: Vec<&str> = archive.ignored().iter().map(|i| i.reason).collect();
            assert_eq!(
                reasons,
                [
                    "not a regular file",
                    "not a regular file",
                    "hidden or unsafe path",
                    "hidden or unsafe path"
                ],
                "{naming:?}"
            );
        }
    }

    #[test]
    fn reads_only_the_wanted_images() {
        let (_dir, path) = build(&TarSpec::of((1..=50).map(ImageId), 2));
        let archive = Archive::open(&path).unwrap();
        let mut seen = Vec::new();
        archive
            .map_images(
                |i| i.0 % 10 == 3,
                |m, b| -> Result<()> {
                    assert_eq!(b.len() as u64, m.size);
                    seen.push(m.image.0);
                    Ok(())
                },
            )
            .unwrap();
        assert_eq!(seen, [3, 13, 23, 33, 43]);
    }

    #[test]
    fn a_callback_error_stops_the_pass() {
        let (_dir, path) = build(&TarSpec::of((1..=200).map(ImageId), 2));
        let archive = Archive::open(&path).unwrap();
        let mut n = 0;
        let err = archive
            .map_images(
                |_| true,
                |_, _| {
                    n += 1;
                    if n == 5 {
                        Err(Error::Mismatch("stop".into()))
                    } else {
                        Ok(())
                    }
                },
            )
            .unwrap_err();
        assert_eq!(err.to_string(), "stop");
        assert_eq!(n, 5);
    }

    #[test]
    fn mapped_passes_give_the_same_bytes() {
        let mut spec = TarSpec::of((1..=60).map(ImageId), 700).leave_out(&[ImageId(9)]);
        spec.shuffle = true;
        spec.naming = Naming::Pax;
        let (_dir, path) = build(&spec);
        let archive = Archive::open(&path).unwrap();
        let wanted = |i: ImageId| !i.0.is_multiple_of(3);
        let expected: Vec<(ImageId, Vec<u8>)> = spec
            .order()
            .into_iter()
            .filter(|&i| wanted(i))
            .map(|i| (i, spec.jpeg(i)))
            .collect();
        let mut seq = Vec::new();
        archive
            .map_images(wanted, |m, b| -> Result<()> {
                seq.push((m.image, b.to_vec()));
                Ok(())
            })
            .unwrap();
        assert_eq!(seq, expected);
        // Windows smaller than a member, a few members, many: the same bytes.
        let (file, chosen) = archive.open_chosen(wanted).unwrap();
        for window in [1, 2000, 5000, 1 << 20] {
            let mut got = Vec::new();
            archive
                .map_part(
                    &file,
                    &chosen,
                    window,
                    &AtomicBool::new(false),
                    &mut |m, b| {
                        got.push((m.image, b.to_vec()));
                        Ok::<(), Error>(())
                    },
                )
                .unwrap();
            assert_eq!(got, expected, "window {window}");
        }
        for threads in [1, 2, 3, 7, 100] {
            let got = std::sync::Mutex::new(Vec::new());
            archive
                .par_map_images(wanted, threads, |m, b| -> Result<()> {
                    got.lock().unwrap().push((m.image, b.to_vec()));
                    Ok(())
                })
                .unwrap();
            let mut got = got.into_inner().unwrap();
            let position = |i: ImageId| spec.order().iter().position(|&o| o == i);
            got.sort_by_key(|(i, _)| position(*i));
            assert_eq!(got, expected, "{threads} threads");
        }
    }

    #[test]
    fn mapped_passes_stop_at_errors_and_truncation() {
        let (_dir, path) = build(&TarSpec::of((1..=200).map(ImageId), 2));
        let archive = Archive::open(&path).unwrap();
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let err = archive
            .par_map_images(
                |_| true,
                2,
                |m, _| {
                    calls.fetch_add(1, Ordering::Relaxed);
                    if m.image == ImageId(30) {
                        Err(Error::Mismatch("stop at 30".into()))
                    } else {
                        Ok(())
                    }
                },
            )
            .unwrap_err();
        assert_eq!(err.to_string(), "stop at 30");
        // The other thread stops too, long before its 100 members (it may finish one).
        assert!(calls.load(Ordering::Relaxed) < 200);

        // Cut after the headers were read: an error naming the member, not a SIGBUS.
        let last = archive.get(ImageId(200)).unwrap().clone();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..(last.offset + 1) as usize]).unwrap();
        for par in [false, true] {
            let result = if par {
                archive.par_map_images(|_| true, 2, |_, _| Ok::<(), Error>(()))
            } else {
                archive.map_images(|_| true, |_, _| Ok::<(), Error>(()))
            };
            let msg = result.unwrap_err().to_string();
            assert!(
                msg.contains("ILSVRC2012_val_00000200.JPEG")
                    && msg.contains(&format!("byte offset {}", last.offset))
                    && msg.contains("truncated"),
                "{msg}"
            );
        }
    }

    #[test]
    fn truncated_archive_names_member_and_offset() {
        let (_dir, path) = build(&TarSpec::of((1..=5).map(ImageId), 2));
        let bytes = std::fs::read(&path).unwrap();
        let archive = Archive::open(&path).unwrap();
        let last = archive.get(ImageId(5)).unwrap().clone();
        std::fs::write(&path, &bytes[..(last.offset + 10) as usize]).unwrap();
        let msg = Archive::open(&path).unwrap_err().to_string();
        assert!(msg.contains("truncated tar"), "{msg}");
        assert!(msg.contains("ILSVRC2012_val_00000005.JPEG"), "{msg}");
        assert!(
            msg.contains(&format!("byte offset {}", last.offset)),
            "{msg}"
        );
        // Cut inside a header.
        std::fs::write(&path, &bytes[..(last.offset - 100) as usize]).unwrap();
        let msg = Archive::open(&path).unwrap_err().to_string();
        assert!(msg.contains("a 512-byte header"), "{msg}");
        assert!(msg.contains("ILSVRC2012_val_00000004.JPEG"), "{msg}");
    }

    #[test]
    fn duplicates_and_foreign_archives_are_refused() {
        let (_dir, path) = build(&TarSpec::of([ImageId(1), ImageId(2), ImageId(1)], 2));
        let msg = Archive::open(&path).unwrap_err().to_string();
        assert!(msg.contains("duplicate member"), "{msg}");
        assert!(msg.contains("ILSVRC2012_val_00000001.JPEG"), "{msg}");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("train.tar");
        let mut tar = tar::Builder::new(File::create(&path).unwrap());
        let mut h = tar::Header::new_gnu();
        h.set_size(3);
        tar.append_data(&mut h, "n01440764.tar", &b"abc"[..])
            .unwrap();
        tar.finish().unwrap();
        drop(tar);
        let msg = Archive::open(&path).unwrap_err().to_string();
        assert!(msg.contains("not the ImageNet validation archive"), "{msg}");
        assert!(
            msg.contains("n01440764.tar (not a validation image name)"),
            "{msg}"
        );

        std::fs::write(
            &path,
            b"PK\x03\x04 this is a zip file, not a tar".repeat(40),
        )
        .unwrap();
        let msg = Archive::open(&path).unwrap_err().to_string();
        assert!(msg.contains("not a tar archive"), "{msg}");
        assert!(msg.contains("byte offset 0"), "{msg}");

        let mut gz = vec![0x1f, 0x8b, 8, 0];
        gz.resize(1024, 7);
        std::fs::write(&path, &gz).unwrap();
        let msg = Archive::open(&path).unwrap_err().to_string();
        assert!(msg.contains("gzip-compressed"), "{msg}");

        std::fs::write(&path, b"").unwrap();
        let msg = Archive::open(&path).unwrap_err().to_string();
        assert!(msg.contains("found no files at all"), "{msg}");
    }

    #[test]
    fn path_rules_follow_tfds() {
        assert!(safe_path("ILSVRC2012_val_00000001.JPEG"));
        assert!(safe_path("./val/ILSVRC2012_val_00000001.JPEG"));
        assert!(!safe_path("/abs/ILSVRC2012_val_00000001.JPEG"));
        assert!(!safe_path("../ILSVRC2012_val_00000001.JPEG"));
        assert!(!safe_path("a/../ILSVRC2012_val_00000001.JPEG"));
        assert!(!safe_path("val/._ILSVRC2012_val_00000001.JPEG"));
        assert!(!safe_path(".hidden/ILSVRC2012_val_00000001.JPEG"));
        assert!(!safe_path("ILSVRC2012_val_00000001.JPEG~"));
    }

    #[test]
    fn garbage_never_panics() {
        let (_dir, path) = build(&TarSpec::of((1..=4).map(ImageId), 2));
        let good = std::fs::read(&path).unwrap();
        let mut rng = crate::fixture::Rng::new(9);
        for _ in 0..300 {
            let mut bytes = good.clone();
            for _ in 0..3 {
                // Aim at the headers, where the parser works.
                let i = rng.below(2048) as usize;
                bytes[i] = rng.next_u64() as u8;
            }
            std::fs::write(&path, &bytes).unwrap();
            if let Ok(a) = Archive::open(&path) {
                let _ = a.map_images(|_| true, |_, _| -> Result<()> { Ok(()) });
            }
        }
    }
}
