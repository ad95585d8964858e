//! Writes a small dataset of real JPEGs in both forms, for checking with the Python readers
//! (`scripts/check_python_formats.sh`):
//!
//! ```text
//! cargo run -p imagenet-multilabel-formats --example write_sample -- OUT [N]
//! ```
//!
//! `OUT/parquet/` and `OUT/webdataset/` get the `validation` split (N examples, 25 by default,
//! cut into several files and row groups) and the `imagenet_m` split (3 examples);
//! `OUT/parquet/README.md` is the dataset card that names both splits;
//! `OUT/expected.json` lists what was written (labels, image size and colour mode) so a reader
//! can be compared with it.

use std::path::PathBuf;

use imagenet_multilabel::fixture::Rng;
use imagenet_multilabel::{ClassId, Example, ImageId, Split};
use imagenet_multilabel_formats::{
    ParquetOptions, ParquetWriter, WebDatasetOptions, WebDatasetWriter,
};
use jpeg_encoder::{ColorType, Encoder};
use serde_json::json;

/// Any error, printed by `main`'s default report.
type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// A JPEG of `width` × `height` in colour mode `mode` (`RGB`, `L` or `CMYK`, PIL's names),
/// a gradient that depends on `seed` so images differ.
fn jpeg(width: u16, height: u16, mode: &str, seed: u64) -> Res<Vec<u8>> {
    let (color, channels) = match mode {
        "RGB" => (ColorType::Rgb, 3),
        "L" => (ColorType::Luma, 1),
        _ => (ColorType::Cmyk, 4),
    };
    let mut pixels = Vec::with_capacity(width as usize * height as usize * channels);
    for y in 0..height as u64 {
        for x in 0..width as u64 {
            for c in 0..channels as u64 {
                pixels.push(((x * (c + 1) + y * 3 + seed * 37) % 256) as u8);
            }
        }
    }
    let mut out = Vec::new();
    Encoder::new(&mut out, 90).encode(&pixels, width, height, color)?;
    Ok(out)
}

fn main() -> Res<()> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().ok_or("usage: write_sample OUT [N]")?);
    let n: usize = match args.next() {
        Some(n) => n.parse()?,
        None => 25,
    };
    let mut rng = Rng::new(2026);
    let mut expected = serde_json::Map::new();
    for (split, count) in [(Split::Validation, n), (Split::ImagenetM, 3)] {
        let mut parquet = ParquetWriter::create(
            &out.join("parquet"),
            split,
            &ParquetOptions {
                rows_per_group: 4,
                rows_per_file: Some(10),
                ..ParquetOptions::default()
            },
        )?;
        let mut wds = WebDatasetWriter::create(
            &out.join("webdataset"),
            split,
            &WebDatasetOptions {
                max_examples_per_shard: Some(10),
                ..WebDatasetOptions::default()
            },
        )?;
        let mut rows = Vec::new();
        for i in 0..count {
            let image = ImageId::new(1 + rng.below(50_000) as u32).ok_or("image id")?;
            let mode = ["RGB", "RGB", "L", "RGB", "CMYK"][i % 5];
            let (width, height) = (24 + rng.below(80) as u16, 24 + rng.below(80) as u16);
            let mut labels = |max: u64| -> Vec<ClassId> {
                (0..rng.below(max + 1))
                    .map(|_| ClassId::new(rng.below(1000) as i64).unwrap())
                    .collect()
            };
            let mut correct = labels(3);
            correct.insert(0, image.original_label());
            let example = Example {
                image: jpeg(width, height, mode, image.number() as u64)?,
                file_name: image.file_name(),
                original_label: image.original_label(),
                correct_multi_labels: correct,
                wrong_multi_labels: labels(2),
                unclear_multi_labels: labels(1),
                is_problematic: i % 7 == 3,
            };
            parquet.write(&example)?;
            wds.write(&example)?;
            let ids = |l: &[ClassId]| l.iter().map(|c| c.as_u16()).collect::<Vec<_>>();
            rows.push(json!({
                "file_name": example.file_name,
                "original_label": example.original_label.as_u16(),
                "correct_multi_labels": ids(&example.correct_multi_labels),
                "wrong_multi_labels": ids(&example.wrong_multi_labels),
                "unclear_multi_labels": ids(&example.unclear_multi_labels),
                "is_problematic": example.is_problematic,
                "width": width,
                "height": height,
                "mode": mode,
                "jpeg_bytes": example.image.len(),
            }));
        }
        let p = parquet.finish()?;
        let w = wds.finish()?;
        println!(
            "{}: {} examples, {} Parquet files ({} bytes), {} shards ({} bytes)",
            split.name(),
            p.examples,
            p.files.len(),
            p.bytes,
            w.files.len(),
            w.bytes
        );
        expected.insert(split.name().into(), rows.into());
    }
    imagenet_multilabel_formats::write_dataset_card(&out.join("parquet"), &Split::ALL)?;
    let text = serde_json::to_vec_pretty(&expected)?;
    imagenet_multilabel::atomic::write(out.join("expected.json"), &text)?;
    Ok(())
}
