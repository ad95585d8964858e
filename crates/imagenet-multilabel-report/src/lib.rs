//! The HTML report of an evaluation (`eval --report FILE.html`): one self-contained page —
//! no external resource of any kind, readable with JavaScript off, light, dark and print
//! styles — that shows what [`metrics::evaluate`] computed: the summary, the model among the
//! 962 published ones, the per-class breakdown, the mistakes, ImageNet-M, the images behind
//! them and, for several models, their paired comparison.
//!
//! The page never re-grades: every figure comes from the [`Report`]s it is given (the same
//! values `eval --json` prints), and each such figure carries its JSON key and exact value in
//! `data-` attributes so tests can hold the two together.
#![deny(missing_docs)]

pub mod anchors;
mod html;
mod sections;
mod svg;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use imagenet_multilabel::atomic::AtomicFile;
use imagenet_multilabel::metrics::{self, Report};
pub use imagenet_multilabel::thumbnails::Thumbnail;
use imagenet_multilabel::{Annotations, Error, ImageId, Predictions, Result};

pub use sections::images::wanted_images;

/// One graded model: its report and the predictions it was graded from (the page names the
/// top-1 of the images it shows, hits included, which the report does not list).
pub struct Model<'a> {
    /// What the page calls the model (its file name).
    pub name: String,
    /// What [`metrics::evaluate`] found.
    pub report: &'a Report,
    /// The predictions graded.
    pub predictions: &'a Predictions,
}

/// The images shown in the page's Images section, and where they came from.
pub struct Images<'a> {
    /// The source as the user gave it (`--dataset DIR` or `--images TAR`).
    pub source: String,
    /// The thumbnails of (some of) [`wanted_images`].
    pub thumbnails: &'a BTreeMap<ImageId, Thumbnail>,
}

/// Everything one page shows.
pub struct Page<'a> {
    /// The labels graded against.
    pub annotations: &'a Annotations,
    /// The models, first the baseline of the comparisons.
    pub models: &'a [Model<'a>],
    /// The images, when the run was given some.
    pub images: Option<Images<'a>>,
    /// The tool's version, printed in the footer.
    pub tool_version: &'a str,
}

/// The page as one HTML string.
pub fn render(page: &Page) -> String {
    sections::page(page)
}

/// Writes the page to `path` through a temporary file: the file appears complete or not at
/// all. Returns its size in bytes.
pub fn write(page: &Page, path: &Path) -> Result<u64> {
    let html = render(page);
    let mut file = AtomicFile::create(path)?;
    file.write_all(html.as_bytes())
        .map_err(|e| Error::io(path, e))?;
    file.commit()?;
    Ok(html.len() as u64)
}

/// The paired headline difference of each model from the first (None for the first and where
/// the two were not graded on the same images): what `eval --json` lists as `comparisons`.
pub fn differences_from_first(models: &[Model]) -> Vec<Option<metrics::Difference>> {
    models
        .iter()
        .enumerate()
        .map(|(i, m)| {
            (i > 0)
                .then(|| metrics::compare(m.report, models[0].report).ok())
                .flatten()
        })
        .collect()
}
