//! Decisions shared by every subcommand: where the annotations are, how errors are printed
//! and which exit code they give.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Context, Result};
use imagenet_multilabel::annotations::{self, LoadOptions};
use imagenet_multilabel::{home, Annotations, Source};

/// Exit code for bad input or usage.
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code for any other failure.
pub const EXIT_FAILURE: u8 = 1;

/// The annotations file to use: the one given, else the one `fetch` stored in the cache.
pub fn annotations_path(given: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(path) = given {
        return Ok(path);
    }
    let cached = home::default_annotations_path().ok_or_else(|| {
        anyhow!("no --annotations given and no cache directory could be determined; set {} or pass --annotations FILE", home::HOME_ENV)
    })?;
    if cached.is_file() {
        Ok(cached)
    } else {
        Err(anyhow!(
            "no --annotations given and none cached at {}; run `imagenet-multilabel fetch` \
             (or `imagenet-multilabel fetch --from human_accuracy_v3.0.0.json` to import a copy), \
             or pass --annotations FILE",
            cached.display()
        ))
    }
}

/// Prints `err` as one paragraph on stderr and picks the exit code: 2 for bad input
/// (the library says so), 1 otherwise. A broken pipe on stdout is not an error.
pub fn report_error(err: &anyhow::Error) -> ExitCode {
    if let Some(io_err) = err.downcast_ref::<io::Error>() {
        if io_err.kind() == io::ErrorKind::BrokenPipe {
            return ExitCode::SUCCESS;
        }
    }
    let code = match err.downcast_ref::<imagenet_multilabel::Error>() {
        Some(e) if !e.is_bad_input() => EXIT_FAILURE,
        Some(_) => EXIT_BAD_INPUT,
        None => err
            .downcast_ref::<UsageError>()
            .map_or(EXIT_FAILURE, |_| EXIT_BAD_INPUT),
    };
    let _ = writeln!(io::stderr(), "error: {}", paragraph(err));
    ExitCode::from(code)
}

/// The error's chain (context, then each source) as one line joined by `: `, leaving out a
/// message that the text so far already holds: the library's errors show their source in
/// their own message (`FILE: No such file`) and also give it as `source()`, for callers that
/// walk the chain.
pub fn paragraph(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let message = cause.to_string();
        if message.is_empty() || text.contains(&message) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&message);
    }
    text
}

/// A usage problem found after argument parsing (conflicting or missing inputs): exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Loads the annotations (given, or the cached download) through the parse cache unless
/// `no_cache`, warning on stderr when the file is not the verified v3.0.0 release or the
/// cache could not be written.
pub fn load_annotations(given: Option<PathBuf>, no_cache: bool) -> Result<Annotations> {
    let path = annotations_path(given)?;
    let options = if no_cache {
        LoadOptions { cache_dir: None }
    } else {
        LoadOptions::default()
    };
    let (annotations, report) = annotations::load_with_report(&path, &options)
        .with_context(|| format!("loading the annotations {}", path.display()))?;
    if let Some(problem) = &report.cache_error {
        warn(&format!(
            "the parse cache was not written ({problem}); the next load will parse again"
        ));
    }
    if annotations.source().version == imagenet_multilabel::Version::Unrecognised {
        warn(&format!(
            "{} is an unrecognised file (sha256 {}), not the verified v3.0.0 release; figures are not comparable with published ones",
            path.display(),
            annotations.source().sha256
        ));
    }
    Ok(annotations)
}

/// Prints a one-line warning on stderr.
pub fn warn(message: &str) {
    let _ = writeln!(io::stderr(), "warning: {message}");
}

/// The `annotations` object of the JSON reports.
pub fn source_json(source: &Source) -> serde_json::Value {
    imagenet_multilabel::metrics::output::source_json(source)
}

#[cfg(test)]
mod tests {
    use super::paragraph;
    use std::io;

    #[test]
    fn paragraph_gives_each_message_once() {
        // The library's Io error shows its source and also gives it as `source()`.
        let inner = imagenet_multilabel::Error::io(
            "/x/labels.json",
            io::Error::new(io::ErrorKind::NotFound, "No such file or directory"),
        );
        let err = anyhow::Error::new(inner).context("loading the annotations /x/labels.json");
        assert_eq!(
            paragraph(&err),
            "loading the annotations /x/labels.json: /x/labels.json: No such file or directory"
        );
        // A source whose text the chain has not shown yet is kept.
        let err = anyhow::Error::new(io::Error::other("disk full")).context("writing out.csv");
        assert_eq!(paragraph(&err), "writing out.csv: disk full");
    }
}
