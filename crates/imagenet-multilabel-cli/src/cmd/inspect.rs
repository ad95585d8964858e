//! `imagenet-multilabel inspect`: what a built dataset holds, read back with the TFDS reader
//! (every record's CRCs and each shard's count are checked on the way).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use imagenet_multilabel::tfds::Dataset;
use imagenet_multilabel::{ClassId, Example};

/// Show the splits, shards and a few examples of a built TFDS dataset.
///
/// Example: imagenet-multilabel inspect ~/tensorflow_datasets
#[derive(clap::Args)]
pub struct Args {
    /// A TFDS data_dir holding imagenet2012_multilabel/3.0.0/, or that version folder.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Examples to show per split.
    #[arg(long, short = 'n', default_value_t = 3)]
    pub examples: usize,
    /// Read every example (checking every CRC and shard length), not only the first few.
    #[arg(long)]
    pub all: bool,
}

/// Runs `inspect`.
pub fn run(args: Args) -> Result<()> {
    let dataset = Dataset::open(&args.dir)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "dataset   {}", dataset.dir().display())?;
    for split in dataset.splits() {
        let lengths: Vec<String> = split.shard_lengths.iter().map(|l| l.to_string()).collect();
        writeln!(
            out,
            "split     {}: {} examples, {} bytes of examples, {} shard(s) of {}",
            split.name(),
            split.num_examples(),
            split.num_bytes,
            split.shards.len(),
            compact(&lengths)
        )?;
    }
    for split in dataset.splits() {
        writeln!(out)?;
        writeln!(out, "{}:", split.name())?;
        let mut seen = 0u64;
        let mut image_bytes = 0u64;
        for example in dataset.iter(split.split) {
            let example = example?;
            if (seen as usize) < args.examples {
                writeln!(out, "  {}", describe(&example))?;
            } else if !args.all {
                break;
            }
            seen += 1;
            image_bytes += example.image.len() as u64;
        }
        if args.all {
            writeln!(
                out,
                "  read all {seen} examples ({image_bytes} bytes of JPEG): every record's CRCs and every shard's length check out"
            )?;
        }
    }
    Ok(())
}

/// One line: file, original label, the three label lists, the problematic flag, image size.
fn describe(e: &Example) -> String {
    let names = |ids: &[ClassId]| -> String {
        let v: Vec<String> = ids
            .iter()
            .map(|c| format!("{} {}", c.as_u16(), c.short_name()))
            .collect();
        format!("[{}]", v.join(", "))
    };
    format!(
        "{}  original {} {}  correct {}  wrong {}  unclear {}{}  ({} bytes)",
        e.file_name,
        e.original_label.as_u16(),
        e.original_label.short_name(),
        names(&e.correct_multi_labels),
        names(&e.wrong_multi_labels),
        names(&e.unclear_multi_labels),
        if e.is_problematic {
            "  problematic"
        } else {
            ""
        },
        e.image.len()
    )
}

/// `625 ×32` for equal lengths, else the list.
fn compact(lengths: &[String]) -> String {
    match lengths.first() {
        Some(first) if lengths.iter().all(|l| l == first) && lengths.len() > 1 => {
            format!("{first} ×{}", lengths.len())
        }
        _ => lengths.join(", "),
    }
}
