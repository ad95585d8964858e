//! ReaL beside the multi-labels, end to end: `eval`'s column and JSON, `info`'s agreement
//! table and non-validation keys, `info --cite` (parsed as BibTeX), and `info` writing to a
//! closed stdout.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use assert_cmd::Command;
use imagenet_multilabel::fixture::annotations::{self as synthetic, Spec, Synthetic};
use serde_json::Value;

struct Fixture {
    dir: tempfile::TempDir,
    json: PathBuf,
    synthetic: Synthetic,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("human_accuracy_v3.0.0.json");
    let synthetic = synthetic::generate(&Spec {
        per_class: 2,
        seed: 11,
        ..Spec::default()
    });
    synthetic.write_json(&json).unwrap();
    Fixture {
        dir,
        json,
        synthetic,
    }
}

impl Fixture {
    fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("imagenet-multilabel").unwrap();
        cmd.env("IMAGENET_MULTILABEL_HOME", self.dir.path().join("home"));
        cmd
    }

    fn run(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {stderr}");
        String::from_utf8(out.stdout).unwrap()
    }
}

/// The committed 50,000-image top-1 file and its goldens (see scripts/goldens/real.py).
fn golden_file() -> (PathBuf, f64) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../imagenet-multilabel/tests/data/real");
    let text = std::fs::read_to_string(dir.join("expected.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let bits = v["files"]["all_top1.npy"]["upstream_numpy"]["real_accuracy_bits"]
        .as_u64()
        .unwrap();
    (dir.join("all_top1.npy"), f64::from_bits(bits))
}

#[test]
fn eval_shows_real_accuracy_with_its_interval_and_sources() {
    let f = fixture();
    let (file, expected) = golden_file();
    let json = f.json.to_str().unwrap();
    let file = file.to_str().unwrap();
    let out = f.run(&["eval", "--annotations", json, "--json", file]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let m = &v["models"][0];
    let value = m["real_accuracy"]["value"].as_f64().unwrap();
    assert!((value - expected).abs() < 1e-15, "{value} vs {expected}");
    let ci = m["real_accuracy"]["ci95"].as_array().unwrap();
    assert!(ci[0].as_f64().unwrap() < value && value < ci[1].as_f64().unwrap());
    assert_eq!(m["real_counts"]["graded"], 46_837);
    assert_eq!(m["real_counts"]["excluded_empty"], 3_163);
    assert_eq!(m["real_counts"]["missing"], 0);
    assert_eq!(m["real_counts"]["coverage"], 1.0);
    assert!(m["real_top5_accuracy"].is_null(), "top-1 ids only");
    assert_eq!(m["sources"]["real_accuracy"][0], "beyer2020imagenet");
    assert_eq!(
        m["sources"]["multilabel_accuracy"][0],
        "shankar2019evaluating"
    );

    let table = f.run(&["eval", "--annotations", json, file]);
    assert!(table.contains("ReaL % [95% CI]"), "{table}");
    let cell = format!("{:.2} [", 100.0 * expected);
    assert!(table.contains(&cell), "{cell} not in {table}");
    assert!(
        !table.contains("ReaL on "),
        "full coverage needs no note: {table}"
    );
}

#[test]
fn eval_on_the_annotated_images_only_says_how_much_real_covers() {
    let f = fixture();
    // Top-1 = original label, for the annotated images only.
    let csv = f.dir.path().join("annotated.csv");
    let mut w = std::fs::File::create(&csv).unwrap();
    writeln!(w, "file_name,prediction").unwrap();
    for r in &f.synthetic.records {
        writeln!(w, "{},{}", r.image().file_name(), r.original().as_u16()).unwrap();
    }
    drop(w);
    let (graded, empty) = f.synthetic.records.iter().fold((0, 0), |(g, e), r| {
        let list = imagenet_multilabel::real::labels(r.image());
        (
            g + usize::from(!list.is_empty()),
            e + usize::from(list.is_empty()),
        )
    });
    let json = f.json.to_str().unwrap();
    let csv = csv.to_str().unwrap();
    let v: Value =
        serde_json::from_str(&f.run(&["eval", "--annotations", json, "--json", csv])).unwrap();
    let m = &v["models"][0];
    assert_eq!(m["real_counts"]["graded"], graded);
    assert_eq!(m["real_counts"]["excluded_empty"], empty);
    assert_eq!(m["real_counts"]["missing"], 46_837 - graded);
    let hits = f
        .synthetic
        .records
        .iter()
        .filter(|r| imagenet_multilabel::real::labels(r.image()).contains(&r.original()))
        .count();
    assert_eq!(
        m["real_accuracy"]["value"].as_f64().unwrap(),
        hits as f64 / graded as f64
    );
    let table = f.run(&["eval", "--annotations", json, csv]);
    let note = format!("annotated.csv: ReaL on {graded} of the 46,837 images with a ReaL label");
    assert!(table.contains(&note), "{table}");
}

#[test]
fn info_compares_with_real_and_lists_the_other_keys() {
    let f = fixture();
    let json = f.json.to_str().unwrap();
    let v: Value =
        serde_json::from_str(&f.run(&["info", "--annotations", json, "--json"])).unwrap();
    let a = &v["real_agreement"];
    assert_eq!(a["images"], 2000);
    let sets: u64 = a["sets"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(sets, 2000, "every image in exactly one relation: {a}");
    let p: u64 = a["problematic"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(p, 2000);
    // ReaL's empty lists, counted independently from the embedded table.
    let empty = f
        .synthetic
        .records
        .iter()
        .filter(|r| imagenet_multilabel::real::labels(r.image()).is_empty())
        .count();
    let from_json =
        a["sets"]["real_empty"].as_u64().unwrap() + a["sets"]["both_empty"].as_u64().unwrap();
    assert_eq!(from_json as usize, empty);
    // The non-validation keys, as the generator wrote them.
    let foreign = f.synthetic.foreign();
    let total: usize = foreign.iter().map(|g| g.count).sum();
    assert!(total > 0);
    let listed: u64 = v["foreign_keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["count"].as_u64().unwrap())
        .sum();
    assert_eq!(listed as usize, total);
    assert!(v["foreign_keys"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["prefix"] == "imagenetv2-matched-frequency"));

    let text = f.run(&["info", "--annotations", json]);
    for needle in [
        "ReaL labels (Beyer et al. 2020) against correct ∪ unclear, on the 2000 annotated images:",
        "identical sets",
        "ReaL ⊂ multi-label",
        "problematic images against ReaL's empty lists:",
        &format!("other keys   {total} keys of initial_annots are not ImageNet validation images (not graded):"),
        "imagenetv2-matched-frequency",
    ] {
        assert!(text.contains(needle), "{needle:?} not in:\n{text}");
    }
}

#[test]
fn info_survives_a_closed_stdout() {
    let f = fixture();
    for args in [
        vec!["info", "--annotations", f.json.to_str().unwrap()],
        vec!["info", "--annotations", f.json.to_str().unwrap(), "--json"],
        vec!["info", "--cite"],
    ] {
        let mut child =
            std::process::Command::new(assert_cmd::cargo::cargo_bin("imagenet-multilabel"))
                .args(&args)
                .env("IMAGENET_MULTILABEL_HOME", f.dir.path().join("home"))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
        // Close the read end at once, as `| head -0` does.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(out.status.success(), "{args:?}: {:?} {stderr}", out.status);
    }
}

/// One BibTeX entry: type, key and fields (names lowercased, values without their outer
/// delimiters).
#[derive(Debug)]
struct Entry {
    kind: String,
    key: String,
    fields: Vec<(String, String)>,
}

/// A small BibTeX parser, strict where it matters: `@type{key, name = value, …}` with values in
/// balanced braces, in quotes, or bare (numbers, macro names); `@comment{…}` is skipped.
/// Fails on unbalanced braces, a missing key or `=`, an unterminated value, duplicate fields.
fn parse_bibtex(text: &str) -> Result<Vec<Entry>, String> {
    let b = text.as_bytes();
    let mut i = 0;
    let mut entries = Vec::new();
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && b[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    // The index just past the `}` matching the `{` at `open`.
    let balanced = |open: usize| -> Result<usize, String> {
        let mut depth = 0usize;
        for (j, &c) in b.iter().enumerate().skip(open) {
            match c {
                b'{' => depth += 1,
                b'}' => {
                    depth = depth.checked_sub(1).ok_or(format!("stray }} at {j}"))?;
                    if depth == 0 {
                        return Ok(j + 1);
                    }
                }
                _ => {}
            }
        }
        Err(format!("unbalanced {{ opened at byte {open}"))
    };
    let ident = |i: &mut usize| -> String {
        let start = *i;
        while *i < b.len() && (b[*i].is_ascii_alphanumeric() || b"_-:.".contains(&b[*i])) {
            *i += 1;
        }
        text[start..*i].to_string()
    };
    loop {
        // Text between entries is a comment in BibTeX.
        match text[i..].find('@') {
            None => break,
            Some(at) => i += at + 1,
        }
        let kind = ident(&mut i).to_lowercase();
        skip_ws(&mut i);
        if b.get(i) != Some(&b'{') {
            return Err(format!("@{kind}: expected {{ at byte {i}"));
        }
        let end = balanced(i)?;
        if kind == "comment" {
            i = end;
            continue;
        }
        i += 1;
        skip_ws(&mut i);
        let key = ident(&mut i);
        if key.is_empty() {
            return Err(format!("@{kind} without a key at byte {i}"));
        }
        skip_ws(&mut i);
        let mut fields: Vec<(String, String)> = Vec::new();
        loop {
            skip_ws(&mut i);
            match b.get(i) {
                Some(b',') => i += 1,
                Some(b'}') if i + 1 == end => break,
                _ => return Err(format!("{key}: expected , or }} at byte {i}")),
            }
            skip_ws(&mut i);
            if b.get(i) == Some(&b'}') && i + 1 == end {
                break;
            }
            let name = ident(&mut i).to_lowercase();
            if name.is_empty() {
                return Err(format!("{key}: expected a field name at byte {i}"));
            }
            skip_ws(&mut i);
            if b.get(i) != Some(&b'=') {
                return Err(format!("{key}.{name}: expected = at byte {i}"));
            }
            i += 1;
            skip_ws(&mut i);
            let value = match b.get(i) {
                Some(b'{') => {
                    let close = balanced(i)?;
                    let v = text[i + 1..close - 1].to_string();
                    i = close;
                    v
                }
                Some(b'"') => {
                    let close = text[i + 1..]
                        .find('"')
                        .ok_or(format!("{key}.{name}: unterminated string"))?;
                    let v = text[i + 1..i + 1 + close].to_string();
                    i += close + 2;
                    v
                }
                _ => {
                    let v = ident(&mut i);
                    if v.is_empty() {
                        return Err(format!("{key}.{name}: expected a value at byte {i}"));
                    }
                    v
                }
            };
            if fields.iter().any(|(n, _)| *n == name) {
                return Err(format!("{key}: field {name} twice"));
            }
            fields.push((name, value));
            if i >= end {
                return Err(format!("{key}: value runs past the entry"));
            }
        }
        entries.push(Entry { kind, key, fields });
        i = end;
    }
    Ok(entries)
}

#[test]
fn the_bibtex_parser_rejects_what_bibtex_rejects() {
    assert!(parse_bibtex("@article{k, title={a}}").is_ok());
    for bad in [
        "@article{k, title={a}",
        "@article{, title={a}}",
        "@article{k, title {a}}",
        "@article{k, title={a}, title={b}}",
        "@article{k, title=\"a}",
    ] {
        assert!(parse_bibtex(bad).is_err(), "{bad}");
    }
}

#[test]
fn cite_prints_valid_bibtex_for_every_work() {
    let f = fixture();
    let text = f.run(&["info", "--cite"]);
    let entries = parse_bibtex(&text).unwrap();
    let field = |e: &Entry, name: &str| {
        e.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{}: no {name}", e.key))
    };
    let expected = [
        (
            "shankar2019evaluating",
            "article",
            "Evaluating Machine Accuracy on ImageNet",
            "Shankar",
            "2020",
        ),
        (
            "vasudevan2022does",
            "article",
            "When does dough become a bagel?",
            "Vasudevan",
            "2022",
        ),
        (
            "ILSVRC15",
            "article",
            "ImageNet Large Scale Visual Recognition Challenge",
            "Russakovsky",
            "2015",
        ),
        (
            "beyer2020imagenet",
            "article",
            "Are we done with ImageNet?",
            "Beyer",
            "2020",
        ),
        (
            "PeychevMFV2023",
            "inproceedings",
            "Automated Classification of Model Errors on ImageNet",
            "Peychev",
            "2023",
        ),
        (
            "bertinetto2020making",
            "inproceedings",
            "Making Better Mistakes",
            "Bertinetto",
            "2020",
        ),
    ];
    assert_eq!(entries.len(), expected.len(), "{entries:?}");
    for (key, kind, title, author, year) in expected {
        let e = entries
            .iter()
            .find(|e| e.key == key)
            .unwrap_or_else(|| panic!("{key}"));
        assert_eq!(e.kind, kind, "{key}");
        assert!(field(e, "title").contains(title), "{key}");
        assert!(field(e, "author").contains(author), "{key}");
        assert_eq!(field(e, "year"), year, "{key}");
    }
    // The ReaL paper is arXiv 2006.07159 (TFDS's block names another paper's number).
    let beyer = entries
        .iter()
        .find(|e| e.key == "beyer2020imagenet")
        .unwrap();
    assert!(field(beyer, "journal").contains("2006.07159"));
    // Every key a report names as a source has an entry.
    let keys: Vec<&str> = entries.iter().map(|e| e.key.as_str()).collect();
    for (figure, works) in imagenet_multilabel::cite::sources() {
        for w in works {
            assert!(keys.contains(&w), "{figure}: {w}");
        }
    }
}
