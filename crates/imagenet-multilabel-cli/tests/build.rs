//! `build` and `inspect`, run as the built binary on generated inputs in the real formats.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use imagenet_multilabel::fixture::annotations::{generate, Spec, Synthetic};
use imagenet_multilabel::fixture::tar::{self as fixture_tar, Naming, TarSpec};
use imagenet_multilabel::tfds::Dataset;
use imagenet_multilabel::{ImageId, Split};
use predicates::prelude::*;
use tempfile::TempDir;

/// A generated annotations file (1,000 annotated images) and a tar of its images.
struct Inputs {
    dir: TempDir,
    truth: Synthetic,
    json: PathBuf,
    tar: PathBuf,
    spec: TarSpec,
}

fn inputs(edit: impl FnOnce(&mut TarSpec)) -> Inputs {
    let dir = tempfile::tempdir().unwrap();
    let truth = generate(&Spec {
        per_class: 1,
        seed: 4,
        imagenet_m: 12,
        ..Spec::default()
    });
    let json = dir.path().join("human_accuracy_v3.0.0.json");
    truth.write_json(&json).unwrap();
    let mut spec = TarSpec::of(truth.records.iter().map(|r| r.image()), 8);
    // A few images no one annotated, as in the real tar.
    spec.images
        .extend([ImageId::new(49_998).unwrap(), ImageId::new(49_999).unwrap()]);
    edit(&mut spec);
    let tar = dir.path().join("ILSVRC2012_img_val.tar");
    fixture_tar::write(&tar, &spec).unwrap();
    Inputs {
        dir,
        truth,
        json,
        tar,
        spec,
    }
}

impl Inputs {
    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    fn build(&self, extra: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("imagenet-multilabel").unwrap();
        cmd.env("IMAGENET_MULTILABEL_HOME", self.dir.path().join("home"))
            .arg("build")
            .arg(&self.tar)
            .arg("--out")
            .arg(self.out())
            .arg("--annotations")
            .arg(&self.json)
            .args(extra);
        cmd
    }

    /// Reads the built dataset back and checks every feature of every example against the
    /// annotations and the tar's bytes; returns the images seen per split.
    fn check_round_trip(&self, missing: &[ImageId]) {
        let dataset = Dataset::open(&self.out()).unwrap();
        let annotations = self.truth.annotations();
        for split in Split::ALL {
            let expected: Vec<ImageId> = match split {
                Split::Validation => annotations.records().iter().map(|r| r.image()).collect(),
                Split::ImagenetM => annotations.imagenet_m().to_vec(),
            };
            let mut seen = Vec::new();
            for example in dataset.iter(split) {
                let e = example.unwrap();
                let image = e.image_id().unwrap();
                let r = annotations.get(image).unwrap();
                // Labels by image number: what TFDS gets wrong when images are missing.
                assert_eq!(e.original_label, image.original_label(), "{image}");
                assert_eq!(e.original_label, r.original());
                assert_eq!(e.correct_multi_labels, r.correct());
                assert_eq!(e.wrong_multi_labels, r.wrong());
                assert_eq!(e.unclear_multi_labels, r.unclear());
                assert_eq!(e.is_problematic, r.problematic());
                assert_eq!(e.file_name, image.file_name());
                assert_eq!(e.image, self.spec.jpeg(image), "{image}");
                seen.push(image);
            }
            seen.sort_unstable();
            let mut want: Vec<ImageId> = expected
                .into_iter()
                .filter(|i| !missing.contains(i))
                .collect();
            want.sort_unstable();
            assert_eq!(seen, want, "{split:?}");
        }
    }
}

fn version_dir(out: &Path) -> PathBuf {
    out.join("imagenet2012_multilabel").join("3.0.0")
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn builds_tfds_and_every_feature_reads_back() {
    let inputs = inputs(|_| {});
    inputs
        .build(&["--quiet"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "validation 1000 examples in 1 shard(s)",
        ))
        .stdout(predicate::str::contains("imagenet_m 12 examples"))
        .stdout(predicate::str::contains("1000 image(s)"));
    inputs.check_round_trip(&[]);
    assert_eq!(
        entries(&inputs.out().join("imagenet2012_multilabel")),
        ["3.0.0"]
    );
    assert!(!version_dir(&inputs.out())
        .join("missing_images.txt")
        .exists());
}

#[test]
fn shuffled_pax_members_with_extras_build_the_same_examples() {
    let inputs = inputs(|s| {
        s.shuffle = true;
        s.naming = Naming::Pax;
        s.extras = true;
    });
    // With --sync too: the flushed publish is the same dataset.
    inputs.build(&["--sync"]).assert().success();
    inputs.check_round_trip(&[]);
}

#[test]
fn missing_images_are_refused_with_count_and_names() {
    let probe = inputs(|_| {});
    let drop: Vec<ImageId> = probe
        .truth
        .records
        .iter()
        .take(3)
        .map(|r| r.image())
        .collect();
    let inputs = inputs(|s| {
        s.images.retain(|i| !drop.contains(i));
    });
    inputs
        .build(&[])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("ILSVRC2012_img_val.tar"))
        .stderr(predicate::str::contains(
            "3 annotated image(s) are not in the tar",
        ))
        .stderr(predicate::str::contains(drop[0].file_name()))
        .stderr(predicate::str::contains("--allow-missing"));
    assert!(!inputs
        .out()
        .join("imagenet2012_multilabel")
        .join("3.0.0")
        .exists());
}

#[test]
fn allow_missing_builds_the_rest_with_labels_by_number() {
    let probe = inputs(|_| {});
    // Leave out early images so that, were labels taken from member order (as TFDS does),
    // nearly every later label would shift.
    let drop: Vec<ImageId> = probe
        .truth
        .records
        .iter()
        .take(4)
        .map(|r| r.image())
        .collect();
    let inputs = inputs(|s| s.images.retain(|i| !drop.contains(i)));
    inputs
        .build(&["--allow-missing"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "building without 4 annotated image(s)",
        ))
        .stdout(predicate::str::contains(
            "4 annotated image(s) missing from the tar were left out",
        ))
        .stdout(predicate::str::contains("validation 996 examples"));
    inputs.check_round_trip(&drop);
    let listed = fs::read_to_string(version_dir(&inputs.out()).join("missing_images.txt")).unwrap();
    for image in &drop {
        assert!(listed.contains(&image.file_name()), "{listed}");
    }
    let info = fs::read_to_string(version_dir(&inputs.out()).join("dataset_info.json")).unwrap();
    assert!(
        info.contains("4 annotated image(s) missing from the tar"),
        "{info}"
    );
}

#[test]
fn a_tar_that_is_not_the_val_archive_is_named() {
    let inputs = inputs(|_| {});
    let other = inputs.dir.path().join("ILSVRC2012_img_train.tar");
    let mut tar = tar::Builder::new(fs::File::create(&other).unwrap());
    let mut h = tar::Header::new_gnu();
    h.set_size(4);
    tar.append_data(&mut h, "n01440764.tar", &b"data"[..])
        .unwrap();
    tar.finish().unwrap();
    drop(tar);
    let mut cmd = Command::cargo_bin("imagenet-multilabel").unwrap();
    cmd.env("IMAGENET_MULTILABEL_HOME", inputs.dir.path().join("home"))
        .arg("build")
        .arg(&other)
        .arg("--out")
        .arg(inputs.out())
        .arg("--annotations")
        .arg(&inputs.json)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("ILSVRC2012_img_train.tar"))
        .stderr(predicate::str::contains(
            "not the ImageNet validation archive",
        ))
        .stderr(predicate::str::contains("n01440764.tar"));
}

#[test]
fn a_truncated_tar_names_the_member_and_offset() {
    let inputs = inputs(|_| {});
    let bytes = fs::read(&inputs.tar).unwrap();
    let cut = bytes.len() / 2;
    fs::write(&inputs.tar, &bytes[..cut]).unwrap();
    inputs
        .build(&[])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("ILSVRC2012_img_val.tar"))
        .stderr(predicate::str::contains("truncated tar"))
        .stderr(predicate::str::contains("byte offset"))
        .stderr(predicate::str::contains("ILSVRC2012_val_"));
}

#[test]
fn an_existing_dataset_is_kept_unless_forced() {
    let inputs = inputs(|_| {});
    inputs.build(&[]).assert().success();
    inputs
        .build(&[])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already holds a built dataset"))
        .stderr(predicate::str::contains("--force"));
    inputs.build(&["--force"]).assert().success();
    inputs.check_round_trip(&[]);
    assert_eq!(
        entries(&inputs.out().join("imagenet2012_multilabel")),
        ["3.0.0"]
    );
}

#[test]
fn bad_annotations_are_named() {
    let inputs = inputs(|_| {});
    fs::write(
        &inputs.json,
        b"{\"initial_annots\": {\"ILSVRC2012_val_00000001.JPEG\": [1,",
    )
    .unwrap();
    inputs
        .build(&[])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("human_accuracy_v3.0.0.json"));
}

#[test]
fn an_interrupted_build_leaves_nothing_finished_and_a_rerun_succeeds() {
    let inputs = inputs(|_| {});
    let killed = inputs
        .build(&[])
        .env("IMAGENET_MULTILABEL_TEST_ABORT_AFTER", "300")
        .assert()
        .failure();
    // Aborted by a signal: no exit code, no destructor ran.
    assert_eq!(killed.get_output().status.code(), None);
    let dataset_dir = inputs.out().join("imagenet2012_multilabel");
    let left = entries(&dataset_dir);
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].starts_with("incomplete."), "{left:?}");
    assert!(Dataset::open(&inputs.out()).is_err());

    inputs
        .build(&[])
        .assert()
        .success()
        .stderr(predicate::str::contains("left by an interrupted build"));
    assert_eq!(entries(&dataset_dir), ["3.0.0"]);
    inputs.check_round_trip(&[]);
}

#[test]
fn verify_images_reports_grayscale_cmyk_and_corrupt() {
    let probe = inputs(|_| {});
    let ids: Vec<ImageId> = probe.truth.records.iter().map(|r| r.image()).collect();
    let inputs = inputs(|s| {
        s.grayscale = vec![ids[10], ids[20]];
        s.cmyk = vec![ids[30]];
        s.corrupt = vec![ids[40]];
    });
    inputs
        .build(&["--verify-images"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "verified: 996 ok, 2 grayscale, 1 CMYK, 1 corrupt",
        ))
        .stdout(predicate::str::contains(format!("cmyk: {}", ids[30])))
        .stdout(predicate::str::contains(format!("corrupt: {}", ids[40])))
        .stderr(predicate::str::contains("1 image(s) do not decode"));
    // Untouched bytes, corrupt ones included.
    inputs.check_round_trip(&[]);
}

#[test]
fn one_split_only() {
    let inputs = inputs(|_| {});
    inputs
        .build(&["--split", "imagenet_m"])
        .assert()
        .success()
        .stdout(predicate::str::contains("imagenet_m 12 examples"))
        .stdout(predicate::str::contains("validation").not());
    let dataset = Dataset::open(&inputs.out()).unwrap();
    assert_eq!(dataset.splits().len(), 1);
    assert_eq!(dataset.iter(Split::ImagenetM).count(), 12);
}

#[test]
fn shard_size_is_refused_for_tfds() {
    let inputs = inputs(|_| {});
    inputs
        .build(&["--shard-size", "100MB"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--shard-size applies to"));
}

#[test]
fn inspect_shows_splits_and_examples() {
    let inputs = inputs(|_| {});
    inputs.build(&[]).assert().success();
    let first = Dataset::open(&inputs.out())
        .unwrap()
        .iter(Split::Validation)
        .next()
        .unwrap()
        .unwrap();
    Command::cargo_bin("imagenet-multilabel")
        .unwrap()
        .args(["inspect", "--all"])
        .arg(inputs.out())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "split     validation: 1000 examples",
        ))
        .stdout(predicate::str::contains(
            "split     imagenet_m: 12 examples",
        ))
        .stdout(predicate::str::contains(format!(
            "{}  original {} {}",
            first.file_name,
            first.original_label.as_u16(),
            first.original_label.short_name()
        )))
        .stdout(predicate::str::contains("read all 1000 examples"));
    Command::cargo_bin("imagenet-multilabel")
        .unwrap()
        .arg("inspect")
        .arg(inputs.dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no dataset at"));
}

/// Reads every WebDataset shard of `split` in `out`: (file name, original label, jpg).
fn read_webdataset(out: &Path, split: &str) -> Vec<(String, u16, Vec<u8>)> {
    let mut examples = Vec::new();
    for name in entries(out) {
        if !(name.starts_with(&format!("{split}-")) && name.ends_with(".tar")) {
            continue;
        }
        let mut archive = tar::Archive::new(fs::File::open(out.join(&name)).unwrap());
        let mut cls = 0u16;
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let path = entry.path().unwrap().to_string_lossy().into_owned();
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
            let (key, ext) = path.split_once('.').unwrap();
            match ext {
                "cls" => cls = String::from_utf8(bytes).unwrap().parse().unwrap(),
                "jpg" => examples.push((format!("{key}.JPEG"), cls, bytes)),
                _ => {}
            }
        }
    }
    examples
}

#[test]
fn builds_webdataset_with_every_image_and_label() {
    let probe = inputs(|_| {});
    let drop: Vec<ImageId> = probe
        .truth
        .records
        .iter()
        .take(2)
        .map(|r| r.image())
        .collect();
    let inputs = inputs(|s| {
        s.shuffle = true;
        s.images.retain(|i| !drop.contains(i));
    });
    inputs
        .build(&[
            "--format",
            "webdataset",
            "--shard-size",
            "200KB",
            "--allow-missing",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("validation 998 examples in"))
        .stdout(predicate::str::contains("imagenet_m"));
    let out = inputs.out().join("data");
    let validation = read_webdataset(&out, "validation");
    assert_eq!(validation.len(), 998);
    for (name, cls, jpg) in &validation {
        let image = ImageId::from_file_name(name).unwrap();
        assert!(!drop.contains(&image));
        assert_eq!(*cls, image.original_label().as_u16(), "{name}");
        assert_eq!(jpg, &inputs.spec.jpeg(image), "{name}");
    }
    assert!(
        entries(&out)
            .iter()
            .filter(|n| n.starts_with("validation-"))
            .count()
            > 1
    );
    let imagenet_m = read_webdataset(&out, "imagenet_m");
    assert_eq!(
        imagenet_m.len(),
        inputs
            .truth
            .imagenet_m
            .iter()
            .filter(|i| !drop.contains(i))
            .count()
    );
    let missing = fs::read_to_string(out.join("missing_images.txt")).unwrap();
    assert!(missing.contains(&drop[0].file_name()));
    // Nothing left beside the output.
    let siblings = entries(inputs.dir.path());
    assert!(
        siblings.iter().all(|n| !n.contains("incomplete")),
        "{siblings:?}"
    );
}

#[test]
fn builds_parquet_atomically() {
    let inputs = inputs(|_| {});
    let out = inputs.out();
    inputs
        .build(&["--format", "parquet"])
        .env("IMAGENET_MULTILABEL_TEST_ABORT_AFTER", "100")
        .assert()
        .failure();
    // Nothing published: only the hidden staging folder of the data.
    let left = entries(&out);
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].starts_with(".data.staging-"), "{left:?}");

    inputs
        .build(&["--format", "parquet"])
        .assert()
        .success()
        .stderr(predicate::str::contains("left by an interrupted build"))
        .stdout(predicate::str::contains(
            "validation 1000 examples in 1 file(s)",
        ));
    assert_eq!(
        entries(&out),
        ["README.md", "data", "imagenet2012_multilabel.build.json"]
    );
    assert_eq!(
        entries(&out.join("data")),
        [
            "imagenet_m-00000-of-00001.parquet",
            "validation-00000-of-00001.parquet"
        ]
    );
    let card = fs::read_to_string(out.join("README.md")).unwrap();
    assert!(
        card.contains("path: \"data/imagenet_m-*.parquet\""),
        "{card}"
    );
    inputs
        .build(&["--format", "parquet"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already holds a build"));
    inputs
        .build(&["--format", "parquet", "--force"])
        .assert()
        .success();
    assert_eq!(entries(&out).len(), 3);
}
