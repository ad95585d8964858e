//! Getting the annotations file (`human_accuracy_v3.0.0.json`) into place: downloaded over
//! HTTP(S) with resume, or imported from a local copy. Either way the file is verified by size
//! and sha256 before it appears under its final name, so a file under that name is always the
//! right one.
//!
//! This is its own crate so that the core library stays free of network code; the CLI's
//! `fetch` command and the Python package both call [`fetch`], which reports progress through
//! a callback ([`Event`]) and draws nothing.
//!
//! A download goes to `NAME.part` beside the target. An interrupted download keeps its
//! `.part`, and the next attempt (in the same run, or a later one) asks for the rest with
//! `Range: bytes=N-`. A `.part` whose content turns out wrong is deleted rather than kept:
//! resuming cannot tell good bytes from bad ones, so a bad `.part` would fail every later run.
//!
//! One fetch at a time per target: [`fetch`] holds an exclusive lock on `NAME.lock` beside the
//! target for the whole run, so two runs never append to one `.part`. A second run waits for
//! the first (saying so through [`Event::Notice`]), then usually finds the file in place.
//!
//! ```no_run
//! use imagenet_multilabel_fetch::{fetch, Event, Expected, Options, Source};
//! let target = std::path::Path::new("cache/human_accuracy_v3.0.0.json");
//! let outcome = fetch(target, &Source::official(), &Expected::v3(), &Options::default(),
//!     &mut |event| if let Event::Notice(line) = event { eprintln!("{line}") })?;
//! # Ok::<(), imagenet_multilabel_fetch::Error>(())
//! ```

mod download;
mod error;

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use imagenet_multilabel::atomic::{self, AtomicFile};
use imagenet_multilabel::index::{hex, V3_SHA256, V3_SIZE, V3_URL};
use sha2::{Digest, Sha256};

pub use error::Error;

/// Size of the buffer data is streamed through (network → hash → disk).
const CHUNK: usize = 256 * 1024;

/// What a file must be to be accepted: its exact size and sha256.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    /// Size in bytes.
    pub size: u64,
    /// sha256, lowercase hex.
    pub sha256: String,
}

impl Expected {
    /// The real `human_accuracy_v3.0.0.json`.
    pub fn v3() -> Expected {
        Expected {
            size: V3_SIZE,
            sha256: V3_SHA256.to_string(),
        }
    }
}

/// Where the file comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The official location ([`Source::official`]; another URL only to stand in for it in
    /// tests). A refusal there is an environment failure (exit code 1).
    Official {
        /// The URL.
        url: String,
    },
    /// A URL the user chose (a mirror). A refusal there is bad input (exit code 2).
    Mirror {
        /// The URL.
        url: String,
    },
    /// A local copy to verify and copy in.
    File(PathBuf),
}

impl Source {
    /// The location the dataset's authors publish the file at.
    pub fn official() -> Source {
        Source::Official {
            url: V3_URL.to_string(),
        }
    }
}

/// How a fetch copes with a slow or broken connection, and with what is already there.
#[derive(Clone, Debug)]
pub struct Options {
    /// Give up on a connection that sends nothing for this long (then resume on a new one).
    pub stall_timeout: Duration,
    /// How many failed attempts (dropped or stalled connections, 5xx answers) to follow with
    /// another one before giving up.
    pub retries: u32,
    /// Fetch again even if a verified copy is in place, and discard any partial download.
    pub force: bool,
}

impl Default for Options {
    /// 30 s stall timeout, 5 retries, no force: what the CLI uses.
    fn default() -> Options {
        Options {
            stall_timeout: Duration::from_secs(30),
            retries: 5,
            force: false,
        }
    }
}

/// What [`fetch`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// A verified copy was already in place; nothing was done.
    AlreadyPresent,
    /// The file was downloaded and verified.
    Downloaded {
        /// Bytes received over the network in this run (more than the file's size when a
        /// server ignored a range request and the download started over).
        received: u64,
        /// Bytes of an earlier run's `.part` that this run kept (0 when it started afresh).
        resumed_from: u64,
        /// HTTP requests made.
        requests: u32,
        /// Wall time of the download (from the first check to the rename).
        elapsed: Duration,
    },
    /// A local copy was verified and copied in.
    Imported {
        /// Wall time of the copy.
        elapsed: Duration,
    },
}

/// The state of a file compared with what is expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Check {
    /// There is no file.
    Missing,
    /// Size and sha256 match.
    Verified,
    /// The file is there but is not the expected one; says how it differs.
    Differs(String),
}

/// A phase of a fetch that moves through bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Phase {
    /// Hashing a file already on disk (the target, or the kept part of a `.part`).
    Verifying,
    /// Receiving bytes from the server.
    Downloading,
    /// Copying a local copy in.
    Importing,
}

impl Phase {
    /// A short lowercase label ("verifying", "downloading", "importing").
    pub fn label(self) -> &'static str {
        match self {
            Phase::Verifying => "verifying",
            Phase::Downloading => "downloading",
            Phase::Importing => "importing",
        }
    }
}

/// What [`fetch`] reports while it works. A front end draws a bar from `Start`/`Progress` and
/// shows `Notice`s; ignoring every event is fine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event<'a> {
    /// A phase starts: `len` bytes in all, of which `position` are already done (the kept part
    /// of a resumed download).
    Start {
        /// Which phase.
        phase: Phase,
        /// Bytes in the phase.
        len: u64,
        /// Bytes already done.
        position: u64,
    },
    /// `position` bytes of the current phase are done.
    Progress {
        /// Bytes done.
        position: u64,
    },
    /// A one-line message about something the user may want to know as it happens: waiting
    /// for another fetch, a resume, a retry, a restart, a stale file removed.
    Notice(&'a str),
}

/// Where a download into `target` keeps its partial data: `NAME.part` beside it.
pub fn part_path(target: &Path) -> PathBuf {
    sibling(target, ".part")
}

/// The file [`fetch`] locks so that one fetch at a time works on `target`: `NAME.lock`
/// beside it. It is left in place (removing a lock file is racy); its content is the process
/// id of the last holder, for the message a waiting run shows.
pub fn lock_path(target: &Path) -> PathBuf {
    sibling(target, ".lock")
}

fn sibling(target: &Path, suffix: &str) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    target.with_file_name(name)
}

/// Puts a verified copy of the expected file at `target`: leaves a verified one alone (unless
/// `options.force`), else downloads or imports it from `source`. `target`'s directory is
/// created if needed.
///
/// Holds `target`'s lock ([`lock_path`]) for the whole run, waiting for another fetch that
/// holds it; once it holds the lock it removes the temporary files that interrupted imports
/// left beside `target` (no other fetch can be writing them).
///
/// `events` receives the phases, progress and notices as they happen. See [`Error`] for what
/// is bad input and what is an environment failure; a download that fails keeps its `.part`
/// for the next run where that can help.
pub fn fetch(
    target: &Path,
    source: &Source,
    expected: &Expected,
    options: &Options,
    events: &mut dyn FnMut(Event<'_>),
) -> Result<Outcome, Error> {
    // Checked before anything touches the disk: a usage error should change nothing.
    if let Source::Official { url } | Source::Mirror { url } = source {
        download::check_url(url)?;
    }
    if let Some(dir) = parent(target) {
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let _lock = Lock::acquire(target, events)?;
    remove_stale_temporaries(target, events);
    match source {
        Source::Official { url } => {
            download::download(url, true, target, expected, options, events)
        }
        Source::Mirror { url } => download::download(url, false, target, expected, options, events),
        Source::File(from) => import(from, target, expected, options.force, events),
    }
}

/// An exclusive lock on [`lock_path`], released when dropped (the OS releases it too when the
/// process dies, so a killed fetch never blocks the next one).
struct Lock {
    _file: Option<File>,
}

impl Lock {
    fn acquire(target: &Path, events: &mut dyn FnMut(Event<'_>)) -> Result<Lock, Error> {
        let path = lock_path(target);
        // Not truncated on open: the holder's process id is in it.
        let opened = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path);
        let mut file = match opened {
            Ok(file) => file,
            // A cache directory the user may not write (a shared, read-only copy): no fetch
            // can write there either, so there is nothing to exclude, and a verified file in
            // it must still be reported as present.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem
                ) =>
            {
                events(Event::Notice(&format!(
                    "{} cannot be created ({e}); going on without the lock",
                    path.display()
                )));
                return Ok(Lock { _file: None });
            }
            Err(e) => return Err(Error::io(&path, e)),
        };
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = holder(&mut file)
                    .map(|pid| format!(" (process {pid})"))
                    .unwrap_or_default();
                events(Event::Notice(&format!(
                    "another fetch{holder} is working on {}; waiting for it to finish \
                     (it holds the lock {})",
                    target.display(),
                    path.display()
                )));
                file.lock().map_err(|e| Error::io(&path, e))?;
            }
            // A file system without locks (some network mounts): going on unlocked is better
            // than refusing to fetch at all.
            Err(TryLockError::Error(e)) if e.kind() == io::ErrorKind::Unsupported => {
                events(Event::Notice(&format!(
                    "{} cannot be locked on this file system ({e}); make sure no other fetch \
                     runs at the same time",
                    path.display()
                )));
                return Ok(Lock { _file: None });
            }
            Err(TryLockError::Error(e)) => return Err(Error::io(&path, e)),
        }
        // Best effort: the id only makes a waiting run's message more useful. From the start:
        // reading the previous holder's id moved the cursor.
        let _ = file
            .set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| write!(file, "{}", std::process::id()))
            .and_then(|()| file.flush());
        Ok(Lock { _file: Some(file) })
    }
}

/// The process id written in a lock file, if it can be read (Windows does not let a locked
/// file be read).
fn holder(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

/// Removes the temporary files (`.NAME.tmp-PID`, see [`atomic::temp_name`]) that interrupted
/// imports into `target` left. Called with the lock held: no other fetch is running, so every
/// such file is stale whatever its process id says (ids are reused). Only names of exactly
/// that pattern for this target are touched; nothing else in the directory is.
fn remove_stale_temporaries(target: &Path, events: &mut dyn FnMut(Event<'_>)) {
    let Some(prefix) = temp_prefix(target) else {
        return;
    };
    let dir = parent(target).unwrap_or(Path::new("."));
    // Listing errors are not worth failing a fetch for either: the temporaries stay.
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        // A directory of that name is not ours to remove.
        if !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        // Housekeeping: a file that cannot be removed is reported, not a reason to fail.
        match fs::remove_file(&path) {
            Ok(()) => events(Event::Notice(&format!(
                "removed {}, a temporary file left by an interrupted fetch",
                path.display()
            ))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => events(Event::Notice(&format!(
                "could not remove {}, a temporary file left by an interrupted fetch: {e}",
                path.display()
            ))),
        }
    }
}

/// The file name of `target`'s temporary files up to the process id: the core library's
/// [`atomic::temp_name`] for this process, less this process's id. `None` if that naming ever
/// stops ending in the id (then nothing is cleaned up rather than the wrong files).
fn temp_prefix(target: &Path) -> Option<String> {
    let ours = atomic::temp_name(target);
    let name = ours.file_name()?.to_str()?;
    name.strip_suffix(&std::process::id().to_string())
        .map(str::to_string)
}

/// Compares the file at `path` with `expected` (size first, then sha256), reporting the
/// hashing as a [`Phase::Verifying`].
pub fn check(
    path: &Path,
    expected: &Expected,
    events: &mut dyn FnMut(Event<'_>),
) -> Result<Check, Error> {
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Check::Missing),
        Err(e) => return Err(Error::io(path, e)),
    };
    if !meta.is_file() {
        return Ok(Check::Differs("not a regular file".into()));
    }
    if meta.len() != expected.size {
        return Ok(Check::Differs(size_differs(meta.len(), expected.size)));
    }
    events(Event::Start {
        phase: Phase::Verifying,
        len: expected.size,
        position: 0,
    });
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut hasher = Sha256::new();
    copy_hashing(file, io::sink(), &mut hasher, 0, events).map_err(|e| Error::io(path, e))?;
    let sha256 = hex(&hasher.finalize());
    Ok(if sha256 == expected.sha256 {
        Check::Verified
    } else {
        Check::Differs(sha256_differs(&sha256, &expected.sha256))
    })
}

/// Imports the local copy `from` into `target`: checks its size, then copies it while hashing
/// into a temporary file beside `target` that is renamed into place only if the sha256
/// matches. A verified `target` is left alone unless `force`.
fn import(
    from: &Path,
    target: &Path,
    expected: &Expected,
    force: bool,
    events: &mut dyn FnMut(Event<'_>),
) -> Result<Outcome, Error> {
    let started = Instant::now();
    let bad = |message: String| Error::BadCopy {
        path: from.to_path_buf(),
        message,
    };
    let meta = fs::metadata(from).map_err(|e| bad(e.to_string()))?;
    if !meta.is_file() {
        return Err(bad("not a regular file".into()));
    }
    // Importing the cached file onto itself: there is nothing to copy, only to verify.
    if same_file(from, target) {
        return match check(target, expected, events)? {
            Check::Verified => Ok(Outcome::AlreadyPresent),
            Check::Differs(how) => Err(bad(mismatch(&how))),
            Check::Missing => Err(bad("vanished".into())),
        };
    }
    if !force && check(target, expected, events)? == Check::Verified {
        return Ok(Outcome::AlreadyPresent);
    }
    if meta.len() != expected.size {
        return Err(bad(mismatch(&size_differs(meta.len(), expected.size))));
    }
    let source = File::open(from).map_err(|e| bad(e.to_string()))?;
    let mut out = AtomicFile::create(target).map_err(|e| Error::from_core(e, target))?;
    let mut hasher = Sha256::new();
    events(Event::Start {
        phase: Phase::Importing,
        len: expected.size,
        position: 0,
    });
    let copied = copy_hashing(source, &mut out, &mut hasher, 0, events).map_err(|e| {
        Error::io(
            target,
            io::Error::new(e.kind(), format!("copying {}: {e}", from.display())),
        )
    })?;
    if copied != expected.size {
        // The file changed size while we read it.
        return Err(bad(mismatch(&size_differs(copied, expected.size))));
    }
    let sha256 = hex(&hasher.finalize());
    if sha256 != expected.sha256 {
        // Dropping `out` removes the temporary file: nothing appears under the final name.
        return Err(bad(mismatch(&sha256_differs(&sha256, &expected.sha256))));
    }
    out.commit().map_err(|e| Error::from_core(e, target))?;
    sync_dir(target);
    Ok(Outcome::Imported {
        elapsed: started.elapsed(),
    })
}

/// What a copy that is not the expected file is told.
fn mismatch(how: &str) -> String {
    format!("not the expected annotations file: {how}")
}

fn size_differs(actual: u64, expected: u64) -> String {
    format!(
        "it has {actual} bytes, expected {expected}{}",
        known_other(actual, expected)
    )
}

/// Size of the older `human_accuracy_fixed.json` (before the v3.0.0 corrections), which is
/// still downloadable and easy to mistake for the current file.
const FIXED_JSON_SIZE: u64 = 248_221_493;

/// Names the file a wrong size belongs to, when it is a known one.
fn known_other(actual: u64, expected: u64) -> &'static str {
    if expected == V3_SIZE && actual == FIXED_JSON_SIZE {
        " (that is the size of the older human_accuracy_fixed.json; v3.0.0 is \
         human_accuracy_v3.0.0.json)"
    } else {
        ""
    }
}

fn sha256_differs(actual: &str, expected: &str) -> String {
    format!("its sha256 is {actual}, expected {expected}")
}

/// Copies `from` to `to`, feeding every byte to `hasher` and reporting the position (counted
/// from `start`) after each chunk; returns the byte count.
fn copy_hashing(
    mut from: impl Read,
    mut to: impl Write,
    hasher: &mut Sha256,
    start: u64,
    events: &mut dyn FnMut(Event<'_>),
) -> io::Result<u64> {
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        to.write_all(&buf[..n])?;
        total += n as u64;
        events(Event::Progress {
            position: start + total,
        });
    }
}

/// `target`'s directory, unless it is the current one (an empty parent).
fn parent(target: &Path) -> Option<&Path> {
    target.parent().filter(|d| !d.as_os_str().is_empty())
}

fn remove_if_present(path: &Path) -> Result<(), Error> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(Error::io(path, e)),
        _ => Ok(()),
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Makes a rename into `target`'s directory durable. Best effort: some file systems do not
/// let a directory be opened or synced, and the data itself is already synced.
fn sync_dir(target: &Path) {
    #[cfg(unix)]
    if let Some(dir) = parent(target) {
        if let Ok(dir) = File::open(dir) {
            let _ = dir.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = target;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_and_lock_sit_beside_the_target() {
        let target = Path::new("/c/human_accuracy_v3.0.0.json");
        assert_eq!(
            part_path(target),
            Path::new("/c/human_accuracy_v3.0.0.json.part")
        );
        assert_eq!(
            lock_path(target),
            Path::new("/c/human_accuracy_v3.0.0.json.lock")
        );
    }

    #[test]
    fn temp_prefix_matches_the_core_temporary_names() {
        let target = Path::new("/c/human_accuracy_v3.0.0.json");
        let prefix = temp_prefix(target).unwrap();
        assert_eq!(prefix, ".human_accuracy_v3.0.0.json.tmp-");
        let ours = atomic::temp_name(target);
        assert_eq!(
            ours.file_name().unwrap().to_str().unwrap(),
            format!("{prefix}{}", std::process::id())
        );
    }

    #[test]
    fn hex_and_check_agree_with_known_sha256() {
        // sha256("abc") from FIPS 180-2.
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(hex(&Sha256::digest(b"abc")), abc);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let mut seen = Vec::new();
        let mut events = |e: Event<'_>| seen.push(format!("{e:?}"));
        let good = Expected {
            size: 3,
            sha256: abc.into(),
        };
        assert_eq!(check(&path, &good, &mut events).unwrap(), Check::Missing);
        fs::write(&path, b"abc").unwrap();
        assert_eq!(check(&path, &good, &mut events).unwrap(), Check::Verified);
        fs::write(&path, b"abd").unwrap();
        assert!(
            matches!(check(&path, &good, &mut events).unwrap(), Check::Differs(m) if m.contains("sha256"))
        );
        fs::write(&path, b"ab").unwrap();
        assert!(
            matches!(check(&path, &good, &mut events).unwrap(), Check::Differs(m) if m.contains("2 bytes"))
        );
        // Two hashings reported, each a start and its progress; nothing for the wrong size.
        assert_eq!(
            seen,
            [
                "Start { phase: Verifying, len: 3, position: 0 }",
                "Progress { position: 3 }",
                "Start { phase: Verifying, len: 3, position: 0 }",
                "Progress { position: 3 }",
            ]
        );
    }

    #[test]
    fn the_older_annotations_file_is_recognised_by_its_size() {
        assert!(size_differs(248_221_493, V3_SIZE).contains("human_accuracy_fixed.json"));
        assert!(!size_differs(248_221_493, 10).contains("human_accuracy_fixed.json"));
        assert_eq!(
            size_differs(5, V3_SIZE),
            "it has 5 bytes, expected 200417830"
        );
    }

    #[test]
    fn v3_expectation_is_the_published_one() {
        let v3 = Expected::v3();
        assert_eq!(v3.size, 200_417_830);
        assert_eq!(v3.sha256.len(), 64);
        assert_eq!(Source::official(), Source::Official { url: V3_URL.into() });
    }

    #[test]
    fn exit_code_rule_for_refusals_depends_on_who_chose_the_url() {
        let refused = |official| Error::Refused {
            url: "http://h/f".into(),
            status: 403,
            official,
            message: String::new(),
        };
        assert!(!refused(true).is_bad_input());
        assert!(refused(false).is_bad_input());
    }
}
