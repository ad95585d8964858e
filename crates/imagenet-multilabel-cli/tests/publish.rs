//! `build` never deletes what it did not write, and replaces a previous build crash-safely:
//! run as the built binary, killed (`abort()`, as `kill -9`: no destructor runs) at every
//! step of the publish in turn.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use imagenet_multilabel::fixture::annotations::{generate, Spec};
use imagenet_multilabel::fixture::tar::{self as fixture_tar, TarSpec};
use predicates::prelude::*;
use tempfile::TempDir;

const ABORT_AT_STEP: &str = "IMAGENET_MULTILABEL_TEST_ABORT_AT_STEP";
const NO_EXCHANGE: &str = "IMAGENET_MULTILABEL_TEST_NO_EXCHANGE";

struct Inputs {
    dir: TempDir,
    json: PathBuf,
    tar: PathBuf,
}

fn inputs() -> Inputs {
    let dir = tempfile::tempdir().unwrap();
    let truth = generate(&Spec {
        per_class: 1,
        seed: 11,
        imagenet_m: 12,
        ..Spec::default()
    });
    let json = dir.path().join("human_accuracy_v3.0.0.json");
    truth.write_json(&json).unwrap();
    let spec = TarSpec::of(truth.records.iter().map(|r| r.image()), 3);
    let tar = dir.path().join("ILSVRC2012_img_val.tar");
    fixture_tar::write(&tar, &spec).unwrap();
    Inputs { dir, json, tar }
}

impl Inputs {
    fn build(&self, out: &Path, format: &str, extra: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("imagenet-multilabel").unwrap();
        cmd.env("IMAGENET_MULTILABEL_HOME", self.dir.path().join("home"))
            .arg("build")
            .arg(&self.tar)
            .arg("--out")
            .arg(out)
            .arg("--annotations")
            .arg(&self.json)
            .args(["--format", format, "--quiet", "--no-cache"])
            .args(extra);
        cmd
    }
}

/// Every file under `dir` (relative path → bytes), hidden names included.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, into: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(rd) = fs::read_dir(dir) else { return };
        for entry in rd {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, into);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                into.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    let mut map = BTreeMap::new();
    walk(dir, dir, &mut map);
    map
}

fn copy_tree(from: &Path, to: &Path) {
    let _ = fs::remove_dir_all(to);
    for (rel, bytes) in tree(from) {
        let path = to.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }
}

/// The part of the tree a reader looks at: the dataset's files under their final names.
fn visible(out: &Path, format: &str) -> BTreeMap<String, Vec<u8>> {
    let root = if format == "tfds" {
        out.join("imagenet2012_multilabel").join("3.0.0")
    } else {
        out.join("data")
    };
    tree(&root)
}

/// User files in the output folder, and for TFDS other datasets and versions in the
/// data_dir: what no build may ever touch.
fn plant_user_files(out: &Path) -> BTreeMap<String, Vec<u8>> {
    let files = [
        ("my_notes.txt", "notes"),
        ("experiments/run1/log.txt", "a log"),
        (".hidden_config", "x=1"),
        ("imagenet2012_multilabel/2.0.0/dataset_info.json", "{}"),
        ("imagenet2012_multilabel/incomplete_user_notes.txt", "mine"),
        ("mnist/3.0.1/dataset_info.json", "{}"),
    ];
    for (rel, text) in files {
        let path = out.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    files
        .iter()
        .map(|(r, t)| (r.to_string(), t.as_bytes().to_vec()))
        .collect()
}

fn assert_kept(out: &Path, user: &BTreeMap<String, Vec<u8>>) {
    let now = tree(out);
    for (rel, bytes) in user {
        assert_eq!(now.get(rel), Some(bytes), "{rel} was removed or changed");
    }
}

#[test]
fn user_files_survive_force_for_every_format() {
    let inputs = inputs();
    for format in ["tfds", "parquet", "webdataset"] {
        let out = inputs.dir.path().join(format!("out-{format}"));
        let user = plant_user_files(&out);
        inputs.build(&out, format, &[]).assert().success();
        inputs.build(&out, format, &["--force"]).assert().success();
        inputs
            .build(&out, format, &["--force", "--split", "imagenet_m"])
            .assert()
            .success();
        assert_kept(&out, &user);
        assert!(!visible(&out, format).is_empty(), "{format}");
    }
}

#[test]
fn a_file_no_build_wrote_is_never_replaced_even_with_force() {
    let inputs = inputs();
    for (format, name) in [
        ("parquet", "README.md"),
        ("parquet", "data"),
        ("webdataset", "data"),
    ] {
        let out = inputs.dir.path().join(format!("out-{format}-{name}"));
        fs::create_dir_all(&out).unwrap();
        let path = out.join(name);
        if name == "data" {
            fs::create_dir(&path).unwrap();
            fs::write(path.join("train.csv"), "my data").unwrap();
        } else {
            fs::write(&path, "my readme").unwrap();
        }
        let before = tree(&out);
        inputs
            .build(&out, format, &["--force"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(path.display().to_string()))
            .stderr(predicate::str::contains("was not written by a build"));
        assert_eq!(tree(&out), before, "{format} {name}");
    }
}

#[test]
fn switching_format_removes_only_the_previous_build() {
    let inputs = inputs();
    let out = inputs.dir.path().join("out");
    let user = plant_user_files(&out);
    inputs.build(&out, "parquet", &[]).assert().success();
    assert!(out.join("README.md").exists());
    inputs
        .build(&out, "webdataset", &["--force"])
        .assert()
        .success();
    // The Parquet card was ours: gone with the build it described.
    assert!(!out.join("README.md").exists());
    assert!(visible(&out, "webdataset")
        .keys()
        .all(|k| k.ends_with(".tar")));
    assert_kept(&out, &user);
}

/// Kills a replacing build at publish step 1, 2, … until a run gets through; after each
/// kill the final names hold the old build or the new one, byte for byte (with
/// `RENAME_EXCHANGE`; without it, one step leaves the old build complete under its set-aside
/// name), user files are untouched, and the next build (which first repairs what the kill
/// left) succeeds.
fn kill_at_every_step(format: &str, exchange: bool) {
    let inputs = inputs();
    let base = inputs.dir.path();
    // The old build has one split, the new one two: they differ in every file list.
    let old = base.join("old");
    inputs
        .build(&old, format, &["--split", "imagenet_m"])
        .assert()
        .success();
    let new = base.join("new");
    inputs.build(&new, format, &[]).assert().success();
    let (old_files, new_files) = (visible(&old, format), visible(&new, format));
    assert_ne!(old_files, new_files);

    let out = base.join("out");
    let mut step = 1;
    loop {
        copy_tree(&old, &out);
        let user = plant_user_files(&out);
        let mut cmd = inputs.build(&out, format, &["--force"]);
        cmd.env(ABORT_AT_STEP, step.to_string());
        if !exchange {
            cmd.env(NO_EXCHANGE, "1");
        }
        let output = cmd.output().unwrap();
        let now = visible(&out, format);
        if !exchange && now.is_empty() {
            // The fallback's one gap: killed between its two renames, the old build waits
            // complete under the set-aside name that the next build restores first.
            let parent = if format == "tfds" {
                out.join("imagenet2012_multilabel")
            } else {
                out.clone()
            };
            let aside: Vec<PathBuf> = fs::read_dir(&parent)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| {
                    let n = p.file_name().unwrap().to_string_lossy().into_owned();
                    n.starts_with(".data.old-") || n.starts_with("incomplete.old.")
                })
                .collect();
            assert_eq!(aside.len(), 1, "step {step}: {aside:?}");
            assert_eq!(tree(&aside[0]), old_files, "step {step}");
        } else {
            assert!(
                now == old_files || now == new_files,
                "{format} (exchange {exchange}): killed at step {step}, the final names hold \
             neither build: {:?}",
                now.keys().collect::<Vec<_>>()
            );
        }
        assert_kept(&out, &user);
        if output.status.success() {
            assert_eq!(now, new_files);
            break;
        }
        // Killed by the signal, not an error exit.
        assert_eq!(output.status.code(), None, "step {step}: {output:?}");
        // The next build repairs and replaces.
        let mut again = inputs.build(&out, format, &["--force"]);
        if !exchange {
            again.env(NO_EXCHANGE, "1");
        }
        again.assert().success();
        assert_eq!(visible(&out, format), new_files, "after step {step}");
        assert_kept(&out, &user);
        step += 1;
        assert!(step < 20, "the publish never completed");
    }
    // At least: before the swap, after it, after the cleanup.
    assert!(step >= 3, "{format}: only {step} steps");
}

#[test]
fn a_kill_at_any_publish_step_leaves_a_complete_tfds_build() {
    kill_at_every_step("tfds", true);
    kill_at_every_step("tfds", false);
}

#[test]
fn a_kill_at_any_publish_step_leaves_a_complete_parquet_build() {
    kill_at_every_step("parquet", true);
    kill_at_every_step("parquet", false);
}

#[test]
fn a_kill_at_any_publish_step_leaves_a_complete_webdataset_build() {
    kill_at_every_step("webdataset", true);
    kill_at_every_step("webdataset", false);
}

#[test]
fn a_missing_tar_is_bad_input() {
    let inputs = inputs();
    let out = inputs.dir.path().join("out");
    let mut cmd = Command::cargo_bin("imagenet-multilabel").unwrap();
    cmd.env("IMAGENET_MULTILABEL_HOME", inputs.dir.path().join("home"))
        .arg("build")
        .arg(inputs.dir.path().join("nowhere.tar"))
        .arg("--out")
        .arg(&out)
        .arg("--annotations")
        .arg(&inputs.json)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nowhere.tar: no such file"));
}

#[test]
fn a_closed_stdout_is_not_a_crash() {
    // `build … | head -0`: stdout closed before the summary is written.
    let inputs = inputs();
    let out = inputs.dir.path().join("out");
    let home = inputs.dir.path().join("home");
    let (tar, json) = (inputs.tar.to_str().unwrap(), inputs.json.to_str().unwrap());
    let out_s = out.to_str().unwrap();
    let home_s = home.to_str().unwrap();
    for args in [
        vec![
            "build",
            tar,
            "--out",
            out_s,
            "--annotations",
            json,
            "--verify-images",
        ],
        vec!["inspect", out_s],
        vec!["demo"],
    ] {
        assert_eq!(closed_stdout(home_s, &args), Some(0), "{args:?}");
    }
}

/// Runs the binary with stdout a pipe whose reading end is already closed; returns the exit
/// code after checking that nothing panicked.
fn closed_stdout(home: &str, args: &[&str]) -> Option<i32> {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("imagenet-multilabel"));
    cmd.env("IMAGENET_MULTILABEL_HOME", home)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    output.status.code()
}

#[test]
fn eval_dataset_reports_the_annotations_it_was_built_from() {
    let inputs = inputs();
    let out = inputs.dir.path().join("out");
    inputs.build(&out, "tfds", &[]).assert().success();
    let sha = {
        use sha2::{Digest, Sha256};
        let bytes = fs::read(&inputs.json).unwrap();
        Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let version = out.join("imagenet2012_multilabel").join("3.0.0");
    let recorded = imagenet_multilabel::tfds::read_provenance(&version)
        .unwrap()
        .unwrap();
    assert_eq!(
        recorded,
        (fs::metadata(&inputs.json).unwrap().len(), sha.clone())
    );
    let annotations = imagenet_multilabel::tfds::read_annotations(&out).unwrap();
    assert_eq!(annotations.source().sha256, sha);
    // Parquet and WebDataset keep it in their manifest.
    let pq = inputs.dir.path().join("pq");
    inputs.build(&pq, "parquet", &[]).assert().success();
    assert_eq!(
        imagenet_multilabel_formats::build::read_build_provenance(&pq)
            .unwrap()
            .map(|p| p.1),
        Some(sha)
    );
}
