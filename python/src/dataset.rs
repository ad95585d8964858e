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
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};

use imagenet_multilabel::images::Decode;
use imagenet_multilabel::tfds::{Dataset, RandomAccess};
use imagenet_multilabel::{Error, Example, Split};
use pyo3::exceptions::{PyIndexError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};

use crate::errors;

/// One example read (and decoded) outside the GIL: the JPEG bytes or RGB pixels with their
/// height and width, then the labels.
type Item = (Example, Option<(Vec<u8>, u32, u32)>);

/// A batch of examples, each read (and decoded) or the error that stopped it.
type Batch = Vec<Result<Item, Error>>;

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

/// Decoded RGB pixels handed to numpy without a copy: `np.asarray(pixels)` views this
/// buffer through `__array_interface__` (writable, as `tfds.as_numpy`'s arrays are) and keeps
/// the object alive as the array's base. Copying ~0.2–0.6 MB per image while holding the GIL
/// would stall the consumer that the decoding threads are feeding.
#[pyclass(module = "imagenet_multilabel._native", frozen)]
pub struct Pixels {
    /// Owns the memory; never read or borrowed after `new`: numpy may write through `ptr`.
    _buf: Vec<u8>,
    ptr: usize,
    height: u32,
    width: u32,
}

impl Pixels {
    fn new(mut buf: Vec<u8>, height: u32, width: u32) -> Pixels {
        debug_assert_eq!(buf.len(), height as usize * width as usize * 3);
        Pixels {
            ptr: buf.as_mut_ptr() as usize,
            _buf: buf,
            height,
            width,
        }
    }
}

#[pymethods]
impl Pixels {
    /// numpy's array interface (version 3): `height × width × 3` uint8, C order.
    #[getter]
    fn __array_interface__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("version", 3)?;
        d.set_item("shape", (self.height, self.width, 3))?;
        d.set_item("typestr", "|u1")?;
        d.set_item("data", (self.ptr, false))?;
        Ok(d)
    }
}

/// The tuple dataset.py expects: (image, height, width, file_name, original_label,
/// correct, wrong, unclear, is_problematic); image is the RGB [`Pixels`] or, undecoded, the
/// JPEG as bytes (height = width = 0).
fn to_python<'py>(py: Python<'py>, (ex, rgb): Item) -> PyResult<Bound<'py, PyTuple>> {
    let ids = |v: &[imagenet_multilabel::ClassId]| -> Vec<i64> {
        v.iter().map(|c| c.index() as i64).collect()
    };
    let (image, h, w): (Bound<'py, PyAny>, u32, u32) = match rgb {
        Some((pixels, h, w)) => (Bound::new(py, Pixels::new(pixels, h, w))?.into_any(), h, w),
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

    /// An iterator over batches of `batch` examples from `start`, read and decoded ahead
    /// on the pool by a feeder thread while Python consumes them.
    #[pyo3(signature = (start = 0, batch = 32))]
    fn batches(&self, start: u64, batch: u64) -> PyResult<Batches> {
        let state = self.state()?;
        let (start, end) = (start.min(self.len), self.len);
        let (tx, rx) = sync_channel(AHEAD);
        let how = self.decode;
        std::thread::Builder::new()
            .name("iml-dataset-feed".into())
            .spawn(move || feed(state, how, (start, end, batch.max(1)), tx))
            .map_err(|e| {
                pyo3::exceptions::PyOSError::new_err(format!("cannot start a thread: {e}"))
            })?;
        Ok(Batches {
            pid: std::process::id(),
            rx: Mutex::new(Some(rx)),
            next: start,
            end,
            deferred: None,
        })
    }
}

/// Batches read ahead of the consumer: enough to keep every core decoding while Python
/// works on the current batch, few enough to bound memory (32 decoded images each).
const AHEAD: usize = 2;

/// Iterator of `DatasetReader.batches`: yields lists of example tuples; an unreadable
/// example raises when its batch is reached, after the examples before it.
///
/// A feeder thread of its own reads the batches in order on the reader's pool and queues up
/// to [`AHEAD`] of them, so the cores decode continuously while Python consumes; the queue's
/// bound stops it when Python falls behind, and dropping the iterator ends it.
#[pyclass(module = "imagenet_multilabel._native")]
pub struct Batches {
    pid: u32,
    /// The queue from the feeder; None once the split is exhausted or an error ended it.
    rx: Mutex<Option<Receiver<Batch>>>,
    /// The number of the next example to return, and the end of the range.
    next: u64,
    end: u64,
    /// The error of an example whose batch predecessors were returned first.
    deferred: Option<Error>,
}

/// The feeder: reads `start..end` in batches of `batch` on the state's pool and sends them
/// in order; stops after a batch holding an error, or when the iterator is gone.
fn feed(
    state: Arc<State>,
    how: Option<Decode>,
    (start, end, batch): (u64, u64, u64),
    tx: SyncSender<Batch>,
) {
    let mut at = start;
    while at < end {
        let stop = at.saturating_add(batch).min(end);
        let items = read_range(&state, at, stop, how);
        let failed = items.iter().any(Result::is_err);
        if tx.send(items).is_err() || failed {
            return;
        }
        at = stop;
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
        if self.pid != std::process::id() {
            // The feeder thread behind this iterator does not exist in a forked child.
            return Err(pyo3::exceptions::PyRuntimeError::new_err(
                "this iterator was started in the parent process: iterate the Dataset again in this one",
            ));
        }
        let Some(rx) = self.rx.lock().unwrap_or_else(|p| p.into_inner()).take() else {
            return Ok(None);
        };
        let (rx, received) = py.detach(move || {
            let r = rx.recv();
            (rx, r)
        });
        let Ok(items) = received else {
            // The feeder hung up: normal at the end, a failure before it.
            if self.next < self.end {
                return Err(pyo3::exceptions::PyRuntimeError::new_err(
                    "a background read of the dataset stopped without a result",
                ));
            }
            return Ok(None);
        };
        self.next += items.len() as u64;
        *self.rx.lock().unwrap_or_else(|p| p.into_inner()) = Some(rx);
        let mut out = Vec::with_capacity(items.len());
        for r in items {
            match r {
                Ok(item) => out.push(to_python(py, item)?),
                Err(e) => {
                    // Stop here: the examples before the bad one are returned first.
                    *self.rx.lock().unwrap_or_else(|p| p.into_inner()) = None;
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
    m.add_class::<Pixels>()?;
    Ok(())
}
