//! The HTTP(S) download with resume: `Range: bytes=N-` on the `.part`, hashing as data arrives.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::{
    check, copy_hashing, hex, part_path, remove_if_present, sha256_differs, sync_dir, Check, Error,
    Event, Expected, Options, Outcome, Phase, CHUNK,
};

/// Refuses a URL that is not http(s) before anything is done.
pub(crate) fn check_url(url: &str) -> Result<(), Error> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        Err(Error::BadUrl {
            url: url.to_string(),
            message: "expected an http:// or https:// URL".into(),
        })
    }
}

/// Downloads `url` into `target`, resuming from `target`'s `.part` if there is one, and
/// renames it into place once its size and sha256 match `expected`. A verified `target` is
/// left alone unless `options.force`. `official` says whether the URL is the official location
/// (see [`Error::is_bad_input`]). Called with the lock held.
pub(crate) fn download(
    url: &str,
    official: bool,
    target: &Path,
    expected: &Expected,
    options: &Options,
    events: &mut dyn FnMut(Event<'_>),
) -> Result<Outcome, Error> {
    let started = Instant::now();
    check_url(url)?;
    let part = part_path(target);
    if options.force {
        remove_if_present(&part)?;
    } else {
        match check(target, expected, events)? {
            Check::Verified => return Ok(Outcome::AlreadyPresent),
            Check::Missing => {}
            Check::Differs(how) => events(Event::Notice(&format!(
                "{} is not the expected file ({how}); downloading it again",
                target.display()
            ))),
        }
    }
    let agent = agent(options.stall_timeout);
    // Said up front because without a terminal there is no progress bar to show it.
    match fs::metadata(&part).map(|m| m.len()) {
        Ok(have) if have > 0 => events(Event::Notice(&format!(
            "resuming {} ({have} bytes so far) from {url}",
            part.display()
        ))),
        _ => events(Event::Notice(&format!(
            "downloading {url} to {}",
            part.display()
        ))),
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
            events(Event::Notice(&format!(
                "{} holds more than the {} bytes expected; starting over",
                part.display(),
                expected.size
            )));
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
        let request = Request {
            agent: &agent,
            url,
            official,
            expected,
        };
        let failure = match request.attempt(&mut state, have, events) {
            Ok(()) => break,
            Err(Failure::Unreachable(error)) if !reached => {
                return Err(Error::Unreachable {
                    url: url.to_string(),
                    source: Box::new(error),
                })
            }
            Err(Failure::Unreachable(error)) => Failure::Transient {
                error: Error::Download {
                    url: url.to_string(),
                    message: format!("requesting {url}"),
                    source: Some(Box::new(error)),
                },
                progressed: false,
            },
            Err(other) => {
                reached = true;
                other
            }
        };
        match failure {
            Failure::Fatal(error) => return Err(error),
            Failure::Unreachable(error) => {
                return Err(Error::Unreachable {
                    url: url.to_string(),
                    source: Box::new(error),
                })
            }
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
                    return Err(Error::Download {
                        url: url.to_string(),
                        message: format!(
                            "downloading {url} failed after {requests} request(s){kept}"
                        ),
                        source: Some(Box::new(error)),
                    });
                }
                events(Event::Notice(&format!(
                    "{}; retrying from byte {have} (retry {failures} of {})",
                    chain(&error),
                    options.retries
                )));
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
        return Err(Error::download(
            url,
            format!(
                "the file downloaded from {url} is not the expected one ({}); it was deleted \
                 rather than kept as {}, since resuming it could never repair it. Run again, \
                 or import a verified copy with --from FILE",
                sha256_differs(&sha256, &expected.sha256),
                part.display()
            ),
        ));
    }
    fs::rename(&part, target).map_err(|e| Error::io(target, e))?;
    sync_dir(target);
    Ok(Outcome::Downloaded {
        received,
        resumed_from,
        requests,
        elapsed: started.elapsed(),
    })
}

/// An error and its sources as one line, `a: b: c`.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
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
    fn len(&self) -> Result<u64, Error> {
        match fs::metadata(&self.path) {
            Ok(meta) => Ok(meta.len()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(Error::io(&self.path, e)),
        }
    }

    /// Opens the `.part` for writing at `offset` (0 truncates it) with the hash caught up.
    fn open_at(
        &mut self,
        offset: u64,
        events: &mut dyn FnMut(Event<'_>),
    ) -> Result<BufWriter<File>, Error> {
        let io_err = |e| Error::io(&self.path, e);
        self.resumed_from.get_or_insert(offset);
        if offset == 0 || self.hashed != offset {
            self.hasher = Sha256::new();
            self.hashed = 0;
        }
        if offset > 0 && self.hashed != offset {
            let file = File::open(&self.path).map_err(io_err)?;
            events(Event::Start {
                phase: Phase::Verifying,
                len: offset,
                position: 0,
            });
            self.hashed = copy_hashing(file.take(offset), io::sink(), &mut self.hasher, 0, events)
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
    fn finish(self) -> Result<String, Error> {
        let io_err = |e| Error::io(&self.path, e);
        // Write access: Windows cannot sync a file opened read-only.
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&self.path)
            .map_err(io_err)?;
        file.sync_all().map_err(io_err)?;
        if self.hashed != self.len()? {
            // Completed before this run started: hash it from disk (not reported: short).
            let mut hasher = Sha256::new();
            copy_hashing(file, io::sink(), &mut hasher, 0, &mut |_| {}).map_err(io_err)?;
            return Ok(hex(&hasher.finalize()));
        }
        Ok(hex(&self.hasher.finalize()))
    }
}

/// Why one request did not complete the download.
enum Failure {
    /// Another request cannot help (a refusal, a wrong file, a local disk error).
    Fatal(Error),
    /// No answer came (no connection, no response head): another request may succeed if
    /// the server has answered before.
    Unreachable(ureq::Error),
    /// Another request may succeed; `progressed` says whether this one delivered any data.
    Transient { error: Error, progressed: bool },
}

/// What one request needs besides the `.part`.
struct Request<'a> {
    agent: &'a ureq::Agent,
    url: &'a str,
    official: bool,
    expected: &'a Expected,
}

impl Request<'_> {
    fn fatal(&self, message: String) -> Failure {
        Failure::Fatal(Error::download(self.url, message))
    }

    fn transient(&self, message: String, source: Option<io::Error>, progressed: bool) -> Failure {
        Failure::Transient {
            error: Error::Download {
                url: self.url.to_string(),
                message,
                source: source.map(|e| Box::new(e) as crate::error::Source),
            },
            progressed,
        }
    }

    /// One request: asks for the bytes from `have` on and appends what arrives to the `.part`.
    fn attempt(
        &self,
        state: &mut Partial,
        have: u64,
        events: &mut dyn FnMut(Event<'_>),
    ) -> Result<(), Failure> {
        let (url, expected) = (self.url, self.expected);
        let mut request = self.agent.get(url);
        if have > 0 {
            request = request.header("Range", format!("bytes={have}-"));
        }
        let response = request.call().map_err(|e| self.call_failure(e))?;
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
                    self.fatal(format!(
                        "{url} answered 206 Partial Content with an unreadable Content-Range \
                         {value:?}; expected `bytes {have}-{}/{}`",
                        expected.size.saturating_sub(1),
                        expected.size
                    ))
                })?;
                if range.start != have {
                    return Err(self.fatal(format!(
                        "{url} answered a request for the bytes from {have} on with the bytes \
                         from {} on (Content-Range {value:?})",
                        range.start
                    )));
                }
                if let Some(total) = range.total.filter(|&t| t != expected.size) {
                    return Err(self.fatal(not_the_file(url, total, expected)));
                }
                have
            }
            200 => {
                if have > 0 {
                    events(Event::Notice(&format!(
                        "{url} does not support resuming (it answered 200 to a range \
                         request); starting over from byte 0"
                    )));
                }
                if let Some(size) = announced.filter(|&s| s != expected.size) {
                    return Err(self.fatal(not_the_file(url, size, expected)));
                }
                0
            }
            401 | 403 | 404 | 410 => return Err(Failure::Fatal(self.refused(status))),
            416 => {
                return Err(self.fatal(format!(
                    "{url} answered 416 Range Not Satisfiable to `Range: bytes={have}-`: the \
                     file there is shorter than the {have} bytes already in {}, so it is not \
                     the file that download started from. Run `imagenet-multilabel fetch \
                     --force` to discard the partial download and start over",
                    state.path.display()
                )))
            }
            408 | 429 | 500..=599 => {
                return Err(self.transient(format!("{url} answered {status}"), None, false))
            }
            _ => return Err(self.fatal(format!("{url} answered {status}; expected 200 or 206"))),
        };
        let mut out = state.open_at(offset, events).map_err(Failure::Fatal)?;
        events(Event::Start {
            phase: Phase::Downloading,
            len: expected.size,
            position: offset,
        });
        let mut body = response.into_body().into_reader();
        let mut buf = vec![0u8; CHUNK];
        let mut position = offset;
        let path = state.path.clone();
        let disk = |e| Failure::Fatal(Error::io(&path, e));
        loop {
            let n = match body.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // Keep what arrived: it is a correct prefix and the next request
                    // continues it.
                    out.flush().map_err(disk)?;
                    return Err(self.transient(
                        format!("the connection to {url} broke at byte {position}"),
                        Some(e),
                        position > offset,
                    ));
                }
            };
            if position + n as u64 > expected.size {
                out.flush().map_err(disk)?;
                return Err(self.fatal(format!(
                    "{url} sent more than the {} bytes expected",
                    expected.size
                )));
            }
            state.hasher.update(&buf[..n]);
            out.write_all(&buf[..n]).map_err(disk)?;
            state.hashed += n as u64;
            state.received += n as u64;
            position += n as u64;
            events(Event::Progress { position });
        }
        out.flush().map_err(disk)?;
        if position < expected.size {
            // A body without Content-Length that ended early.
            return Err(self.transient(
                format!(
                    "the connection to {url} closed at byte {position} of {}",
                    expected.size
                ),
                None,
                position > offset,
            ));
        }
        Ok(())
    }

    /// The error for a 401, 403, 404 or 410: bad input at a URL the user chose, an
    /// environment failure at the official location.
    fn refused(&self, status: u16) -> Error {
        let url = self.url;
        let what = if matches!(status, 404 | 410) {
            format!("{url} answered {status}: there is no file there.")
        } else {
            format!("{url} refused the download (HTTP {status}).")
        };
        let advice = if self.official {
            " The official location has been answering 403 at times \
             (tensorflow/datasets#11123). Get a copy of human_accuracy_v3.0.0.json elsewhere \
             and import it with `imagenet-multilabel fetch --from FILE` (it is verified by size \
             and sha256), or download from a mirror with --url URL"
        } else {
            " Check --url, or import a copy with `imagenet-multilabel fetch --from FILE` (it \
             is verified by size and sha256)"
        };
        Error::Refused {
            url: url.to_string(),
            status,
            official: self.official,
            message: format!("{what}{advice}"),
        }
    }

    /// Sorts an error from connecting, sending a request or reading the response head.
    fn call_failure(&self, error: ureq::Error) -> Failure {
        // The only request parts that come from the user are in the URL.
        if let ureq::Error::BadUri(_) | ureq::Error::Http(_) = &error {
            return Failure::Fatal(Error::BadUrl {
                url: self.url.to_string(),
                message: error.to_string(),
            });
        }
        let transient = matches!(
            error,
            ureq::Error::Io(_)
                | ureq::Error::Timeout(_)
                | ureq::Error::ConnectionFailed
                | ureq::Error::Protocol(_)
                | ureq::Error::BodyStalled
        );
        if transient {
            Failure::Unreachable(error)
        } else {
            Failure::Fatal(Error::Download {
                url: self.url.to_string(),
                message: format!("requesting {}", self.url),
                source: Some(Box::new(error)),
            })
        }
    }
}

/// The HTTP client: no status-as-error (statuses are sorted in [`Request::attempt`]),
/// identity encoding (a compressed body would make byte ranges meaningless), and timeouts on
/// every phase except the body as a whole, which on a slow link may rightly take long.
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

fn not_the_file(url: &str, size: u64, expected: &Expected) -> String {
    format!(
        "{url} offers a file of {size} bytes, but the expected file has {} bytes{}: it is \
         not the expected file. Check --url, or import a verified copy with --from FILE",
        expected.size,
        crate::known_other(size, expected.size)
    )
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
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1), Duration::from_millis(500));
        assert_eq!(backoff(2), Duration::from_secs(1));
        assert_eq!(backoff(9), Duration::from_secs(8));
    }

    #[test]
    fn only_http_urls_are_accepted() {
        assert!(check_url("https://h/f").is_ok());
        assert!(check_url("http://h/f").is_ok());
        let err = check_url("ftp://h/f").unwrap_err();
        assert!(err.is_bad_input());
        assert_eq!(
            err.to_string(),
            "--url \"ftp://h/f\": expected an http:// or https:// URL"
        );
    }
}
