//! `eval`, `info` and `demo` end to end: the built binary on generated inputs in every format,
//! every documented error, and no panic on any input.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use imagenet_multilabel::fixture::annotations::{self as synthetic, Spec};
use imagenet_multilabel::fixture::known::{self, Known, Plan};
use imagenet_multilabel::fixture::pred_files::{self, Row, ScoreType, WriteOptions};
use imagenet_multilabel::predictions::{ClassIds, Format};
use imagenet_multilabel::{Annotations, ImageId, Predictions};
use serde_json::Value;

struct Fixture {
    dir: tempfile::TempDir,
    json: PathBuf,
    index: Annotations,
}

fn fixture(per_class: usize) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("human_accuracy_v3.0.0.json");
    let synthetic = synthetic::generate(&Spec {
        per_class,
        seed: 7,
        ..Spec::default()
    });
    synthetic.write_json(&json).unwrap();
    let index = synthetic.annotations();
    Fixture { dir, json, index }
}

impl Fixture {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The binary with a private cache home, so tests never touch the user's cache.
    fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("imagenet-multilabel").unwrap();
        cmd.env("IMAGENET_MULTILABEL_HOME", self.path("home"));
        cmd
    }

    fn eval_json(&self, extra: &[&str], preds: &[&Path]) -> Value {
        let out = self
            .cmd()
            .arg("eval")
            .arg("--annotations")
            .arg(&self.json)
            .arg("--json")
            .args(extra)
            .args(preds)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "eval failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Runs eval expecting failure with exit code 2; returns stderr.
    fn eval_error(&self, extra: &[&str], preds: &[&Path]) -> String {
        let out = self
            .cmd()
            .arg("eval")
            .arg("--annotations")
            .arg(&self.json)
            .args(extra)
            .args(preds)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        stderr
    }
}

fn rows(p: &Predictions) -> Vec<Row> {
    ImageId::all()
        .filter_map(|i| p.ranking(i).map(|r| (i, r.top(r.len()).to_vec())))
        .collect()
}

fn known(index: &Annotations, fraction: f64, k: usize, cover_all: bool) -> Known {
    let plan = Plan {
        cover_all,
        ..Plan::fraction(index, fraction, k, 11)
    };
    known::generate(index, &plan).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn every_format_gives_the_known_figures() {
    let f = fixture(4);
    let k = known(&f.index, 0.8, 5, true);
    let all = rows(&k.predictions);
    let annotated: Vec<Row> = all
        .iter()
        .filter(|(i, _)| f.index.get(*i).is_some())
        .cloned()
        .collect();
    let mut files = Vec::new();
    for (name, format, rows, scores) in [
        // Full-size score matrices are 200 MB: the annotated rows with names exercise the
        // same code; the all-50,000 file holds ranked class ids.
        ("scores.npz", Format::Npz, &annotated, Some(ScoreType::F32)),
        ("half.npz", Format::Npz, &annotated, Some(ScoreType::F16)),
        ("all_ids.npy", Format::Npy, &all, None),
        ("preds.csv", Format::Csv, &annotated, None),
        ("preds.tsv", Format::Tsv, &annotated, None),
        ("preds.json", Format::Json, &annotated, None),
        ("preds.jsonl", Format::JsonLines, &annotated, None),
    ] {
        let path = f.path(name);
        let options = WriteOptions {
            scores,
            ..WriteOptions::new(format)
        };
        pred_files::write(&path, rows, &options).unwrap();
        files.push(path);
    }
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let report = f.eval_json(&[], &refs);
    assert_eq!(report["schema"], 1);
    assert_eq!(report["annotations"]["version"], "unrecognised");
    let e = &k.expected;
    let models = report["models"].as_array().unwrap();
    assert_eq!(models.len(), files.len());
    for m in models {
        let name = m["predictions"].as_str().unwrap();
        let ml = m["multilabel_accuracy"]["value"].as_f64().unwrap();
        assert!(close(ml, e.multilabel_accuracy), "{name}: {ml}");
        let ci = m["multilabel_accuracy"]["ci95"].as_array().unwrap();
        assert!(ci[0].as_f64().unwrap() <= ml && ml <= ci[1].as_f64().unwrap());
        assert!(close(
            m["multilabel_accuracy_strict"]["value"].as_f64().unwrap(),
            e.multilabel_accuracy_strict
        ));
        assert!(close(
            m["multilabel_accuracy_per_image"]["value"]
                .as_f64()
                .unwrap(),
            e.multilabel_accuracy_per_image
        ));
        assert_eq!(m["imagenet_m"]["correct"], e.imagenet_m_correct);
        assert_eq!(m["imagenet_m"]["total"], e.imagenet_m_total);
        assert_eq!(m["counts"]["graded"], e.graded);
        assert_eq!(m["counts"]["problematic"], e.problematic);
        assert_eq!(m["counts"]["unreviewed"], e.unreviewed);
        // Every file carries five ranked predictions, so top-5 is graded for each.
        let top5 = m["multilabel_top5_accuracy"]["value"].as_f64().unwrap();
        assert!(close(top5, e.multilabel_top5_accuracy.unwrap()), "{name}");
        // Only the file covering all 50,000 images gives top-1 on all of them.
        if name.ends_with("all_ids.npy") {
            assert!(close(
                m["top1_original_all"]["value"].as_f64().unwrap(),
                e.top1_original_all.unwrap()
            ));
        } else {
            assert!(m["top1_original_all"].is_null(), "{name}");
        }
    }
}

#[test]
fn table_per_class_and_mistakes_csv() {
    let f = fixture(3);
    let k = known(&f.index, 0.5, 1, false);
    let preds = f.path("model.csv");
    pred_files::write(
        &preds,
        &rows(&k.predictions),
        &WriteOptions::new(Format::Csv),
    )
    .unwrap();
    let classes = f.path("classes.csv");
    let mistakes = f.path("mistakes.csv");
    let out = f
        .cmd()
        .arg("eval")
        .arg("--annotations")
        .arg(&f.json)
        .arg(&preds)
        .arg("--per-class")
        .arg(&classes)
        .arg("--mistakes")
        .arg(&mistakes)
        .output()
        .unwrap();
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    let expected = format!("{:.2}", 100.0 * k.expected.multilabel_accuracy);
    assert!(table.contains("model.csv"), "{table}");
    assert!(table.contains(&expected), "{table} lacks {expected}");
    assert!(table.contains(&format!(
        "{}/{}",
        k.expected.imagenet_m_correct, k.expected.imagenet_m_total
    )));

    let classes = std::fs::read_to_string(&classes).unwrap();
    let mut lines = classes.lines();
    assert_eq!(
        lines.next().unwrap(),
        "id,wnid,name,is_dog,is_organism,graded,correct,accuracy"
    );
    let body: Vec<&str> = lines.collect();
    assert_eq!(body.len(), 1000);
    assert!(
        body[0].starts_with("0,n01440764,tench,false,true,"),
        "{}",
        body[0]
    );
    for (line, (graded, hits)) in body.iter().zip(&k.expected.per_class) {
        let cells: Vec<&str> = line.rsplitn(4, ',').collect();
        assert_eq!(cells[2], graded.to_string(), "{line}");
        assert_eq!(cells[1], hits.to_string(), "{line}");
    }

    let mistakes = std::fs::read_to_string(&mistakes).unwrap();
    assert_eq!(mistakes.lines().count(), 1 + k.expected.mistakes);
    assert_eq!(
        mistakes.lines().next().unwrap(),
        "file,original_id,original_name,prediction_id,prediction_name,status,problematic,\
         imagenet_m,severity"
    );
    // Every mistake has a severity (an LCA height, 1..=18: a mistake is another class); the
    // text table's severity line is their mean over the graded (non-problematic) rows.
    let mut graded = Vec::new();
    for line in mistakes.lines().skip(1) {
        let cells: Vec<&str> = line.rsplitn(4, ',').collect();
        let height: u32 = cells[0].parse().expect(line);
        assert!((1..=18).contains(&height), "{line}");
        if cells[2] == "false" {
            graded.push(f64::from(height));
        }
    }
    let mean = graded.iter().sum::<f64>() / graded.len() as f64;
    let line =
        format!("model.csv: mistake severity {mean:.2} (mean height of the lowest common ancestor");
    assert!(table.contains(&line), "{table} lacks {line}");
    assert!(table.contains(&format!("over {} graded mistakes", graded.len())));
}

#[test]
fn several_models_write_one_csv_each() {
    let f = fixture(2);
    let a = known(&f.index, 0.9, 1, false);
    let b = known(&f.index, 0.3, 1, false);
    let (pa, pb) = (f.path("a.json"), f.path("b.jsonl"));
    pred_files::write(&pa, &rows(&a.predictions), &WriteOptions::new(Format::Json)).unwrap();
    pred_files::write(
        &pb,
        &rows(&b.predictions),
        &WriteOptions::new(Format::JsonLines),
    )
    .unwrap();
    let classes = f.path("classes.csv");
    let report = f.eval_json(&["--per-class", classes.to_str().unwrap()], &[&pa, &pb]);
    // The second model is compared with the first on the same images, paired.
    let diff = &report["comparisons"][0]["multilabel_accuracy_difference"];
    let expected = b.expected.multilabel_accuracy - a.expected.multilabel_accuracy;
    assert!(
        (diff["value"].as_f64().unwrap() - expected).abs() < 1e-12,
        "{diff}"
    );
    let ci = diff["ci95"].as_array().unwrap();
    assert!(ci[0].as_f64().unwrap() < expected && expected < ci[1].as_f64().unwrap());
    assert!(f.path("classes.a.csv").is_file());
    assert!(f.path("classes.b.csv").is_file());
    assert!(!classes.exists());
}

#[test]
fn missing_predictions_are_an_error_unless_allowed() {
    let f = fixture(2);
    let k = known(&f.index, 0.5, 1, false);
    let mut some = rows(&k.predictions);
    let dropped: Vec<ImageId> = some.drain(..3).map(|(i, _)| i).collect();
    let preds = f.path("partial.csv");
    pred_files::write(&preds, &some, &WriteOptions::new(Format::Csv)).unwrap();
    let err = f.eval_error(&[], &[&preds]);
    assert!(err.contains("--allow-missing"), "{err}");
    assert!(err.contains(&dropped[0].to_string()), "{err}");
    assert!(err.contains("partial.csv"), "{err}");

    let report = f.eval_json(&["--allow-missing"], &[&preds]);
    let cov = &report["models"][0]["coverage"];
    let graded_missing = dropped
        .iter()
        .filter(|i| !f.index.get(**i).unwrap().problematic())
        .count();
    assert_eq!(cov["missing"], graded_missing);
}

#[test]
fn bad_prediction_files_name_the_file_and_row() {
    let f = fixture(2);
    // NaN score in row 3 of a named score matrix.
    let mut scores = vec![0f32; 5 * 1000];
    scores[3 * 1000 + 17] = f32::NAN;
    let bytes: Vec<u8> = scores.iter().flat_map(|v| v.to_le_bytes()).collect();
    let names: Vec<String> = (1..=5)
        .map(|i| ImageId::new(i).unwrap().file_name())
        .collect();
    let npz = pred_files::npz(
        &[
            (
                "logits.npy",
                &pred_files::npy("<f4", &[5, 1000], false, &bytes),
            ),
            ("file_names.npy", &pred_files::unicode_array(&names)),
        ],
        false,
    )
    .unwrap();
    let nan = f.path("nan.npz");
    std::fs::write(&nan, npz).unwrap();
    let err = f.eval_error(&[], &[&nan]);
    assert!(err.contains("nan.npz") && err.contains("row 3"), "{err}");

    // A 1001-column matrix needs --background-class, and the error says so.
    let bg = f.path("bg.npy");
    let small: Vec<u8> = vec![0u8; 4 * 1001 * 2];
    let names_free = pred_files::npy("<f4", &[2, 1001], false, &small);
    std::fs::write(&bg, names_free).unwrap();
    let err = f.eval_error(&[], &[&bg]);
    assert!(err.contains("bg.npy"), "{err}");

    let cases: [(&str, &str, &str); 5] = [
        (
            "dup.csv",
            "file_name,prediction\nILSVRC2012_val_00000001.JPEG,3\nILSVRC2012_val_00000001.JPEG,4\n",
            "ILSVRC2012_val_00000001",
        ),
        (
            "unknown.csv",
            "file_name,prediction\nnot_an_imagenet_file.png,3\n",
            "not_an_imagenet_file.png",
        ),
        (
            "range.csv",
            "file_name,prediction\nILSVRC2012_val_00000001.JPEG,1000\n",
            "1000",
        ),
        (
            "wnid.csv",
            "file_name,prediction\nILSVRC2012_val_00000001.JPEG,n99999999\n",
            "n99999999",
        ),
        ("truncated.npy", "\u{93}NUMPY", "truncated.npy"),
    ];
    for (name, text, fragment) in cases {
        let path = f.path(name);
        std::fs::write(&path, text).unwrap();
        let err = f.eval_error(&[], &[&path]);
        assert!(err.contains(name), "{name}: {err}");
        assert!(err.contains(fragment), "{name}: {err}");
    }
}

#[test]
fn bad_annotations_are_clear_errors() {
    let f = fixture(2);
    let preds = f.path("p.csv");
    std::fs::write(&preds, "file_name,prediction\n").unwrap();
    let broken = f.path("broken.json");
    std::fs::write(
        &broken,
        "{\"initial_annots\": {\"ILSVRC2012_val_00000001.JPEG\": {\"correct\": [\n",
    )
    .unwrap();
    let out = f
        .cmd()
        .args(["eval", "--annotations"])
        .arg(&broken)
        .arg(&preds)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("broken.json") && err.contains("line"), "{err}");

    // No --annotations and nothing cached: say how to get them.
    let out = f.cmd().args(["info"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0));
    assert!(err.contains("fetch"), "{err}");
}

#[test]
fn no_input_makes_it_panic() {
    let f = fixture(2);
    let mut rng = imagenet_multilabel::fixture::Rng::new(3);
    let prefixes: [&[u8]; 5] = [
        b"\x93NUMPY",
        b"PK\x03\x04",
        b"{",
        b"file_name,prediction\n",
        b"",
    ];
    for (i, prefix) in prefixes.iter().enumerate() {
        for n in [0usize, 7, 300] {
            let mut bytes = prefix.to_vec();
            bytes.extend((0..n).map(|_| rng.next_u64() as u8));
            let path = f.path(&format!("junk{i}-{n}"));
            std::fs::write(&path, &bytes).unwrap();
            let out = f
                .cmd()
                .args(["eval", "--annotations"])
                .arg(&f.json)
                .arg(&path)
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "junk{i}-{n}: {err}");
            assert!(err.contains(&format!("junk{i}-{n}")), "{err}");
        }
    }
}

#[test]
fn info_counts_match_the_fixture() {
    let f = fixture(3);
    let out = f
        .cmd()
        .args(["info", "--json", "--annotations"])
        .arg(&f.json)
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["summary"];
    let problematic = f.index.records().iter().filter(|r| r.problematic()).count();
    assert_eq!(s["annotated"], 3000);
    assert_eq!(s["problematic"], problematic);
    assert_eq!(s["graded"], 3000 - problematic);
    assert_eq!(s["imagenet_m"], 68);
    assert_eq!(v["annotations"]["version"], "unrecognised");
    // The readable form says the same and warns that the file is not the real release.
    let out = f
        .cmd()
        .args(["info", "--annotations"])
        .arg(&f.json)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("unrecognised file"), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning"));
}

#[test]
fn demo_says_it_is_synthetic_and_matches_its_known_answers() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("imagenet-multilabel")
        .unwrap()
        .env("IMAGENET_MULTILABEL_HOME", dir.path().join("home"))
        .args(["demo", "--keep"])
        .arg(dir.path().join("demo"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("SYNTHETIC"), "{text}");
    // The closing line states the analytically known accuracy; the table must show it too.
    let known = text
        .lines()
        .find(|l| l.contains("knew the answers"))
        .unwrap();
    let first = known
        .split("accuracy ")
        .nth(1)
        .unwrap()
        .split('%')
        .next()
        .unwrap();
    let table_row = text
        .lines()
        .find(|l| l.starts_with("strong_model.npy"))
        .unwrap();
    assert!(table_row.contains(first), "{table_row} vs {known}");
    // It writes a report and says where.
    let report = dir.path().join("demo").join("report.html");
    assert!(
        text.contains(&format!(
            "The report (figures, plots, the published field, the images): {}",
            report.display()
        )),
        "{text}"
    );
    assert!(std::fs::read_to_string(&report)
        .unwrap()
        .contains("<section id=\"images\">"));
}

#[test]
fn eval_from_a_built_dataset_gives_the_same_figures() {
    use imagenet_multilabel::tfds::{DatasetWriter, WriteOptions as TfdsOptions};
    let f = fixture(2);
    // A TFDS dataset of the fixture (image bytes do not matter to grading).
    let jpeg = |image: ImageId| format!("jpeg-{}", image.number()).into_bytes();
    let mut image_len = vec![None; 50_001];
    for r in f.index.records() {
        image_len[r.image().number() as usize] = Some(jpeg(r.image()).len() as u64);
    }
    let data_dir = f.path("tfds");
    let writer =
        DatasetWriter::create(&data_dir, &f.index, &image_len, &TfdsOptions::default()).unwrap();
    for r in f.index.records() {
        writer.write_image(r.image(), &jpeg(r.image())).unwrap();
    }
    writer.finish().unwrap();

    let k = known(&f.index, 0.6, 1, false);
    let preds = f.path("p.csv");
    pred_files::write(
        &preds,
        &rows(&k.predictions),
        &WriteOptions::new(Format::Csv),
    )
    .unwrap();
    let from_json = f.eval_json(&[], &[&preds]);
    let out = f
        .cmd()
        .args(["eval", "--json", "--dataset"])
        .arg(&data_dir)
        .arg(&preds)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_dataset: Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "multilabel_accuracy",
        "multilabel_accuracy_strict",
        "multilabel_accuracy_per_image",
        "imagenet_m",
        "top1_original_annotated",
        "counts",
    ] {
        assert_eq!(
            from_json["models"][0][key], from_dataset["models"][0][key],
            "{key}"
        );
    }
    assert!(close(
        from_dataset["models"][0]["multilabel_accuracy"]["value"]
            .as_f64()
            .unwrap(),
        k.expected.multilabel_accuracy
    ));
}

// ---- class-id conventions, background, ground truth, per-model tables, closed stdout -----

#[test]
fn every_format_in_every_convention_gives_the_known_figures() {
    let f = fixture(2);
    let k = known(&f.index, 0.8, 5, true);
    let all = rows(&k.predictions);
    let annotated: Vec<Row> = all
        .iter()
        .filter(|(i, _)| f.index.get(*i).is_some())
        .cloned()
        .collect();
    for convention in ClassIds::ALL {
        let mut files = Vec::new();
        for format in Format::ALL {
            let rows = if format == Format::Npy {
                &all
            } else {
                &annotated
            };
            let path = f.path(&format!("{convention}.{format}"));
            let options = WriteOptions {
                scores: None,
                class_ids: convention,
                ..WriteOptions::new(format)
            };
            pred_files::write(&path, rows, &options).unwrap();
            files.push(path);
        }
        let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
        let report = f.eval_json(&["--class-ids", convention.name()], &refs);
        for m in report["models"].as_array().unwrap() {
            let ml = m["multilabel_accuracy"]["value"].as_f64().unwrap();
            assert!(
                close(ml, k.expected.multilabel_accuracy),
                "{convention}: {m}"
            );
            let top5 = m["multilabel_top5_accuracy"]["value"].as_f64().unwrap();
            assert!(close(top5, k.expected.multilabel_top5_accuracy.unwrap()));
        }
        // Read in another convention (each of the two in turn), each file is refused with
        // the flag that fits.
        let at = ClassIds::ALL.iter().position(|c| *c == convention).unwrap();
        for (i, path) in files.iter().enumerate() {
            let other = ClassIds::ALL[(at + 1 + i % 2) % 3];
            let stderr = f.eval_error(&["--class-ids", other.name()], &[path]);
            for fragment in [
                format!("error: {}", path.display()),
                format!("these look like {convention} ids"),
                format!("pass --class-ids {convention}"),
            ] {
                assert!(stderr.contains(&fragment), "{stderr:?} lacks {fragment:?}");
            }
        }
    }
}

#[test]
fn devkit_ids_graded_as_sorted_fail_with_exit_2_and_the_flag_to_pass() {
    let f = fixture(1);
    let k = known(&f.index, 1.0, 1, false);
    let path = f.path("devkit.csv");
    let options = WriteOptions {
        scores: None,
        class_ids: ClassIds::Devkit,
        ..WriteOptions::new(Format::Csv)
    };
    pred_files::write(&path, &rows(&k.predictions), &options).unwrap();
    let stderr = f.eval_error(&[], &[&path]);
    let line = stderr.lines().find(|l| l.starts_with("error:")).unwrap();
    assert!(
        line.starts_with(&format!(
            "error: {}: these look like devkit ids (top-1 against the original labels ",
            path.display()
        )),
        "{line}"
    );
    // As sorted, the ids are at chance or (with devkit id 1000 in the file) out of range.
    assert!(line.contains("% if read as devkit"), "{line}");
    assert!(
        line.contains("% as sorted; 1000 images)") || line.contains("; as sorted they cannot"),
        "{line}"
    );
    assert!(line.contains("; 1000 images)"), "{line}");
    assert!(line.ends_with(": pass --class-ids devkit"), "{line}");
    let report = f.eval_json(&["--class-ids", "devkit"], &[&path]);
    let ml = report["models"][0]["multilabel_accuracy"]["value"]
        .as_f64()
        .unwrap();
    assert!(close(ml, k.expected.multilabel_accuracy));
}

#[test]
fn a_copy_of_the_ground_truth_is_graded_with_a_warning() {
    let f = fixture(1);
    let truth: Vec<Row> = f
        .index
        .records()
        .iter()
        .map(|r| (r.image(), vec![r.original()]))
        .collect();
    let path = f.path("labels.csv");
    pred_files::write(&path, &truth, &WriteOptions::new(Format::Csv)).unwrap();
    let out = f
        .cmd()
        .args(["eval", "--annotations"])
        .arg(&f.json)
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "warning: {}: every one of the 1000 top-1 predictions is the original ImageNet \
             label: this looks like the ground truth",
            path.display()
        )),
        "{stderr}"
    );
    // A column named label is not taken as the predictions at all.
    let path = f.path("label_column.csv");
    let text = std::fs::read_to_string(f.path("labels.csv"))
        .unwrap()
        .replacen("prediction", "label", 1);
    std::fs::write(&path, text).unwrap();
    let stderr = f.eval_error(&[], &[&path]);
    assert!(
        stderr.contains("\"label\" names the ground truth"),
        "{stderr}"
    );
}

#[test]
fn background_top1_is_a_miss_and_is_listed_as_background() {
    let f = fixture(1);
    let k = known(&f.index, 1.0, 1, false);
    let rows = rows(&k.predictions);
    // TF-slim ids: class + 1, with 0 (background) for the first 40 graded images.
    let graded: Vec<ImageId> = f
        .index
        .records()
        .iter()
        .filter(|r| !r.problematic() && !r.imagenet_m())
        .map(|r| r.image())
        .take(40)
        .collect();
    let mut text = String::from("file_name,prediction\n");
    let mut lost_hits = 0;
    for (image, ranked) in &rows {
        let id = if graded.contains(image) {
            let record = f.index.get(*image).unwrap();
            lost_hits += usize::from(record.status(ranked[0]).is_hit());
            0
        } else {
            ranked[0].as_u16() + 1
        };
        text.push_str(&format!("{},{id}\n", image.file_name()));
    }
    assert!(lost_hits > 30, "{lost_hits}");
    let path = f.path("slim.csv");
    std::fs::write(&path, text).unwrap();
    let mistakes = f.path("mistakes.csv");
    let report = f.eval_json(
        &[
            "--background-class",
            "--mistakes",
            mistakes.to_str().unwrap(),
        ],
        &[&path],
    );
    let m = &report["models"][0];
    assert_eq!(m["counts"]["background"], 40);
    let graded_n = m["counts"]["graded"].as_f64().unwrap();
    let per_image = m["multilabel_accuracy_per_image"]["value"]
        .as_f64()
        .unwrap();
    let expected = k.expected.multilabel_accuracy_per_image - lost_hits as f64 / graded_n;
    assert!(
        (per_image - expected).abs() < 1e-12,
        "{per_image} {expected}"
    );
    let csv = std::fs::read_to_string(&mistakes).unwrap();
    let background_rows: Vec<&str> = csv
        .lines()
        .filter(|l| l.contains(",background,background,wrong,"))
        .collect();
    assert_eq!(background_rows.len(), 40, "{csv}");
    // A background top-1 has no class, so no severity: the last cell is empty.
    assert!(background_rows.iter().all(|l| l.ends_with(',')), "{csv}");
    let severity = &m["mistake_severity"];
    let with_height = csv
        .lines()
        .skip(1)
        .filter(|l| !l.ends_with(',') && l.contains(",false,"))
        .count();
    assert_eq!(severity["n"].as_u64().unwrap() as usize, with_height);
    assert_eq!(severity["histogram"].as_array().unwrap().len(), 19);
    // The table says how many.
    let out = f
        .cmd()
        .args(["eval", "--background-class", "--annotations"])
        .arg(&f.json)
        .arg(&path)
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("slim.csv: 40 graded images have the background class as top-1"),
        "{table}"
    );
}

#[test]
fn models_with_the_same_file_name_get_distinct_tables() {
    let f = fixture(1);
    let good = known(&f.index, 1.0, 1, false);
    let bad = known(&f.index, 0.0, 1, false);
    std::fs::create_dir_all(f.path("a")).unwrap();
    std::fs::create_dir_all(f.path("b")).unwrap();
    let (pa, pb) = (f.path("a/model.csv"), f.path("b/model.csv"));
    let w = WriteOptions::new(Format::Csv);
    pred_files::write(&pa, &rows(&good.predictions), &w).unwrap();
    pred_files::write(&pb, &rows(&bad.predictions), &w).unwrap();
    let classes = f.path("c.csv");
    let mistakes = f.path("m.csv");
    f.eval_json(
        &[
            "--per-class",
            classes.to_str().unwrap(),
            "--mistakes",
            mistakes.to_str().unwrap(),
        ],
        &[&pa, &pb],
    );
    let read = |name: &str| std::fs::read_to_string(f.path(name)).unwrap();
    assert_ne!(read("c.a-model.csv"), read("c.b-model.csv"));
    // Each table is its own model's: the weaker one lists more mistakes.
    let lines = |name: &str| read(name).lines().count();
    assert!(lines("m.b-model.csv") > lines("m.a-model.csv"));
    assert!(!f.path("c.model.csv").exists() && !classes.exists());
}

#[test]
fn a_closed_stdout_is_not_a_panic() {
    let f = fixture(1);
    let k = known(&f.index, 0.9, 1, false);
    let path = f.path("p.csv");
    pred_files::write(
        &path,
        &rows(&k.predictions),
        &WriteOptions::new(Format::Csv),
    )
    .unwrap();
    for json in [false, true] {
        let mut cmd =
            std::process::Command::new(assert_cmd::cargo::cargo_bin("imagenet-multilabel"));
        cmd.env("IMAGENET_MULTILABEL_HOME", f.path("home"))
            .args(["eval", "--annotations"])
            .arg(&f.json)
            .arg(&path)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        if json {
            cmd.arg("--json");
        }
        let mut child = cmd.spawn().unwrap();
        // `| head -0`: the reader goes away before anything is written.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(out.status.code(), Some(0), "{stderr}");
    }
}
