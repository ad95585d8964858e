//! `imagenet-multilabel fetch`: put verified v3.0.0 annotations in the cache, downloaded
//! (resuming an interrupted download) or imported from a local copy. The work is
//! `imagenet_multilabel_fetch::fetch`; this file parses the arguments, draws the progress bar
//! and prints the one-line summary.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use imagenet_multilabel::home;
use imagenet_multilabel_fetch::{self as fetch, Event, Expected, Options, Outcome, Source};
use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::config::UsageError;

/// Arguments of `fetch`.
///
/// The file goes to $IMAGENET_MULTILABEL_HOME (default: the platform cache directory,
/// ~/.cache/imagenet-multilabel on Linux) and appears there only once its size and sha256
/// match the v3.0.0 release. One fetch at a time: a second run waits for the first (which
/// holds human_accuracy_v3.0.0.json.lock there).
#[derive(clap::Args)]
pub struct Args {
    /// Import this local copy of human_accuracy_v3.0.0.json instead of downloading; it is
    /// verified, then copied into the cache.
    #[arg(long, value_name = "FILE", conflicts_with = "url")]
    from: Option<PathBuf>,

    /// Download from this URL (a mirror) instead of the official location.
    #[arg(long, value_name = "URL")]
    url: Option<String>,

    /// Fetch again even if a verified copy is cached; discards a partial download.
    #[arg(long)]
    force: bool,

    /// No progress bar and no notices (retries, resumes, waiting for another fetch); the
    /// one-line summary is still printed.
    #[arg(long, short)]
    quiet: bool,

    /// Give up on a connection that sends nothing for this many seconds, then resume on a
    /// new one.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    timeout: u64,

    /// How many times to retry (resuming where it stopped) after a dropped or stalled
    /// connection or a server error.
    #[arg(long, value_name = "N", default_value_t = 5)]
    retries: u32,

    /// Testing only: stand in for the official location (its refusals are environment
    /// failures, exit code 1, where those of a --url are bad input, exit code 2).
    #[arg(long, hide = true, value_name = "URL", conflicts_with_all = ["url", "from"])]
    official_url: Option<String>,

    /// Testing only: verify against this size in bytes instead of v3.0.0's.
    #[arg(long, hide = true, requires = "expect_sha256")]
    expect_size: Option<u64>,

    /// Testing only: verify against this sha256 (hex) instead of v3.0.0's.
    #[arg(long, hide = true, requires = "expect_size")]
    expect_sha256: Option<String>,
}

/// Runs `fetch`.
pub fn run(args: Args) -> Result<()> {
    let target = home::default_annotations_path().ok_or_else(|| {
        UsageError(format!(
            "no cache directory could be determined; set {} to the directory the annotations \
             should go to",
            home::HOME_ENV
        ))
    })?;
    let expected = expected(&args)?;
    let source = match (&args.from, &args.url, &args.official_url) {
        (Some(from), _, _) => Source::File(from.clone()),
        (None, Some(url), _) => Source::Mirror { url: url.clone() },
        (None, None, Some(url)) => Source::Official { url: url.clone() },
        (None, None, None) => Source::official(),
    };
    let options = Options {
        stall_timeout: Duration::from_secs(args.timeout.max(1)),
        retries: args.retries,
        force: args.force,
    };
    let progress = progress_bar(args.quiet);
    let quiet = args.quiet;
    let mut events = |event: Event<'_>| match event {
        Event::Start {
            phase,
            len,
            position,
        } => {
            progress.set_length(len);
            progress.set_position(position);
            progress.set_message(phase.label());
            // Bytes already there say nothing about this phase's speed.
            progress.reset_elapsed();
            progress.reset_eta();
        }
        Event::Progress { position } => progress.set_position(position),
        Event::Notice(line) if !quiet => {
            progress.suspend(|| {
                let _ = writeln!(io::stderr(), "note: {line}");
            });
        }
        _ => {}
    };
    let outcome = fetch::fetch(&target, &source, &expected, &options, &mut events);
    // Cleared before any message, success or error, so the two never mix.
    progress.finish_and_clear();
    let outcome = outcome.map_err(exit_kind)?;
    let short = &expected.sha256[..12];
    let place = target.display();
    // writeln! rather than println!: a closed stdout is an error (a broken pipe, which exits
    // 0), not a panic.
    let mut out = io::stdout().lock();
    match outcome {
        Outcome::AlreadyPresent => writeln!(
            out,
            "already present and verified (sha256 {short}…): {place}; nothing to do \
             (--force fetches it again)"
        )?,
        Outcome::Downloaded {
            received: 0,
            resumed_from,
            ..
        } => writeln!(
            out,
            "completed from the partial download {resumed_from} bytes long, no request \
             needed; size and sha256 {short}… verified: {place}"
        )?,
        Outcome::Downloaded {
            received,
            resumed_from,
            requests,
            elapsed,
        } => {
            let rate = received as f64 / elapsed.as_secs_f64().max(1e-3);
            let resumed = if resumed_from > 0 {
                format!(", resumed at {}", HumanBytes(resumed_from))
            } else {
                String::new()
            };
            writeln!(
                out,
                "downloaded {} in {:.1} s ({}/s, {requests} request(s){resumed}); size and \
                 sha256 {short}… verified: {place}",
                HumanBytes(received),
                elapsed.as_secs_f64(),
                HumanBytes(rate as u64),
            )?
        }
        Outcome::Imported { elapsed } => writeln!(
            out,
            "imported {} in {:.1} s; size and sha256 {short}… verified: {place}",
            HumanBytes(expected.size),
            elapsed.as_secs_f64()
        )?,
        // A kind of outcome this version does not describe yet.
        _ => writeln!(out, "size and sha256 {short}… verified: {place}")?,
    }
    out.flush()?;
    Ok(())
}

/// The library's error with its exit code: bad input becomes a [`UsageError`] (exit 2), the
/// rest stays as it is (exit 1). The message, sources included, is unchanged.
fn exit_kind(error: fetch::Error) -> anyhow::Error {
    if error.is_bad_input() {
        UsageError(format!("{:#}", anyhow::Error::from(error))).into()
    } else {
        error.into()
    }
}

/// What the file must be: v3.0.0, unless the hidden testing overrides say otherwise.
fn expected(args: &Args) -> Result<Expected> {
    match (args.expect_size, &args.expect_sha256) {
        (Some(size), Some(sha256)) => {
            let sha256 = sha256.to_ascii_lowercase();
            if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(UsageError(format!(
                    "--expect-sha256 {sha256:?}: expected 64 hex digits"
                ))
                .into());
            }
            Ok(Expected { size, sha256 })
        }
        _ => Ok(Expected::v3()),
    }
}

/// A byte bar on stderr when it is a terminal (indicatif hides it otherwise), or none.
fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{msg:>11} [{wide_bar}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
