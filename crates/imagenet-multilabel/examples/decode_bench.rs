//! Decoding throughput, one thread: every `*.jpg` in DIR decoded in turn, REPEATS times;
//! prints the median images/s of `decode_rgb_with` (as tfds.load, as Pillow) and of `check`
//! (the `--verify-images` path). `bench/decode.sh` runs it beside TensorFlow and Pillow.
//!
//!   cargo run --release -p imagenet-multilabel --example decode_bench -- DIR [REPEATS]

use std::time::Instant;

use imagenet_multilabel::images::{check, decode_rgb_with, Decode};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: decode_bench DIR [REPEATS]")?;
    let repeats: usize = args.next().map_or(Ok(7), |r| r.parse())?;
    let mut files: Vec<_> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jpg"))
        .collect();
    files.sort();
    let jpegs: Vec<Vec<u8>> = files.iter().map(std::fs::read).collect::<Result<_, _>>()?;
    let median = |f: &dyn Fn(&[u8]) -> usize| {
        let mut rates: Vec<f64> = (0..repeats)
            .map(|_| {
                let start = Instant::now();
                let bytes: usize = jpegs.iter().map(|j| f(j)).sum();
                std::hint::black_box(bytes);
                jpegs.len() as f64 / start.elapsed().as_secs_f64()
            })
            .collect();
        rates.sort_by(f64::total_cmp);
        rates[rates.len() / 2]
    };
    let decode = |how| move |j: &[u8]| decode_rgb_with(j, how).map_or(0, |rgb| rgb.pixels.len());
    println!("images\t{}", jpegs.len());
    println!("ours_tfds\t{:.1}", median(&decode(Decode::Tfds)));
    println!("ours_pillow\t{:.1}", median(&decode(Decode::Pillow)));
    println!("ours_check\t{:.1}", median(&|j| check(j).label().len()));
    Ok(())
}
