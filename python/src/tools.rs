//! The annotation and class tables, the download (`imagenet_multilabel_fetch::fetch`) and
//! the dataset build (`imagenet_multilabel_formats::build::Build`) for Python. Long work
//! runs with the GIL released; progress goes to a Python callable a few times a second.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use imagenet_multilabel::{home, ClassId, Split};
use imagenet_multilabel_fetch::{self as fetch, Event, Expected, Options, Outcome, Source};
use imagenet_multilabel_formats::build::{Build, BuildOptions, Format, Progress};
use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::errors::{self, guard, InputError};
use crate::eval::loaded_index;

/// Adds the table, fetch and build functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(annotation_columns, m)?)?;
    m.add_function(wrap_pyfunction!(class_columns, m)?)?;
    m.add_function(wrap_pyfunction!(fetch_annotations, m)?)?;
    m.add_function(wrap_pyfunction!(build_dataset, m)?)?;
    m.add_function(wrap_pyfunction!(default_annotations_path, m)?)?;
    Ok(())
}

/// `(path, sha256, size, version)` of an index's source.
type SourceTuple = (String, String, u64, String);

/// One column per field of the index, one entry per annotated image (by image number):
/// `file_name, original_label, wnid, correct, wrong, unclear, is_problematic,
/// is_imagenet_m`; and the source `(path, sha256, size, version)` and load warnings.
#[pyfunction]
#[pyo3(signature = (annotations=None, dataset=None))]
fn annotation_columns<'py>(
    py: Python<'py>,
    annotations: Option<PathBuf>,
    dataset: Option<PathBuf>,
) -> PyResult<(Bound<'py, PyDict>, SourceTuple, Vec<String>)> {
    let (index, warnings) = loaded_index(py, annotations, dataset)?;
    let records = index.records();
    let ids = |list: &[ClassId]| -> Vec<u16> { list.iter().map(|c| c.as_u16()).collect() };
    let columns = PyDict::new(py);
    columns.set_item(
        "file_name",
        records
            .iter()
            .map(|r| r.image().file_name())
            .collect::<Vec<_>>(),
    )?;
    columns.set_item(
        "original_label",
        records
            .iter()
            .map(|r| r.original().as_u16())
            .collect::<Vec<_>>(),
    )?;
    columns.set_item(
        "wnid",
        records
            .iter()
            .map(|r| r.original().wnid())
            .collect::<Vec<_>>(),
    )?;
    for (name, list) in [("correct", 0usize), ("wrong", 1), ("unclear", 2)] {
        let values = PyList::empty(py);
        for r in records {
            let labels = match list {
                0 => r.correct(),
                1 => r.wrong(),
                _ => r.unclear(),
            };
            values.append(ids(labels))?;
        }
        columns.set_item(name, values)?;
    }
    columns.set_item(
        "is_problematic",
        records.iter().map(|r| r.problematic()).collect::<Vec<_>>(),
    )?;
    columns.set_item(
        "is_imagenet_m",
        records.iter().map(|r| r.imagenet_m()).collect::<Vec<_>>(),
    )?;
    let s = index.source();
    let source = (
        s.path.display().to_string(),
        s.sha256.clone(),
        s.size,
        s.version.describe().to_string(),
    );
    Ok((columns, source, warnings))
}

/// The 1000 classes as columns: `id, wnid, name, is_dog, is_organism`.
#[pyfunction]
fn class_columns(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let classes: Vec<ClassId> = ClassId::all().collect();
    let columns = PyDict::new(py);
    columns.set_item("id", classes.iter().map(|c| c.as_u16()).collect::<Vec<_>>())?;
    columns.set_item(
        "wnid",
        classes.iter().map(|c| c.info().wnid).collect::<Vec<_>>(),
    )?;
    columns.set_item(
        "name",
        classes
            .iter()
            .map(|c| c.info().clean_name)
            .collect::<Vec<_>>(),
    )?;
    columns.set_item(
        "is_dog",
        classes.iter().map(|c| c.info().is_dog).collect::<Vec<_>>(),
    )?;
    columns.set_item(
        "is_organism",
        classes
            .iter()
            .map(|c| c.info().is_organism)
            .collect::<Vec<_>>(),
    )?;
    Ok(columns)
}

/// Where `fetch` stores the annotations (`$IMAGENET_MULTILABEL_HOME` or the cache directory).
#[pyfunction]
fn default_annotations_path() -> PyResult<PathBuf> {
    home::default_annotations_path().ok_or_else(|| {
        PyOSError::new_err(format!(
            "no cache directory could be determined; set {} to the directory the annotations \
             should go to",
            home::HOME_ENV
        ))
    })
}

/// Calls a Python progress callable from any thread, at most every 100 ms except for
/// `always` calls (a phase starting, a notice).
struct Reporter {
    callback: Option<Py<PyAny>>,
    started: Instant,
    last_ms: AtomicU64,
    /// The first exception the callable raised (reported after the work, which it cannot stop).
    failure: Mutex<Option<PyErr>>,
}

impl Reporter {
    fn new(callback: Option<Py<PyAny>>) -> Reporter {
        Reporter {
            callback,
            started: Instant::now(),
            last_ms: AtomicU64::new(0),
            failure: Mutex::new(None),
        }
    }

    fn call(&self, always: bool, args: (&str, u64, u64, Option<&str>)) {
        let Some(callback) = &self.callback else {
            return;
        };
        let now = self.started.elapsed().as_millis() as u64 + 1;
        let last = self.last_ms.load(Ordering::Relaxed);
        if !always && now < last + 100 {
            return;
        }
        self.last_ms.store(now, Ordering::Relaxed);
        Python::attach(|py| {
            if let Err(e) = callback.call1(py, args) {
                let mut failure = self.failure.lock().unwrap_or_else(|e| e.into_inner());
                failure.get_or_insert(e);
            }
        });
    }

    fn finish(self) -> PyResult<()> {
        match self.failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Fetches the v3.0.0 annotations into the cache (downloading with resume, or importing
/// `from_path`), verified by size and sha256. `progress(kind, done, total, message)` is
/// called with kind `start` / `progress` / `notice`. Returns `(path, outcome)`.
#[pyfunction]
#[pyo3(signature = (from_path=None, url=None, force=false, retries=5, timeout=30.0, progress=None))]
fn fetch_annotations(
    py: Python<'_>,
    from_path: Option<PathBuf>,
    url: Option<String>,
    force: bool,
    retries: u32,
    timeout: f64,
    progress: Option<Py<PyAny>>,
) -> PyResult<(PathBuf, String)> {
    let target = default_annotations_path()?;
    let source = match (from_path, url) {
        (Some(_), Some(_)) => {
            return Err(InputError::new_err(
                "give either from_path= (a local copy) or url= (a mirror), not both",
            ))
        }
        (Some(path), None) => Source::File(path),
        (None, Some(url)) => Source::Mirror { url },
        (None, None) => Source::official(),
    };
    let options = Options {
        stall_timeout: Duration::from_secs_f64(timeout.max(1.0)),
        retries,
        force,
    };
    let reporter = Reporter::new(progress);
    let outcome = py.detach(|| {
        guard(|| {
            fetch::fetch(
                &target,
                &source,
                &Expected::v3(),
                &options,
                &mut |event| match event {
                    Event::Start {
                        phase,
                        len,
                        position,
                    } => reporter.call(true, ("start", position, len, Some(phase.label()))),
                    Event::Progress { position } => {
                        reporter.call(false, ("progress", position, 0, None))
                    }
                    Event::Notice(line) => reporter.call(true, ("notice", 0, 0, Some(line))),
                    _ => {}
                },
            )
        })
    })?;
    reporter.finish()?;
    let outcome = outcome.map_err(|e| {
        let message = errors::chain(&e);
        if e.is_bad_input() {
            InputError::new_err(message)
        } else {
            PyOSError::new_err(message)
        }
    })?;
    let what = match outcome {
        Outcome::AlreadyPresent => "already present",
        Outcome::Downloaded { .. } => "downloaded",
        Outcome::Imported { .. } => "imported",
        _ => "verified",
    };
    Ok((target, what.to_string()))
}

/// Builds the dataset from `tar` into `out` (`format`: tfds, parquet, webdataset) with the
/// labels of `annotations=` / `dataset=`. `progress(kind, done, total, message)` gets
/// `planned` (total bytes), `image` (bytes done) and `warning`. Returns the summary as a dict.
#[pyfunction]
#[pyo3(signature = (tar, out, format, annotations, splits, allow_missing, verify_images,
    force, shard_size, sync, progress))]
#[allow(clippy::too_many_arguments)] // the Python keywords, one by one
fn build_dataset<'py>(
    py: Python<'py>,
    tar: PathBuf,
    out: PathBuf,
    format: &str,
    annotations: Option<PathBuf>,
    splits: Vec<String>,
    allow_missing: bool,
    verify_images: bool,
    force: bool,
    shard_size: Option<u64>,
    sync: bool,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let format = match format.to_ascii_lowercase().as_str() {
        "tfds" => Format::Tfds,
        "parquet" => Format::Parquet,
        "webdataset" | "wds" => Format::WebDataset,
        other => {
            return Err(InputError::new_err(format!(
                "unknown format {other:?}: expected \"tfds\", \"parquet\" or \"webdataset\""
            )))
        }
    };
    let splits = splits
        .iter()
        .map(|s| {
            Split::from_name(s).ok_or_else(|| {
                InputError::new_err(format!(
                    "unknown split {s:?}: expected \"validation\" or \"imagenet_m\""
                ))
            })
        })
        .collect::<PyResult<Vec<Split>>>()?;
    let (index, _) = loaded_index(py, annotations, None)?;
    let build = Build::new(
        tar,
        out,
        BuildOptions {
            format,
            splits,
            allow_missing,
            verify_images,
            replace: force,
            shard_size,
            sync,
        },
    );
    let reporter = Reporter::new(progress);
    let done_bytes = AtomicU64::new(0);
    let summary = py.detach(|| {
        guard(|| {
            build.run(&index, &|event| match event {
                Progress::Planned { bytes, .. } => reporter.call(true, ("planned", 0, bytes, None)),
                Progress::Image { bytes, .. } => {
                    let done = done_bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
                    reporter.call(false, ("image", done, 0, None))
                }
                Progress::Warning(message) => {
                    reporter.call(true, ("warning", 0, 0, Some(&message)))
                }
                _ => {}
            })
        })
    })?;
    reporter.finish()?;
    let summary = summary.map_err(|e| errors::core_in(None, &e))?;
    let result = PyDict::new(py);
    result.set_item("format", summary.format.name())?;
    result.set_item("dir", summary.dir)?;
    let splits = PyDict::new(py);
    for s in &summary.splits {
        let entry = PyDict::new(py);
        entry.set_item("examples", s.examples)?;
        entry.set_item("files", s.files.clone())?;
        splits.set_item(s.split.name(), entry)?;
    }
    result.set_item("splits", splits)?;
    result.set_item("images", summary.images)?;
    result.set_item("image_bytes", summary.image_bytes)?;
    result.set_item("written_bytes", summary.written_bytes)?;
    result.set_item(
        "missing",
        summary
            .missing
            .iter()
            .map(|i| i.file_name())
            .collect::<Vec<_>>(),
    )?;
    if let Some(checks) = &summary.checks {
        let c = PyDict::new(py);
        c.set_item("ok", checks.ok)?;
        c.set_item(
            "grayscale",
            checks
                .grayscale
                .iter()
                .map(|i| i.file_name())
                .collect::<Vec<_>>(),
        )?;
        c.set_item(
            "cmyk",
            checks
                .cmyk
                .iter()
                .map(|i| i.file_name())
                .collect::<Vec<_>>(),
        )?;
        c.set_item(
            "corrupt",
            checks
                .corrupt
                .iter()
                .map(|(i, why)| (i.file_name(), why.clone()))
                .collect::<Vec<_>>(),
        )?;
        result.set_item("checks", c)?;
    }
    result.set_item("elapsed_s", summary.elapsed.as_secs_f64())?;
    Ok(result)
}
