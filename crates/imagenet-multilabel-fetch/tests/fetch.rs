//! The library without the CLI: `fetch` against a scripted HTTP server on 127.0.0.1, local
//! copies, the lock and the stale-temporary cleanup, with the events it reports and the errors
//! it returns. (The CLI's tests cover the same engine through the binary, with more server
//! misbehaviour.)

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use imagenet_multilabel_fetch::{
    fetch, lock_path, part_path, Error, Event, Expected, Options, Outcome, Phase, Source,
};
use sha2::{Digest, Sha256};

const NAME: &str = "human_accuracy_v3.0.0.json";

/// 300 KiB of deterministic bytes: more than one 256 KiB chunk.
fn body() -> Vec<u8> {
    (0..300 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

fn expected(body: &[u8]) -> Expected {
    Expected {
        size: body.len() as u64,
        sha256: Sha256::digest(body)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    }
}

/// How the server answers one connection.
enum Reply {
    /// 206 with the requested range, or 200 with everything when none was asked.
    Ranged,
    /// Like `Ranged`, but the connection closes after this many body bytes.
    DropAfter(usize),
    /// This status and a short body.
    Status(u16),
}

/// Serves one connection per reply, in order, on its own thread; returns the URL and a
/// receiver of the `Range` header of each request (`None` when there was none).
fn serve(body: Vec<u8>, script: Vec<Reply>) -> (String, mpsc::Receiver<Option<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/{NAME}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for reply in script {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            let _ = answer(stream, &body, &reply, &tx);
        }
    });
    (url, rx)
}

fn answer(
    mut stream: TcpStream,
    body: &[u8],
    reply: &Reply,
    ranges: &mpsc::Sender<Option<String>>,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut range = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("range:").or(line.strip_prefix("Range:")) {
            range = Some(value.trim().to_string());
        }
    }
    let _ = ranges.send(range.clone());
    let start: usize = range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes=")?.strip_suffix('-')?.parse().ok())
        .unwrap_or(0);
    let (status, cut) = match reply {
        Reply::Status(code) => {
            return write!(
                stream,
                "HTTP/1.1 {code} Scripted\r\nContent-Length: 3\r\nConnection: close\r\n\r\nno\n"
            );
        }
        Reply::Ranged => (if range.is_some() { 206 } else { 200 }, body.len()),
        Reply::DropAfter(n) => (if range.is_some() { 206 } else { 200 }, start + n),
    };
    let content_range = if status == 206 {
        format!(
            "Content-Range: bytes {start}-{}/{}\r\n",
            body.len() - 1,
            body.len()
        )
    } else {
        String::new()
    };
    write!(
        stream,
        "HTTP/1.1 {status} Scripted\r\n{content_range}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len() - start
    )?;
    stream.write_all(&body[start..cut.min(body.len())])?;
    stream.flush()
}

/// A URL nothing listens on.
fn dead_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}/{NAME}", listener.local_addr().unwrap())
}

/// Every event, notices as text, in order.
#[derive(Default)]
struct Log {
    starts: Vec<(Phase, u64, u64)>,
    last_position: Option<u64>,
    notices: Vec<String>,
}

impl Log {
    fn record(&mut self, event: Event<'_>) {
        match event {
            Event::Start {
                phase,
                len,
                position,
            } => self.starts.push((phase, len, position)),
            Event::Progress { position } => self.last_position = Some(position),
            Event::Notice(line) => self.notices.push(line.to_string()),
            _ => {}
        }
    }
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn quick() -> Options {
    Options {
        stall_timeout: Duration::from_secs(5),
        retries: 2,
        force: false,
    }
}

struct Case {
    dir: tempfile::TempDir,
    body: Vec<u8>,
}

impl Case {
    fn new() -> Case {
        Case {
            dir: tempfile::tempdir().unwrap(),
            body: body(),
        }
    }

    fn target(&self) -> PathBuf {
        self.dir.path().join("cache").join(NAME)
    }

    fn run(&self, source: &Source, log: &mut Log) -> Result<Outcome, Error> {
        fetch(
            &self.target(),
            source,
            &expected(&self.body),
            &quick(),
            &mut |e| log.record(e),
        )
    }

    /// A local copy of `bytes` to import.
    fn copy(&self, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join("copy.json");
        fs::write(&path, bytes).unwrap();
        path
    }
}

#[test]
fn import_creates_the_directory_reports_its_phase_and_lands_the_file() {
    let case = Case::new();
    let copy = case.copy(&case.body);
    let mut log = Log::default();
    let outcome = case.run(&Source::File(copy.clone()), &mut log).unwrap();
    assert!(matches!(outcome, Outcome::Imported { .. }), "{outcome:?}");
    let size = case.body.len() as u64;
    assert_eq!(log.starts, [(Phase::Importing, size, 0)]);
    assert_eq!(log.last_position, Some(size));
    assert_eq!(fs::read(case.target()).unwrap(), case.body);
    assert_eq!(
        names(case.target().parent().unwrap()),
        [NAME.to_string(), format!("{NAME}.lock")]
    );

    // Again: verified in place, nothing copied.
    let mut log = Log::default();
    let outcome = case.run(&Source::File(copy), &mut log).unwrap();
    assert_eq!(outcome, Outcome::AlreadyPresent);
    assert_eq!(log.starts, [(Phase::Verifying, size, 0)]);
}

#[test]
fn import_of_a_wrong_copy_is_bad_input_and_leaves_nothing() {
    let case = Case::new();
    let mut wrong = case.body.clone();
    wrong[5] ^= 1;
    let copy = case.copy(&wrong);
    let err = case
        .run(&Source::File(copy.clone()), &mut Log::default())
        .unwrap_err();
    assert!(err.is_bad_input());
    let Error::BadCopy { path, message } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(path, &copy);
    let sha = expected(&wrong).sha256;
    assert!(
        message.contains(&format!("its sha256 is {sha}")),
        "{message}"
    );
    assert_eq!(
        names(case.target().parent().unwrap()),
        [format!("{NAME}.lock")]
    );
}

#[test]
fn dropped_download_is_resumed_and_reported() {
    let case = Case::new();
    let half = case.body.len() / 2;
    let (url, ranges) = serve(
        case.body.clone(),
        vec![Reply::DropAfter(half), Reply::Ranged],
    );
    let mut log = Log::default();
    let outcome = case
        .run(&Source::Mirror { url: url.clone() }, &mut log)
        .unwrap();
    let size = case.body.len() as u64;
    let Outcome::Downloaded {
        received,
        resumed_from,
        requests,
        ..
    } = outcome
    else {
        panic!("{outcome:?}");
    };
    assert_eq!((received, resumed_from, requests), (size, 0, 2));
    let ranges: Vec<_> = ranges.try_iter().collect();
    assert_eq!(ranges, [None, Some(format!("bytes={half}-"))]);
    // The second request continues the first: its bar starts where the first stopped.
    assert_eq!(
        log.starts,
        [
            (Phase::Downloading, size, 0),
            (Phase::Downloading, size, half as u64)
        ]
    );
    assert_eq!(log.last_position, Some(size));
    assert!(
        log.notices
            .iter()
            .any(|n| n.contains(&format!("retrying from byte {half}"))),
        "{:?}",
        log.notices
    );
    assert_eq!(fs::read(case.target()).unwrap(), case.body);
    assert!(!part_path(&case.target()).exists());
}

#[test]
fn a_refusal_is_bad_input_only_at_a_url_the_user_chose() {
    for (official, status) in [(true, 403), (false, 403), (true, 404), (false, 410)] {
        let case = Case::new();
        let (url, _) = serve(case.body.clone(), vec![Reply::Status(status)]);
        let source = if official {
            Source::Official { url: url.clone() }
        } else {
            Source::Mirror { url: url.clone() }
        };
        let err = case.run(&source, &mut Log::default()).unwrap_err();
        assert_eq!(err.is_bad_input(), !official, "{err}");
        let Error::Refused {
            url: refused_url,
            status: refused_status,
            official: refused_official,
            message,
        } = &err
        else {
            panic!("{err:?}");
        };
        assert_eq!(
            (refused_url, *refused_status, *refused_official),
            (&url, status, official)
        );
        assert!(message.contains("fetch --from FILE"), "{message}");
        assert_eq!(
            message.contains("tensorflow/datasets#11123"),
            official,
            "{message}"
        );
    }
}

#[test]
fn unreachable_server_is_an_environment_failure() {
    let case = Case::new();
    let err = case
        .run(&Source::Mirror { url: dead_url() }, &mut Log::default())
        .unwrap_err();
    assert!(matches!(err, Error::Unreachable { .. }), "{err:?}");
    assert!(!err.is_bad_input());
    // The cause is kept as the source.
    assert!(std::error::Error::source(&err).is_some());
}

#[test]
fn a_url_that_is_not_http_changes_nothing_on_disk() {
    let case = Case::new();
    let err = case
        .run(
            &Source::Mirror {
                url: "ftp://h/x".into(),
            },
            &mut Log::default(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::BadUrl { .. }), "{err:?}");
    assert!(err.is_bad_input());
    assert!(!case.target().parent().unwrap().exists());
}

#[test]
fn fetch_waits_while_another_holds_the_lock() {
    let case = Case::new();
    let target = case.target();
    fs::create_dir_all(target.parent().unwrap()).unwrap();
    fs::write(&target, &case.body).unwrap();
    // Another fetch, as far as the lock is concerned.
    let held = File::create(lock_path(&target)).unwrap();
    held.lock().unwrap();
    let (tx, notices) = mpsc::channel::<String>();
    let expected = expected(&case.body);
    let worker = {
        let target = target.clone();
        thread::spawn(move || {
            fetch(
                &target,
                &Source::Mirror { url: dead_url() },
                &expected,
                &quick(),
                &mut |e| {
                    if let Event::Notice(line) = e {
                        let _ = tx.send(line.to_string());
                    }
                },
            )
        })
    };
    let notice = notices.recv_timeout(Duration::from_secs(20)).unwrap();
    assert!(
        notice.starts_with("another fetch is working on"),
        "{notice}"
    );
    assert!(
        notice.contains(&lock_path(&target).display().to_string()),
        "{notice}"
    );
    // Still waiting: it has not checked the file, which it would find in place at once.
    thread::sleep(Duration::from_millis(300));
    assert!(!worker.is_finished());
    let released = Instant::now();
    drop(held);
    let outcome = worker.join().unwrap().unwrap();
    assert_eq!(outcome, Outcome::AlreadyPresent);
    assert!(released.elapsed() < Duration::from_secs(10));
    // The lock file now names the last holder: this process.
    assert_eq!(
        fs::read_to_string(lock_path(&target)).unwrap(),
        std::process::id().to_string()
    );
}

#[test]
fn stale_import_temporaries_of_this_target_are_removed() {
    let case = Case::new();
    let target = case.target();
    let dir = target.parent().unwrap().to_path_buf();
    fs::create_dir_all(&dir).unwrap();
    // The core library's temporary name for this target, from a process long gone, and one
    // from this very process (an import in this process that was interrupted by a panic).
    let stale = [
        format!(".{NAME}.tmp-999999999"),
        format!(".{NAME}.tmp-{}", std::process::id()),
    ];
    for name in &stale {
        fs::write(dir.join(name), b"half").unwrap();
    }
    let others = [format!(".{NAME}.tmp-x1"), "keep.txt".to_string()];
    for name in &others {
        fs::write(dir.join(name), b"mine").unwrap();
    }
    let copy = case.copy(&case.body);
    let mut log = Log::default();
    case.run(&Source::File(copy), &mut log).unwrap();
    for name in &stale {
        assert!(!dir.join(name).exists(), "{name}");
        assert!(
            log.notices.iter().any(|n| n.contains(name.as_str())),
            "{:?}",
            log.notices
        );
    }
    let mut left = vec![NAME.to_string(), format!("{NAME}.lock")];
    left.extend(others.iter().cloned());
    left.sort();
    assert_eq!(names(&dir), left);
}

#[cfg(unix)]
#[test]
fn a_verified_file_in_a_read_only_directory_is_still_present() {
    use std::os::unix::fs::PermissionsExt;
    let case = Case::new();
    let target = case.target();
    let dir = target.parent().unwrap();
    fs::create_dir_all(dir).unwrap();
    fs::write(&target, &case.body).unwrap();
    fs::set_permissions(dir, fs::Permissions::from_mode(0o555)).unwrap();
    // As root the directory stays writable and the lock is taken as usual; otherwise the
    // lock file cannot be created and the run goes on without it.
    let mut log = Log::default();
    let outcome = case.run(&Source::Mirror { url: dead_url() }, &mut log);
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(outcome.unwrap(), Outcome::AlreadyPresent);
    if !lock_path(&target).exists() {
        assert!(
            log.notices
                .iter()
                .any(|n| n.contains("going on without the lock")),
            "{:?}",
            log.notices
        );
    }
}
