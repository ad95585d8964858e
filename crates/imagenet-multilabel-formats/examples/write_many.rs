//! Writes N examples of SIZE random bytes (as incompressible as JPEGs) in both forms, for
//! measuring time and peak memory at scale:
//!
//! ```text
//! cargo build --release -p imagenet-multilabel-formats --example write_many
//! /usr/bin/time -v target/release/examples/write_many OUT 20000 110000
//! ```
//!
//! Examples are generated one at a time, so the process's memory is the writers' own.

use std::path::PathBuf;
use std::time::Instant;

use imagenet_multilabel::fixture::Rng;
use imagenet_multilabel::{ClassId, Example, ImageId, Split};
use imagenet_multilabel_formats::{
    ParquetOptions, ParquetWriter, WebDatasetOptions, WebDatasetWriter,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: write_many OUT N SIZE";
    let out = PathBuf::from(args.next().ok_or(usage)?);
    let n: u32 = args.next().ok_or(usage)?.parse()?;
    let size: usize = args.next().ok_or(usage)?.parse()?;
    let mut rng = Rng::new(1);
    let mut example = |i: u32| -> Example {
        let image = ImageId::new(i % 50_000 + 1).expect("i % 50,000 + 1 is an image number");
        Example {
            image: (0..size.div_ceil(8))
                .flat_map(|_| rng.next_u64().to_le_bytes())
                .take(size)
                .collect(),
            file_name: format!("ILSVRC2012_val_{:08}.JPEG", i + 1),
            original_label: image.original_label(),
            correct_multi_labels: vec![
                image.original_label(),
                ClassId::new(rng.below(1000) as i64).unwrap(),
            ],
            wrong_multi_labels: vec![ClassId::new(rng.below(1000) as i64).unwrap()],
            unclear_multi_labels: vec![],
            is_problematic: i.is_multiple_of(50),
        }
    };
    let start = Instant::now();
    let mut parquet = ParquetWriter::create(
        &out.join("parquet"),
        Split::Validation,
        &ParquetOptions::default(),
    )?;
    let mut wds = WebDatasetWriter::create(
        &out.join("webdataset"),
        Split::Validation,
        &WebDatasetOptions::default(),
    )?;
    for i in 0..n {
        let e = example(i);
        parquet.write(&e)?;
        wds.write(&e)?;
    }
    let p = parquet.finish()?;
    let w = wds.finish()?;
    println!(
        "{n} examples of {size} bytes in {:.2} s: {} Parquet files ({} bytes), {} shards ({} bytes)",
        start.elapsed().as_secs_f64(),
        p.files.len(),
        p.bytes,
        w.files.len(),
        w.bytes
    );
    Ok(())
}
