//! Grading from Python: predictions given as an array in memory, JSON text (a serialised
//! dict) or a file path, graded by `metrics::evaluate` with the GIL released, against an
//! index loaded once per process.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use imagenet_multilabel::metrics::{self, Cell, EvalOptions, Report as CoreReport, Table};
use imagenet_multilabel::predictions::{self, ArrayRef, ClassIds, Format, LoadOptions};
use imagenet_multilabel::{annotations, home, tfds, Annotations, Predictions};
use pyo3::exceptions::{PyFileNotFoundError, PyOSError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use crate::errors::{self, guard, InputError};

/// Adds the grading functions and `Report` to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Report>()?;
    m.add_function(wrap_pyfunction!(evaluate_array, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate_json, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate_path, m)?)?;
    Ok(())
}

/// Where the labels come from, as the Python keywords give it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Labels {
    /// An annotations file (the cached download when none is given).
    File(PathBuf),
    /// A built dataset (TFDS layout).
    Dataset(PathBuf),
}

/// The file's identity: an index is reloaded when the file changes (size or mtime).
type Stamp = (u64, Option<std::time::SystemTime>);

/// Indexes loaded in this process: a second `evaluate` costs only the grading.
static INDEXES: Mutex<Vec<(Labels, Stamp, Arc<Annotations>)>> = Mutex::new(Vec::new());

/// Resolves the keywords `annotations=` / `dataset=` to what to load.
fn labels(annotations: Option<PathBuf>, dataset: Option<PathBuf>) -> PyResult<Labels> {
    match (annotations, dataset) {
        (Some(_), Some(_)) => Err(InputError::new_err(
            "give either annotations= (a file) or dataset= (a built dataset), not both",
        )),
        (_, Some(dir)) => Ok(Labels::Dataset(dir)),
        (Some(path), None) => Ok(Labels::File(path)),
        (None, None) => {
            let cached = home::default_annotations_path().ok_or_else(|| {
                PyOSError::new_err(format!(
                    "no annotations= given and no cache directory could be determined; set {} \
                     or pass annotations=PATH",
                    home::HOME_ENV
                ))
            })?;
            if cached.is_file() {
                Ok(Labels::File(cached))
            } else {
                Err(PyFileNotFoundError::new_err(format!(
                    "no annotations= given and none cached at {}; run imagenet_multilabel.fetch() \
                     (or fetch(from_path=\"human_accuracy_v3.0.0.json\") to import a copy), or \
                     pass annotations=PATH",
                    cached.display()
                )))
            }
        }
    }
}

fn stamp(labels: &Labels) -> Stamp {
    let path = match labels {
        Labels::File(p) | Labels::Dataset(p) => p,
    };
    std::fs::metadata(path).map_or((0, None), |m| (m.len(), m.modified().ok()))
}

/// The index for `labels`, from this process's memory, else loaded (annotations files
/// through the on-disk parse cache the CLI uses). Warnings go to `warnings`.
fn index(labels: &Labels, warnings: &mut Vec<String>) -> Result<Arc<Annotations>, Failure> {
    let stamp = stamp(labels);
    let mut loaded = INDEXES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, _, index)) = loaded.iter().find(|(l, s, _)| l == labels && *s == stamp) {
        return Ok(Arc::clone(index));
    }
    let index = match labels {
        Labels::Dataset(dir) => tfds::read_annotations(dir).map_err(|e| {
            Failure::context(
                format!("reading the labels of the dataset {}", dir.display()),
                e,
            )
        })?,
        Labels::File(path) => {
            let (index, report) =
                annotations::load_with_report(path, &annotations::LoadOptions::default()).map_err(
                    |e| Failure::context(format!("loading the annotations {}", path.display()), e),
                )?;
            if let Some(problem) = &report.cache_error {
                warnings.push(format!(
                    "the parse cache was not written ({problem}); the next load will parse again"
                ));
            }
            if index.source().version == imagenet_multilabel::Version::Unrecognised {
                warnings.push(format!(
                    "{} is an unrecognised file (sha256 {}), not the verified v3.0.0 release; \
                     figures are not comparable with published ones",
                    path.display(),
                    index.source().sha256
                ));
            }
            index
        }
    };
    let index = Arc::new(index);
    loaded.retain(|(l, _, _)| l != labels);
    loaded.push((labels.clone(), stamp, Arc::clone(&index)));
    Ok(index)
}

/// A library error with the context a front end adds (what it was doing).
struct Failure {
    context: Option<String>,
    error: imagenet_multilabel::Error,
}

impl Failure {
    fn context(context: String, error: imagenet_multilabel::Error) -> Failure {
        Failure {
            context: Some(context),
            error,
        }
    }
}

impl From<imagenet_multilabel::Error> for Failure {
    fn from(error: imagenet_multilabel::Error) -> Failure {
        Failure {
            context: None,
            error,
        }
    }
}

impl From<Failure> for PyErr {
    fn from(f: Failure) -> PyErr {
        errors::core_in(f.context.as_deref(), &f.error)
    }
}

/// The grading options every entry point takes.
struct Grading {
    labels: Labels,
    load: LoadOptions,
    eval: EvalOptions,
}

fn grading(
    annotations: Option<PathBuf>,
    dataset: Option<PathBuf>,
    class_ids: &str,
    background_class: bool,
    allow_missing: bool,
    format: Option<&str>,
) -> PyResult<Grading> {
    let class_ids: ClassIds = class_ids.parse().map_err(InputError::new_err)?;
    let format = format
        .map(|f| f.parse::<Format>().map_err(InputError::new_err))
        .transpose()?;
    Ok(Grading {
        labels: labels(annotations, dataset)?,
        load: LoadOptions {
            format,
            background_class,
            class_ids,
        },
        eval: EvalOptions { allow_missing },
    })
}

/// Loads the index, reads the predictions with `read` and grades them, all with the GIL
/// released; a panic becomes an exception.
fn grade(
    py: Python<'_>,
    grading: &Grading,
    read: impl FnOnce(&LoadOptions) -> imagenet_multilabel::Result<Predictions> + Send,
) -> PyResult<Report> {
    let outcome = py.detach(|| {
        guard(|| -> Result<_, Failure> {
            let mut warnings = Vec::new();
            let index = index(&grading.labels, &mut warnings)?;
            let predictions = read(&grading.load)?;
            warnings.extend(predictions.warning());
            let report = metrics::evaluate(&index, &predictions, &grading.eval)?;
            Ok((index, report, warnings))
        })
    })?;
    let (index, report, warnings) = outcome?;
    Ok(Report {
        from_dataset: matches!(grading.labels, Labels::Dataset(_)),
        index,
        report,
        warnings,
    })
}

/// Grades an array in memory, read in place: `address` and `nbytes` are the data of `array`
/// (a contiguous NumPy array the caller holds), `descr` its `dtype.str`.
#[pyfunction]
#[pyo3(signature = (array, address, nbytes, descr, shape, fortran_order, file_names, label,
    annotations, dataset, class_ids, background_class, allow_missing))]
#[allow(clippy::too_many_arguments)] // the Python keywords, one by one
fn evaluate_array(
    py: Python<'_>,
    array: &Bound<'_, PyAny>,
    address: usize,
    nbytes: usize,
    descr: &str,
    shape: Vec<u64>,
    fortran_order: bool,
    file_names: Option<Vec<String>>,
    label: PathBuf,
    annotations: Option<PathBuf>,
    dataset: Option<PathBuf>,
    class_ids: &str,
    background_class: bool,
    allow_missing: bool,
) -> PyResult<Report> {
    let grading = grading(
        annotations,
        dataset,
        class_ids,
        background_class,
        allow_missing,
        None,
    )?;
    // The caller passes the array itself so that it is alive for the whole call.
    let _alive = array;
    let data: &[u8] = if nbytes == 0 || address == 0 {
        &[]
    } else {
        // SAFETY: `address`/`nbytes` are the data buffer of `array` (NumPy's
        // `ctypes.data` and `nbytes` of a contiguous array, checked by the caller), which
        // the reference above keeps alive until this call returns. The bytes are only
        // read; as with NumPy's own GIL-free loops, another thread writing the array
        // meanwhile would give meaningless (but memory-safe to read) values.
        unsafe { std::slice::from_raw_parts(address as *const u8, nbytes) }
    };
    let names = file_names;
    grade(py, &grading, |load| {
        predictions::from_array(
            &label,
            ArrayRef {
                descr,
                shape: &shape,
                data,
                fortran_order,
                file_names: names.as_deref(),
            },
            load,
        )
    })
}

/// Grades JSON text: `{file_name: class or [classes]}` or an array of records.
#[pyfunction]
#[pyo3(signature = (text, label, annotations, dataset, class_ids, background_class, allow_missing))]
#[allow(clippy::too_many_arguments)] // the Python keywords, one by one
fn evaluate_json(
    py: Python<'_>,
    text: Vec<u8>,
    label: PathBuf,
    annotations: Option<PathBuf>,
    dataset: Option<PathBuf>,
    class_ids: &str,
    background_class: bool,
    allow_missing: bool,
) -> PyResult<Report> {
    let grading = grading(
        annotations,
        dataset,
        class_ids,
        background_class,
        allow_missing,
        None,
    )?;
    grade(py, &grading, |load| {
        predictions::from_json(&label, &text, load)
    })
}

/// Grades a predictions file in any format the CLI reads.
#[pyfunction]
#[pyo3(signature = (path, format, annotations, dataset, class_ids, background_class, allow_missing))]
#[allow(clippy::too_many_arguments)] // the Python keywords, one by one
fn evaluate_path(
    py: Python<'_>,
    path: PathBuf,
    format: Option<&str>,
    annotations: Option<PathBuf>,
    dataset: Option<PathBuf>,
    class_ids: &str,
    background_class: bool,
    allow_missing: bool,
) -> PyResult<Report> {
    let grading = grading(
        annotations,
        dataset,
        class_ids,
        background_class,
        allow_missing,
        format,
    )?;
    grade(py, &grading, |load| predictions::load(&path, load))
}

/// The loaded index for `annotations=` / `dataset=` (for the annotation tables).
pub(crate) fn loaded_index(
    py: Python<'_>,
    annotations: Option<PathBuf>,
    dataset: Option<PathBuf>,
) -> PyResult<(Arc<Annotations>, Vec<String>)> {
    let labels = labels(annotations, dataset)?;
    let outcome = py.detach(|| {
        guard(|| -> Result<_, Failure> {
            let mut warnings = Vec::new();
            Ok((index(&labels, &mut warnings)?, warnings))
        })
    })?;
    Ok(outcome?)
}

/// One model's grade (the native half of `imagenet_multilabel.Report`).
#[pyclass(frozen, module = "imagenet_multilabel._native")]
pub struct Report {
    index: Arc<Annotations>,
    report: CoreReport,
    from_dataset: bool,
    warnings: Vec<String>,
}

#[pymethods]
impl Report {
    /// The table `imagenet-multilabel eval` prints for this model.
    fn table(&self) -> PyResult<String> {
        let mut out = Vec::new();
        let reports = std::slice::from_ref(&self.report);
        let differences = metrics::output::differences_from_first(reports);
        metrics::output::write_table(
            &mut out,
            &self.index,
            reports,
            &differences,
            self.from_dataset,
        )
        .map_err(|e| PyOSError::new_err(e.to_string()))?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    /// The report as one entry of `eval --json`'s "models" list (JSON text).
    fn model_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.report).map_err(|e| PyOSError::new_err(e.to_string()))
    }

    /// The whole `eval --json` document for this one model (JSON text).
    fn report_json(&self) -> PyResult<String> {
        let reports = std::slice::from_ref(&self.report);
        let differences = metrics::output::differences_from_first(reports);
        let value = metrics::output::report_json(self.index.source(), reports, &differences);
        serde_json::to_string(&value).map_err(|e| PyOSError::new_err(e.to_string()))
    }

    /// `(columns, rows)` of the per-class table (`--per-class`).
    fn per_class<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        table(py, &metrics::per_class_table(&self.report))
    }

    /// `(columns, rows)` of the mistakes table (`--mistakes`).
    fn mistakes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        table(py, &metrics::mistakes_table(&self.report))
    }

    /// Warnings to show once (an unrecognised annotations file, ground-truth-like input).
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.warnings.clone()
    }
}

/// A table as `(columns, rows)`: a list of names and a list of row tuples of Python values.
pub(crate) fn table<'py>(py: Python<'py>, table: &Table) -> PyResult<Bound<'py, PyTuple>> {
    let rows = PyList::empty(py);
    for row in &table.rows {
        let cells: Vec<Bound<'py, PyAny>> = row
            .iter()
            .map(|cell| -> PyResult<Bound<'py, PyAny>> {
                Ok(match cell {
                    Cell::Int(v) => v.into_pyobject(py)?.into_any(),
                    Cell::Float(v) => v.into_pyobject(py)?.into_any(),
                    Cell::Bool(v) => v.into_pyobject(py)?.to_owned().into_any(),
                    Cell::Text(v) => v.into_pyobject(py)?.into_any(),
                    Cell::Empty => py.None().into_bound(py),
                })
            })
            .collect::<PyResult<_>>()?;
        rows.append(PyTuple::new(py, cells)?)?;
    }
    PyTuple::new(
        py,
        [PyList::new(py, table.columns)?.into_any(), rows.into_any()],
    )
}
