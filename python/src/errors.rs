//! Library errors as Python exceptions: bad input is `InputError` (a `ValueError`), the
//! environment is `OSError`; a panic becomes a `RuntimeError`, never a crash of the
//! interpreter. The library's advice names command-line flags; [`python_wording`] names the
//! keywords instead.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;

pyo3::create_exception!(
    imagenet_multilabel,
    InputError,
    PyValueError,
    "Bad input: the message names the file, row or key and what was expected."
);

/// Adds the exception types to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("InputError", m.py().get_type::<InputError>())?;
    Ok(())
}

/// The core library's error as a Python exception, after `context` (what we were doing):
/// [`InputError`] for bad input, `OSError` for everything else (I/O, the environment). The
/// message is the whole chain of causes, as the CLI prints it.
pub fn core_in(context: Option<&str>, err: &imagenet_multilabel::Error) -> PyErr {
    let mut message = chain(err);
    if let Some(context) = context {
        if !message.contains(context) {
            message = format!("{context}: {message}");
        }
    }
    if err.is_bad_input() {
        InputError::new_err(message)
    } else {
        PyOSError::new_err(message)
    }
}

/// [`core_in`] without a context.
pub fn core(err: imagenet_multilabel::Error) -> PyErr {
    core_in(None, &err)
}

/// The error and its sources as one line, leaving out a message the text already holds (the
/// library's errors repeat their I/O source in their own message), in [`python_wording`].
pub fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let message = cause.to_string();
        if !message.is_empty() && !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        source = cause.source();
    }
    python_wording(&text)
}

/// Whole commands the library's messages suggest, and the Python call that does the same.
const COMMANDS: &[(&str, &str)] = &[
    (
        "`imagenet-multilabel fetch --from FILE`",
        "`imagenet_multilabel.fetch(from_path=FILE)`",
    ),
    (
        "`imagenet-multilabel fetch --force`",
        "`imagenet_multilabel.fetch(force=True)`",
    ),
];

/// The command-line flags the library's messages name, and what a Python caller writes
/// instead; a flag with its value comes before the bare flag.
const KEYWORDS: &[(&str, &str)] = &[
    ("--class-ids one-based", "class_ids=\"one-based\""),
    ("--class-ids devkit", "class_ids=\"devkit\""),
    ("--class-ids sorted", "class_ids=\"sorted\""),
    ("--class-ids", "class_ids="),
    ("--background-class", "background_class=True"),
    ("--allow-missing", "allow_missing=True"),
    ("--verify-images", "verify_images=True"),
    ("--from FILE", "from_path=FILE"),
    ("--url URL", "url=URL"),
    ("--url ", "url="),
    ("--url", "url="),
    ("--force", "force=True"),
    ("--out", "out="),
];

/// `message` with the command-line flags it names written as the Python keywords that do
/// the same (`pass --class-ids devkit` reads `pass class_ids="devkit"`), so that the advice
/// is something the caller can type.
pub fn python_wording(message: &str) -> String {
    if !message.contains("--") {
        return message.to_string();
    }
    let mut message = message.to_string();
    for (command, call) in COMMANDS {
        message = message.replace(command, call);
    }
    let mut out = String::with_capacity(message.len() + 16);
    let mut rest = message.as_str();
    while let Some(at) = rest.find("--") {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        // A flag starts a word (not `--force` inside a path such as `/tmp/a--force`).
        let starts_word = out
            .chars()
            .last()
            .is_none_or(|c| c.is_whitespace() || matches!(c, '(' | '`' | '"' | '\''));
        match KEYWORDS.iter().find(|(flag, _)| {
            // A whole flag, not the start of a longer one (`--force` in `--forced`).
            starts_word
                && tail.starts_with(flag)
                && !tail[flag.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-')
        }) {
            Some((flag, keyword)) => {
                out.push_str(keyword);
                rest = &tail[flag.len()..];
            }
            None => {
                out.push_str("--");
                rest = &tail[2..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Runs `f`, turning a panic (a bug) into a `RuntimeError` that says so.
pub fn guard<T>(f: impl FnOnce() -> T) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        PyRuntimeError::new_err(format!(
            "internal error in imagenet_multilabel (a bug, please report it): {what}"
        ))
    })
}
