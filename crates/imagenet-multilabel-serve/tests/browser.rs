//! A real browser reviews with the keyboard: headless Chromium driven over WebDriver
//! (Debian's `chromium` and `chromium-driver`). It gives a reviewer name, judges two
//! predictions with the keys 1 and 2, undoes the second with z, and the store then holds
//! exactly the first as live and the second as undone. Every page is screenshot under
//! `target/tmp/serve-screenshots/` for a person to look at.
//!
//! Without chromedriver the test says so and passes, unless `IMAGENET_MULTILABEL_REQUIRE_BROWSER`
//! is set (CI sets it after installing the browser).

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

fn find(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    names
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// chromedriver and the session it drives; both end when this is dropped.
struct Driver {
    child: Child,
    addr: std::net::SocketAddr,
    session: String,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Driver {
    fn start(chromedriver: &Path, chromium: &Path) -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let mut driver = Driver {
            child,
            addr,
            session: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not open its port"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = std::env::temp_dir().join(format!("serve-browser-{}", std::process::id()));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium.display().to_string(),
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--hide-scrollbars", "--window-size=1280,900",
                         format!("--user-data-dir={}", profile.display())],
            }
        }}});
        let v = driver.call("POST", "/session", Some(caps));
        driver.session = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_owned();
        driver
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let body = body
            .map(|b| serde_json::to_vec(&b).unwrap())
            .unwrap_or_default();
        let headers: &[(&str, &str)] = if method == "POST" {
            &[("Content-Type", "application/json")]
        } else {
            &[]
        };
        let a = common::request(
            self.addr,
            method,
            path,
            headers,
            &body,
            &self.addr.to_string(),
        );
        let v = a.json();
        assert_eq!(a.status, 200, "{method} {path}: {v}");
        v["value"].clone()
    }

    fn session(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), body)
    }

    fn go(&self, url: &str) {
        self.session("POST", "/url", Some(json!({ "url": url })));
    }

    fn script(&self, script: &str) -> Value {
        self.session(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
    }

    /// Waits until `script` returns something truthy; returns it.
    fn wait_for(&self, script: &str, what: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let v = self.script(script);
            if !(v.is_null() || v == json!(false) || v == json!("") || v == json!(0)) {
                return v;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn keys(&self, keys: &str) {
        let actions: Vec<Value> = keys
            .chars()
            .flat_map(|c| {
                [
                    json!({"type": "keyDown", "value": c.to_string()}),
                    json!({"type": "keyUp", "value": c.to_string()}),
                ]
            })
            .collect();
        self.session(
            "POST",
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        );
    }

    fn type_into(&self, css: &str, text: &str) {
        let e = self.session(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        let id = e[ELEMENT].as_str().unwrap().to_owned();
        self.session(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        );
    }

    fn screenshot(&self, path: &Path) {
        let png = self.session("GET", "/screenshot", None);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = common::request(
                self.addr,
                "DELETE",
                &format!("/session/{}", self.session),
                &[],
                b"",
                &self.addr.to_string(),
            );
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_reviewer_judges_two_pairs_with_the_keyboard_and_undoes_one() {
    let required = std::env::var_os("IMAGENET_MULTILABEL_REQUIRE_BROWSER").is_some();
    let (Some(chromedriver), Some(chromium)) = (
        find("CHROMEDRIVER", &["chromedriver"]),
        find(
            "CHROMIUM",
            &["chromium", "chromium-browser", "google-chrome"],
        ),
    ) else {
        assert!(
            !required,
            "IMAGENET_MULTILABEL_REQUIRE_BROWSER is set but chromium or chromedriver is missing"
        );
        eprintln!("skipped: chromium and chromedriver (Debian: chromium-driver) are needed");
        return;
    };
    let f = common::Fixture::new();
    let s = f.serve(None);
    let base = format!("http://{}", s.host());
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/tmp/serve-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let d = Driver::start(&chromedriver, &chromium);

    d.go(&format!("{base}/review"));
    d.wait_for(
        "return document.getElementById('reviewer-name')",
        "the name form",
    );
    d.screenshot(&shots.join("review-name.png"));
    d.type_into("#reviewer-name", "ada\u{E007}");
    let candidate = "const c = document.getElementById('candidate'); return c && [c.dataset.file, c.dataset.label]";
    let first = d.wait_for(candidate, "the first pair");
    d.screenshot(&shots.join("review.png"));
    d.keys("1");
    let second = d.wait_for(&format!("const c = document.getElementById('candidate'); return c && c.dataset.file + c.dataset.label !== {:?} && [c.dataset.file, c.dataset.label]", format!("{}{}", first[0].as_str().unwrap(), first[1].as_str().unwrap())), "the second pair");
    d.keys("2");
    d.wait_for(&format!("const c = document.getElementById('candidate'); return c && c.dataset.file + c.dataset.label !== {:?}", format!("{}{}", second[0].as_str().unwrap(), second[1].as_str().unwrap())), "the third pair");
    d.keys("z");
    let back = d.wait_for(&format!("const c = document.getElementById('candidate'); return c && c.dataset.file + c.dataset.label === {:?} && [c.dataset.file, c.dataset.label]", format!("{}{}", second[0].as_str().unwrap(), second[1].as_str().unwrap())), "the undone pair back");
    assert_eq!(back, second);
    let status = d.script("return document.getElementById('review-status').textContent");
    assert!(
        status
            .as_str()
            .unwrap()
            .contains("1 reviewed in this session"),
        "{status}"
    );

    // What the store holds, through the API.
    let reviews = s.get("/api/reviews").json()["reviews"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(reviews.len(), 2, "{reviews:?}");
    assert_eq!(
        (reviews[0]["file_name"].clone(), reviews[0]["label"].clone()),
        (first[0].clone(), first[1].clone())
    );
    assert_eq!(reviews[0]["decision"], "correct");
    assert_eq!(reviews[0]["reviewer"], "ada");
    assert_eq!(reviews[0]["undone"], false);
    assert_eq!(
        (reviews[1]["file_name"].clone(), reviews[1]["label"].clone()),
        (second[0].clone(), second[1].clone())
    );
    assert_eq!(reviews[1]["decision"], "wrong");
    assert_eq!(reviews[1]["undone"], true);

    // The export (REVIEWS' function, what `reviews export` writes): exactly the live review.
    let store = imagenet_multilabel_reviews::Store::open(f.db()).unwrap();
    let overlay = imagenet_multilabel_reviews::export(&store, &f.annotations, 1).unwrap();
    let exported: Vec<(String, String, &str)> = overlay
        .labels
        .iter()
        .map(|l| (l.file_name.clone(), l.label.clone(), l.decision.as_str()))
        .collect();
    assert_eq!(
        exported,
        [(
            first[0].as_str().unwrap().to_owned(),
            first[1].as_str().unwrap().to_owned(),
            "correct"
        )]
    );
    assert_eq!(overlay.labels[0].reviewers, ["ada"]);

    // Every page, for a person to look at.
    d.go(&format!("{base}/"));
    d.wait_for(
        "return document.querySelectorAll('#grid .tile').length",
        "the grid",
    );
    d.screenshot(&shots.join("browse.png"));
    d.go(&format!("{base}/?multilabel=true&problematic=false"));
    d.wait_for(
        "return document.querySelectorAll('#grid .tile').length",
        "the filtered grid",
    );
    let selected = d.script("return document.querySelector('select[name=multilabel]').value");
    assert_eq!(selected, "true", "the filters come back from the URL");
    d.go(&format!("{base}/image/{}", first[0].as_str().unwrap()));
    d.wait_for("return document.querySelector('h1') && document.querySelector('h1').textContent.startsWith('ILSVRC')", "the image page");
    let text = d.script("return document.body.innerText");
    assert!(
        text.as_str().unwrap().contains("ada"),
        "the image page lists the review"
    );
    d.screenshot(&shots.join("image.png"));
    d.go(&format!("{base}/model/vit"));
    d.wait_for(
        "return document.getElementById('mistakes')",
        "the model page",
    );
    d.screenshot(&shots.join("model.png"));
    let errors = d.script("return window.__errors || []");
    assert_eq!(errors, json!([]));
}
