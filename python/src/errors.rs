//! Library errors as Python exceptions: bad input is `InputError` (a `ValueError`), the
//! environment is `OSError`; a panic becomes an exception, never a crash of the interpreter.

use pyo3::exceptions::{PyOSError, PyValueError};
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

/// The core library's error as a Python exception: [`InputError`] for bad input, `OSError`
/// for everything else (I/O, the environment). The message is the whole chain of causes.
#[allow(dead_code)] // used by the API modules as they land
pub fn core(err: imagenet_multilabel::Error) -> PyErr {
    let message = chain(&err);
    if err.is_bad_input() {
        InputError::new_err(message)
    } else {
        PyOSError::new_err(message)
    }
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
