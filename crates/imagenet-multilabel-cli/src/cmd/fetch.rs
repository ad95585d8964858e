//! `imagenet-multilabel fetch` (in progress).

/// Arguments of `fetch`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `fetch`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`fetch` is not implemented yet")
}
