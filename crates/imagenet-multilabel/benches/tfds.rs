//! TFDS writer and reader throughput at the real image size (~112 KB per JPEG).
//!
//!   cargo bench -p imagenet-multilabel --bench tfds
//!
//! `write`: plan + write 500 images in shuffled order + publish (shards on disk, page
//! cache warm). `read`: iterate the written split, both CRCs checked, Examples decoded.
//! `encode`: one Example serialized and framed.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use imagenet_multilabel::fixture::Rng;
use imagenet_multilabel::tfds::{example, record, Dataset, DatasetWriter, WriteOptions};
use imagenet_multilabel::{Annotations, ClassId, Example, ImageId, Record, Source, Split, Version};

const N: u32 = 500;
const IMAGE_BYTES: usize = 112_000;

fn annotations() -> Annotations {
    let records = (1..=N)
        .map(|i| {
            let image = ImageId::new(i * 50).unwrap();
            let correct = vec![image.original_label(), ClassId::new(3).unwrap()];
            let lists = [correct, vec![ClassId::new(7).unwrap()], vec![]];
            Record::new(image, lists, i % 9 == 0)
        })
        .collect();
    let source = Source {
        path: "bench.json".into(),
        size: 1,
        sha256: String::new(),
        version: Version::Unrecognised,
    };
    Annotations::new(records, vec![ImageId::new(50).unwrap()], source).unwrap()
}

fn bench(c: &mut Criterion) {
    let ann = annotations();
    let mut rng = Rng::new(1);
    let jpeg: Vec<u8> = (0..IMAGE_BYTES).map(|_| rng.next_u64() as u8).collect();
    let mut lens = vec![None; 50_001];
    let mut order: Vec<ImageId> = ann.records().iter().map(|r| r.image()).collect();
    for i in &order {
        lens[i.number() as usize] = Some(IMAGE_BYTES as u64);
    }
    rng.shuffle(&mut order);
    let options = WriteOptions {
        splits: vec![Split::Validation],
        overwrite: true,
        ..WriteOptions::default()
    };
    let dir = tempfile::tempdir().unwrap();

    let mut g = c.benchmark_group("tfds");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(N as u64 * IMAGE_BYTES as u64));
    g.bench_function("write_500x112KB", |b| {
        b.iter(|| {
            let w = DatasetWriter::create(dir.path(), &ann, &lens, &options).unwrap();
            for &i in &order {
                w.write_image(i, &jpeg).unwrap();
            }
            black_box(w.finish().unwrap())
        })
    });
    let ds = Dataset::open(dir.path()).unwrap();
    g.bench_function("read_500x112KB", |b| {
        b.iter(|| {
            let n = ds
                .iter(Split::Validation)
                .map(|e| e.unwrap().image.len())
                .sum::<usize>();
            assert_eq!(n, N as usize * IMAGE_BYTES);
        })
    });
    g.throughput(Throughput::Bytes(IMAGE_BYTES as u64));
    let ex = Example {
        image: Vec::new(),
        file_name: ImageId::new(1).unwrap().file_name(),
        original_label: ClassId::new(65).unwrap(),
        correct_multi_labels: vec![ClassId::new(65).unwrap()],
        wrong_multi_labels: vec![ClassId::new(1).unwrap(), ClassId::new(2).unwrap()],
        unclear_multi_labels: vec![],
        is_problematic: false,
    };
    let (mut buf, mut framed) = (Vec::new(), Vec::new());
    g.bench_function("encode_frame_112KB", |b| {
        b.iter(|| {
            example::encode_with_image(&ex, &jpeg, &mut buf);
            framed.clear();
            record::append_framed(&mut framed, &buf);
            black_box(framed.len())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
