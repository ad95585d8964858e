//! Times the review store under concurrent writers, as `serve` uses it: `THREADS` threads
//! each add reviews back to back for `SECONDS`, every add acknowledged only once durable
//! (WAL, synchronous=FULL). Prints throughput and add latency percentiles, checks that every
//! acknowledged review is stored exactly once, then times `decisions` over what was written.
//! Run by `bench/reviews.sh`.
//!
//! Usage: store_bench DIR THREADS SECONDS

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use imagenet_multilabel::{ClassId, ImageId};
use imagenet_multilabel_reviews::{Decision, NewReview, Store};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, threads, seconds] = &args[..] else {
        eprintln!("usage: store_bench DIR THREADS SECONDS");
        std::process::exit(2);
    };
    let threads: u32 = threads.parse().expect("THREADS: a number");
    let seconds: f64 = seconds.parse().expect("SECONDS: a number");
    let path = std::path::Path::new(dir).join("bench.sqlite");
    let _ = std::fs::remove_file(&path);
    let store = Arc::new(Store::open(&path).expect("opening the store"));
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                let mut done = Vec::new();
                let mut i = 0u32;
                while Instant::now() < deadline {
                    let image = ImageId::new(1 + (t * 1000 + i) % 50_000).unwrap();
                    let label = ClassId::new(i64::from(i % 1000)).unwrap();
                    let at = Instant::now();
                    let review = store
                        .add(NewReview {
                            file_name: image.file_name(),
                            label: label.wnid().to_string(),
                            decision: Decision::ALL[(i % 3) as usize],
                            reviewer: format!("reviewer{t}"),
                            model: Some("bench".into()),
                        })
                        .expect("add");
                    done.push((review.id, at.elapsed()));
                    i += 1;
                }
                done
            })
        })
        .collect();
    let done: Vec<(i64, Duration)> = workers
        .into_iter()
        .flat_map(|w| w.join().expect("a writer panicked"))
        .collect();
    let elapsed = started.elapsed().as_secs_f64();
    let mut latencies: Vec<f64> = done.iter().map(|(_, d)| d.as_secs_f64() * 1e3).collect();
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize];
    let stored = store.reviews().expect("reading back");
    let ids: HashSet<i64> = stored.iter().map(|r| r.id).collect();
    let all_there = done.iter().all(|(id, _)| ids.contains(id));
    let at = Instant::now();
    let decisions = store.decisions(1).expect("decisions");
    let decisions_ms = at.elapsed().as_secs_f64() * 1e3;
    println!(
        "threads {threads}  adds {}  {:.0} adds/s  latency ms p50 {:.2} p99 {:.2} max {:.2}  \
         stored {} (every acknowledged one: {all_there}, none twice: {})  decisions over {} pairs {decisions_ms:.1} ms",
        done.len(),
        done.len() as f64 / elapsed,
        pct(0.5),
        pct(0.99),
        latencies.last().copied().unwrap_or(0.0),
        stored.len(),
        ids.len() == stored.len() && stored.len() == done.len(),
        decisions.pairs.len(),
    );
}
