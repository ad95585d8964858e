//! A served fixture for the tests: generated annotations, a tar of tiny JPEGs (one annotated
//! image left out), two models' predictions, and a server on a free loopback port; plus a
//! raw HTTP/1.1 client, so a test controls every byte it sends (Host, Origin, odd paths).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};

use imagenet_multilabel::fixture::annotations::{generate, Spec};
use imagenet_multilabel::fixture::pred_files::{self, model_rows, WriteOptions};
use imagenet_multilabel::fixture::tar::{self, TarSpec};
use imagenet_multilabel::predictions::{self, Format, LoadOptions};
use imagenet_multilabel::thumbnails::ImageSource;
use imagenet_multilabel::{Annotations, ImageId};
use imagenet_multilabel_serve::{Config, State};
use serde_json::Value;

/// The generated inputs, kept on disk for the life of the test.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub annotations: Annotations,
    pub tar: PathBuf,
    pub tar_spec: TarSpec,
    pub models: Vec<PathBuf>,
    /// The annotated image the tar lacks.
    pub absent: ImageId,
}

impl Fixture {
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let synthetic = generate(&Spec {
            per_class: 2,
            imagenet_m: 10,
            seed: 11,
            ..Spec::default()
        });
        // Written and loaded back, so the index has the file's sha256 (an export needs it).
        let labels = dir.path().join("labels.json");
        synthetic.write_json(&labels).unwrap();
        let annotations = imagenet_multilabel::annotations::load(
            &labels,
            &imagenet_multilabel::annotations::LoadOptions::no_cache(),
        )
        .unwrap();
        let images: Vec<ImageId> = annotations.records().iter().map(|r| r.image()).collect();
        let absent = images[7];
        let tar_spec = TarSpec::of(images.iter().copied(), 5).leave_out(&[absent]);
        let tar_path = dir.path().join("val.tar");
        tar::write(&tar_path, &tar_spec).unwrap();
        let mut models = Vec::new();
        for (name, hits, seed) in [("vit", 6, 1), ("convnext", 5, 2)] {
            let rows = model_rows(images.iter().copied(), 5, hits, seed);
            let path = dir.path().join(format!("{name}.csv"));
            pred_files::write(&path, &rows, &WriteOptions::new(Format::Csv)).unwrap();
            models.push(path);
        }
        Fixture {
            dir,
            annotations,
            tar: tar_path,
            tar_spec,
            models,
            absent,
        }
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("reviews.sqlite")
    }

    pub fn cache(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    /// Starts a server over the tar with both models.
    pub fn serve(&self, token: Option<&str>) -> Server {
        self.serve_source(ImageSource::Tar(self.tar.clone()), token)
    }

    pub fn serve_source(&self, images: ImageSource, token: Option<&str>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let predictions = self
            .models
            .iter()
            .map(|p| predictions::load(p, &LoadOptions::default()).unwrap())
            .collect();
        let state = State::new(Config {
            annotations: self.annotations.clone(),
            images,
            predictions,
            db: self.db(),
            cache_dir: self.cache(),
            required: 1,
            allow_missing: false,
            token: token.map(str::to_owned),
            bind: addr,
        })
        .unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let handle = std::thread::spawn(move || {
            imagenet_multilabel_serve::run(state, listener, |a| tx.send(a).unwrap())
        });
        let addr = rx.recv().unwrap();
        Server {
            addr,
            _handle: handle,
        }
    }
}

/// A running server (it stops with the test process).
pub struct Server {
    pub addr: SocketAddr,
    _handle: std::thread::JoinHandle<std::io::Result<()>>,
}

/// One answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: not JSON: {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `error` message of a JSON error answer.
    pub fn error(&self) -> String {
        self.json()["error"].as_str().unwrap_or_default().to_owned()
    }
}

impl Server {
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// Sends exactly this request (Host is the server's unless `headers` has one).
    pub fn raw(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
        request(self.addr, method, path, headers, body, &self.host())
    }

    pub fn get(&self, path: &str) -> Answer {
        self.raw("GET", path, &[], b"")
    }

    pub fn post_json(&self, path: &str, body: &Value) -> Answer {
        let body = serde_json::to_vec(body).unwrap();
        self.raw("POST", path, &[("Content-Type", "application/json")], &body)
    }
}

/// A raw HTTP/1.1 request with `Connection: close`; the whole answer.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    host: &str,
) -> Answer {
    let mut stream = TcpStream::connect(addr).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: {host}\r\n"));
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    // A server may answer (413) before reading a large body; a failed write is then fine.
    let _ = stream.write_all(body);
    // Read the head, then exactly Content-Length bytes: some servers (chromedriver) keep the
    // connection open whatever the request says. A stuck peer fails the test, never hangs it.
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    let mut raw = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        let n = stream.read(&mut buf).unwrap_or(0);
        raw.extend_from_slice(&buf[..n]);
        if n == 0 || body_complete(&raw) {
            break;
        }
    }
    parse(&raw)
}

/// Whether `raw` holds a whole answer with a Content-Length.
fn body_complete(raw: &[u8]) -> bool {
    let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
    head.lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .is_some_and(|len| raw.len() >= end + 4 + len)
}

fn parse(raw: &[u8]) -> Answer {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP head in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Answer {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..line_end]).unwrap().trim(), 16)
                .unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[line_end + 2..line_end + 2 + size]);
        data = &data[line_end + 2 + size + 2..];
    }
}

pub fn exists(path: &Path) -> bool {
    path.exists()
}
