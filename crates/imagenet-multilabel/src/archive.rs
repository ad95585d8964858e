//! Reading `ILSVRC2012_img_val.tar`: first every header (seeking over the data, which is
//! cheap on a file), then the wanted members' bytes in one sequential pass.
//!
//! Why two phases: the TFDS layout needs every record's size before the first record is
//! written (shard boundaries depend on them), and the headers give exactly that. The data
//! pass then reads the wanted members front to back on its own thread, each straight into
//! its own buffer, handing one image at a time to the caller through a small bounded
//! channel, so memory does not depend on the archive's size.
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
use std::sync::mpsc;

use crate::classes::{ImageId, NUM_VAL_IMAGES};
use crate::error::{Error, Result};

const BLOCK: u64 = 512;

/// The largest member read into memory. Real validation JPEGs are at most a few MB; the cap
/// keeps memory bounded whatever a corrupt header claims.
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

    /// Reads the members `wanted` accepts, in file order, in one sequential pass on a reader
    /// thread, and calls `each` with each member and its bytes on the calling thread. At
    /// most a few dozen images are in flight. Stops at the first error, from the file or
    /// from `each`.
    pub fn read_images<E: From<Error>>(
        &self,
        wanted: impl Fn(ImageId) -> bool,
        mut each: impl FnMut(&Member, Vec<u8>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let chosen: Vec<&Member> = self.members.iter().filter(|m| wanted(m.image)).collect();
        let file = File::open(&self.path).map_err(|e| Error::io(&self.path, e))?;
        let (tx, rx) = mpsc::sync_channel::<Result<Vec<u8>>>(32);
        std::thread::scope(|scope| {
            // Owned by this closure, so an early return drops it, which unblocks and stops
            // the reader before the scope joins it.
            let rx = rx;
            let chosen = &chosen;
            scope.spawn(move || {
                for m in chosen {
                    let bytes = read_member(&file, m).map_err(|e| {
                        let at = format!("byte offset {} (member {})", m.offset, m.name);
                        if e.kind() == io::ErrorKind::UnexpectedEof {
                            Error::invalid(&self.path, at, "the file ended while reading this member; was it truncated since the headers were read?")
                        } else {
                            Error::invalid(&self.path, at, format!("cannot read the member: {e}"))
                        }
                    });
                    let failed = bytes.is_err();
                    // A closed channel means the consumer stopped: stop too.
                    if tx.send(bytes).is_err() || failed {
                        return;
                    }
                }
            });
            for m in chosen.iter() {
                match rx.recv() {
                    Ok(Ok(bytes)) => each(m, bytes)?,
                    Ok(Err(e)) => return Err(e.into()),
                    Err(_) => {
                        return Err(Error::invalid(
                            &self.path,
                            format!("member {}", m.name),
                            "the reader thread stopped early",
                        )
                        .into())
                    }
                }
            }
            Ok(())
        })
    }
}

/// `pread` without the Unix-only API: header reads are few and small.
fn read_at(mut file: &File, buf: &mut [u8], at: u64) -> io::Result<()> {
    file.seek(SeekFrom::Start(at))?;
    file.read_exact(buf)
}

/// Reads one member straight into its own buffer: one copy out of the page cache, no
/// zero-filling, and only the wanted bytes (a buffered reader would copy the members in
/// between too). Reads come in file order, so the kernel's readahead streams the file.
fn read_member(mut file: &File, m: &Member) -> io::Result<Vec<u8>> {
    if m.size > MAX_IMAGE_BYTES {
        return Err(io::Error::other(format!(
            "{} bytes is no ImageNet JPEG (the largest is a few MB; at most {MAX_IMAGE_BYTES} accepted)",
            m.size
        )));
    }
    file.seek(SeekFrom::Start(m.offset))?;
    let mut bytes = Vec::with_capacity(m.size as usize);
    file.take(m.size).read_to_end(&mut bytes)?;
    if bytes.len() as u64 != m.size {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(bytes)
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
            .read_images(
                |_| true,
                |m, bytes| -> Result<()> {
                    out.push((m.image, bytes));
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
            .read_images(
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
            .read_images(
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
                let _ = a.read_images(|_| true, |_, _| -> Result<()> { Ok(()) });
            }
        }
    }
}
