//! Throughput of the two writers against the floor of writing the same image bytes to one
//! file, side by side in one run (the ratio is what matters on a shared, noisy machine).
//!
//! ```text
//! cargo bench -p imagenet-multilabel-formats --bench writers
//! ```
//!
//! 200 examples of 110 KB (the mean size of an ImageNet validation JPEG) of random bytes,
//! which compress as badly as JPEGs; written under /dev/shm when it exists, so the figures are
//! the writers' CPU cost rather than the disk's.

use std::fs::File;
use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use imagenet_multilabel::fixture::Rng;
use imagenet_multilabel::{ClassId, Example, ImageId, Split};
use imagenet_multilabel_formats::{
    ParquetOptions, ParquetWriter, WebDatasetOptions, WebDatasetWriter,
};

const EXAMPLES: usize = 200;
const IMAGE_BYTES: usize = 110_000;

fn examples() -> Vec<Example> {
    let mut rng = Rng::new(7);
    (0..EXAMPLES)
        .map(|i| {
            let image = ImageId::new(i as u32 + 1).unwrap();
            let labels = |rng: &mut Rng, n: u64| -> Vec<ClassId> {
                (0..rng.below(n))
                    .map(|_| ClassId::new(rng.below(1000) as i64).unwrap())
                    .collect()
            };
            Example {
                image: (0..IMAGE_BYTES / 8)
                    .flat_map(|_| rng.next_u64().to_le_bytes())
                    .collect(),
                file_name: image.file_name(),
                original_label: image.original_label(),
                correct_multi_labels: labels(&mut rng, 4),
                wrong_multi_labels: labels(&mut rng, 3),
                unclear_multi_labels: labels(&mut rng, 2),
                is_problematic: i % 10 == 0,
            }
        })
        .collect()
}

fn scratch() -> tempfile::TempDir {
    let shm = PathBuf::from("/dev/shm");
    if shm.is_dir() {
        tempfile::tempdir_in(shm).unwrap()
    } else {
        tempfile::tempdir().unwrap()
    }
}

fn writers(c: &mut Criterion) {
    let examples = examples();
    let bytes: u64 = examples.iter().map(|e| e.image.len() as u64).sum();
    let dir = scratch();
    let mut group = c.benchmark_group("write_200x110KB");
    group.throughput(Throughput::Bytes(bytes));
    group.sample_size(20);

    group.bench_function("floor_image_bytes_to_one_file", |b| {
        b.iter(|| {
            let path = dir.path().join("floor.bin");
            let mut out = BufWriter::with_capacity(1 << 20, File::create(&path).unwrap());
            for e in &examples {
                out.write_all(&e.image).unwrap();
            }
            out.into_inner().unwrap().sync_all().unwrap();
        })
    });
    group.bench_function("parquet", |b| {
        b.iter(|| {
            let out = dir.path().join("parquet");
            let mut w =
                ParquetWriter::create(&out, Split::Validation, &ParquetOptions::default()).unwrap();
            for e in &examples {
                w.write(e).unwrap();
            }
            black_box(w.finish().unwrap())
        })
    });
    group.bench_function("webdataset", |b| {
        b.iter(|| {
            let out = dir.path().join("wds");
            let mut w =
                WebDatasetWriter::create(&out, Split::Validation, &WebDatasetOptions::default())
                    .unwrap();
            for e in &examples {
                w.write(e).unwrap();
            }
            black_box(w.finish().unwrap())
        })
    });
    group.finish();
}

criterion_group!(benches, writers);
criterion_main!(benches);
