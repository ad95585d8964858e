//! Library errors as Python exceptions: bad input is `InputError` (a `ValueError`), the
//! environment is `OSError`; a panic becomes a `RuntimeError`, never a crash of the
//! interpreter.

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
/// library's errors repeat their I/O source in their own message).
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
    text
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
