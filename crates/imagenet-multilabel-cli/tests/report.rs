//! `eval --report`: the page of a run shows the figures `eval --json` prints for the same run,
//! takes its images from the tar, and refuses `--images` without a report.

use std::path::Path;

use assert_cmd::Command;
use imagenet_multilabel::fixture::annotations::{self as synthetic, Spec};
use imagenet_multilabel::fixture::known::{self, Plan};
use imagenet_multilabel::fixture::pred_files::{self, Row, WriteOptions};
use imagenet_multilabel::fixture::tar::{self as tar_fixture, TarSpec};
use imagenet_multilabel::predictions::Format;
use imagenet_multilabel::{ImageId, Predictions};
use serde_json::Value;

fn rows(p: &Predictions) -> Vec<Row> {
    ImageId::all()
        .filter_map(|i| p.ranking(i).map(|r| (i, r.top(r.len()).to_vec())))
        .collect()
}

/// Annotations, two models' prediction files, and a tar of the ImageNet-M images.
fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
    let synthetic = synthetic::generate(&Spec {
        per_class: 3,
        seed: 11,
        ..Spec::default()
    });
    synthetic
        .write_json(&dir.join("human_accuracy_v3.0.0.json"))
        .unwrap();
    let index = synthetic.annotations();
    let mut paths = Vec::new();
    for (name, fraction, k, format) in [
        ("a.npy", 0.9, 5, Format::Npy),
        ("b & <c>.csv", 0.6, 1, Format::Csv),
    ] {
        let known = known::generate(&index, &Plan::fraction(&index, fraction, k, 3)).unwrap();
        let path = dir.join(name);
        pred_files::write(&path, &rows(&known.predictions), &WriteOptions::new(format)).unwrap();
        paths.push(path);
    }
    tar_fixture::write(
        dir.join("val.tar"),
        &TarSpec::of(index.imagenet_m().iter().copied(), 5),
    )
    .unwrap();
    paths
}

fn eval(dir: &Path, extra: &[&str], models: &[std::path::PathBuf]) -> std::process::Output {
    Command::cargo_bin("imagenet-multilabel")
        .unwrap()
        .env("IMAGENET_MULTILABEL_HOME", dir.join("home"))
        .arg("eval")
        .arg("--annotations")
        .arg(dir.join("human_accuracy_v3.0.0.json"))
        .args(extra)
        .args(models)
        .output()
        .unwrap()
}

/// `value` at a dotted key path (`multilabel_accuracy.ci95.0`).
fn at<'a>(value: &'a Value, key: &str) -> &'a Value {
    key.split('.').fold(value, |v, k| match k.parse::<usize>() {
        Ok(i) => &v[i],
        Err(_) => &v[k],
    })
}

/// `(data-m or data-c, index, key, value)` of every marked figure of the page.
fn figures(html: &str) -> Vec<(char, usize, String, f64)> {
    html.match_indices("<span class=\"fig\" data-")
        .map(|(at, _)| {
            let tag = &html[at..at + html[at..].find('>').unwrap()];
            let attr = |name: &str| {
                let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                tag[start..start + tag[start..].find('"').unwrap()].to_string()
            };
            let owner = if tag.contains("data-m=") { 'm' } else { 'c' };
            let index = attr(&format!("data-{owner}")).parse().unwrap();
            (
                owner,
                index,
                attr("data-k"),
                attr("data-v").parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_page_shows_what_eval_json_prints_with_the_images_of_the_tar() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let models = inputs(dir);
    let json = eval(dir, &["--json"], &models);
    assert!(
        json.status.success(),
        "{}",
        String::from_utf8_lossy(&json.stderr)
    );
    let json: Value = serde_json::from_slice(&json.stdout).unwrap();

    let report = dir.join("report.html");
    let tar = dir.join("val.tar");
    let out = eval(
        dir,
        &[
            "--report",
            report.to_str().unwrap(),
            "--images",
            tar.to_str().unwrap(),
        ],
        &models,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("report: {}", report.display())),
        "{stderr}"
    );
    let html = std::fs::read_to_string(&report).unwrap();

    let figures = figures(&html);
    assert!(figures.len() > 40, "{} figures", figures.len());
    for (owner, index, key, value) in &figures {
        let expected = match owner {
            'm' => at(&json["models"][index], key),
            _ => at(&json["comparisons"][index], key),
        };
        // serde_json's default number parsing may land one ulp off the printed value (it
        // lacks the float_roundtrip feature); the report crate's own test compares the
        // values in memory, bit for bit.
        let expected = expected.as_f64().unwrap_or(f64::NAN);
        assert!(
            (value - expected).abs() <= f64::EPSILON * expected.abs(),
            "{owner}{index} {key}: page {value}, JSON {expected}"
        );
    }
    for key in [
        "mistake_severity.mean",
        "multilabel_accuracy.value",
        "imagenet_m.correct",
    ] {
        assert!(figures.iter().any(|f| f.2 == key), "{key}");
    }
    // The 68 ImageNet-M images come from the tar; the names are escaped.
    assert!(html.matches("src=\"data:image/jpeg;base64,").count() >= 68);
    assert!(html.contains("b &amp; &lt;c&gt;.csv") && !html.contains("b & <c>.csv"));
    // No temporary file is left beside the report.
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("report.html."))
        .collect();
    assert!(left.is_empty());
}

#[test]
fn images_need_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let models = inputs(dir);
    let out = eval(dir, &["--images", "val.tar"], &models[..1]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--report"));
}

#[test]
fn a_report_that_cannot_be_written_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let models = inputs(dir);
    let target = dir.join("missing/dir/r.html");
    let out = eval(dir, &["--report", target.to_str().unwrap()], &models[..1]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("missing/dir"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
