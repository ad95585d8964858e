//! The native half of the `imagenet_multilabel` Python package: thin PyO3 wrappers over the
//! workspace's library crates. Behaviour lives in the libraries; this crate converts Python
//! values to library calls and library errors to Python exceptions
//! (`python/imagenet_multilabel/__init__.py` is the public, documented surface).

use pyo3::prelude::*;

// Each module holds one part of the API and adds it with `register`.
mod dataset;
mod errors;
mod eval;
mod tools;

/// The extension module, `imagenet_multilabel._native`.
///
/// Each submodule adds its functions and classes here with one `register(m)?` line; the
/// Dataset reader adds `dataset::register(m)?`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    eval::register(m)?;
    tools::register(m)?;
    dataset::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
