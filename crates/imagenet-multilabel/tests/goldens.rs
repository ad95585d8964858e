//! Independent evidence, checked on every `cargo test`: figures and files made by the real
//! TensorFlow Datasets and by the published grading recipe in Python, committed under
//! `tests/goldens/` with the scripts that made them (`scripts/goldens/`; how to re-run them is
//! in docs/METRICS.md and docs/FORMATS.md). Nothing here compares the crate with itself.
//!
//! - `recipe.json`: TFDS's README recipe (and the imagenet-mistakes notebook's ImageNet-M
//!   count) run by Python with `tfds.load` on TFDS's own build of the committed fixture
//!   (`fixture/human_accuracy_v3.0.0.json`, `fixture/predictions.csv`), as f64 bits.
//! - `tfds_tiny/`: TFDS's `features.json`, `dataset_info.json` and, read back with
//!   `tf.data`, the image numbers of every shard in stored order, for that build.
//! - `tfds_realsize/`: the same for a build of 20,000 images of 90–140 KB, where TFDS splits
//!   the validation split into 32 shards (per shard: count, first, last and a sha256 of the
//!   file names in order).
//!
//! The image bytes of both builds and the real-size annotations are defined by formulas
//! (`scripts/goldens/common.py`), implemented again here; the tiny annotations and the
//! predictions are committed files, so no golden depends on this crate's fixture generator.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use imagenet_multilabel::annotations::{self, LoadOptions};
use imagenet_multilabel::metrics::{evaluate, EvalOptions};
use imagenet_multilabel::predictions;
use imagenet_multilabel::tfds::{Dataset, DatasetWriter, WriteOptions};
use imagenet_multilabel::{Annotations, ClassId, ImageId, Split, NUM_VAL_IMAGES};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

fn goldens() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/goldens")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn image(n: u32) -> ImageId {
    ImageId::from_file_name(&format!("ILSVRC2012_val_{n:08}.JPEG")).expect("a validation name")
}

/// The image number in `ILSVRC2012_val_{n:08}.JPEG`.
fn number(file_name: &str) -> u32 {
    file_name
        .strip_prefix("ILSVRC2012_val_")
        .and_then(|s| s.strip_suffix(".JPEG"))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a validation file name: {file_name}"))
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

// ---- the formulas of scripts/goldens/common.py -------------------------------------------

/// `common.image_bytes`: SOI + APP0 marker, byte k of the body = (n·131 + k·29) mod 256, EOI.
fn image_bytes(n: u32, len: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len as usize);
    out.extend_from_slice(&[0xff, 0xd8, 0xff, 0xe0]);
    out.extend((0..len - 6).map(|k| (u64::from(n) * 131 + k * 29) as u8));
    out.extend_from_slice(&[0xff, 0xd9]);
    out
}

/// `common.tiny_len`.
fn tiny_len(n: u32) -> u64 {
    64 + (u64::from(n) * 7919) % 449
}

/// `common.realsize_len`.
fn realsize_len(n: u32) -> u64 {
    90_000 + (u64::from(n) * 7919) % 50_000
}

/// `common.unannotated_len`.
fn unannotated_len(n: u32) -> u64 {
    16 + u64::from(n) % 50
}

/// `common.realsize_annotations`: the first 20 images of every class in image order;
/// correct = [original], wrong = [original + 1] when n % 7 == 0, unclear = [original + 2]
/// when n % 11 == 0, problematic when n % 13 == 0, ImageNet-M every 294th annotated image.
/// Written as JSON and read by the crate's loader; returns the annotated image numbers too.
fn realsize_annotations(dir: &Path) -> (Annotations, Vec<u32>) {
    // Class id = index in the sorted wnids (the table TFDS's labels.txt holds).
    let wnids: Vec<String> = ClassId::all().map(|c| c.wnid().to_string()).collect();
    assert_eq!(wnids.len(), 1000);
    let wnid = |c: usize| wnids[c % 1000].clone();
    let class_of = |n: u32| {
        let w = image(n).original_label().wnid().to_string();
        wnids.binary_search(&w).expect("a known wnid")
    };
    let mut seen = [0u32; 1000];
    let mut chosen = Vec::new();
    for n in 1..=NUM_VAL_IMAGES {
        let c = class_of(n);
        if seen[c] < 20 {
            seen[c] += 1;
            chosen.push(n);
        }
    }
    assert_eq!(chosen.len(), 20_000);
    let mut annots = serde_json::Map::new();
    let mut problematic = serde_json::Map::new();
    for &n in &chosen {
        let c = class_of(n);
        let mut entry = serde_json::Map::new();
        entry.insert("correct".into(), json!([wnid(c)]));
        if n % 7 == 0 {
            entry.insert("wrong".into(), json!([wnid(c + 1)]));
        }
        if n % 11 == 0 {
            entry.insert("unclear".into(), json!([wnid(c + 2)]));
        }
        annots.insert(image(n).file_name(), Value::Object(entry));
        if n % 13 == 0 {
            problematic.insert(image(n).file_name(), json!({"reason": "formula"}));
        }
    }
    let imagenet_m: Vec<String> = (0..68)
        .map(|k| image(chosen[k * 294]).file_name())
        .collect();
    let doc = json!({
        "initial_annots": annots,
        "problematic_images": problematic,
        "imagenet_m": imagenet_m,
    });
    let path = dir.join("human_accuracy_v3.0.0.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    let loaded = annotations::load(&path, &LoadOptions::no_cache()).unwrap();
    (loaded, chosen)
}

/// `dataset_info.json` less the fields that are not ours to match: `description` (ours is
/// in our own words, see `tfds::metadata`) and `moduleName` (TFDS's Python module, which we
/// are not). TFDS 4.9.10 writes no timestamp or host field in this file; anything else
/// (`downloadSize`, every split's `numBytes` and `shardLengths`, citation, release notes,
/// supervised keys, file format, location, version) must be equal.
fn comparable_info(mut v: Value) -> Value {
    let m = v.as_object_mut().expect("dataset_info.json is an object");
    for key in ["description", "moduleName"] {
        m.remove(key);
    }
    v
}

// ---- (a) the grading recipe --------------------------------------------------------------

#[test]
fn figures_are_the_python_recipes_to_the_bit() {
    let dir = goldens();
    let golden = read_json(&dir.join("recipe.json"));
    let ann = annotations::load(
        &dir.join("fixture/human_accuracy_v3.0.0.json"),
        &LoadOptions::no_cache(),
    )
    .unwrap();
    let preds = predictions::load(&dir.join("fixture/predictions.csv"), &Default::default())
        .expect("the committed predictions load");
    let report = evaluate(&ann, &preds, &EvalOptions::default()).unwrap();

    let bits = |key: &str| {
        let hex = golden[key]["f64_bits"].as_str().expect("f64_bits");
        u64::from_str_radix(hex, 16).expect("hex f64 bits")
    };
    let ours = report.multilabel_accuracy.value;
    assert_eq!(
        ours.to_bits(),
        bits("multilabel_accuracy"),
        "multi-label accuracy: ours {ours:?}, the README recipe {}",
        golden["multilabel_accuracy"]["repr"]
    );
    // The repr is the same number (the shortest decimal that reads back to it).
    assert_eq!(
        format!("{ours:?}"),
        golden["multilabel_accuracy"]["repr"].as_str().unwrap()
    );
    let strict = report.multilabel_accuracy_strict.value;
    assert_eq!(
        strict.to_bits(),
        bits("multilabel_accuracy_strict"),
        "strict: ours {strict:?}, the recipe with correct only {}",
        golden["multilabel_accuracy_strict"]["repr"]
    );
    assert_eq!(
        report.imagenet_m.correct as u64,
        golden["imagenet_m"]["correct"].as_u64().unwrap()
    );
    assert_eq!(
        report.imagenet_m.total as u64,
        golden["imagenet_m"]["total"].as_u64().unwrap()
    );
    // The fixture has teeth: 232 classes have three graded images, so the fractions are
    // thirds and the order of the sum shows in the last bits (the same 1000 fractions give
    // 0.5631666666666665 summed backwards, 0.5631666666666666 summed exactly); a wrong rule
    // moves the figure further.
    assert!(ours > 0.3 && ours < 0.8, "{ours}");
    assert_ne!(ours, strict);
}

// ---- (b), (c) the TFDS build -------------------------------------------------------------

/// Our writer's build of the tiny input: the committed annotations, all 50,000 images of
/// `tiny_len` bytes in the tar.
fn build_tiny(data_dir: &Path) -> PathBuf {
    let ann = annotations::load(
        &goldens().join("fixture/human_accuracy_v3.0.0.json"),
        &LoadOptions::no_cache(),
    )
    .unwrap();
    let mut sizes = vec![None; NUM_VAL_IMAGES as usize + 1];
    for n in 1..=NUM_VAL_IMAGES {
        sizes[n as usize] = Some(tiny_len(n));
    }
    let writer = DatasetWriter::create(data_dir, &ann, &sizes, &WriteOptions::default()).unwrap();
    for n in 1..=NUM_VAL_IMAGES {
        if writer.wants(image(n)) {
            writer
                .write_image(image(n), &image_bytes(n, tiny_len(n)))
                .unwrap();
        }
    }
    writer.finish().unwrap().dir
}

/// Per split in our build: (shard file name, image numbers in stored order) per shard,
/// read back with the crate's reader and cut at the shard lengths it records.
fn our_order(dir: &Path) -> BTreeMap<&'static str, Vec<(String, Vec<u32>)>> {
    let dataset = Dataset::open(dir).unwrap();
    let mut out = BTreeMap::new();
    for info in dataset.splits() {
        let numbers: Vec<u32> = dataset
            .iter(info.split)
            .map(|e| number(&e.unwrap().file_name))
            .collect();
        let mut shards = Vec::new();
        let mut rest = &numbers[..];
        for (path, &len) in info.shards.iter().zip(&info.shard_lengths) {
            let (head, tail) = rest.split_at(len as usize);
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            shards.push((name, head.to_vec()));
            rest = tail;
        }
        assert!(rest.is_empty());
        out.insert(info.name(), shards);
    }
    out
}

#[test]
fn tiny_build_matches_what_tfds_wrote() {
    let golden_dir = goldens().join("tfds_tiny");
    let data_dir = tempfile::tempdir().unwrap();
    let ours = build_tiny(data_dir.path());

    // features.json: byte for byte.
    assert_eq!(
        String::from_utf8(read(&ours.join("features.json"))).unwrap(),
        String::from_utf8(read(&golden_dir.join("features.json"))).unwrap()
    );

    // dataset_info.json: every field but our description and TFDS's module name.
    let theirs = comparable_info(read_json(&golden_dir.join("dataset_info.json")));
    let mine = comparable_info(read_json(&ours.join("dataset_info.json")));
    assert_eq!(mine, theirs);
    // Not vacuous: the fields that depend on the input are there and are the input's.
    assert_eq!(theirs["downloadSize"], "199814");
    assert_eq!(theirs["splits"][0]["shardLengths"], json!(["1999"]));

    // Example order and shard split, image by image; the label files by hash.
    let golden = read_json(&golden_dir.join("order.json"));
    let order = our_order(&ours);
    assert_eq!(order.len(), 2);
    for (split, shards) in &order {
        let theirs = golden["splits"][split]
            .as_array()
            .expect("split in order.json");
        assert_eq!(shards.len(), theirs.len(), "{split}: shard count");
        for ((file, images), t) in shards.iter().zip(theirs) {
            assert_eq!(file, t["file"].as_str().unwrap(), "{split}");
            assert_eq!(images.len() as u64, t["length"].as_u64().unwrap(), "{file}");
            let want: Vec<u32> = t["images"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as u32)
                .collect();
            if let Some(i) = images.iter().zip(&want).position(|(a, b)| a != b) {
                panic!(
                    "{file}: example {i} is image {} in ours, {} in TFDS's",
                    images[i], want[i]
                );
            }
        }
    }
    let labels = golden["labels_txt_sha256"].as_object().unwrap();
    assert_eq!(labels.len(), 4);
    for (file, sha) in labels {
        assert_eq!(
            sha256_hex(&read(&ours.join(file))),
            sha.as_str().unwrap(),
            "{file}"
        );
    }
}

#[test]
fn real_size_shards_match_what_tfds_wrote() {
    let golden_dir = goldens().join("tfds_realsize");
    let golden = read_json(&golden_dir.join("order.json"));
    let dir = tempfile::tempdir().unwrap();
    let (ann, chosen) = realsize_annotations(dir.path());
    let mut sizes: Vec<Option<u64>> = (0..=NUM_VAL_IMAGES)
        .map(|n| (n > 0).then(|| unannotated_len(n)))
        .collect();
    for &n in &chosen {
        sizes[n as usize] = Some(realsize_len(n));
    }
    // The plan is all that matters here: the order, the shard count and split, the bytes.
    // The writer preallocates its 2.3 GB of shards as sparse files, removed when it drops.
    let writer =
        DatasetWriter::create(&dir.path().join("data"), &ann, &sizes, &Default::default()).unwrap();
    let layouts = writer.layouts();
    assert_eq!(layouts.len(), 2);
    for layout in layouts {
        let split = layout.split.name();
        let theirs = golden["splits"][split]
            .as_array()
            .expect("split in order.json");
        assert_eq!(
            layout.shard_lengths.len(),
            theirs.len(),
            "{split}: shard count"
        );
        let mut rest = &layout.examples[..];
        for (k, t) in theirs.iter().enumerate() {
            let len = layout.shard_lengths[k];
            assert_eq!(layout.shard_file_name(k), t["file"].as_str().unwrap());
            assert_eq!(len, t["length"].as_u64().unwrap(), "{split} shard {k}");
            let (shard, tail) = rest.split_at(len as usize);
            rest = tail;
            let names: Vec<String> = shard.iter().map(|p| p.image.file_name()).collect();
            assert_eq!(u64::from(number(&names[0])), t["first"].as_u64().unwrap());
            assert_eq!(
                u64::from(number(&names[names.len() - 1])),
                t["last"].as_u64().unwrap()
            );
            assert_eq!(
                sha256_hex(names.join("\n").as_bytes()),
                t["file_names_sha256"].as_str().unwrap(),
                "{split} shard {k}: the file names in stored order"
            );
        }
    }
    // Not vacuous: the real data's shape, 32 shards of 625.
    assert_eq!(layouts[0].split, Split::Validation);
    assert_eq!(layouts[0].shard_lengths, vec![625; 32]);

    // dataset_info.json: TFDS's numBytes and shardLengths of both splits are our plan's
    // (the other fields do not depend on the input; the tiny test compares them all).
    let theirs = read_json(&golden_dir.join("dataset_info.json"));
    let splits = theirs["splits"].as_array().expect("splits");
    assert_eq!(splits.len(), layouts.len());
    for (t, layout) in splits.iter().zip(layouts) {
        assert_eq!(t["name"], layout.split.name());
        assert_eq!(t["numBytes"], layout.num_bytes.to_string(), "{}", t["name"]);
        let lengths: Vec<String> = layout.shard_lengths.iter().map(u64::to_string).collect();
        assert_eq!(t["shardLengths"], json!(lengths), "{}", t["name"]);
    }
}
