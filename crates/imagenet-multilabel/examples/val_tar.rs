//! Writes a synthetic `human_accuracy_v3.0.0.json` and `ILSVRC2012_img_val.tar` (real JPEGs)
//! for `build` tests by hand, the TFDS parity check and `bench/build.sh`.
//!
//!   cargo run --release -p imagenet-multilabel --example val_tar -- OUT_DIR \
//!       [--per-class N] [--image-bytes N] [--shuffle] [--pax] [--grayscale N] [--cmyk N] \
//!       [--corrupt N] [--leave-out N] [--extras] [--real-size-json] [--annotated-only] [--seed S]
//!
//! The tar holds all 50,000 validation images (as the real one does) unless `--leave-out N`
//! drops N annotated ones, or `--annotated-only` keeps only the annotated ones (a real-size
//! fixture for reading benchmarks without writing 5.6 GB). `--image-bytes 110000` gives real-size images (~5.6 GB in all);
//! the default is tiny. `--real-size-json` pads the annotations to the real file's ~200 MB. Grayscale, CMYK and corrupt images are drawn among annotated images.

use std::path::PathBuf;
use std::time::Instant;

use imagenet_multilabel::fixture::annotations::{generate, Spec};
use imagenet_multilabel::fixture::tar::{write, ImageSize, Naming, TarSpec};
use imagenet_multilabel::ImageId;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let mut out: Option<PathBuf> = None;
    let mut spec = Spec::default();
    let mut tar = TarSpec::all(1);
    let (mut gray, mut cmyk, mut corrupt, mut leave_out) = (0usize, 0usize, 0usize, 0usize);
    let mut annotated_only = false;
    while let Some(arg) = args.next() {
        let mut value = || -> Result<String> {
            args.next()
                .ok_or_else(|| format!("{arg} needs a value").into())
        };
        match arg.as_str() {
            "--per-class" => spec.per_class = value()?.parse()?,
            "--image-bytes" => {
                let n: usize = value()?.parse()?;
                tar.size = if n == 0 {
                    ImageSize::Tiny
                } else {
                    ImageSize::About(n)
                };
            }
            "--real-size-json" => spec.filler_bytes = Spec::real_size().filler_bytes,
            "--shuffle" => tar.shuffle = true,
            "--pax" => tar.naming = Naming::Pax,
            "--extras" => tar.extras = true,
            "--annotated-only" => annotated_only = true,
            "--grayscale" => gray = value()?.parse()?,
            "--cmyk" => cmyk = value()?.parse()?,
            "--corrupt" => corrupt = value()?.parse()?,
            "--leave-out" => leave_out = value()?.parse()?,
            "--seed" => {
                let seed: u64 = value()?.parse()?;
                spec.seed = seed;
                tar.seed = seed;
            }
            _ if out.is_none() && !arg.starts_with("--") => out = Some(PathBuf::from(arg)),
            _ => return Err(format!("unknown argument {arg}; see the file's doc comment").into()),
        }
    }
    let out = out.ok_or("usage: val_tar OUT_DIR [options]")?;
    std::fs::create_dir_all(&out)?;
    let started = Instant::now();
    let truth = generate(&spec);
    let json = out.join("human_accuracy_v3.0.0.json");
    truth.write_json(&json)?;

    // Spread the special images over the annotated ones, each kind its own.
    let annotated: Vec<ImageId> = truth.records.iter().map(|r| r.image()).collect();
    if annotated_only {
        let keep: std::collections::HashSet<ImageId> = annotated.iter().copied().collect();
        tar.images.retain(|i| keep.contains(i));
    }
    let mut pick = {
        let mut next = 0usize;
        move |n: usize| -> Vec<ImageId> {
            let step = (annotated.len() / (n * 4 + 1)).max(1);
            let chosen: Vec<ImageId> = (0..n)
                .filter_map(|k| annotated.get(next + k * step).copied())
                .collect();
            next += 1;
            chosen
        }
    };
    tar.grayscale = pick(gray);
    tar.cmyk = pick(cmyk);
    tar.corrupt = pick(corrupt);
    let dropped = pick(leave_out);
    let tar = tar.leave_out(&dropped);
    let path = out.join("ILSVRC2012_img_val.tar");
    let summary = write(&path, &tar)?;
    println!(
        "{}: {} annotated, {} ImageNet-M; {}: {} images, {} bytes of JPEG, {} bytes in all ({:.1} s)",
        json.display(),
        truth.records.len(),
        truth.imagenet_m.len(),
        path.display(),
        summary.images,
        summary.image_bytes,
        summary.tar_bytes,
        started.elapsed().as_secs_f64()
    );
    if !dropped.is_empty() {
        let names: Vec<String> = dropped.iter().map(|i| i.to_string()).collect();
        println!("left out: {}", names.join(" "));
    }
    Ok(())
}
