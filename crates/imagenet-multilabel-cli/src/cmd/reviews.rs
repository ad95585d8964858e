//! `imagenet-multilabel reviews`: the community review database out to an overlay file (for
//! `eval --overlay`) and colleagues' overlays in.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{anyhow, Context, Result};
use imagenet_multilabel::overlay::Overlay;
use imagenet_multilabel_reviews::{self as reviews, Store};

use crate::config;

/// Export the agreed community reviews as an overlay, or import colleagues' overlays.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Write every (image, label) pair with enough agreeing reviews to an overlay JSON file
    /// (docs/OVERLAY.md), stamped with the annotations' sha256. Pending pairs and
    /// disagreements are left out (and counted).
    Export(ExportArgs),
    /// Add the decisions of overlay files (from `reviews export`) to the database, one
    /// review per reviewer; a reviewer's own vote already in the database is kept.
    Import(ImportArgs),
}

#[derive(clap::Args)]
struct ExportArgs {
    /// The review database [default: reviews.sqlite in the cache directory].
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// The overlay file to write.
    #[arg(long, value_name = "FILE.json")]
    out: PathBuf,
    /// Agreeing reviews needed for a decision.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    required: u32,
    /// The annotations file the reviews were made against (default: the one `fetch` stored).
    #[arg(long, value_name = "FILE")]
    annotations: Option<PathBuf>,
    /// Do not read or write the annotations parse cache.
    #[arg(long)]
    no_cache: bool,
}

#[derive(clap::Args)]
struct ImportArgs {
    /// The review database [default: reviews.sqlite in the cache directory].
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Overlay files to import.
    #[arg(required = true, value_name = "OVERLAY")]
    overlays: Vec<PathBuf>,
}

/// Runs `reviews`.
pub fn run(args: Args) -> Result<()> {
    match args.command {
        Command::Export(args) => export(args),
        Command::Import(args) => import(args),
    }
}

fn open(db: Option<PathBuf>, must_exist: bool) -> Result<Store> {
    let db = match db {
        Some(db) => db,
        None => reviews::default_db_path().ok_or_else(|| {
            anyhow!(
                "no --db given and no cache directory could be determined; set {} or pass --db FILE",
                imagenet_multilabel::home::HOME_ENV
            )
        })?,
    };
    // Exporting from a database that is not there is a typo, not an empty export.
    if must_exist && !db.is_file() {
        return Err(config::UsageError(format!(
            "{}: no review database there (serve creates it; pass --db FILE)",
            db.display()
        ))
        .into());
    }
    Store::open(&db)
        .map_err(|e| error(e).context(format!("opening the review database {}", db.display())))
}

/// The crate's error as anyhow, keeping the exit code: bad input gives 2.
fn error(e: reviews::Error) -> anyhow::Error {
    match e {
        reviews::Error::Core(core) => core.into(),
        e if e.is_bad_input() => config::UsageError(e.to_string()).into(),
        e => anyhow!(e.to_string()),
    }
}

fn export(args: ExportArgs) -> Result<()> {
    let store = open(args.db, true)?;
    let annotations = config::load_annotations(args.annotations, args.no_cache)?;
    let overlay = reviews::export(&store, &annotations, args.required).map_err(error)?;
    let decisions = store.decisions(args.required).map_err(error)?;
    overlay
        .write(&args.out)
        .with_context(|| format!("writing the overlay {}", args.out.display()))?;
    let pending = decisions
        .pairs
        .iter()
        .filter(|p| matches!(p.status, reviews::PairStatus::Pending(_)))
        .count();
    let disagreements = decisions.disagreements().count();
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "{}: {} decisions ({} agreeing review(s) each) from {}; left out: {pending} pending, {disagreements} disagreements",
        args.out.display(),
        overlay.labels.len(),
        args.required,
        store.path().display(),
    )?;
    for pair in decisions.disagreements() {
        writeln!(
            err,
            "  disagreement: {} {} (reviews {:?}: {})",
            pair.file_name,
            pair.label,
            pair.review_ids,
            pair.reviewers.join(", ")
        )?;
    }
    Ok(())
}

fn import(args: ImportArgs) -> Result<()> {
    let store = open(args.db, false)?;
    // Every file is read and checked before anything is added.
    let overlays = args
        .overlays
        .iter()
        .map(|path| {
            Overlay::read(path).with_context(|| format!("reading the overlay {}", path.display()))
        })
        .collect::<Result<Vec<_>>>()?;
    if let Some(other) = overlays
        .iter()
        .zip(&args.overlays)
        .find(|(o, _)| o.base_annotations_sha256 != overlays[0].base_annotations_sha256)
    {
        return Err(config::UsageError(format!(
            "{} was made against annotations sha256 {}, {} against {}: import overlays of one annotations file only",
            other.1.display(),
            other.0.base_annotations_sha256,
            args.overlays[0].display(),
            overlays[0].base_annotations_sha256
        ))
        .into());
    }
    let mut out = std::io::stdout().lock();
    for (overlay, path) in overlays.iter().zip(&args.overlays) {
        let summary = reviews::import(&store, overlay).map_err(error)?;
        writeln!(
            out,
            "{}: {} decisions: {} reviews added, {} already present, {} conflicts (the reviewer's vote here is kept)",
            path.display(),
            summary.labels,
            summary.added,
            summary.already_present,
            summary.conflicts.len()
        )?;
        for (file_name, label, reviewer) in &summary.conflicts {
            writeln!(out, "  conflict: {file_name} {label} by {reviewer}")?;
        }
    }
    Ok(())
}
