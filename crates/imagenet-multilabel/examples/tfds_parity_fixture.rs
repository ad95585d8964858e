//! Writes a synthetic `ILSVRC2012_img_val.tar` and `human_accuracy_v3.0.0.json` in the real
//! formats, then builds the TFDS dataset from them with our writer, so that
//! `/work/shared/peer/tfds/parity.sh` can compare it with what the real TFDS builds.
//!
//!   cargo run -p imagenet-multilabel --example tfds_parity_fixture -- OUT PER_CLASS [MEAN_IMAGE_BYTES] [SEED]
//!
//! OUT gets `ILSVRC2012_img_val.tar`, `human_accuracy_v3.0.0.json` and the data dir `ours/`.
//! PER_CLASS annotated images per class of about MEAN_IMAGE_BYTES each (default 2000); the
//! tar holds all 50,000 images in shuffled order, with fake JPEG bytes (TFDS passes bytes
//! through unchecked).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use imagenet_multilabel::fixture::Rng;
use imagenet_multilabel::tfds::{DatasetWriter, WriteOptions};
use imagenet_multilabel::{Annotations, ClassId, ImageId, Record, Source, Version};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

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

    // The first PER_CLASS images of each class are annotated. The tar holds all 50,000
    // images, as the real one does: TFDS zips the sorted member names with the label list,
    // so with any image absent its original labels would shift (ours come from the number).
    let mut taken = [0usize; 1000];
    let mut annotated = Vec::new();
    for image in ImageId::all() {
        let c = image.original_label().index();
        if taken[c] < per_class {
            annotated.push(image);
        }
        taken[c] += 1;
    }
    let mut in_tar: Vec<ImageId> = ImageId::all().collect();

    // Annotations: label lists sometimes absent, sometimes empty, sometimes with duplicates.
    let mut initial = Map::new();
    let mut problematic = Map::new();
    let mut records = Vec::new();
    for &image in &annotated {
        let mut entry = Map::new();
        let mut lists: [Vec<ClassId>; 3] = Default::default();
        for (k, key) in ["correct", "wrong", "unclear"].iter().enumerate() {
            if rng.chance(0.15) {
                continue; // key absent
            }
            let mut l: Vec<ClassId> = (0..rng.below(4))
                .map(|_| ClassId(rng.below(1000) as u16))
                .collect();
            if k == 0 {
                l.insert(0, image.original_label());
                if rng.chance(0.05) {
                    l.push(image.original_label()); // a duplicate, kept by TFDS
                }
            }
            entry.insert(
                key.to_string(),
                l.iter().map(|c| Value::from(c.wnid())).collect(),
            );
            lists[k] = l;
        }
        initial.insert(image.file_name(), Value::Object(entry));
        let is_problematic = rng.chance(0.12);
        if is_problematic {
            let user = if rng.chance(0.5) {
                "server_username"
            } else {
                "server_user_name"
            };
            problematic.insert(
                image.file_name(),
                json!({"reason": "drawing", user: "expert"}),
            );
        }
        let [correct, wrong, unclear] = lists;
        records.push(Record {
            image,
            original: image.original_label(),
            correct,
            wrong,
            unclear,
            problematic: is_problematic,
            imagenet_m: false,
        });
    }
    // An ImageNetV2 image: in the file, in no split.
    initial.insert(
        "imagenetv2/n01440764/7f0bc8.jpeg".into(),
        json!({"correct": ["n01440764"]}),
    );
    let mut pool = annotated.clone();
    rng.shuffle(&mut pool);
    let imagenet_m: Vec<ImageId> = pool.into_iter().take(68).collect();
    let mut top = BTreeMap::new();
    top.insert("initial_annots", Value::Object(initial));
    top.insert("problematic_images", Value::Object(problematic));
    top.insert(
        "imagenet_m",
        imagenet_m
            .iter()
            .map(|i| Value::from(i.file_name()))
            .collect(),
    );
    top.insert("review_log", json!([{"note": "ignored by the dataset"}]));
    let json_path = out.join("human_accuracy_v3.0.0.json");
    let json_bytes = serde_json::to_vec(&top)?;
    std::fs::write(&json_path, &json_bytes)?;
    let sha256: String = Sha256::digest(&json_bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let source = Source {
        path: json_path.clone(),
        size: json_bytes.len() as u64,
        sha256,
        version: Version::Unrecognised,
    };
    let annotations = Annotations::new(records, imagenet_m, source)?;

    // The tar, members in shuffled order.
    let tar_path = out.join("ILSVRC2012_img_val.tar");
    rng.shuffle(&mut in_tar);
    {
        let mut tar = tar::Builder::new(BufWriter::new(File::create(&tar_path)?));
        for &image in &in_tar {
            // Unannotated images are tiny: only their names and positions matter.
            let len = match annotations.get(image) {
                Some(_) => 4 + rng.below(2 * mean_bytes - 8) as usize + 2,
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
            image_len[image.0 as usize] = Some(entry.size());
        }
    }
    let headers_s = started.elapsed().as_secs_f64();
    let data_dir = out.join("ours");
    let options = WriteOptions {
        overwrite: true,
        ..WriteOptions::default()
    };
    let mut writer = DatasetWriter::create(&data_dir, &annotations, &image_len, &options)?;
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
