//! `imagenet-multilabel inspect` (in progress).

/// Arguments of `inspect`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `inspect`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`inspect` is not implemented yet")
}
