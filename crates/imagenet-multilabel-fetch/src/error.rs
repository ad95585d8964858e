//! What can go wrong while fetching, sorted by whose problem it is (see [`Error::is_bad_input`]).

use std::io;
use std::path::PathBuf;

/// An underlying error kept as the source of an [`Error`].
pub type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can make [`fetch`](crate::fetch) fail. Each message names the file or URL
/// and says what to do next.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a local file failed at the operating-system level.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The local copy to import cannot be read, or is not the expected file.
    #[error("{}: {message}", path.display())]
    BadCopy {
        /// The copy given to import.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The URL given is not one that can be downloaded (not http(s), malformed).
    #[error("--url {url:?}: {message}")]
    BadUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        message: String,
    },
    /// The server answered 401, 403, 404 or 410: there is no file for us at that URL.
    #[error("{message}")]
    Refused {
        /// The URL asked.
        url: String,
        /// The HTTP status.
        status: u16,
        /// Whether the URL is the official location rather than one the user chose.
        official: bool,
        /// What happened and what to do.
        message: String,
    },
    /// No connection could be made to the server (offline, wrong host, refused).
    #[error("could not reach {url}: check the network and --url, or import a copy with `imagenet-multilabel fetch --from FILE`")]
    Unreachable {
        /// The URL asked.
        url: String,
        /// Why the connection failed.
        source: Source,
    },
    /// The download failed: retries exhausted, the server sent something else than the
    /// expected file, or answered in a way that cannot be used.
    #[error("{message}")]
    Download {
        /// The URL asked.
        url: String,
        /// What happened and what to do.
        message: String,
        /// The underlying error, when there is one.
        source: Option<Source>,
    },
}

impl Error {
    /// Whether the error is the user's input (exit code 2) rather than the environment
    /// (exit code 1). An import of a wrong or unreadable copy and a malformed URL are bad
    /// input. A refusal (401/403/404/410) is bad input when the user chose the URL — it is
    /// the wrong URL — and an environment failure at the official location, which the user
    /// did not choose and cannot fix (that location has answered 403 at times). Everything
    /// else the network or the server does is an environment failure: the same command may
    /// succeed later.
    pub fn is_bad_input(&self) -> bool {
        match self {
            Error::BadCopy { .. } | Error::BadUrl { .. } => true,
            Error::Refused { official, .. } => !official,
            Error::Io { .. } | Error::Unreachable { .. } | Error::Download { .. } => false,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn download(url: &str, message: impl Into<String>) -> Error {
        Error::Download {
            url: url.to_string(),
            message: message.into(),
            source: None,
        }
    }

    /// The core library's error (from its atomic file) as ours.
    pub(crate) fn from_core(error: imagenet_multilabel::Error, path: &std::path::Path) -> Error {
        match error {
            imagenet_multilabel::Error::Io { path, error } => Error::Io {
                path,
                source: error,
            },
            other => Error::Io {
                path: path.to_path_buf(),
                source: io::Error::other(other.to_string()),
            },
        }
    }
}
