//! A real browser opens the page: headless Chromium, driven over the DevTools protocol on
//! `--remote-debugging-pipe` (fds 3 and 4), loads the file with no console error, no
//! exception and no network request, the image viewer opens on a click, and each section is
//! screenshot (light and dark) under `target/tmp/report-screenshots/` for a person to look at.
//!
//! Without Chromium the test says so and passes, unless `IMAGENET_MULTILABEL_REQUIRE_BROWSER`
//! is set (CI sets it after installing Debian's `chromium`).

mod common;

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{FromRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

const SECTIONS: [&str; 7] = [
    "summary",
    "field",
    "breakdown",
    "mistakes",
    "imagenet-m",
    "images",
    "comparison",
];

fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// A pipe whose ends close on exec (the child gets its own copies as fds 3 and 4).
fn pipe() -> (RawFd, RawFd) {
    let mut fds = [0; 2];
    // SAFETY: `fds` is a valid array of two ints, as pipe2 requires.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    (fds[0], fds[1])
}

/// Chromium and the two ends of its DevTools pipe.
struct Browser {
    child: Child,
    to: File,
    from: Receiver<Value>,
    next_id: u64,
    /// Events received while waiting for replies.
    events: Vec<Value>,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn launch(binary: &Path) -> Browser {
        let (to_read, to_write) = pipe();
        let (from_read, from_write) = pipe();
        let profile = tempfile::tempdir().unwrap();
        let mut command = Command::new(binary);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--remote-debugging-pipe",
                "--window-size=1100,900",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: only async-signal-safe calls (fcntl, dup2) between fork and exec.
        unsafe {
            command.pre_exec(move || {
                // Out of the way first: either end may itself be fd 3 or 4.
                let read = libc::fcntl(to_read, libc::F_DUPFD, 10);
                let write = libc::fcntl(from_write, libc::F_DUPFD, 10);
                if read < 0 || write < 0 || libc::dup2(read, 3) < 0 || libc::dup2(write, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().expect("starting chromium");
        // SAFETY: the fds are ours (just made by pipe2); each is owned by one File.
        let (to, from) = unsafe {
            libc::close(to_read);
            libc::close(from_write);
            (File::from_raw_fd(to_write), File::from_raw_fd(from_read))
        };
        let (send, receive) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(from);
            let mut message = Vec::new();
            while reader.read_until(0, &mut message).unwrap_or(0) > 0 {
                message.pop();
                if let Ok(value) = serde_json::from_slice(&message) {
                    if send.send(value).is_err() {
                        break;
                    }
                }
                message.clear();
            }
        });
        Browser {
            child,
            to,
            from: receive,
            next_id: 0,
            events: Vec::new(),
            _profile: profile,
        }
    }

    /// Sends a command (to a page session when given) and waits for its result.
    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.to.write_all(&bytes).unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let value = self
                .from
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no answer to {method}"));
            if value["id"] == json!(id) {
                assert!(value["error"].is_null(), "{method}: {}", value["error"]);
                return value["result"].clone();
            }
            self.events.push(value);
        }
    }

    /// Waits for an event named `method`, keeping the others.
    fn wait_for(&mut self, method: &str) {
        if self.events.iter().any(|e| e["method"] == method) {
            return;
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let value = self
                .from
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no {method}"));
            let done = value["method"] == method;
            self.events.push(value);
            if done {
                return;
            }
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Evaluates `expression` in the page and returns its value.
fn evaluate(browser: &mut Browser, session: &str, expression: &str) -> Value {
    let result = browser.call(
        Some(session),
        "Runtime.evaluate",
        json!({"expression": expression, "returnByValue": true}),
    );
    assert!(
        result["exceptionDetails"].is_null(),
        "{expression}: {result}"
    );
    result["result"]["value"].clone()
}

fn screenshot(browser: &mut Browser, session: &str, id: &str, path: &Path) {
    let rect = evaluate(
        browser,
        session,
        &format!(
            "(() => {{ const r = document.getElementById('{id}').getBoundingClientRect(); \
             return [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height]; }})()"
        ),
    );
    let r: Vec<f64> = rect
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(r[2] > 300.0 && r[3] > 60.0, "section {id} is {r:?}");
    // One screenshot per section, cut at 2400 pixels (the long tables go on).
    let shot = browser.call(
        Some(session),
        "Page.captureScreenshot",
        json!({"format": "png", "captureBeyondViewport": true,
               "clip": {"x": r[0], "y": r[1], "width": r[2], "height": r[3].min(2400.0), "scale": 1}}),
    );
    let png = base64::engine::general_purpose::STANDARD
        .decode(shot["data"].as_str().unwrap())
        .unwrap();
    assert!(png.starts_with(b"\x89PNG"), "{id}: not a PNG");
    std::fs::write(path, png).unwrap();
}

/// Chromium with `url` loaded in a new page; the page's DevTools session.
fn open(binary: &Path, url: &str) -> (Browser, String) {
    let mut browser = Browser::launch(binary);
    let target = browser.call(None, "Target.createTarget", json!({"url": "about:blank"}));
    let attached = browser.call(
        None,
        "Target.attachToTarget",
        json!({"targetId": target["targetId"], "flatten": true}),
    );
    let session = attached["sessionId"].as_str().unwrap().to_string();
    let s = Some(session.as_str());
    for domain in [
        "Page.enable",
        "Runtime.enable",
        "Log.enable",
        "Network.enable",
    ] {
        browser.call(s, domain, json!({}));
    }
    browser.call(
        s,
        "Emulation.setDeviceMetricsOverride",
        json!({"width": 1100, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
    );
    browser.events.clear();
    browser.call(s, "Page.navigate", json!({"url": url}));
    browser.wait_for("Page.loadEventFired");
    (browser, session)
}

/// Console messages, exceptions, log entries and requests other than the page itself and
/// its data URIs, from everything the browser reported.
fn problems(browser: &Browser, url: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for event in &browser.events {
        let params = &event["params"];
        match event["method"].as_str().unwrap_or("") {
            "Runtime.exceptionThrown" => problems.push(format!("exception: {params}")),
            "Runtime.consoleAPICalled" => problems.push(format!("console: {params}")),
            "Log.entryAdded" if params["entry"]["level"] != "verbose" => {
                problems.push(format!("log: {}", params["entry"]))
            }
            "Network.requestWillBeSent" => {
                let request = params["request"]["url"].as_str().unwrap_or("");
                if request != url && !request.starts_with("data:") {
                    problems.push(format!("request: {request}"));
                }
            }
            _ => {}
        }
    }
    problems
}

fn binary_or_skip() -> Option<PathBuf> {
    let binary = chromium();
    if binary.is_none() {
        assert!(
            std::env::var_os("IMAGENET_MULTILABEL_REQUIRE_BROWSER").is_none(),
            "IMAGENET_MULTILABEL_REQUIRE_BROWSER is set but no chromium is on PATH"
        );
        eprintln!("SKIPPED: no chromium on PATH (apt-get install chromium); the page was not opened in a browser");
    }
    binary
}

/// The check is not blind: a page with an outside image, a console error and an exception
/// is caught on each count.
#[test]
fn the_check_catches_requests_and_errors() {
    let Some(binary) = binary_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.html");
    std::fs::write(
        &file,
        "<!DOCTYPE html><html><body><img src=\"http://127.0.0.1:9/x.png\">\
         <script>console.error('bad'); undefined_function();</script></body></html>",
    )
    .unwrap();
    let url = format!("file://{}", file.display());
    let (browser, _) = open(&binary, &url);
    let found = problems(&browser, &url).join("\n");
    assert!(
        found.contains("request: http://127.0.0.1:9/x.png"),
        "{found}"
    );
    assert!(
        found.contains("console:") && found.contains("bad"),
        "{found}"
    );
    assert!(
        found.contains("exception:") && found.contains("undefined_function"),
        "{found}"
    );
}

#[test]
fn chromium_opens_the_page_without_errors_or_requests() {
    let Some(binary) = binary_or_skip() else {
        return;
    };
    let run = common::run();
    let models = run.models(&["strong <model>.npy", "weak & model.csv"]);
    let thumbnails = run.thumbnails(&models, 64);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.html");
    imagenet_multilabel_report::write(&run.page(&models, Some(&thumbnails)), &file).unwrap();
    let url = format!("file://{}", file.display());

    let (mut browser, session) = open(&binary, &url);
    let s = Some(session.as_str());

    // The image viewer: a click on a thumbnail opens it with the labels, a click closes it.
    let opened = evaluate(
        &mut browser,
        &session,
        "(() => { document.querySelector('.grid-images img').click(); \
         const v = document.getElementById('viewer'); \
         const open = v.classList.contains('open') && v.querySelector('img').src.startsWith('data:image/jpeg') \
           && v.querySelector('figcaption').textContent.includes('correct:'); \
         v.click(); return open && !v.classList.contains('open'); })()",
    );
    assert_eq!(opened, json!(true), "the viewer did not open and close");

    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    for id in SECTIONS {
        screenshot(&mut browser, &session, id, &shots.join(format!("{id}.png")));
    }
    browser.call(
        s,
        "Emulation.setEmulatedMedia",
        json!({"features": [{"name": "prefers-color-scheme", "value": "dark"}]}),
    );
    let background = evaluate(
        &mut browser,
        &session,
        "getComputedStyle(document.body).backgroundColor",
    );
    assert_eq!(background, json!("rgb(15, 18, 22)"), "dark scheme");
    for id in ["summary", "field"] {
        screenshot(
            &mut browser,
            &session,
            id,
            &shots.join(format!("{id}-dark.png")),
        );
    }
    // Printing works (the print style hides the navigation and the viewer).
    let pdf = browser.call(s, "Page.printToPDF", json!({}));
    assert!(pdf["data"].as_str().is_some_and(|d| d.len() > 1000));
    eprintln!("screenshots in {}", shots.display());

    let problems = problems(&browser, &url);
    assert!(problems.is_empty(), "{problems:#?}");
    // The load itself was seen, so the listening worked.
    assert!(browser
        .events
        .iter()
        .any(|e| e["method"] == "Network.requestWillBeSent"
            && e["params"]["request"]["url"] == json!(url)));
}
