//! `imagenet-multilabel fetch` end to end: the built binary against a scripted HTTP server on
//! 127.0.0.1 that misbehaves precisely (drops, stalls, ignores ranges, refuses). Each test
//! uses a small fixture file and the hidden `--expect-size`/`--expect-sha256` overrides; every
//! server connection and every run of the binary has a time limit, so no test can hang.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use sha2::{Digest, Sha256};

const NAME: &str = "human_accuracy_v3.0.0.json";

/// 300 KiB of deterministic pseudo-random bytes: larger than the client's buffers, so a
/// connection dropped "halfway" really leaves a partial file.
fn fixture() -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..300 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// How the server answers one connection.
#[derive(Clone, Debug)]
enum Reply {
    /// 200 with the whole body, whatever the request asked.
    Full,
    /// 206 with the requested range (200 with everything when none was asked).
    Ranged,
    /// Like `Ranged`, but the connection closes after this many body bytes.
    DropAfter(usize),
    /// Like `Ranged`, but after this many body bytes the server goes silent for a while.
    StallAfter(usize),
    /// Like `Ranged`, but pauses 1.5 s (less than the client's stall timeout) after this many
    /// body bytes, then sends the rest: a download that takes a while and succeeds.
    PauseAfter(usize),
    /// This status and a short text body.
    Status(u16),
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
struct Seen {
    path: String,
    range: Option<String>,
}

/// A server that answers one connection per scripted reply, in order, then stops listening.
struct Server {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    fn start(body: Vec<u8>, script: Vec<Reply>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/files/{NAME}", listener.local_addr().unwrap());
        listener.set_nonblocking(true).unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let body = Arc::new(body);
        thread::spawn(move || {
            // Bounded: a client that never comes does not keep the thread forever.
            let deadline = Instant::now() + Duration::from_secs(30);
            for reply in script {
                let stream = loop {
                    match listener.accept() {
                        Ok((stream, _)) => break stream,
                        Err(_) if Instant::now() < deadline => {
                            thread::sleep(Duration::from_millis(5))
                        }
                        Err(_) => return,
                    }
                };
                let (log, body) = (Arc::clone(&log), Arc::clone(&body));
                // Each connection on its own thread, so a stalled one does not hold up the next.
                thread::spawn(move || {
                    let _ = answer(stream, &body, &reply, &log);
                });
            }
        });
        Server { url, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn answer(
    mut stream: TcpStream,
    body: &[u8],
    reply: &Reply,
    log: &Mutex<Vec<Seen>>,
) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .to_string();
    let mut range = None;
    for _ in 0..100 {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("range") {
                range = Some(value.trim().to_string());
            }
        }
    }
    log.lock().unwrap().push(Seen {
        path,
        range: range.clone(),
    });
    let start = range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|r| r.parse::<usize>().ok());
    let (head, from, cut) = match reply {
        Reply::Status(code) => {
            let text = format!("status {code}\n");
            write!(
                stream,
                "HTTP/1.1 {code} Scripted\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                text.len()
            )?;
            return Ok(());
        }
        Reply::Full => (ok_head(body.len()), 0, None),
        Reply::Ranged | Reply::DropAfter(_) | Reply::StallAfter(_) | Reply::PauseAfter(_) => {
            let cut = match reply {
                Reply::DropAfter(n) | Reply::StallAfter(n) | Reply::PauseAfter(n) => Some(*n),
                _ => None,
            };
            match start {
                Some(s) if s >= body.len() => {
                    write!(
                        stream,
                        "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{}\r\n\
                         Content-Length: 0\r\nConnection: close\r\n\r\n",
                        body.len()
                    )?;
                    return Ok(());
                }
                Some(s) => (
                    format!(
                        "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {s}-{}/{}\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len() - 1,
                        body.len(),
                        body.len() - s
                    ),
                    s,
                    cut,
                ),
                None => (ok_head(body.len()), 0, cut),
            }
        }
    };
    stream.write_all(head.as_bytes())?;
    let end = cut.map_or(body.len(), |n| (from + n).min(body.len()));
    stream.write_all(&body[from..end])?;
    stream.flush()?;
    if let Reply::StallAfter(_) = reply {
        // Silent, connection open, longer than the client's --timeout 1.
        thread::sleep(Duration::from_secs(3));
    }
    if let Reply::PauseAfter(_) = reply {
        thread::sleep(Duration::from_millis(1500));
        stream.write_all(&body[end..])?;
        stream.flush()?;
    }
    Ok(())
}

fn ok_head(len: usize) -> String {
    format!("HTTP/1.1 200 OK\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n")
}

/// A fresh cache directory and the fixture's expectations.
struct Case {
    home: tempfile::TempDir,
    body: Vec<u8>,
}

impl Case {
    fn new() -> Case {
        Case {
            home: tempfile::tempdir().unwrap(),
            body: fixture(),
        }
    }

    fn target(&self) -> PathBuf {
        self.home.path().join(NAME)
    }

    fn part(&self) -> PathBuf {
        self.home.path().join(format!("{NAME}.part"))
    }

    /// `fetch` with the fixture's size and sha256 as the expectation.
    fn fetch(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        self.fetch_expecting(&sha256_hex(&self.body), args)
    }

    fn fetch_expecting(&self, sha256: &str, args: &[&str]) -> assert_cmd::assert::Assert {
        Command::from_std(self.command(sha256, args))
            .timeout(Duration::from_secs(30))
            .assert()
    }

    /// The `fetch` command line, not yet run.
    fn command(&self, sha256: &str, args: &[&str]) -> std::process::Command {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_imagenet-multilabel"));
        // The client honours proxy variables; the test server is on loopback.
        for var in ["ALL_PROXY", "HTTPS_PROXY", "HTTP_PROXY"] {
            command.env_remove(var).env_remove(var.to_lowercase());
        }
        command
            .env("IMAGENET_MULTILABEL_HOME", self.home.path())
            .arg("fetch")
            .args(["--expect-size", &self.body.len().to_string()])
            .args(["--expect-sha256", sha256])
            .args(args);
        command
    }

    /// Names in the cache directory, sorted, less the lock file that every run leaves
    /// (removing a lock file is racy; `second_fetch_waits_for_the_first` checks it).
    fn listing(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.home.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| *name != format!("{NAME}.lock"))
            .collect();
        names.sort();
        names
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A URL nothing listens on: any request to it fails.
fn dead_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}/{NAME}", listener.local_addr().unwrap())
}

#[test]
fn full_download_lands_verified_in_the_cache() {
    let case = Case::new();
    let server = Server::start(case.body.clone(), vec![Reply::Full]);
    let out = case.fetch(&["--url", &server.url]).success();
    let stdout = text(&out.get_output().stdout);
    assert!(stdout.contains("downloaded 300.00 KiB"), "{stdout}");
    assert!(stdout.contains("1 request(s)"), "{stdout}");
    assert!(
        stdout.contains(&case.target().display().to_string()),
        "{stdout}"
    );
    assert_eq!(fs::read(case.target()).unwrap(), case.body);
    assert_eq!(case.listing(), [NAME]);
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, format!("/files/{NAME}"));
    assert_eq!(seen[0].range, None);
}

#[test]
fn dropped_connection_is_resumed_with_a_range_request() {
    let case = Case::new();
    let half = case.body.len() / 2;
    let server = Server::start(
        case.body.clone(),
        vec![Reply::DropAfter(half), Reply::Ranged],
    );
    let out = case.fetch(&["--url", &server.url]).success();
    let stderr = text(&out.get_output().stderr);
    assert!(
        stderr.contains(&format!("retrying from byte {half}")),
        "{stderr}"
    );
    assert_eq!(fs::read(case.target()).unwrap(), case.body);
    assert_eq!(case.listing(), [NAME]);
    let ranges: Vec<_> = server.seen().into_iter().map(|s| s.range).collect();
    assert_eq!(ranges, [None, Some(format!("bytes={half}-"))]);
}

#[test]
fn interrupted_run_keeps_its_part_and_the_next_run_resumes_it() {
    let case = Case::new();
    let third = case.body.len() / 3;
    let server = Server::start(case.body.clone(), vec![Reply::DropAfter(third)]);
    let out = case
        .fetch(&["--url", &server.url, "--retries", "0"])
        .failure()
        .code(1);
    let stderr = text(&out.get_output().stderr);
    assert!(
        stderr.contains(&format!("the {third} bytes received so far")),
        "{stderr}"
    );
    assert!(stderr.contains("resumes from there"), "{stderr}");
    assert!(!case.target().exists());
    assert_eq!(fs::read(case.part()).unwrap(), case.body[..third]);

    let server = Server::start(case.body.clone(), vec![Reply::Ranged]);
    let out = case.fetch(&["--url", &server.url]).success();
    let stdout = text(&out.get_output().stdout);
    assert!(stdout.contains("resumed at"), "{stdout}");
    assert_eq!(fs::read(case.target()).unwrap(), case.body);
    assert_eq!(case.listing(), [NAME]);
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].range, Some(format!("bytes={third}-")));
}

#[test]
fn server_ignoring_the_range_restarts_from_zero() {
    let case = Case::new();
    // A leftover .part of the right length but wrong content: if it were kept and appended
    // to, the result could not verify.
    fs::write(case.part(), vec![0u8; 1000]).unwrap();
    let server = Server::start(case.body.clone(), vec![Reply::Full]);
    let out = case.fetch(&["--url", &server.url]).success();
    let stderr = text(&out.get_output().stderr);
    assert!(stderr.contains("does not support resuming"), "{stderr}");
    assert_eq!(fs::read(case.target()).unwrap(), case.body);
    assert_eq!(case.listing(), [NAME]);
    assert_eq!(server.seen()[0].range.as_deref(), Some("bytes=1000-"));
}

#[test]
fn stalled_connection_times_out_and_resumes() {
    let case = Case::new();
    let half = case.body.len() / 2;
    let server = Server::start(
        case.body.clone(),
        vec![Reply::StallAfter(half), Reply::Ranged],
    );
    case.fetch(&["--url", &server.url, "--timeout", "1"])
        .success();
    assert_eq!(fs::read(case.target()).unwrap(), case.body);
    let ranges: Vec<_> = server.seen().into_iter().map(|s| s.range).collect();
    assert_eq!(ranges, [None, Some(format!("bytes={half}-"))]);
}

#[test]
fn server_error_is_retried() {
    let case = Case::new();
    let server = Server::start(case.body.clone(), vec![Reply::Status(503), Reply::Full]);
    let out = case.fetch(&["--url", &server.url]).success();
    assert!(text(&out.get_output().stderr).contains("answered 503"));
    assert_eq!(fs::read(case.target()).unwrap(), case.body);
    assert_eq!(server.seen().len(), 2);
}

#[test]
fn wrong_checksum_leaves_nothing_under_the_final_name() {
    let case = Case::new();
    let server = Server::start(case.body.clone(), vec![Reply::Full]);
    let other = sha256_hex(b"some other file");
    let out = case
        .fetch_expecting(&other, &["--url", &server.url])
        .failure()
        .code(1);
    let stderr = text(&out.get_output().stderr);
    assert!(stderr.contains(&format!("expected {other}")), "{stderr}");
    assert!(stderr.contains(&sha256_hex(&case.body)), "{stderr}");
    assert!(stderr.contains("deleted"), "{stderr}");
    // Neither the final name nor the .part nor a temporary file.
    assert_eq!(case.listing(), Vec::<String>::new());
}

#[test]
fn corrupt_part_is_deleted_so_the_next_run_starts_clean() {
    let case = Case::new();
    // Right length for a prefix, wrong bytes: resuming it cannot give the right file.
    fs::write(case.part(), vec![b'x'; 1000]).unwrap();
    let server = Server::start(case.body.clone(), vec![Reply::Ranged]);
    let out = case.fetch(&["--url", &server.url]).failure().code(1);
    assert!(text(&out.get_output().stderr).contains("is not the expected one"));
    assert_eq!(case.listing(), Vec::<String>::new());
    assert_eq!(server.seen()[0].range.as_deref(), Some("bytes=1000-"));

    let server = Server::start(case.body.clone(), vec![Reply::Ranged]);
    case.fetch(&["--url", &server.url]).success();
    assert_eq!(server.seen()[0].range, None);
    assert_eq!(fs::read(case.target()).unwrap(), case.body);
}

#[test]
fn wrong_size_is_refused_before_the_body_is_read() {
    let case = Case::new();
    let mut longer = case.body.clone();
    longer.extend_from_slice(b"trailing");
    let server = Server::start(longer, vec![Reply::Full]);
    let out = case.fetch(&["--url", &server.url]).failure().code(1);
    let stderr = text(&out.get_output().stderr);
    assert!(
        stderr.contains(&format!(
            "offers a file of {} bytes, but the expected file has {} bytes",
            case.body.len() + 8,
            case.body.len()
        )),
        "{stderr}"
    );
    assert!(!case.target().exists());
}

#[test]
fn forbidden_at_a_given_url_is_bad_input() {
    let case = Case::new();
    let server = Server::start(case.body.clone(), vec![Reply::Status(403)]);
    let out = case.fetch(&["--url", &server.url]).failure().code(2);
    let stderr = text(&out.get_output().stderr);
    assert!(
        stderr.contains("refused the download (HTTP 403)"),
        "{stderr}"
    );
    assert!(stderr.contains("Check --url"), "{stderr}");
    assert!(stderr.contains("fetch --from FILE"), "{stderr}");
    assert_eq!(case.listing(), Vec::<String>::new());
    // A refusal is final: no retries.
    assert_eq!(server.seen().len(), 1);
}

#[test]
fn forbidden_at_the_official_location_is_an_environment_failure() {
    // The user did not choose that URL and cannot fix it: exit 1, with the way out.
    for status in [403, 404] {
        let case = Case::new();
        let server = Server::start(case.body.clone(), vec![Reply::Status(status)]);
        let out = case
            .fetch(&["--official-url", &server.url])
            .failure()
            .code(1);
        let stderr = text(&out.get_output().stderr);
        assert!(stderr.contains(&format!("{status}")), "{stderr}");
        assert!(stderr.contains("tensorflow/datasets#11123"), "{stderr}");
        assert!(stderr.contains("fetch --from FILE"), "{stderr}");
        assert!(stderr.contains("mirror with --url URL"), "{stderr}");
        assert_eq!(case.listing(), Vec::<String>::new());
        assert_eq!(server.seen().len(), 1);
    }
}

#[test]
fn missing_file_is_bad_input() {
    let case = Case::new();
    let server = Server::start(case.body.clone(), vec![Reply::Status(404)]);
    let out = case.fetch(&["--url", &server.url]).failure().code(2);
    assert!(text(&out.get_output().stderr).contains("answered 404: there is no file there"));
}

#[test]
fn range_not_satisfiable_keeps_the_part_and_suggests_force() {
    let case = Case::new();
    let shorter = case.body[..1000].to_vec();
    // Our .part is longer than the server's file.
    fs::write(case.part(), &case.body[..2000]).unwrap();
    let server = Server::start(shorter, vec![Reply::Ranged]);
    let out = case.fetch(&["--url", &server.url]).failure().code(1);
    let stderr = text(&out.get_output().stderr);
    assert!(stderr.contains("416 Range Not Satisfiable"), "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(fs::read(case.part()).unwrap(), case.body[..2000]);
}

#[test]
fn unreachable_server_fails_at_once_as_a_failure_not_bad_input() {
    let case = Case::new();
    let started = Instant::now();
    let out = case.fetch(&["--url", &dead_url()]).failure().code(1);
    let stderr = text(&out.get_output().stderr);
    assert!(stderr.contains("could not reach"), "{stderr}");
    assert!(stderr.contains("--from FILE"), "{stderr}");
    // No retries with back-off: those are for a server that has answered.
    assert!(!stderr.contains("retry"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(case.listing(), Vec::<String>::new());
}

#[test]
fn import_copies_a_verified_file_into_the_cache() {
    let case = Case::new();
    let source_dir = tempfile::tempdir().unwrap();
    let source = source_dir.path().join("copy.json");
    fs::write(&source, &case.body).unwrap();
    let out = case.fetch(&["--from", source.to_str().unwrap()]).success();
    assert!(text(&out.get_output().stdout).contains("imported 300.00 KiB"));
    assert_eq!(fs::read(case.target()).unwrap(), case.body);
    assert_eq!(case.listing(), [NAME]);
    // The source is copied, not moved.
    assert!(source.exists());
}

#[test]
fn import_of_a_wrong_file_is_bad_input_and_keeps_nothing() {
    let case = Case::new();
    let source_dir = tempfile::tempdir().unwrap();
    let source = source_dir.path().join("copy.json");
    let mut wrong = case.body.clone();
    wrong[1234] ^= 1;
    fs::write(&source, &wrong).unwrap();
    let out = case
        .fetch(&["--from", source.to_str().unwrap()])
        .failure()
        .code(2);
    let stderr = text(&out.get_output().stderr);
    assert!(stderr.contains(&source.display().to_string()), "{stderr}");
    assert!(
        stderr.contains(&format!("its sha256 is {}", sha256_hex(&wrong))),
        "{stderr}"
    );
    assert_eq!(case.listing(), Vec::<String>::new());

    fs::write(&source, &case.body[..100]).unwrap();
    let out = case
        .fetch(&["--from", source.to_str().unwrap()])
        .failure()
        .code(2);
    let stderr = text(&out.get_output().stderr);
    assert!(
        stderr.contains(&format!("it has 100 bytes, expected {}", case.body.len())),
        "{stderr}"
    );
    assert_eq!(case.listing(), Vec::<String>::new());

    let missing = source_dir.path().join("absent.json");
    case.fetch(&["--from", missing.to_str().unwrap()])
        .failure()
        .code(2);
}

#[test]
fn importing_the_cached_file_onto_itself_only_verifies_it() {
    let case = Case::new();
    fs::write(case.target(), &case.body).unwrap();
    let target = case.target();
    let out = case
        .fetch(&["--from", target.to_str().unwrap(), "--force"])
        .success();
    assert!(text(&out.get_output().stdout).contains("already present and verified"));
    assert_eq!(fs::read(case.target()).unwrap(), case.body);

    // A wrong file is reported, and left where the user put it.
    fs::write(case.target(), &case.body[1..]).unwrap();
    let out = case
        .fetch(&["--from", target.to_str().unwrap()])
        .failure()
        .code(2);
    assert!(text(&out.get_output().stderr).contains("not the expected annotations file"));
    assert_eq!(fs::read(case.target()).unwrap(), case.body[1..]);
}

#[test]
fn verified_copy_is_left_alone_unless_forced() {
    let case = Case::new();
    fs::write(case.target(), &case.body).unwrap();
    // Nothing listens at the URL: a request would fail the run.
    let out = case.fetch(&["--url", &dead_url()]).success();
    assert!(text(&out.get_output().stdout).contains("already present and verified"));
    let source_dir = tempfile::tempdir().unwrap();
    let source = source_dir.path().join("copy.json");
    fs::write(&source, &case.body).unwrap();
    let out = case.fetch(&["--from", source.to_str().unwrap()]).success();
    assert!(text(&out.get_output().stdout).contains("already present and verified"));

    let server = Server::start(case.body.clone(), vec![Reply::Full]);
    case.fetch(&["--url", &server.url, "--force"]).success();
    assert_eq!(server.seen().len(), 1);
    assert_eq!(fs::read(case.target()).unwrap(), case.body);
}

#[test]
fn corrupt_cached_copy_is_downloaded_again() {
    let case = Case::new();
    let mut corrupt = case.body.clone();
    corrupt[7] ^= 0xff;
    fs::write(case.target(), &corrupt).unwrap();
    let server = Server::start(case.body.clone(), vec![Reply::Full]);
    let out = case.fetch(&["--url", &server.url]).success();
    assert!(text(&out.get_output().stderr).contains("is not the expected file"));
    assert_eq!(fs::read(case.target()).unwrap(), case.body);
}

#[test]
fn complete_part_needs_no_request() {
    let case = Case::new();
    fs::write(case.part(), &case.body).unwrap();
    let out = case.fetch(&["--url", &dead_url()]).success();
    assert!(text(&out.get_output().stdout).contains("no request needed"));
    assert_eq!(fs::read(case.target()).unwrap(), case.body);
    assert_eq!(case.listing(), [NAME]);
}

#[test]
fn url_that_is_not_http_is_a_usage_error() {
    let case = Case::new();
    let out = case
        .fetch(&["--url", "ftp://127.0.0.1/x.json"])
        .failure()
        .code(2);
    assert!(text(&out.get_output().stderr).contains("expected an http:// or https:// URL"));
    let out = case.fetch(&["--url", "http://"]).failure().code(2);
    assert!(text(&out.get_output().stderr).contains("--url"));
}

#[test]
fn from_and_url_together_are_a_usage_error() {
    let case = Case::new();
    case.fetch(&["--from", "a.json", "--url", "http://127.0.0.1:9/x"])
        .failure()
        .code(2);
}

#[test]
fn second_fetch_waits_for_the_first_instead_of_sharing_its_part() {
    let case = Case::new();
    let half = case.body.len() / 2;
    // The first run's download takes 1.5 s; only one request is served.
    let server = Server::start(case.body.clone(), vec![Reply::PauseAfter(half)]);
    thread::scope(|scope| {
        let first = scope.spawn(|| case.fetch(&["--url", &server.url]).success());
        // The first run holds the lock from before its request until after its rename.
        let deadline = Instant::now() + Duration::from_secs(20);
        while server.seen().is_empty() {
            assert!(Instant::now() < deadline, "the first run never asked");
            thread::sleep(Duration::from_millis(10));
        }
        // Nothing listens at this URL: had the second run not waited, it would fail (or,
        // with a server, append to the first run's .part).
        let out = case.fetch(&["--url", &dead_url()]).success();
        let stderr = text(&out.get_output().stderr);
        assert!(stderr.contains("another fetch (process "), "{stderr}");
        assert!(stderr.contains("waiting for it to finish"), "{stderr}");
        let stdout = text(&out.get_output().stdout);
        assert!(stdout.contains("already present and verified"), "{stdout}");
        let first = first.join().unwrap();
        assert!(text(&first.get_output().stdout).contains("downloaded 300.00 KiB"));
    });
    assert_eq!(server.seen().len(), 1);
    assert_eq!(fs::read(case.target()).unwrap(), case.body);
    assert_eq!(case.listing(), [NAME]);
    // The lock file stays, naming the last holder.
    let holder = fs::read_to_string(case.home.path().join(format!("{NAME}.lock"))).unwrap();
    assert!(holder.parse::<u32>().is_ok(), "{holder:?}");
}

#[test]
fn stale_temporary_of_an_interrupted_import_is_removed_and_nothing_else() {
    let case = Case::new();
    let stale = format!(".{NAME}.tmp-4000001");
    fs::write(case.home.path().join(&stale), &case.body[..1000]).unwrap();
    // Look-alikes that are not ours: kept.
    let kept = [
        format!(".{NAME}.tmp-"),
        format!(".{NAME}.tmp-12x"),
        ".other.json.tmp-123".to_string(),
        "notes.txt".to_string(),
    ];
    for name in &kept {
        fs::write(case.home.path().join(name), b"mine").unwrap();
    }
    fs::create_dir(case.home.path().join(format!(".{NAME}.tmp-77"))).unwrap();
    let source_dir = tempfile::tempdir().unwrap();
    let source = source_dir.path().join("copy.json");
    fs::write(&source, &case.body).unwrap();
    let out = case.fetch(&["--from", source.to_str().unwrap()]).success();
    let stderr = text(&out.get_output().stderr);
    assert!(stderr.contains(&stale), "{stderr}");
    assert!(stderr.contains("interrupted fetch"), "{stderr}");
    let mut expected: Vec<String> = kept.to_vec();
    expected.push(format!(".{NAME}.tmp-77"));
    expected.push(NAME.to_string());
    expected.sort();
    assert_eq!(case.listing(), expected);
    for name in &kept {
        assert_eq!(fs::read(case.home.path().join(name)).unwrap(), b"mine");
    }

    // Also when there is nothing to fetch: the cleanup does not depend on the work done.
    fs::write(case.home.path().join(&stale), b"x").unwrap();
    case.fetch(&["--url", &dead_url()]).success();
    assert!(!case.home.path().join(&stale).exists());
}

#[test]
fn closed_stdout_is_not_a_panic() {
    let case = Case::new();
    fs::write(case.target(), &case.body).unwrap();
    // A pipe whose reader is gone before the run starts: every write to it fails (EPIPE), as
    // with `fetch | head -0`.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut command = case.command(&sha256_hex(&case.body), &["--url", &dead_url()]);
    let out = command
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}
