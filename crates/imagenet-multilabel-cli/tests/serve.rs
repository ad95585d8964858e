//! `serve` as a process: it starts on the generated inputs, takes reviews over HTTP, and every
//! acknowledged review is still there after `kill -9` and a restart. Off loopback it refuses
//! to start without a token.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use imagenet_multilabel::fixture::annotations::{self as synthetic, Spec};
use imagenet_multilabel::fixture::pred_files::{self, model_rows, WriteOptions};
use imagenet_multilabel::fixture::tar::{self as tar_fixture, TarSpec};
use imagenet_multilabel::predictions::Format;
use imagenet_multilabel::ImageId;
use serde_json::{json, Value};

fn inputs(dir: &Path) {
    let synthetic = synthetic::generate(&Spec {
        per_class: 2,
        seed: 4,
        ..Spec::default()
    });
    synthetic.write_json(&dir.join("labels.json")).unwrap();
    let images: Vec<ImageId> = synthetic
        .annotations()
        .records()
        .iter()
        .map(|r| r.image())
        .collect();
    tar_fixture::write(dir.join("val.tar"), &TarSpec::of(images.iter().copied(), 1)).unwrap();
    let rows = model_rows(images, 5, 5, 9);
    pred_files::write(dir.join("vit.csv"), &rows, &WriteOptions::new(Format::Csv)).unwrap();
}

/// A running `serve`, killed (SIGKILL) when dropped, so a failing test leaves no server.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `serve` on a free port; the process and its address.
fn start(dir: &Path) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_imagenet-multilabel"))
        .args(["serve", "--images"])
        .arg(dir.join("val.tar"))
        .arg("--annotations")
        .arg(dir.join("labels.json"))
        .arg("--predictions")
        .arg(dir.join("vit.csv"))
        .arg("--db")
        .arg(dir.join("reviews.sqlite"))
        .args(["--port", "0", "--no-cache"])
        .env("IMAGENET_MULTILABEL_HOME", dir.join("home"))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let running = Running(child);
    // Warnings (the generated labels are not the verified release) come first.
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines.next().expect("serve printed its address").unwrap();
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.trim().to_owned();
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (running, addr)
}

fn http(addr: &str, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let mut s = TcpStream::connect(addr).unwrap();
    let body = body
        .map(|b| serde_json::to_vec(b).unwrap())
        .unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(&body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    // Answers here are small and sent whole (Content-Length), never chunked.
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[test]
fn acknowledged_reviews_survive_kill_9_and_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    inputs(dir.path());
    let (child, addr) = start(dir.path());
    let (status, queue) = http(&addr, "GET", "/api/queue?model=vit&limit=5", None);
    assert_eq!(status, 200);
    let mut acknowledged = Vec::new();
    for p in queue["pairs"].as_array().unwrap() {
        let review = json!({"file_name": p["file_name"], "label": p["label"], "decision": "correct", "reviewer": "ada", "model": "vit"});
        let (status, stored) = http(&addr, "POST", "/api/reviews", Some(&review));
        assert_eq!(status, 201, "{stored}");
        acknowledged.push(stored["id"].as_i64().unwrap());
    }
    assert_eq!(acknowledged.len(), 5);
    drop(child); // SIGKILL: no shutdown code runs

    let (child, addr) = start(dir.path());
    let (status, all) = http(&addr, "GET", "/api/reviews", None);
    assert_eq!(status, 200);
    let ids: Vec<i64> = all["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, acknowledged);
    let (_, queue) = http(&addr, "GET", "/api/queue?model=vit&limit=5", None);
    assert!(
        queue["pairs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| !all["reviews"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["file_name"] == p["file_name"] && r["label"] == p["label"])),
        "reviewed pairs stay out of the queue after a restart"
    );
    drop(child);
}

#[test]
fn off_loopback_needs_a_token() {
    let dir = tempfile::tempdir().unwrap();
    inputs(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_imagenet-multilabel"))
        .args([
            "serve",
            "--bind",
            "0.0.0.0",
            "--port",
            "0",
            "--no-cache",
            "--images",
        ])
        .arg(dir.path().join("val.tar"))
        .arg("--annotations")
        .arg(dir.path().join("labels.json"))
        .env("IMAGENET_MULTILABEL_HOME", dir.path().join("home"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not a loopback address") && err.contains("--token"),
        "{err}"
    );
}
