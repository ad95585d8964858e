//! Writes a synthetic `ILSVRC2012_img_val.tar` and `human_accuracy_v3.0.0.json` in the real
//! formats, then builds the TFDS dataset from them with our writer, so that
//! `../shared/peer/tfds/parity.sh` (beside the repository root; scripts/tfds_parity.sh calls
//! it) can compare it with what the real TFDS builds.
//!
//!   cargo run -p imagenet-multilabel --example tfds_parity_fixture -- OUT PER_CLASS [MEAN_IMAGE_BYTES] [SEED]
//!
//! OUT gets `ILSVRC2012_img_val.tar`, `human_accuracy_v3.0.0.json` (from
//! `fixture::annotations`, read back by `annotations::load`) and the data dir `ours/`.
//! PER_CLASS annotated images per class of about MEAN_IMAGE_BYTES each (default 2000); the
//! tar holds all 50,000 images in shuffled order, with fake JPEG bytes (TFDS passes bytes
//! through unchecked).

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use imagenet_multilabel::annotations::{load, LoadOptions};
use imagenet_multilabel::fixture::annotations::{generate, Spec};
use imagenet_multilabel::fixture::Rng;
use imagenet_multilabel::tfds::{DatasetWriter, WriteOptions};
use imagenet_multilabel::ImageId;

/// Any error, printed by `main`.
type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        return Err("usage: tfds_parity_fixture OUT PER_CLASS [MEAN_IMAGE_BYTES] [SEED]".into());
    }
    let out = Path::new(&args[0]);
    let per_class: usize = args[1].parse()?;
    let mean_bytes: u64 = args.get(2).map_or(Ok(2000), |s| s.parse())?;
    let seed: u64 = args.get(3).map_or(Ok(1), |s| s.parse())?;
    std::fs::create_dir_all(out)?;
    let mut rng = Rng::new(seed);

    // The annotations: the shared generator's file (ImageNetV2 entries, absent and empty
    // lists, duplicates, both reviewer-field spellings, decoy keys), read by the crate's own
    // loader, which must return the generator's truth. The writer takes the loaded index.
    let synthetic = generate(&Spec {
        per_class,
        seed,
        ..Spec::default()
    });
    let json_path = out.join("human_accuracy_v3.0.0.json");
    synthetic.write_json(&json_path)?;
    let annotations = load(&json_path, &LoadOptions::no_cache())?;
    if annotations.records() != synthetic.records.as_slice()
        || annotations.imagenet_m() != synthetic.imagenet_m.as_slice()
    {
        return Err("the annotations loader disagrees with the generator's truth".into());
    }

    // The tar holds all 50,000 images, as the real one does: TFDS zips the sorted member
    // names with its label list, so with any image absent its original labels would shift
    // (ours come from the image number).
    let mut in_tar: Vec<ImageId> = ImageId::all().collect();

    // The tar, members in shuffled order.
    let tar_path = out.join("ILSVRC2012_img_val.tar");
    rng.shuffle(&mut in_tar);
    {
        let mut tar = tar::Builder::new(BufWriter::new(File::create(&tar_path)?));
        for &image in &in_tar {
            // Unannotated images are tiny: only their names and positions matter.
            let len = match annotations.get(image) {
                Some(_) => 4 + rng.below((2 * mean_bytes).saturating_sub(8).max(1)) as usize + 2,
                None => 6 + rng.below(60) as usize,
            };
            let mut bytes: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
            bytes[..4].copy_from_slice(&[0xff, 0xd8, 0xff, 0xe0]);
            bytes[len - 2..].copy_from_slice(&[0xff, 0xd9]);
            let mut h = tar::Header::new_gnu();
            h.set_size(len as u64);
            h.set_mode(0o644);
            h.set_cksum();
            tar.append_data(&mut h, image.file_name(), &bytes[..])?;
        }
        tar.into_inner()?.flush()?;
    }

    // What the build command does: sizes from the headers first, then one pass writing.
    let started = std::time::Instant::now();
    let mut image_len = vec![None; 50_001];
    for entry in tar::Archive::new(File::open(&tar_path)?).entries()? {
        let entry = entry?;
        if let Some(image) = ImageId::from_file_name(&entry.path()?.to_string_lossy()) {
            image_len[image.number() as usize] = Some(entry.size());
        }
    }
    let headers_s = started.elapsed().as_secs_f64();
    let data_dir = out.join("ours");
    let options = WriteOptions {
        overwrite: true,
        ..WriteOptions::default()
    };
    let writer = DatasetWriter::create(&data_dir, &annotations, &image_len, &options)?;
    let mut buf = Vec::new();
    for entry in tar::Archive::new(File::open(&tar_path)?).entries()? {
        let mut entry = entry?;
        let Some(image) = ImageId::from_file_name(&entry.path()?.to_string_lossy()) else {
            continue;
        };
        if writer.wants(image) {
            buf.clear();
            entry.read_to_end(&mut buf)?;
            writer.write_image(image, &buf)?;
        }
    }
    let summary = writer.finish()?;
    eprintln!(
        "wrote {} in {:.2} s (tar headers {headers_s:.2} s, plan + write + publish {:.2} s): {}",
        summary.dir.display(),
        started.elapsed().as_secs_f64(),
        started.elapsed().as_secs_f64() - headers_s,
        summary
            .splits
            .iter()
            .map(|s| format!(
                "{} {} examples in {} shard(s)",
                s.split.name(),
                s.num_examples(),
                s.shards.len()
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "{} {} {}",
        tar_path.display(),
        json_path.display(),
        data_dir.display()
    );
    Ok(())
}
