//! The files of one split, written under hidden temporary names and published together.
//!
//! A split's final file names may depend on how many files there are (`…-00000-of-00003`),
//! which is known only at the end, and a reader globbing the output folder must never see a
//! half-written split. So every file is written as `.NAME.tmp-PID`, synced when closed, and
//! renamed into place only by [`Staged::publish`]; a writer dropped before that removes its
//! temporary files. A build writes into an unpublished staging folder
//! ([`imagenet_multilabel::publish::Staging`]), so these renames are invisible to readers
//! and the whole folder appears at once.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use imagenet_multilabel::atomic::temp_name;
use imagenet_multilabel::{Error, Example, Result, Split};

/// Buffer size of every output file: large sequential writes, few syscalls.
const BUFFER: usize = 1 << 20;

/// Temporary files of one split, waiting to be published.
pub(crate) struct Staged {
    dir: PathBuf,
    temps: Vec<PathBuf>,
}

impl Staged {
    /// Starts a split in `dir`, creating the folder if needed.
    pub(crate) fn new(dir: &Path) -> Result<Staged> {
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        Ok(Staged {
            dir: dir.to_path_buf(),
            temps: Vec::new(),
        })
    }

    /// Opens the next file, to be published later under a name chosen then. `stem` only makes
    /// the temporary name readable (`.validation-00002.parquet.tmp-PID`).
    pub(crate) fn create(&mut self, stem: &str) -> Result<(PathBuf, BufWriter<File>)> {
        let temp = temp_name(&self.dir.join(stem));
        let file = File::create(&temp).map_err(|e| Error::io(&temp, e))?;
        self.temps.push(temp.clone());
        Ok((temp, BufWriter::with_capacity(BUFFER, file)))
    }

    /// The output folder.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// How many files were opened so far.
    pub(crate) fn len(&self) -> usize {
        self.temps.len()
    }

    /// Renames the i-th temporary file to `dir/names[i]`, then removes files of an earlier
    /// run that `is_ours` recognises but this run did not write (say `…-00002-of-00003` after a
    /// run that wrote two files), so a glob over the folder sees exactly this split. Returns
    /// the final paths.
    pub(crate) fn publish(
        mut self,
        names: &[String],
        is_ours: impl Fn(&str) -> bool,
    ) -> Result<Vec<PathBuf>> {
        debug_assert_eq!(names.len(), self.temps.len());
        let temps = std::mem::take(&mut self.temps);
        let mut finals = Vec::with_capacity(names.len());
        for (i, (temp, name)) in temps.iter().zip(names).enumerate() {
            let target = self.dir.join(name);
            if let Err(e) = fs::rename(temp, &target) {
                // Leave no temporary file behind, published or not.
                for t in &temps[i..] {
                    let _ = fs::remove_file(t);
                }
                return Err(Error::io(&target, e));
            }
            finals.push(target);
        }
        let entries = fs::read_dir(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&self.dir, e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if is_ours(name) && !names.iter().any(|n| n == name) {
                let path = entry.path();
                fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            }
        }
        // Make the renames durable too (a no-op where directories cannot be opened).
        if let Ok(dir) = File::open(&self.dir) {
            let _ = dir.sync_all();
        }
        Ok(finals)
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        for temp in &self.temps {
            let _ = fs::remove_file(temp);
        }
    }
}

/// Flushes and syncs a finished file; returns its size in bytes.
pub(crate) fn close(path: &Path, writer: BufWriter<File>) -> Result<u64> {
    let mut file = writer
        .into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?;
    file.flush().map_err(|e| Error::io(path, e))?;
    file.sync_all().map_err(|e| Error::io(path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    Ok(meta.len())
}

/// Whether `name` is `{prefix}{digits}{suffix}` with exactly `n` ASCII digits.
pub(crate) fn has_digits(name: &str, prefix: &str, n: usize, suffix: &str) -> bool {
    name.strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(suffix))
        .is_some_and(|d| d.len() == n && d.bytes().all(|b| b.is_ascii_digit()))
}

/// Where an example is, for errors about it: `validation example 12 (ILSVRC2012_val_….JPEG)`,
/// counted from 0 in the order the writer received them.
pub(crate) fn example_at(split: Split, index: usize, example: &Example) -> String {
    format!("{} example {index} ({:?})", split.name(), example.file_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_digits_wants_exactly_n_digits() {
        assert!(has_digits(
            "validation-000012.tar",
            "validation-",
            6,
            ".tar"
        ));
        assert!(!has_digits(
            "validation-00012.tar",
            "validation-",
            6,
            ".tar"
        ));
        assert!(!has_digits(
            "validation-00001a.tar",
            "validation-",
            6,
            ".tar"
        ));
        assert!(!has_digits(
            "imagenet_m-000012.tar",
            "validation-",
            6,
            ".tar"
        ));
    }

    #[test]
    fn drop_removes_unpublished_files_and_publish_removes_stale_ones() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut staged = Staged::new(dir.path()).unwrap();
            let (_, mut w) = staged.create("a").unwrap();
            w.write_all(b"x").unwrap();
        }
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);

        fs::write(dir.path().join("s-9.txt"), b"old").unwrap();
        fs::write(dir.path().join("keep.txt"), b"not ours").unwrap();
        let mut staged = Staged::new(dir.path()).unwrap();
        let (path, mut w) = staged.create("s-0").unwrap();
        w.write_all(b"new").unwrap();
        assert_eq!(close(&path, w).unwrap(), 3);
        let finals = staged
            .publish(&["s-0.txt".to_string()], |n| has_digits(n, "s-", 1, ".txt"))
            .unwrap();
        assert_eq!(finals, vec![dir.path().join("s-0.txt")]);
        let mut names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["keep.txt", "s-0.txt"]);
    }
}
