//! `imagenet-multilabel demo` (in progress).

/// Arguments of `demo`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `demo`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`demo` is not implemented yet")
}
