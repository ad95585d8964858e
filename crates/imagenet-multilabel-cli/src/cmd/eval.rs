//! `imagenet-multilabel eval` (in progress).

/// Arguments of `eval`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `eval`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`eval` is not implemented yet")
}
