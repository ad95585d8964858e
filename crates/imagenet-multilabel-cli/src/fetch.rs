//! Getting the annotations file into the cache: downloaded over HTTP(S) with resume, or
//! imported from a local copy. Either way the file is verified by size and sha256 before it
//! appears under its final name, so a file under that name is always the right one.
//!
//! This lives in the CLI crate because the core library has no network code by design.
//! The functions take the expected size and sha256 as parameters ([`Expected`]) so they can
//! be exercised on small fixture files; the command passes [`Expected::v3`].
//!
//! A download goes to `NAME.part` beside the target. An interrupted download keeps its
//! `.part`, and the next attempt (in the same run, or a later one) asks for the rest with
//! `Range: bytes=N-`. A `.part` whose content turns out wrong is deleted rather than kept:
//! resuming cannot tell good bytes from bad ones, so a bad `.part` would fail every later run.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use imagenet_multilabel::atomic::AtomicFile;
use imagenet_multilabel::index::{V3_SHA256, V3_SIZE};
use indicatif::ProgressBar;
use sha2::{Digest, Sha256};

use crate::config::UsageError;

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

/// How a download copes with a slow or broken connection.
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

/// What [`download`] or [`import`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
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
        /// Wall time of the whole run.
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

/// Where a download into `target` keeps its partial data: `NAME.part` beside it.
pub fn part_path(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    target.with_file_name(name)
}

/// Compares the file at `path` with `expected` (size first, then sha256).
pub fn check(path: &Path, expected: &Expected, progress: &ProgressBar) -> Result<Check> {
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Check::Missing),
        Err(e) => return Err(imagenet_multilabel::Error::io(path, e).into()),
    };
    if !meta.is_file() {
        return Ok(Check::Differs("not a regular file".into()));
    }
    if meta.len() != expected.size {
        return Ok(Check::Differs(size_differs(meta.len(), expected.size)));
    }
    start_bar(progress, "verifying", expected.size, 0);
    let file = File::open(path).map_err(|e| imagenet_multilabel::Error::io(path, e))?;
    let mut hasher = Sha256::new();
    copy_hashing(file, io::sink(), &mut hasher, progress)
        .map_err(|e| imagenet_multilabel::Error::io(path, e))?;
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
///
/// A `from` that cannot be opened or does not match is bad input (exit code 2).
pub fn import(
    from: &Path,
    target: &Path,
    expected: &Expected,
    force: bool,
    progress: &ProgressBar,
) -> Result<Outcome> {
    let started = Instant::now();
    let meta =
        fs::metadata(from).map_err(|e| UsageError(format!("--from {}: {e}", from.display())))?;
    if !meta.is_file() {
        return Err(UsageError(format!("--from {}: not a regular file", from.display())).into());
    }
    // Importing the cached file onto itself: there is nothing to copy, only to verify.
    if same_file(from, target) {
        return match check(target, expected, progress)? {
            Check::Verified => Ok(Outcome::AlreadyPresent),
            Check::Differs(how) => Err(mismatch(from, &how)),
            Check::Missing => {
                Err(UsageError(format!("--from {}: vanished", from.display())).into())
            }
        };
    }
    if !force && check(target, expected, progress)? == Check::Verified {
        return Ok(Outcome::AlreadyPresent);
    }
    if meta.len() != expected.size {
        return Err(mismatch(from, &size_differs(meta.len(), expected.size)));
    }
    create_parent(target)?;
    let source =
        File::open(from).map_err(|e| UsageError(format!("--from {}: {e}", from.display())))?;
    let mut out = AtomicFile::create(target)?;
    let mut hasher = Sha256::new();
    start_bar(progress, "importing", expected.size, 0);
    let copied = copy_hashing(source, &mut out, &mut hasher, progress)
        .with_context(|| format!("copying {} to {}", from.display(), target.display()))?;
    if copied != expected.size {
        // The file changed size while we read it.
        return Err(mismatch(from, &size_differs(copied, expected.size)));
    }
    let sha256 = hex(&hasher.finalize());
    if sha256 != expected.sha256 {
        // Dropping `out` removes the temporary file: nothing appears under the final name.
        return Err(mismatch(from, &sha256_differs(&sha256, &expected.sha256)));
    }
    out.commit()?;
    sync_dir(target);
    Ok(Outcome::Imported {
        elapsed: started.elapsed(),
    })
}

/// Downloads `url` into `target`, resuming from `target`'s `.part` if there is one, and
/// renames it into place once its size and sha256 match `expected`. A verified `target` is
/// left alone unless `options.force`.
///
/// `progress` shows each phase (verifying what is there, downloading); the caller clears it.
/// `notice` receives one-line messages about retries and restarts as they happen.
/// Refusals (401, 403, 404, 410) are bad input (exit code 2); everything else that goes wrong
/// is a failure (exit code 1), with the `.part` kept for the next run where it can help.
pub fn download(
    url: &str,
    target: &Path,
    expected: &Expected,
    options: &Options,
    progress: &ProgressBar,
    notice: &mut dyn FnMut(&str),
) -> Result<Outcome> {
    let started = Instant::now();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(UsageError(format!(
            "--url {url:?}: expected an http:// or https:// URL"
        ))
        .into());
    }
    let part = part_path(target);
    if options.force {
        remove_if_present(&part)?;
    } else {
        match check(target, expected, progress)? {
            Check::Verified => return Ok(Outcome::AlreadyPresent),
            Check::Missing => {}
            Check::Differs(how) => notice(&format!(
                "{} is not the expected file ({how}); downloading it again",
                target.display()
            )),
        }
    }
    create_parent(target)?;
    let agent = agent(options.stall_timeout);
    // Said up front because without a terminal there is no progress bar to show it.
    match fs::metadata(&part).map(|m| m.len()) {
        Ok(have) if have > 0 => notice(&format!(
            "resuming {} ({have} bytes so far) from {url}",
            part.display()
        )),
        _ => notice(&format!("downloading {url} to {}", part.display())),
    }
    let mut state = Partial {
        path: part.clone(),
        hasher: Sha256::new(),
        hashed: 0,
        received: 0,
        resumed_from: None,
    };
    let mut requests = 0;
    let mut failures = 0;
    // Retries are for a connection that breaks, not for a server that cannot be reached at
    // all (offline, wrong host, refused): those fail at once.
    let mut reached = false;
    loop {
        let have = state.len()?;
        if have > expected.size {
            notice(&format!(
                "{} holds more than the {} bytes expected; starting over",
                part.display(),
                expected.size
            ));
            remove_if_present(&part)?;
            continue;
        }
        // A `.part` already complete (a run stopped between its last byte and the rename)
        // needs no request.
        if have == expected.size {
            state.resumed_from.get_or_insert(have);
            break;
        }
        requests += 1;
        let failure = match attempt(&agent, url, &mut state, have, expected, progress, notice) {
            Ok(()) => break,
            Err(Failure::Unreachable(error)) if !reached => {
                return Err(error.context(format!(
                    "could not reach {url}: check the network and --url, or import a copy \
                     with `imagenet-multilabel fetch --from FILE`"
                )))
            }
            Err(Failure::Unreachable(error)) => Failure::Transient {
                error: error.context(format!("requesting {url}")),
                progressed: false,
            },
            Err(other) => {
                reached = true;
                other
            }
        };
        match failure {
            Failure::Fatal(error) | Failure::Unreachable(error) => return Err(error),
            Failure::Transient { error, progressed } => {
                failures += 1;
                let have = state.len().unwrap_or(0);
                if failures > options.retries {
                    let kept = if have > 0 {
                        format!(
                            "; the {have} bytes received so far are kept in {} and the next \
                             `imagenet-multilabel fetch` resumes from there",
                            part.display()
                        )
                    } else {
                        String::new()
                    };
                    return Err(error.context(format!(
                        "downloading {url} failed after {requests} request(s){kept}"
                    )));
                }
                notice(&format!(
                    "{error:#}; retrying from byte {have} (retry {failures} of {})",
                    options.retries
                ));
                // A connection that delivered data is worth retrying at once; one that did
                // not suggests a struggling server, so back off.
                if !progressed {
                    std::thread::sleep(backoff(failures));
                }
            }
        }
    }
    let (received, resumed_from) = (state.received, state.resumed_from.unwrap_or(0));
    let sha256 = state.finish()?;
    if sha256 != expected.sha256 {
        remove_if_present(&part)?;
        return Err(anyhow!(
            "the file downloaded from {url} is not the expected one ({}); it was deleted \
             rather than kept as {}, since resuming it could never repair it. Run again, \
             or import a verified copy with --from FILE",
            sha256_differs(&sha256, &expected.sha256),
            part.display()
        ));
    }
    fs::rename(&part, target).map_err(|e| imagenet_multilabel::Error::io(target, e))?;
    sync_dir(target);
    Ok(Outcome::Downloaded {
        received,
        resumed_from,
        requests,
        elapsed: started.elapsed(),
    })
}

/// The `.part` file and the running sha256 of its first `hashed` bytes. Hashing as data
/// arrives avoids reading 200 MB again at the end; a prefix left by an earlier run is hashed
/// from disk once, when a server agrees to continue it.
struct Partial {
    path: PathBuf,
    hasher: Sha256,
    hashed: u64,
    /// Bytes received over the network in this run.
    received: u64,
    /// Where this run's first accepted response started writing: the bytes of an earlier
    /// run that were kept.
    resumed_from: Option<u64>,
}

impl Partial {
    /// Current length of the `.part` file (0 when absent).
    fn len(&self) -> Result<u64> {
        match fs::metadata(&self.path) {
            Ok(meta) => Ok(meta.len()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(imagenet_multilabel::Error::io(&self.path, e).into()),
        }
    }

    /// Opens the `.part` for writing at `offset` (0 truncates it) with the hash caught up.
    fn open_at(&mut self, offset: u64, progress: &ProgressBar) -> Result<BufWriter<File>> {
        let io_err = |e| imagenet_multilabel::Error::io(&self.path, e);
        self.resumed_from.get_or_insert(offset);
        if offset == 0 || self.hashed != offset {
            self.hasher = Sha256::new();
            self.hashed = 0;
        }
        if offset > 0 && self.hashed != offset {
            let file = File::open(&self.path).map_err(io_err)?;
            start_bar(progress, "verifying", offset, 0);
            self.hashed = copy_hashing(file.take(offset), io::sink(), &mut self.hasher, progress)
                .map_err(io_err)?;
        }
        let file = if offset == 0 {
            File::create(&self.path).map_err(io_err)?
        } else {
            OpenOptions::new()
                .append(true)
                .open(&self.path)
                .map_err(io_err)?
        };
        Ok(BufWriter::with_capacity(CHUNK, file))
    }

    /// Flushes and syncs the finished `.part` and returns its sha256.
    fn finish(self) -> Result<String> {
        // Write access: Windows cannot sync a file opened read-only.
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&self.path)
            .map_err(|e| imagenet_multilabel::Error::io(&self.path, e))?;
        file.sync_all()
            .map_err(|e| imagenet_multilabel::Error::io(&self.path, e))?;
        if self.hashed != self.len()? {
            // Completed before this run started: hash it from disk.
            let mut hasher = Sha256::new();
            copy_hashing(file, io::sink(), &mut hasher, &ProgressBar::hidden())
                .map_err(|e| imagenet_multilabel::Error::io(&self.path, e))?;
            return Ok(hex(&hasher.finalize()));
        }
        Ok(hex(&self.hasher.finalize()))
    }
}

/// Why one request did not complete the download.
enum Failure {
    /// Another request cannot help (a refusal, a wrong file, a local disk error).
    Fatal(anyhow::Error),
    /// No answer came (no connection, no response head): another request may succeed if
    /// the server has answered before.
    Unreachable(anyhow::Error),
    /// Another request may succeed; `progressed` says whether this one delivered any data.
    Transient {
        error: anyhow::Error,
        progressed: bool,
    },
}

fn fatal(error: impl Into<anyhow::Error>) -> Failure {
    Failure::Fatal(error.into())
}

/// One request: asks for the bytes from `have` on and appends what arrives to the `.part`.
fn attempt(
    agent: &ureq::Agent,
    url: &str,
    state: &mut Partial,
    have: u64,
    expected: &Expected,
    progress: &ProgressBar,
    notice: &mut dyn FnMut(&str),
) -> Result<(), Failure> {
    let mut request = agent.get(url);
    if have > 0 {
        request = request.header("Range", format!("bytes={have}-"));
    }
    let response = request.call().map_err(|e| call_failure(url, e))?;
    let status = response.status().as_u16();
    let announced = response
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let offset = match status {
        206 => {
            let value = response
                .headers()
                .get("content-range")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let range = parse_content_range(value).ok_or_else(|| {
                fatal(anyhow!(
                    "{url} answered 206 Partial Content with an unreadable Content-Range \
                     {value:?}; expected `bytes {have}-{}/{}`",
                    expected.size - 1,
                    expected.size
                ))
            })?;
            if range.start != have {
                return Err(fatal(anyhow!(
                    "{url} answered a request for the bytes from {have} on with the bytes from \
                     {} on (Content-Range {value:?})",
                    range.start
                )));
            }
            if range.total.is_some_and(|t| t != expected.size) {
                return Err(fatal(not_the_file(url, range.total.unwrap_or(0), expected)));
            }
            have
        }
        200 => {
            if have > 0 {
                notice(&format!(
                    "{url} does not support resuming (it answered 200 to a range request); \
                     starting over from byte 0"
                ));
            }
            if let Some(size) = announced.filter(|&s| s != expected.size) {
                return Err(fatal(not_the_file(url, size, expected)));
            }
            0
        }
        401 | 403 => return Err(fatal(UsageError(refused(url, status)))),
        404 | 410 => {
            return Err(fatal(UsageError(format!(
                "{url} answered {status}: there is no file there. Check --url, or import a \
                 copy with `imagenet-multilabel fetch --from FILE`"
            ))))
        }
        416 => {
            return Err(fatal(anyhow!(
                "{url} answered 416 Range Not Satisfiable to `Range: bytes={have}-`: the file \
                 there is shorter than the {have} bytes already in {}, so it is not the file \
                 that download started from. Run `imagenet-multilabel fetch --force` to \
                 discard the partial download and start over",
                state.path.display()
            )))
        }
        408 | 429 | 500..=599 => {
            return Err(Failure::Transient {
                error: anyhow!("{url} answered {status}"),
                progressed: false,
            })
        }
        _ => {
            return Err(fatal(anyhow!(
                "{url} answered {status}; expected 200 or 206"
            )))
        }
    };
    let mut out = state.open_at(offset, progress).map_err(Failure::Fatal)?;
    start_bar(progress, "downloading", expected.size, offset);
    let mut body = response.into_body().into_reader();
    let mut buf = vec![0u8; CHUNK];
    let mut position = offset;
    let disk = |e| fatal(imagenet_multilabel::Error::io(&state.path, e));
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                // Keep what arrived: it is a correct prefix and the next request continues it.
                out.flush().map_err(disk)?;
                return Err(Failure::Transient {
                    error: anyhow!("the connection to {url} broke at byte {position}: {e}"),
                    progressed: position > offset,
                });
            }
        };
        if position + n as u64 > expected.size {
            out.flush().map_err(disk)?;
            return Err(fatal(anyhow!(
                "{url} sent more than the {} bytes expected",
                expected.size
            )));
        }
        state.hasher.update(&buf[..n]);
        out.write_all(&buf[..n]).map_err(disk)?;
        state.hashed += n as u64;
        state.received += n as u64;
        position += n as u64;
        progress.set_position(position);
    }
    out.flush().map_err(disk)?;
    if position < expected.size {
        // A body without Content-Length that ended early.
        return Err(Failure::Transient {
            error: anyhow!(
                "the connection to {url} closed at byte {position} of {}",
                expected.size
            ),
            progressed: position > offset,
        });
    }
    Ok(())
}

/// Sorts an error from connecting, sending a request or reading the response head.
fn call_failure(url: &str, error: ureq::Error) -> Failure {
    let transient = matches!(
        error,
        ureq::Error::Io(_)
            | ureq::Error::Timeout(_)
            | ureq::Error::ConnectionFailed
            | ureq::Error::Protocol(_)
            | ureq::Error::BodyStalled
    );
    // The only request parts that come from the user are in the URL.
    if let ureq::Error::BadUri(_) | ureq::Error::Http(_) = &error {
        return Failure::Fatal(UsageError(format!("--url {url:?}: {error}")).into());
    }
    if transient {
        Failure::Unreachable(anyhow!(error))
    } else {
        Failure::Fatal(anyhow!(error).context(format!("requesting {url}")))
    }
}

/// The HTTP client: no status-as-error (statuses are sorted in [`attempt`]), identity
/// encoding (a compressed body would make byte ranges meaningless), and timeouts on every
/// phase except the body as a whole, which on a slow link may rightly take long.
fn agent(stall: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .accept_encoding("identity")
        .user_agent(concat!("imagenet-multilabel/", env!("CARGO_PKG_VERSION")))
        .timeout_resolve(Some(Duration::from_secs(30)))
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_send_request(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(stall))
        .timeout_per_read(Some(stall))
        .build()
        .into()
}

/// A parsed `Content-Range: bytes START-END/TOTAL` (`TOTAL` may be `*`).
#[derive(Debug, PartialEq, Eq)]
struct ContentRange {
    start: u64,
    end: u64,
    total: Option<u64>,
}

fn parse_content_range(value: &str) -> Option<ContentRange> {
    let rest = value.trim().strip_prefix("bytes")?.trim_start();
    let (span, total) = rest.split_once('/')?;
    let (start, end) = span.split_once('-')?;
    let range = ContentRange {
        start: start.trim().parse().ok()?,
        end: end.trim().parse().ok()?,
        total: match total.trim() {
            "*" => None,
            t => Some(t.parse().ok()?),
        },
    };
    (range.start <= range.end).then_some(range)
}

/// Pauses before retry `n` (1-based): 0.5 s, 1 s, 2 s, … at most 8 s.
fn backoff(n: u32) -> Duration {
    Duration::from_millis(500u64 << n.saturating_sub(1).min(4))
}

/// What to say when the server refuses the download.
fn refused(url: &str, status: u16) -> String {
    format!(
        "{url} refused the download (HTTP {status}). The official location has been \
         answering 403 (tensorflow/datasets#11123). Get a copy of human_accuracy_v3.0.0.json \
         elsewhere and import it with `imagenet-multilabel fetch --from FILE` (it is verified \
         by size and sha256), or download from a mirror with --url URL"
    )
}

fn not_the_file(url: &str, size: u64, expected: &Expected) -> anyhow::Error {
    anyhow!(
        "{url} offers a file of {size} bytes, but the expected file has {} bytes{}: it is \
         not the expected file. Check --url, or import a verified copy with --from FILE",
        expected.size,
        known_other(size, expected.size)
    )
}

/// The bad-input error for a `--from` file that is not the expected one.
fn mismatch(from: &Path, how: &str) -> anyhow::Error {
    imagenet_multilabel::Error::invalid(
        from,
        "whole file",
        format!("not the expected annotations file: {how}"),
    )
    .into()
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

/// Copies `from` to `to`, feeding every byte to `hasher` and advancing `progress`;
/// returns the byte count.
fn copy_hashing(
    mut from: impl Read,
    mut to: impl Write,
    hasher: &mut Sha256,
    progress: &ProgressBar,
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
        progress.inc(n as u64);
    }
}

/// Lowercase hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// Turns `progress` into a byte bar of `len` at `position`, labelled `what`, for the next
/// phase (verifying, downloading, importing). The caller clears it when all is done.
fn start_bar(progress: &ProgressBar, what: &'static str, len: u64, position: u64) {
    progress.set_length(len);
    progress.set_position(position);
    progress.set_message(what);
    // Bytes already there say nothing about this phase's speed.
    progress.reset_elapsed();
    progress.reset_eta();
}

fn create_parent(target: &Path) -> Result<()> {
    match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => {
            fs::create_dir_all(dir).map_err(|e| imagenet_multilabel::Error::io(dir, e).into())
        }
        _ => Ok(()),
    }
}

fn remove_if_present(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            Err(imagenet_multilabel::Error::io(path, e).into())
        }
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
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
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
    fn content_range_is_parsed_or_refused() {
        assert_eq!(
            parse_content_range("bytes 100-299/300"),
            Some(ContentRange {
                start: 100,
                end: 299,
                total: Some(300)
            })
        );
        assert_eq!(
            parse_content_range("bytes 5-9/*").map(|r| r.total),
            Some(None)
        );
        for bad in [
            "",
            "bytes",
            "bytes */300",
            "bytes 9-5/300",
            "items 0-1/2",
            "bytes 0-x/2",
        ] {
            assert_eq!(parse_content_range(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn part_file_sits_beside_the_target() {
        assert_eq!(
            part_path(Path::new("/c/human_accuracy_v3.0.0.json")),
            Path::new("/c/human_accuracy_v3.0.0.json.part")
        );
    }

    #[test]
    fn hex_and_check_agree_with_known_sha256() {
        // sha256("abc") from FIPS 180-2.
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(hex(&Sha256::digest(b"abc")), abc);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let bar = ProgressBar::hidden();
        let good = Expected {
            size: 3,
            sha256: abc.into(),
        };
        assert_eq!(check(&path, &good, &bar).unwrap(), Check::Missing);
        fs::write(&path, b"abc").unwrap();
        assert_eq!(check(&path, &good, &bar).unwrap(), Check::Verified);
        fs::write(&path, b"abd").unwrap();
        assert!(
            matches!(check(&path, &good, &bar).unwrap(), Check::Differs(m) if m.contains("sha256"))
        );
        fs::write(&path, b"ab").unwrap();
        assert!(
            matches!(check(&path, &good, &bar).unwrap(), Check::Differs(m) if m.contains("2 bytes"))
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
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1), Duration::from_millis(500));
        assert_eq!(backoff(2), Duration::from_secs(1));
        assert_eq!(backoff(9), Duration::from_secs(8));
    }

    #[test]
    fn v3_expectation_is_the_published_one() {
        let v3 = Expected::v3();
        assert_eq!(v3.size, 200_417_830);
        assert_eq!(v3.sha256.len(), 64);
    }
}
