//! Where the time of iterating a built dataset goes, in Rust alone: the ceiling that
//! `iml.Dataset` (python/src/dataset.rs) is measured against in `bench/python_dataset.sh`.
//!
//!   cargo run --release -p imagenet-multilabel --example dataset_bench -- DATA_DIR [REPEATS]
//!
//! Over the validation split, REPEATS times each (median printed, images/s): reading the
//! records (positioned read, both CRCs, protobuf parse) on one thread; decoding the JPEGs
//! already in memory as tfds.load does, on one thread; both together on one thread; and both
//! on every core (rayon's pool, as the Python reader runs them).

use std::path::Path;
use std::time::Instant;

use imagenet_multilabel::images::{decode_rgb_with, Decode};
use imagenet_multilabel::tfds::Dataset;
use imagenet_multilabel::Split;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .ok_or("usage: dataset_bench DATA_DIR [REPEATS]")?;
    let repeats: usize = args.next().map_or(Ok(5), |r| r.parse())?;
    let access = Dataset::open(Path::new(&dir))?.random_access(Split::Validation)?;
    access.index_all()?;
    let n = access.len();
    let jpegs: Vec<Vec<u8>> = (0..n)
        .map(|i| access.get(i).map(|e| e.image))
        .collect::<Result<_, _>>()?;
    let median = |f: &dyn Fn() -> usize| {
        let mut rates: Vec<f64> = (0..repeats)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(f());
                n as f64 / start.elapsed().as_secs_f64()
            })
            .collect();
        rates.sort_by(f64::total_cmp);
        rates[rates.len() / 2]
    };
    let decode = |j: &[u8]| decode_rgb_with(j, Decode::Tfds).map_or(0, |rgb| rgb.pixels.len());
    let read_decode = |i: u64| {
        access
            .get_decoded(i, Decode::Tfds)
            .map_or(0, |(_, rgb)| rgb.pixels.len())
    };
    println!("images\t{n}\tthreads\t{}", rayon::current_num_threads());
    println!(
        "read_1\t{:.1}",
        median(&|| (0..n)
            .map(|i| access.get(i).map_or(0, |e| e.image.len()))
            .sum())
    );
    println!(
        "decode_1\t{:.1}",
        median(&|| jpegs.iter().map(|j| decode(j)).sum())
    );
    println!(
        "read_decode_1\t{:.1}",
        median(&|| (0..n).map(read_decode).sum())
    );
    println!(
        "read_decode_all\t{:.1}",
        median(&|| {
            access
                .map_range(0..n, |i, _| Ok(read_decode(i)))
                .into_iter()
                .map(|r| r.unwrap_or(0))
                .sum()
        })
    );
    Ok(())
}
