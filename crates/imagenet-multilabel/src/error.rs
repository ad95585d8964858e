//! The library's one error type. Every variant that concerns outside data names the file and
//! the place in it (key, row, byte offset) and says what was expected, so the binary can print
//! it as one self-contained paragraph.

use std::io;
use std::path::{Path, PathBuf};

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the library. New variants may come in a minor version, so
/// a `match` needs a wildcard arm; [`Error::is_bad_input`] sorts any of them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed at the operating-system level.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error, also given as [`std::error::Error::source`].
        #[source]
        error: io::Error,
    },
    /// A JSON file is not well-formed JSON (or not of the expected shape).
    #[error("{}: malformed JSON at line {line}, column {column} (byte {offset}): {message}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// 0-based byte offset of the error.
        offset: u64,
        /// What the parser expected.
        message: String,
    },
    /// A file is well-formed but holds a value its format does not allow.
    #[error("{}: {at}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Where in the file: a key, a row, a record, a byte offset.
        at: String,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A predictions file's integer class ids fit another numbering (devkit, one-based,
    /// background at 0) far better than the one asked for: graded as asked, the figures would
    /// be at chance level. The mismatch says which reading fits and what to pass.
    #[error("{}: {mismatch}", path.display())]
    ClassIds {
        /// The predictions file.
        path: PathBuf,
        /// The reading asked for, the one that fits, and their top-1 figures.
        mismatch: Box<crate::predictions::IdMismatch>,
    },
    /// The inputs are individually valid but cannot be graded or built together
    /// (a class with no graded image, annotated images without predictions, …).
    #[error("{0}")]
    Mismatch(String),
}

impl Error {
    /// An [`Error::Json`] for serde's `error` in `text`, which starts at byte `base` of the
    /// file `path`: line and column as serde counts them, and the byte offset in the file.
    pub fn json(path: &Path, text: &[u8], base: usize, error: &serde_json::Error) -> Error {
        let (line, column) = (error.line(), error.column());
        let line_start: usize = text
            .split(|&b| b == b'\n')
            .take(line.saturating_sub(1))
            .map(|l| l.len() + 1)
            .sum();
        Error::Json {
            path: path.to_path_buf(),
            line,
            column,
            offset: (base + line_start + column.saturating_sub(1)) as u64,
            message: error.to_string(),
        }
    }

    /// An [`Error::Io`] for `path`.
    pub fn io(path: impl AsRef<Path>, error: io::Error) -> Error {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            error,
        }
    }

    /// An [`Error::Invalid`] for `path` at `at`.
    pub fn invalid(
        path: impl AsRef<Path>,
        at: impl Into<String>,
        message: impl Into<String>,
    ) -> Error {
        Error::Invalid {
            path: path.as_ref().to_path_buf(),
            at: at.into(),
            message: message.into(),
        }
    }

    /// Whether this error is about the user's input (exit code 2) rather than the
    /// environment (exit code 1).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, Error::Io { .. })
    }
}
