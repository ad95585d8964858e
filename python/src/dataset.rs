//! `_native.DatasetReader`: examples of a built dataset by number, for
//! `imagenet_multilabel.Dataset` (python/imagenet_multilabel/dataset.py), which turns the
//! tuples made here into the numpy values `tfds.as_numpy` gives.
//!
//! Reading and decoding run with the GIL released, batches on a thread pool of the reader's
//! own. Both are per process: after a `fork` (PyTorch `DataLoader` workers) the first call
//! reopens the shards and builds a new pool, because the parent's pool threads do not exist
//! in the child and sharing the parent's open files is not ours to decide.

use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};

use imagenet_multilabel::images::Decode;
use imagenet_multilabel::tfds::{Dataset, RandomAccess};
use imagenet_multilabel::{Error, Example, Split};
use pyo3::exceptions::{PyIndexError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyTuple};

use crate::errors;

/// One example read (and decoded) outside the GIL: the JPEG bytes or RGB pixels with their
/// height and width, then the labels.
type Item = (Example, Option<(Vec<u8>, u32, u32)>);

/// A batch being read in the background: where it ends, and where its examples will arrive.
type Pending = (u64, Receiver<Vec<Result<Item, Error>>>);

/// What one process holds: the open split and a thread pool.
struct State {
    pid: u32,
    access: RandomAccess,
    pool: ManuallyDrop<rayon::ThreadPool>,
}

impl Drop for State {
    fn drop(&mut self) {
        // A pool inherited through fork has no threads behind it: dropping it would signal
        // threads that are not there, so the child leaves it alone.
        if self.pid == std::process::id() {
            // SAFETY: dropped once, here, and never used again.
            unsafe { ManuallyDrop::drop(&mut self.pool) };
        }
    }
}

/// Examples of one split of a built dataset by number, decoded in Rust.
#[pyclass(module = "imagenet_multilabel._native", frozen)]
pub struct DatasetReader {
    path: PathBuf,
    split: Split,
    decode: Option<Decode>,
    len: u64,
    state: Mutex<Option<Arc<State>>>,
}

fn open(path: &Path, split: Split) -> Result<RandomAccess, Error> {
    Dataset::open(path)?.random_access(split)
}

impl DatasetReader {
    /// This process's state, opened (again, after a fork) when needed.
    fn state(&self) -> PyResult<Arc<State>> {
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let pid = std::process::id();
        if let Some(s) = guard.as_ref().filter(|s| s.pid == pid) {
            return Ok(Arc::clone(s));
        }
        let access = open(&self.path, self.split).map_err(errors::core)?;
        let pool = rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("iml-dataset-{i}"))
            .build()
            .map_err(|e| {
                pyo3::exceptions::PyOSError::new_err(format!("cannot start threads: {e}"))
            })?;
        // A state inherited through fork: its files close here, its pool is left alone
        // (State::drop).
        drop(guard.take());
        let state = Arc::new(State {
            pid,
            access,
            pool: ManuallyDrop::new(pool),
        });
        *guard = Some(Arc::clone(&state));
        Ok(state)
    }

    fn index(&self, index: i64) -> PyResult<u64> {
        let i = if index < 0 {
            index + self.len as i64
        } else {
            index
        };
        if i < 0 || i as u64 >= self.len {
            return Err(PyIndexError::new_err(format!(
                "index {index} is out of range: split {} holds {} examples",
                self.split.name(),
                self.len
            )));
        }
        Ok(i as u64)
    }
}

/// Reads example `i` and decodes its image as `how` says (None: keep the JPEG bytes).
fn read(access: &RandomAccess, i: u64, how: Option<Decode>) -> Result<Item, Error> {
    match how {
        None => access.get(i).map(|e| (e, None)),
        Some(how) => access.get_decoded(i, how).map(|(mut e, rgb)| {
            e.image = Vec::new();
            (e, Some((rgb.pixels, rgb.height, rgb.width)))
        }),
    }
}

/// Reads `range` on the state's pool.
fn read_range(
    state: &State,
    start: u64,
    end: u64,
    how: Option<Decode>,
) -> Vec<Result<Item, Error>> {
    state
        .pool
        .install(|| state.access.map_range(start..end, |i, a| read(a, i, how)))
}

/// The tuple dataset.py expects: (image, height, width, file_name, original_label,
/// correct, wrong, unclear, is_problematic); image is a bytearray of RGB pixels (writable,
/// so numpy's view of it is too) or, undecoded, the JPEG as bytes (height = width = 0).
fn to_python<'py>(py: Python<'py>, (ex, rgb): Item) -> PyResult<Bound<'py, PyTuple>> {
    let ids = |v: &[imagenet_multilabel::ClassId]| -> Vec<i64> {
        v.iter().map(|c| c.index() as i64).collect()
    };
    let (image, h, w): (Bound<'py, PyAny>, u32, u32) = match rgb {
        Some((pixels, h, w)) => (PyByteArray::new(py, &pixels).into_any(), h, w),
        None => (PyBytes::new(py, &ex.image).into_any(), 0, 0),
    };
    (
        image,
        h,
        w,
        PyBytes::new(py, ex.file_name.as_bytes()),
        ex.original_label.index() as i64,
        ids(&ex.correct_multi_labels),
        ids(&ex.wrong_multi_labels),
        ids(&ex.unclear_multi_labels),
        ex.is_problematic,
    )
        .into_pyobject(py)
}

#[pymethods]
impl DatasetReader {
    /// Opens `split` ("validation" or "imagenet_m") of the dataset at `path`; `decode` is
    /// "tfds", "pillow" or None (JPEG bytes).
    #[new]
    #[pyo3(signature = (path, split = "validation", decode = Some("tfds")))]
    fn new(py: Python<'_>, path: PathBuf, split: &str, decode: Option<&str>) -> PyResult<Self> {
        let split = Split::from_name(split).ok_or_else(|| {
            PyValueError::new_err(format!(
                "split {split:?} is not a split of this dataset: expected \"validation\" or \"imagenet_m\""
            ))
        })?;
        let decode = match decode {
            None => None,
            Some("tfds") => Some(Decode::Tfds),
            Some("pillow") => Some(Decode::Pillow),
            Some(other) => {
                return Err(PyValueError::new_err(format!(
                    "decode={other:?}: expected \"tfds\" (as tfds.load decodes), \"pillow\" (as PIL.Image.open(f).convert(\"RGB\")) or None (the JPEG bytes)"
                )))
            }
        };
        let access = py.detach(|| open(&path, split)).map_err(errors::core)?;
        Ok(DatasetReader {
            len: access.len(),
            path,
            split,
            decode,
            state: Mutex::new(None),
        })
    }

    fn __len__(&self) -> usize {
        self.len as usize
    }

    /// Example `index` (negative counts from the end) as a tuple; IndexError out of range.
    fn get<'py>(&self, py: Python<'py>, index: i64) -> PyResult<Bound<'py, PyTuple>> {
        let i = self.index(index)?;
        let state = self.state()?;
        let how = self.decode;
        let item = py
            .detach(|| read(&state.access, i, how))
            .map_err(errors::core)?;
        to_python(py, item)
    }

    /// Examples `start..start+count` (clamped), read and decoded in parallel.
    fn batch<'py>(
        &self,
        py: Python<'py>,
        start: u64,
        count: u64,
    ) -> PyResult<Vec<Bound<'py, PyTuple>>> {
        let state = self.state()?;
        let how = self.decode;
        let items = py.detach(|| read_range(&state, start, start.saturating_add(count), how));
        items
            .into_iter()
            .map(|r| to_python(py, r.map_err(errors::core)?))
            .collect()
    }

    /// An iterator over batches of `batch` examples from `start`, the next batch read and
    /// decoded in the background while Python consumes the current one.
    #[pyo3(signature = (start = 0, batch = 64))]
    fn batches(&self, start: u64, batch: u64) -> PyResult<Batches> {
        Ok(Batches {
            state: self.state()?,
            how: self.decode,
            next: start.min(self.len),
            end: self.len,
            batch: batch.max(1),
            pending: Mutex::new(None),
            deferred: None,
        })
    }
}

/// Iterator of `DatasetReader.batches`: yields lists of example tuples; an unreadable
/// example raises when its batch is reached, after the examples before it.
#[pyclass(module = "imagenet_multilabel._native")]
pub struct Batches {
    state: Arc<State>,
    how: Option<Decode>,
    next: u64,
    end: u64,
    batch: u64,
    pending: Mutex<Option<Pending>>,
    /// The error of an example whose batch predecessors were returned first.
    deferred: Option<Error>,
}

impl Batches {
    /// Starts reading the batch at `self.next` on the pool; returns where it ends.
    fn spawn(&self, start: u64) -> Option<Pending> {
        if start >= self.end {
            return None;
        }
        let end = start.saturating_add(self.batch).min(self.end);
        let (tx, rx) = channel();
        let state = Arc::clone(&self.state);
        let how = self.how;
        self.state.pool.spawn(move || {
            // The receiver may be gone (iteration abandoned): nothing to do then.
            let _ = tx.send(read_range(&state, start, end, how));
        });
        Some((end, rx))
    }
}

#[pymethods]
impl Batches {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Vec<Bound<'py, PyTuple>>>> {
        if let Some(e) = self.deferred.take() {
            return Err(errors::core(e));
        }
        if self.state.pid != std::process::id() {
            // The pool behind this iterator has no threads in a forked child.
            return Err(pyo3::exceptions::PyRuntimeError::new_err(
                "this iterator was started in the parent process: iterate the Dataset again in this one",
            ));
        }
        let pending = self
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let (end, items) = match pending {
            Some((end, rx)) => match py.detach(move || rx.recv()) {
                Ok(items) => (end, items),
                Err(_) => {
                    return Err(pyo3::exceptions::PyRuntimeError::new_err(
                        "a background read of the dataset stopped without a result",
                    ))
                }
            },
            None if self.next < self.end => {
                let end = self.next.saturating_add(self.batch).min(self.end);
                let (start, how) = (self.next, self.how);
                let state = Arc::clone(&self.state);
                (end, py.detach(|| read_range(&state, start, end, how)))
            }
            None => return Ok(None),
        };
        self.next = end;
        // Read ahead while Python works on this batch.
        *self.pending.lock().unwrap_or_else(|p| p.into_inner()) = self.spawn(end);
        let mut out = Vec::with_capacity(items.len());
        for r in items {
            match r {
                Ok(item) => out.push(to_python(py, item)?),
                Err(e) => {
                    // Stop here: the examples before the bad one are returned first.
                    self.end = self.next;
                    *self.pending.lock().unwrap_or_else(|p| p.into_inner()) = None;
                    if out.is_empty() {
                        return Err(errors::core(e));
                    }
                    self.deferred = Some(e);
                    return Ok(Some(out));
                }
            }
        }
        Ok(Some(out))
    }
}

/// Adds `DatasetReader` to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<DatasetReader>()?;
    m.add_class::<Batches>()?;
    Ok(())
}
