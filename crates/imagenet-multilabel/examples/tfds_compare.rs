//! Reads two TFDS datasets with our reader — e.g. one the real TFDS wrote and one we wrote —
//! and checks they hold the same splits, shard lengths, `numBytes` and examples in the same
//! stored order. Proves the reader reads TFDS's own output (map entries in TFDS's order).
//!
//!   cargo run -p imagenet-multilabel --example tfds_compare -- DIR_A DIR_B

use std::path::Path;

use imagenet_multilabel::tfds::Dataset;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [a, b] = args.as_slice() else {
        return Err("usage: tfds_compare DIR_A DIR_B".into());
    };
    let (a, b) = (Dataset::open(Path::new(a))?, Dataset::open(Path::new(b))?);
    let mut problems = 0;
    for sa in a.splits() {
        let Some(sb) = b.split(sa.split) else {
            println!("split {} only in {}", sa.name(), a.dir().display());
            problems += 1;
            continue;
        };
        if (&sa.shard_lengths, sa.num_bytes) != (&sb.shard_lengths, sb.num_bytes) {
            println!(
                "split {}: shards {:?} / {:?}, numBytes {} / {}",
                sa.name(),
                sa.shard_lengths,
                sb.shard_lengths,
                sa.num_bytes,
                sb.num_bytes
            );
            problems += 1;
        }
        let mut n = 0;
        for (i, (ea, eb)) in a.iter(sa.split).zip(b.iter(sa.split)).enumerate() {
            let (ea, eb) = (ea?, eb?);
            if ea != eb {
                println!(
                    "split {} position {i}: {} / {}",
                    sa.name(),
                    ea.file_name,
                    eb.file_name
                );
                problems += 1;
            }
            n += 1;
        }
        println!("{}: {n} examples compared", sa.name());
    }
    if problems > 0 || a.splits().len() != b.splits().len() {
        return Err(format!("{problems} difference(s)").into());
    }
    println!("IDENTICAL");
    Ok(())
}
