//! `imagenet-multilabel info` (in progress).

/// Arguments of `info`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `info`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`info` is not implemented yet")
}
