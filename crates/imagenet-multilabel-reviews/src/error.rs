//! The crate's error: bad input (a front end answers 4xx) is told apart from failures of the
//! database or the file system (5xx, exit code 1).

use std::path::PathBuf;

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong with reviews.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A review or an argument is not valid (unknown wnid, image number out of range, empty
    /// reviewer…); the message names the field and what was expected.
    #[error("{0}")]
    Invalid(String),
    /// No review has this id.
    #[error("{0}")]
    NotFound(String),
    /// The request is valid but not allowed (undoing another reviewer's review).
    #[error("{0}")]
    Forbidden(String),
    /// The request conflicts with the stored state (undoing a review twice).
    #[error("{0}")]
    Conflict(String),
    /// The database failed (cannot open, not a database, disk full, newer schema…).
    #[error("{}: {message}", path.display())]
    Database {
        /// The database file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// An error of the core library (reading or writing an overlay, annotations).
    #[error(transparent)]
    Core(#[from] imagenet_multilabel::Error),
}

impl Error {
    /// Whether the error is about the caller's input (HTTP 4xx, exit code 2) rather than the
    /// environment (HTTP 5xx, exit code 1).
    pub fn is_bad_input(&self) -> bool {
        match self {
            Error::Invalid(_) | Error::NotFound(_) | Error::Forbidden(_) | Error::Conflict(_) => {
                true
            }
            Error::Database { .. } => false,
            Error::Core(e) => e.is_bad_input(),
        }
    }
}
