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

/// Runs the binary to completion; its stdout, after checking it succeeded.
fn run_ok(dir: &Path, args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_imagenet-multilabel"))
        .args(args)
        .env("IMAGENET_MULTILABEL_HOME", dir.join("home"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn reviews_posted_to_serve_change_the_with_reviews_figure_by_exactly_those_predictions() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    inputs(d);
    let (child, addr) = start(d);
    let (status, queue) = http(&addr, "GET", "/api/queue?model=vit&limit=4", None);
    assert_eq!(status, 200);
    let pairs = queue["pairs"].as_array().unwrap().clone();
    assert_eq!(pairs.len(), 4, "{queue}");
    // Three of the model's unreviewed top-1s judged correct, one wrong.
    for (i, p) in pairs.iter().enumerate() {
        let decision = if i < 3 { "correct" } else { "wrong" };
        let review = json!({"file_name": p["file_name"], "label": p["label"], "decision": decision, "reviewer": "ada", "model": "vit"});
        let (status, stored) = http(&addr, "POST", "/api/reviews", Some(&review));
        assert_eq!(status, 201, "{stored}");
    }
    drop(child);

    let os = |s: &'static str| std::ffi::OsStr::new(s);
    let (db, overlay, labels, preds) = (
        d.join("reviews.sqlite"),
        d.join("reviews.json"),
        d.join("labels.json"),
        d.join("vit.csv"),
    );
    run_ok(
        d,
        &[
            os("reviews"),
            os("export"),
            os("--db"),
            db.as_os_str(),
            os("--out"),
            overlay.as_os_str(),
            os("--annotations"),
            labels.as_os_str(),
        ],
    );
    let report: Value = serde_json::from_str(&run_ok(
        d,
        &[
            os("eval"),
            os("--json"),
            os("--no-cache"),
            os("--annotations"),
            labels.as_os_str(),
            os("--overlay"),
            overlay.as_os_str(),
            preds.as_os_str(),
        ],
    ))
    .unwrap();
    assert_eq!(report["overlay"]["labels"], 4);
    assert_eq!(report["overlay"]["applied"], 4);
    let official = &report["models"][0];
    let with = &official["with_reviews"];
    // The four reviewed top-1s leave `unreviewed`; exactly the three judged correct become hits.
    assert_eq!(
        with["counts"]["unreviewed"].as_u64().unwrap() + 4,
        official["counts"]["unreviewed"].as_u64().unwrap()
    );
    let graded = official["counts"]["graded"].as_f64().unwrap();
    let per_image = |v: &Value| {
        v["multilabel_accuracy_per_image"]["value"]
            .as_f64()
            .unwrap()
    };
    assert!((per_image(with) - per_image(official) - 3.0 / graded).abs() < 1e-12);
    let diff = &with["difference_from_official"];
    assert_eq!(
        (diff["only_a"].as_u64(), diff["only_b"].as_u64()),
        (Some(3), Some(0))
    );
}
