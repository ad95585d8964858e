//! Helper for `bench/thumbnails.sh`: times [`thumbnails`] on a real-size source.
//!
//! ```text
//! thumbnails_bench tar|dataset PATH ANNOTATIONS_JSON [N] [RUNS] [MAX_SIDE]
//! ```
//!
//! Takes N annotated images (default 300) spread evenly over the annotations — a report's
//! images (ImageNet-M, confusions, unreviewed samples) lie all over the set, so the pass
//! reads about as far as it would for a real report — and makes their thumbnails RUNS times
//! (default 5), printing each wall time, the median, and the thumbnails' total size.

use std::path::PathBuf;
use std::time::Instant;

use imagenet_multilabel::annotations::{load, LoadOptions};
use imagenet_multilabel::thumbnails::{thumbnails, ImageSource};
use imagenet_multilabel::ImageId;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "thumbnails_bench tar|dataset PATH ANNOTATIONS_JSON [N] [RUNS] [MAX_SIDE]";
    let [kind, path, json, rest @ ..] = args.as_slice() else {
        return Err(usage.into());
    };
    let number = |i: usize, default: usize| -> Result<usize> {
        Ok(rest
            .get(i)
            .map(|s| s.parse())
            .transpose()?
            .unwrap_or(default))
    };
    let (n, runs, side) = (number(0, 300)?, number(1, 5)?, number(2, 160)?);
    let source = match kind.as_str() {
        "tar" => ImageSource::Tar(PathBuf::from(path)),
        "dataset" => ImageSource::Dataset(PathBuf::from(path)),
        _ => return Err(usage.into()),
    };
    let annotations = load(json.as_ref(), &LoadOptions::default())?;
    let records = annotations.records();
    let step = (records.len() / n.max(1)).max(1);
    let images: Vec<ImageId> = records
        .iter()
        .step_by(step)
        .take(n)
        .map(|r| r.image())
        .collect();
    let mut times = Vec::new();
    let mut bytes = 0;
    let mut made = 0;
    for run in 0..runs {
        let start = Instant::now();
        let thumbs = thumbnails(&source, &images, side as u32)?;
        let seconds = start.elapsed().as_secs_f64();
        bytes = thumbs.values().map(|t| t.jpeg.len()).sum::<usize>();
        made = thumbs.len();
        println!("run {run}: {seconds:.3} s");
        times.push(seconds);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{kind}: {made} of {} thumbnails (max side {side}), median {:.3} s over {runs} runs, \
         {bytes} bytes of JPEG ({:.1} KB each)",
        images.len(),
        times[times.len() / 2],
        bytes as f64 / made.max(1) as f64 / 1024.0
    );
    Ok(())
}
