//! `imagenet-multilabel build` (in progress).

/// Arguments of `build`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `build`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`build` is not implemented yet")
}
