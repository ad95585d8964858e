//! `predictions::load` at full scale: 50,000 images in every format, the 50,000 × 1000
//! float32 `.npy` (200 MB) first, since `eval` of it must finish in 0.5 s on 2 cores.
//!
//! Run: `cargo bench -p imagenet-multilabel --bench predictions [-- FILTER]`. Each file is
//! generated (and checked to load back to the rows it was written from) only when a
//! benchmark that reads it is selected. `read_only_baseline_200MB` reads the same `.npy`
//! bytes into memory (`fs::read`), so parse + rank can be told from touching 200 MB.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use imagenet_multilabel::fixture::pred_files::{self, random_rows, Row, ScoreType, WriteOptions};
use imagenet_multilabel::predictions::{load, Format, LoadOptions};
use imagenet_multilabel::ImageId;

/// Writes `rows` as `options` say and checks they load back.
fn make(dir: &Path, name: &str, rows: &[Row], options: WriteOptions) -> PathBuf {
    let path = dir.join(name);
    if !path.exists() {
        pred_files::write(&path, rows, &options).unwrap();
        // Every file must load to the rows it was written from, or the timing means nothing.
        let p = load(&path, &LoadOptions::default()).unwrap();
        assert!(p.covers_all());
        assert!(rows
            .iter()
            .all(|(i, r)| p.ranking(*i).unwrap().top(p.k()) == &r[..p.k()]));
    }
    path
}

fn with(format: Format, edit: impl FnOnce(&mut WriteOptions)) -> WriteOptions {
    let mut options = WriteOptions::new(format);
    edit(&mut options);
    options
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let rows = random_rows(ImageId::all(), 5, 42);
    let load_it = |path: &Path| load(black_box(path), &LoadOptions::default()).unwrap();

    let mut group = c.benchmark_group("load_50k");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    let f32_npy = || make(dir, "scores_f32.npy", &rows, WriteOptions::new(Format::Npy));
    group.bench_function("npy_f32_scores_200MB", |b| {
        let path = f32_npy();
        b.iter(|| load_it(&path))
    });
    group.bench_function("read_only_baseline_200MB", |b| {
        let path = f32_npy();
        b.iter(|| std::fs::read(black_box(&path)).unwrap())
    });
    group.bench_function("npy_f16_scores_100MB", |b| {
        let options = with(Format::Npy, |o| o.scores = Some(ScoreType::F16));
        let path = make(dir, "scores_f16.npy", &rows, options);
        b.iter(|| load_it(&path))
    });
    group.bench_function("npz_stored_f32_scores_names", |b| {
        let path = make(dir, "scores_f32.npz", &rows, WriteOptions::new(Format::Npz));
        b.iter(|| load_it(&path))
    });
    group.bench_function("npy_top5_ids", |b| {
        let options = with(Format::Npy, |o| o.scores = None);
        let path = make(dir, "top5_ids.npy", &rows, options);
        b.iter(|| load_it(&path))
    });
    for (name, format) in [
        ("csv_top5", Format::Csv),
        ("json_top5", Format::Json),
        ("jsonl_top5", Format::JsonLines),
    ] {
        group.bench_function(name, |b| {
            let path = make(dir, name, &rows, WriteOptions::new(format));
            b.iter(|| load_it(&path))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
