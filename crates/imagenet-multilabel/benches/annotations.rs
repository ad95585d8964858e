//! Loading the annotations: our scanner against serde_json (`from_slice` into a struct of the
//! three keys, `IgnoredAny` for the rest — the best serde_json approach measured), sha256
//! alone, a first load (map + parse + hash) and a cached load, on a generated file the size
//! of the real one.
//!
//! `cargo bench -p imagenet-multilabel --bench annotations`
//! (`IMAGENET_MULTILABEL_BENCH_FILLER=BYTES` changes the filler; default 195 MB).

use std::collections::HashMap;
use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use imagenet_multilabel::annotations::{load_with_report, parse, LoadOptions};
use imagenet_multilabel::fixture::annotations::{generate, Spec};
use serde::de::IgnoredAny;
use serde::Deserialize;
use sha2::{Digest, Sha256};

#[derive(Deserialize)]
struct Top<'a> {
    #[serde(borrow)]
    initial_annots: HashMap<&'a str, Labels<'a>>,
    #[serde(borrow)]
    problematic_images: HashMap<&'a str, IgnoredAny>,
    #[serde(borrow)]
    imagenet_m: Vec<&'a str>,
}

#[derive(Deserialize)]
struct Labels<'a> {
    #[serde(default, borrow)]
    correct: Vec<&'a str>,
    #[serde(default, borrow)]
    wrong: Vec<&'a str>,
    #[serde(default, borrow)]
    unclear: Vec<&'a str>,
}

fn annotations(c: &mut Criterion) {
    let filler = std::env::var("IMAGENET_MULTILABEL_BENCH_FILLER")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(Spec::real_size().filler_bytes);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("human_accuracy.json");
    let spec = Spec {
        filler_bytes: filler,
        ..Spec::default()
    };
    generate(&spec).write_json(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();

    let mut g = c.benchmark_group("annotations");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("parse_scanner", |b| {
        b.iter(|| parse(black_box(&bytes), Path::new("h.json")).unwrap())
    });
    g.bench_function("parse_serde_json_ignored_any", |b| {
        b.iter(|| {
            let top: Top = serde_json::from_slice(black_box(&bytes)).unwrap();
            let n: usize = top
                .initial_annots
                .values()
                .map(|l| l.correct.len() + l.wrong.len() + l.unclear.len())
                .sum();
            (n, top.problematic_images.len(), top.imagenet_m.len())
        })
    });
    g.bench_function("sha256", |b| b.iter(|| Sha256::digest(black_box(&bytes))));
    g.bench_function("load_first", |b| {
        b.iter(|| load_with_report(&path, &LoadOptions::no_cache()).unwrap())
    });
    let cached = LoadOptions {
        cache_dir: Some(dir.path().join("cache")),
    };
    load_with_report(&path, &cached).unwrap();
    g.bench_function("load_cached", |b| {
        b.iter(|| {
            let (a, report) = load_with_report(&path, &cached).unwrap();
            assert!(report.from_cache);
            a
        })
    });
    g.finish();
}

criterion_group!(benches, annotations);
criterion_main!(benches);
