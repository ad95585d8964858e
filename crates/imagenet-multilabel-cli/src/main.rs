//! `imagenet-multilabel`: the command-line tool. This file only parses arguments and
//! dispatches; each subcommand lives in `cmd/<name>.rs` with its `Args` and `run()`.

mod cmd;
mod config;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The expert multi-label view of the ImageNet validation set (imagenet2012_multilabel
/// v3.0.0): grade models exactly as the dataset's authors prescribe, and build the dataset
/// in TFDS, Parquet and WebDataset form — no TensorFlow needed.
#[derive(Parser)]
#[command(name = "imagenet-multilabel", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Download (or import) the v3.0.0 annotations, verify their sha256, and cache them.
    Fetch(cmd::fetch::Args),
    /// Show what is in the annotations: counts, label-set sizes, agreement with the ReaL
    /// labels, version; `--cite` prints BibTeX for every work the figures rest on.
    Info(cmd::info::Args),
    /// Grade one or more models' predictions with the expert multi-labels.
    Eval(cmd::eval::Args),
    /// Build the dataset from ILSVRC2012_img_val.tar (TFDS, Parquet or WebDataset).
    Build(cmd::build::Args),
    /// Show the splits, shards and a few examples of a built dataset.
    Inspect(cmd::inspect::Args),
    /// Run the whole pipeline on generated data (no downloads).
    Demo(cmd::demo::Args),
    /// Community reviews: export the agreed ones as an overlay for `eval --overlay`, import
    /// colleagues' overlays.
    Reviews(cmd::reviews::Args),
    /// Browse the dataset, look at a model's mistakes and review what the experts never
    /// saw, in the browser (http://127.0.0.1:8377).
    Serve(cmd::serve::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Fetch(args) => cmd::fetch::run(args),
        Command::Info(args) => cmd::info::run(args),
        Command::Eval(args) => cmd::eval::run(args),
        Command::Build(args) => cmd::build::run(args),
        Command::Inspect(args) => cmd::inspect::run(args),
        Command::Demo(args) => cmd::demo::run(args),
        Command::Reviews(args) => cmd::reviews::run(args),
        Command::Serve(args) => cmd::serve::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => config::report_error(&err),
    }
}
