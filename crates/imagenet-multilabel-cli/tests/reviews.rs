//! Community reviews end to end: reviews stored → `reviews export` → `eval --overlay`, the
//! "with reviews" figure checked against one computed here from first principles, and the
//! official figures untouched.

use std::path::PathBuf;

use assert_cmd::Command;
use imagenet_multilabel::annotations::{load, LoadOptions};
use imagenet_multilabel::fixture::annotations::{generate, Spec};
use imagenet_multilabel::fixture::pred_files::{self, Row, WriteOptions};
use imagenet_multilabel::predictions::Format;
use imagenet_multilabel::{Annotations, ClassId, ImageId, Record, NUM_CLASSES};
use imagenet_multilabel_reviews::{Decision, NewReview, Store};
use serde_json::Value;

struct Fixture {
    dir: tempfile::TempDir,
    json: PathBuf,
    index: Annotations,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("human_accuracy_v3.0.0.json");
        generate(&Spec {
            per_class: 2,
            seed: 11,
            ..Spec::default()
        })
        .write_json(&json)
        .unwrap();
        let index = load(&json, &LoadOptions::no_cache()).unwrap();
        Fixture { dir, json, index }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("imagenet-multilabel").unwrap();
        cmd.env("IMAGENET_MULTILABEL_HOME", self.path("home"));
        cmd
    }

    /// Runs the binary with `args`; asserts success; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {stderr}");
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs the binary with `args`; asserts exit code 2; returns stderr.
    fn bad(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        stderr
    }
}

/// A class the review never judged for `record`.
fn unreviewed(record: &Record) -> ClassId {
    ClassId::all()
        .find(|c| {
            !record.correct().contains(c)
                && !record.wrong().contains(c)
                && !record.unclear().contains(c)
        })
        .unwrap()
}

/// The official metric from its definition: leave out problematic images; per original
/// class, the fraction of images whose top-1 is in correct ∪ unclear; the mean over the 1000
/// classes, summed in class order.
fn multilabel_accuracy(
    records: &[(&Record, ClassId)],
    accepted: impl Fn(&Record, ClassId) -> bool,
) -> f64 {
    let mut hits = [0u32; NUM_CLASSES];
    let mut graded = [0u32; NUM_CLASSES];
    for (record, top1) in records.iter().filter(|(r, _)| !r.problematic()) {
        graded[record.original().index()] += 1;
        hits[record.original().index()] += u32::from(accepted(record, *top1));
    }
    let mut sum = 0.0;
    for c in 0..NUM_CLASSES {
        sum += f64::from(hits[c]) / f64::from(graded[c]);
    }
    sum / NUM_CLASSES as f64
}

#[test]
fn reviews_round_trip_changes_the_with_reviews_figure_by_exactly_the_reviewed_predictions() {
    let f = Fixture::new();
    let records = f.index.records();
    // Top-1: an accepted label on every other image that has one, else a label the experts
    // never judged (graded as wrong, `unreviewed`).
    let top1: Vec<(&Record, ClassId)> = records
        .iter()
        .enumerate()
        .map(|(i, r)| match r.correct().first() {
            Some(&c) if i % 2 == 0 => (r, c),
            _ => (r, unreviewed(r)),
        })
        .collect();
    let rows: Vec<Row> = top1.iter().map(|(r, c)| (r.image(), vec![*c])).collect();
    let preds = f.path("vit.csv");
    pred_files::write(&preds, &rows, &WriteOptions::new(Format::Csv)).unwrap();

    // Reviews of the first unreviewed top-1s of graded images: 6 correct, 3 unclear, 3 wrong;
    // plus one on a label the experts judged (ignored), one pending (needs 2 with --required
    // 2… here: a disagreement, left out), one undone.
    let store = Store::open(f.path("reviews.sqlite")).unwrap();
    let candidates: Vec<&(&Record, ClassId)> = top1
        .iter()
        .filter(|(r, c)| !r.problematic() && !r.correct().contains(c))
        .take(14)
        .collect();
    let decisions = [
        Decision::Correct,
        Decision::Correct,
        Decision::Correct,
        Decision::Correct,
        Decision::Correct,
        Decision::Correct,
        Decision::Unclear,
        Decision::Unclear,
        Decision::Unclear,
        Decision::Wrong,
        Decision::Wrong,
        Decision::Wrong,
    ];
    let add = |record: &Record, label: ClassId, decision: Decision, reviewer: &str| {
        store
            .add(NewReview {
                file_name: record.image().file_name(),
                label: label.wnid().to_string(),
                decision,
                reviewer: reviewer.into(),
                model: Some("vit".into()),
            })
            .unwrap()
    };
    for ((record, label), decision) in candidates.iter().copied().zip(decisions) {
        add(record, *label, decision, "ada");
    }
    let (disputed, disputed_label) = candidates[12];
    add(disputed, *disputed_label, Decision::Correct, "ada");
    add(disputed, *disputed_label, Decision::Wrong, "bob");
    let (withdrawn, withdrawn_label) = candidates[13];
    let r = add(withdrawn, *withdrawn_label, Decision::Correct, "bob");
    store.undo(r.id, "bob").unwrap();
    let judged = top1.iter().find(|(r, c)| r.correct().contains(c)).unwrap();
    add(judged.0, judged.1, Decision::Wrong, "ada");
    drop(store);

    let overlay = f.path("reviews.json");
    let db = f.path("reviews.sqlite");
    let (db, overlay_s, json) = (
        db.to_str().unwrap(),
        overlay.to_str().unwrap(),
        f.json.to_str().unwrap(),
    );
    let out = f
        .cmd()
        .args([
            "reviews",
            "export",
            "--db",
            db,
            "--out",
            overlay_s,
            "--annotations",
            json,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("13 decisions (1 agreeing review(s) each)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("left out: 0 pending, 1 disagreements"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "disagreement: {} {}",
            disputed.image(),
            disputed_label.wnid()
        )),
        "{stderr}"
    );
    let exported: Value = serde_json::from_slice(&std::fs::read(&overlay).unwrap()).unwrap();
    assert_eq!(
        exported["kind"],
        "imagenet-multilabel community reviews (not official labels)"
    );
    assert_eq!(
        exported["base_annotations_sha256"],
        f.index.source().sha256.as_str()
    );
    assert_eq!(exported["labels"].as_array().unwrap().len(), 13);

    let preds_s = preds.to_str().unwrap();
    let plain: Value =
        serde_json::from_str(&f.ok(&["eval", "--annotations", json, "--json", preds_s])).unwrap();
    let with: Value = serde_json::from_str(&f.ok(&[
        "eval",
        "--annotations",
        json,
        "--json",
        "--overlay",
        overlay_s,
        preds_s,
    ]))
    .unwrap();

    // The official figures are exactly those of a run without the overlay.
    let mut official = with.clone();
    official.as_object_mut().unwrap().remove("overlay");
    official["models"][0]
        .as_object_mut()
        .unwrap()
        .remove("with_reviews");
    assert_eq!(official, plain);

    // The figures with reviews, from first principles: the 6 correct and 3 unclear reviews
    // turn misses into hits; nothing else changes.
    let reviewed: Vec<(ImageId, ClassId, Decision)> = candidates[..12]
        .iter()
        .zip(decisions)
        .map(|((r, c), d)| (r.image(), *c, d))
        .collect();
    let official_expected = multilabel_accuracy(&top1, |r, c| r.status(c).is_hit());
    let with_expected = multilabel_accuracy(&top1, |r, c| {
        r.status(c).is_hit()
            || reviewed.iter().any(|(i, l, d)| {
                *i == r.image() && *l == c && matches!(d, Decision::Correct | Decision::Unclear)
            })
    });
    assert!(with_expected > official_expected);
    let model = &with["models"][0];
    assert_eq!(
        model["multilabel_accuracy"]["value"].as_f64().unwrap(),
        official_expected
    );
    let grade = &model["with_reviews"];
    assert_eq!(
        grade["multilabel_accuracy"]["value"].as_f64().unwrap(),
        with_expected
    );
    // 12 unreviewed top-1s were reviewed; the experts' own lists are untouched.
    assert_eq!(
        grade["counts"]["unreviewed"].as_u64().unwrap() + 12,
        model["counts"]["unreviewed"].as_u64().unwrap()
    );
    let per_image = |v: &Value| {
        v["multilabel_accuracy_per_image"]["value"]
            .as_f64()
            .unwrap()
    };
    let graded = model["counts"]["graded"].as_f64().unwrap();
    assert!((per_image(grade) - per_image(model) - 9.0 / graded).abs() < 1e-12);
    let d = &grade["difference_from_official"];
    assert!((d["value"].as_f64().unwrap() - (with_expected - official_expected)).abs() < 1e-15);
    assert_eq!(
        (d["only_a"].as_u64(), d["only_b"].as_u64()),
        (Some(9), Some(0))
    );
    assert_eq!(
        with["overlay"],
        serde_json::json!({
            "path": overlay_s,
            "sha256": imagenet_multilabel::index::hex(&<sha2::Sha256 as sha2::Digest>::digest(std::fs::read(&overlay).unwrap())),
            "kind": "imagenet-multilabel community reviews (not official labels)",
            "base_annotations_sha256": f.index.source().sha256,
            "created": exported["created"],
            "required_agreement": 1,
            "labels": 13,
            "applied": 12,
            "ignored_already_judged": 1,
            "images": 12,
        })
    );

    // The table: the official rows as without the overlay, then the rows with reviews.
    let table = f.ok(&[
        "eval",
        "--annotations",
        json,
        "--overlay",
        overlay_s,
        preds_s,
    ]);
    let plain_table = f.ok(&["eval", "--annotations", json, preds_s]);
    let (official_part, rest) = table.split_once("\nwith community reviews").unwrap();
    assert!(
        plain_table.starts_with(official_part),
        "{table}\n{plain_table}"
    );
    assert!(rest.starts_with(&format!(
        " — NOT the official figures: overlay {overlay_s} (13 decisions, 12 applied to 12 images, 1 ignored because the experts judged the label; 1 agreeing review(s) each)"
    )), "{rest}");
    let row = rest
        .lines()
        .find(|l| l.starts_with("vit.csv (with reviews)"))
        .unwrap();
    assert!(
        row.contains(&format!("{:.2}", 100.0 * with_expected)),
        "{row}"
    );
    assert!(rest.contains("Δ vs official"), "{rest}");
    let header = rest.lines().nth(1).unwrap();
    assert!(
        header.starts_with("model") && !header.contains("ReaL"),
        "{header}"
    );
}

#[test]
fn import_merges_and_bad_inputs_are_refused_with_exit_code_2() {
    let f = Fixture::new();
    let json = f.json.to_str().unwrap();
    let first = f.index.records()[0].image().file_name();
    let overlay = f.path("theirs.json");
    let mut o = imagenet_multilabel::overlay::Overlay::new(&f.index.source().sha256, 1);
    o.labels.push(imagenet_multilabel::overlay::OverlayLabel {
        file_name: first.clone(),
        label: "n01440764".into(),
        decision: Decision::Unclear,
        reviewers: vec!["carol".into()],
        models: vec!["convnext".into()],
    });
    o.write(&overlay).unwrap();
    let db = f.path("mine.sqlite");
    let (db_s, overlay_s) = (db.to_str().unwrap(), overlay.to_str().unwrap());
    let out = f.ok(&["reviews", "import", "--db", db_s, overlay_s]);
    assert_eq!(out, format!("{overlay_s}: 1 decisions: 1 reviews added, 0 already present, 0 conflicts (the reviewer's vote here is kept)\n"));
    let out = f.ok(&["reviews", "import", "--db", db_s, overlay_s]);
    assert!(out.contains("0 reviews added, 1 already present"), "{out}");
    let reviews = Store::open(&db).unwrap().reviews().unwrap();
    assert_eq!(reviews.len(), 1);
    assert_eq!(
        (reviews[0].reviewer.as_str(), reviews[0].model.as_deref()),
        ("carol", Some("convnext"))
    );

    // Exported again, it is the same decision.
    let again = f.path("again.json");
    f.ok(&[
        "reviews",
        "export",
        "--db",
        db_s,
        "--out",
        again.to_str().unwrap(),
        "--annotations",
        json,
    ]);
    let back = imagenet_multilabel::overlay::Overlay::read(&again).unwrap();
    assert_eq!(back.labels, o.labels);

    let missing = f.path("absent.sqlite");
    let err = f.bad(&[
        "reviews",
        "export",
        "--db",
        missing.to_str().unwrap(),
        "--out",
        "x.json",
        "--annotations",
        json,
    ]);
    assert!(
        err.contains("absent.sqlite: no review database there"),
        "{err}"
    );
    assert!(!missing.exists(), "export creates no database");
    let err = f.bad(&[
        "reviews",
        "export",
        "--db",
        db_s,
        "--out",
        "x.json",
        "--required",
        "0",
        "--annotations",
        json,
    ]);
    assert!(err.contains("--required"), "{err}");

    // An overlay of other annotations is refused by eval, naming both sha256s.
    let mut other = o.clone();
    other.base_annotations_sha256 = "0".repeat(64);
    let other_path = f.path("other.json");
    other.write(&other_path).unwrap();
    let preds = f.path("p.csv");
    let rows: Vec<Row> = f
        .index
        .records()
        .iter()
        .map(|r| (r.image(), vec![r.original()]))
        .collect();
    pred_files::write(&preds, &rows, &WriteOptions::new(Format::Csv)).unwrap();
    let err = f.bad(&[
        "eval",
        "--annotations",
        json,
        "--overlay",
        other_path.to_str().unwrap(),
        preds.to_str().unwrap(),
    ]);
    assert!(
        err.contains(&format!(
            "grading with the overlay {}",
            other_path.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "the overlay was made against the annotations with sha256 {}",
            "0".repeat(64)
        )),
        "{err}"
    );
    // Importing overlays of two annotations files at once is refused before anything is added.
    let err = f.bad(&[
        "reviews",
        "import",
        "--db",
        db_s,
        overlay_s,
        other_path.to_str().unwrap(),
    ]);
    assert!(
        err.contains("import overlays of one annotations file only"),
        "{err}"
    );
    // A malformed overlay names its key.
    std::fs::write(&other_path, r#"{"schema": 1, "kind": "x"}"#).unwrap();
    let err = f.bad(&[
        "eval",
        "--annotations",
        json,
        "--overlay",
        other_path.to_str().unwrap(),
        preds.to_str().unwrap(),
    ]);
    assert!(
        err.contains("missing field `base_annotations_sha256`"),
        "{err}"
    );
    let err = f.bad(&[
        "reviews",
        "import",
        "--db",
        db_s,
        other_path.to_str().unwrap(),
    ]);
    assert!(
        err.contains(&format!("reading the overlay {}", other_path.display())),
        "{err}"
    );
    assert_eq!(Store::open(&db).unwrap().len().unwrap(), 1);
}

#[test]
fn build_overlay_is_stored_with_the_dataset_and_eval_dataset_grades_with_it() {
    use imagenet_multilabel::fixture::tar::{self as fixture_tar, TarSpec};
    use imagenet_multilabel::overlay::{Overlay, OverlayLabel};

    let f = Fixture::new();
    let json = f.json.to_str().unwrap();
    let tar = f.path("ILSVRC2012_img_val.tar");
    fixture_tar::write(
        &tar,
        &TarSpec::of(f.index.records().iter().map(|r| r.image()), 8),
    )
    .unwrap();
    // A model whose top-1 is never judged; the overlay makes the first graded one correct.
    let rows: Vec<Row> = f
        .index
        .records()
        .iter()
        .map(|r| (r.image(), vec![unreviewed(r)]))
        .collect();
    let preds = f.path("m.csv");
    pred_files::write(&preds, &rows, &WriteOptions::new(Format::Csv)).unwrap();
    let first = f.index.records().iter().find(|r| !r.problematic()).unwrap();
    let mut o = Overlay::new(&f.index.source().sha256, 1);
    o.labels.push(OverlayLabel {
        file_name: first.image().file_name(),
        label: unreviewed(first).wnid().into(),
        decision: Decision::Correct,
        reviewers: vec!["ada".into()],
        models: vec!["m".into()],
    });
    let overlay = f.path("o.json");
    o.write(&overlay).unwrap();
    let (out, tar_s, overlay_s, preds_s) = (
        f.path("tfds"),
        tar.to_str().unwrap(),
        overlay.to_str().unwrap(),
        preds.to_str().unwrap(),
    );
    let out_s = out.to_str().unwrap();
    let version = out.join("imagenet2012_multilabel/3.0.0");
    let stdout = f.ok(&[
        "build",
        tar_s,
        "--out",
        out_s,
        "--annotations",
        json,
        "--quiet",
        "--overlay",
        overlay_s,
    ]);
    let stored = version.join("community_reviews.json");
    assert!(stdout.contains(&format!(
        "stored the community reviews overlay (1 decisions, 1 applied, 0 ignored because the experts judged the label) in {}",
        stored.display()
    )), "{stdout}");
    assert_eq!(Overlay::read(&stored).unwrap(), o);

    let report: Value = serde_json::from_str(&f.ok(&[
        "eval",
        "--dataset",
        version.to_str().unwrap(),
        "--json",
        preds_s,
    ]))
    .unwrap();
    let model = &report["models"][0];
    assert_eq!(model["multilabel_accuracy"]["value"], 0.0);
    let graded = f64::from(
        f.index
            .records()
            .iter()
            .filter(|r| r.original() == first.original() && !r.problematic())
            .count() as u32,
    );
    assert_eq!(
        model["with_reviews"]["multilabel_accuracy"]["value"]
            .as_f64()
            .unwrap(),
        1.0 / graded / 1000.0
    );
    assert_eq!(report["overlay"]["path"], stored.to_str().unwrap());
    assert_eq!(report["overlay"]["applied"], 1);

    // Rebuilt without the overlay, the dataset has none and eval shows the official figures only.
    f.ok(&[
        "build",
        tar_s,
        "--out",
        out_s,
        "--annotations",
        json,
        "--quiet",
        "--force",
    ]);
    assert!(!stored.exists());
    let report: Value = serde_json::from_str(&f.ok(&[
        "eval",
        "--dataset",
        version.to_str().unwrap(),
        "--json",
        preds_s,
    ]))
    .unwrap();
    assert!(report.get("overlay").is_none() && report["models"][0].get("with_reviews").is_none());

    // Other formats, and an overlay of other annotations, are refused before building.
    let err = f.bad(&[
        "build",
        tar_s,
        "--out",
        f.path("pq").to_str().unwrap(),
        "--annotations",
        json,
        "--format",
        "parquet",
        "--overlay",
        overlay_s,
    ]);
    assert!(err.contains("--overlay applies to --format tfds"), "{err}");
    o.base_annotations_sha256 = "1".repeat(64);
    o.write(&overlay).unwrap();
    let err = f.bad(&[
        "build",
        tar_s,
        "--out",
        f.path("t2").to_str().unwrap(),
        "--annotations",
        json,
        "--overlay",
        overlay_s,
    ]);
    assert!(
        err.contains(&format!("checking the overlay {overlay_s}"))
            && err.contains("was made against the annotations with sha256 1111"),
        "{err}"
    );
    assert!(!f.path("t2").join("imagenet2012_multilabel/3.0.0").exists());
}

/// Without `--overlay`, `eval` prints byte for byte what it printed before overlays existed.
/// The goldens were written by the binary of main before issue 9 (1ce1ef2):
/// `IML_GOLDEN_BIN=OLD/imagenet-multilabel IML_WRITE_GOLDENS=1 cargo test -p
/// imagenet-multilabel-cli --test reviews eval_without_overlay` (the tool version is masked).
#[test]
fn eval_without_overlay_prints_what_it_printed_before() {
    let f = Fixture::new();
    let rows: Vec<Row> = f
        .index
        .records()
        .iter()
        .enumerate()
        .map(|(i, r)| {
            (
                r.image(),
                vec![if i % 3 == 0 {
                    r.original()
                } else {
                    unreviewed(r)
                }],
            )
        })
        .collect();
    pred_files::write(f.path("m.csv"), &rows, &WriteOptions::new(Format::Csv)).unwrap();
    let goldens = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/goldens");
    let bin = std::env::var_os("IML_GOLDEN_BIN");
    for (name, extra) in [("eval_table.txt", None), ("eval.json", Some("--json"))] {
        let mut cmd = match &bin {
            Some(bin) => Command::new(bin),
            None => f.cmd(),
        };
        cmd.env("IMAGENET_MULTILABEL_HOME", f.path("home"))
            .current_dir(f.dir.path())
            .args([
                "eval",
                "--annotations",
                "human_accuracy_v3.0.0.json",
                "m.csv",
            ])
            .args(extra);
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap().replace(
            &format!("\"tool_version\": \"{}\"", env!("CARGO_PKG_VERSION")),
            "\"tool_version\": \"VERSION\"",
        );
        let golden = goldens.join(name);
        if std::env::var_os("IML_WRITE_GOLDENS").is_some() {
            std::fs::create_dir_all(&goldens).unwrap();
            std::fs::write(&golden, &text).unwrap();
        }
        assert_eq!(text, std::fs::read_to_string(&golden).unwrap(), "{name}");
    }
}
