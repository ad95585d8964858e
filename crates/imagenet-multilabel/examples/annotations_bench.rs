//! Helper for `bench/annotations.sh`: generates the fixture and times one load in a fresh
//! process, so the script can compare it with Python on the same file.
//!
//! ```text
//! annotations_bench gen PATH [FILLER_BYTES]     write the fixture (default: real size)
//! annotations_bench load PATH [CACHE_DIR]       load once; print `seconds peak_rss_mb from_cache`
//! annotations_bench parse PATH [N]              parse the bytes in memory N times (for perf)
//! ```
use std::path::{Path, PathBuf};
use std::time::Instant;

use imagenet_multilabel::annotations::{load_with_report, LoadOptions};
use imagenet_multilabel::fixture::annotations::{generate, Spec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["gen", path, ..] => {
            let filler = match args.get(2) {
                Some(n) => n.parse()?,
                None => Spec::real_size().filler_bytes,
            };
            let spec = Spec {
                filler_bytes: filler,
                ..Spec::default()
            };
            generate(&spec).write_json(Path::new(path))?;
        }
        ["load", path, ..] => {
            let options = LoadOptions {
                cache_dir: args.get(2).map(PathBuf::from),
            };
            let start = Instant::now();
            let (annotations, report) = load_with_report(Path::new(path), &options)?;
            let seconds = start.elapsed().as_secs_f64();
            assert!(!annotations.is_empty());
            println!("{seconds:.4} {:.1} {}", peak_rss_mb(), report.from_cache);
        }
        ["parse", path, ..] => {
            let n: usize = args.get(2).map_or(Ok(3), |n| n.parse())?;
            let bytes = std::fs::read(path)?;
            for _ in 0..n {
                let start = Instant::now();
                let (records, _) = imagenet_multilabel::annotations::parse(&bytes, Path::new(path))?;
                println!("{:.4} {}", start.elapsed().as_secs_f64(), records.len());
            }
        }
        _ => {
            return Err(
                "usage: annotations_bench gen PATH [FILLER_BYTES] | load PATH [CACHE_DIR] | parse PATH [N]".into(),
            )
        }
    }
    Ok(())
}

/// Peak resident set size of this process (Linux `VmHWM`), in MB.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}
