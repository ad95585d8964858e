//! The one way every output of this crate and its front ends becomes visible: written in full
//! under a hidden staging name beside its final name, then published by a rename.
//!
//! - A single file ([`crate::atomic::AtomicFile`]) is published by `rename(2)`, which replaces
//!   an old file atomically.
//! - A folder ([`Staging`]: a TFDS version folder, the `data/` folder of a Parquet or
//!   WebDataset build) is published by [`publish_dir`]: on Linux one `renameat2` with
//!   `RENAME_EXCHANGE` swaps the new folder and the old one, so at every instant the final
//!   name holds either the old complete build or the new complete build, never a mix. Where
//!   that call is not available (other systems, some filesystems) the old folder is first
//!   renamed aside to a name that [`recover`] knows, the new one renamed into place, and the
//!   old one restored if that second rename fails; if the process dies between the two
//!   renames, the next build's [`recover`] puts the old folder back before anything else.
//!
//! Stale staging folders of interrupted builds are removed by [`recover`]; a folder set aside
//! is removed only once the final name holds a complete build again, so cleaning up never
//! deletes the last complete build.
//!
//! Two builds into the same final name at once are not supported: each removes the other's
//! staging folder as stale.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};

/// Test hook: abort the process (like `kill -9`: no destructor runs) on reaching the N-th
/// publish step (counted from 1 over the whole process), to prove that an interruption at
/// any step leaves the old or the new build complete.
pub const ABORT_AT_STEP_ENV: &str = "IMAGENET_MULTILABEL_TEST_ABORT_AT_STEP";

/// Test hook: publish without `RENAME_EXCHANGE`, to test the fallback on Linux too.
pub const NO_EXCHANGE_ENV: &str = "IMAGENET_MULTILABEL_TEST_NO_EXCHANGE";

static STEPS: AtomicUsize = AtomicUsize::new(0);

/// Marks a point between two publish steps (see [`ABORT_AT_STEP_ENV`]). Writers that publish
/// several things in turn call it between them.
pub fn step() {
    let n = STEPS.fetch_add(1, Ordering::SeqCst) + 1;
    if let Ok(v) = std::env::var(ABORT_AT_STEP_ENV) {
        if v.trim().parse::<usize>().ok() == Some(n) {
            std::process::abort();
        }
    }
}

/// The names a published folder and its temporaries take in their parent folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    /// The final path, e.g. `DATA_DIR/imagenet2012_multilabel/3.0.0`.
    pub target: PathBuf,
    /// Prefix of staging folders (`.data.staging-` by default; TFDS: `incomplete.`, a name
    /// TFDS readers skip).
    pub staging_prefix: String,
    /// Prefix of an old build set aside during a fallback swap (`.data.old-` by default).
    pub aside_prefix: String,
}

impl Slot {
    /// Hidden names beside `target`: `.NAME.staging-…`, `.NAME.old-…`.
    pub fn hidden(target: impl Into<PathBuf>) -> Slot {
        let target = target.into();
        let name = file_name(&target);
        Slot {
            staging_prefix: format!(".{name}.staging-"),
            aside_prefix: format!(".{name}.old-"),
            target,
        }
    }

    fn parent(&self) -> PathBuf {
        match self.target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }
}

/// A folder being filled, to be published under [`Slot::target`] by [`Staging::publish`];
/// dropped unpublished, it is removed.
#[derive(Debug)]
pub struct Staging {
    slot: Slot,
    dir: PathBuf,
    published: bool,
}

impl Staging {
    /// Creates a fresh staging folder `{staging_prefix}{unique}{suffix}` beside the target
    /// (and the parent folder if needed). Call [`recover`] first to clear leftovers.
    pub fn create(slot: &Slot, suffix: &str) -> Result<Staging> {
        let parent = slot.parent();
        fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
        let mut last = None;
        for _ in 0..16 {
            let dir = parent.join(format!("{}{}{suffix}", slot.staging_prefix, unique()));
            match fs::create_dir(&dir) {
                Ok(()) => {
                    return Ok(Staging {
                        slot: slot.clone(),
                        dir,
                        published: false,
                    })
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(dir),
                Err(e) => return Err(Error::io(&dir, e)),
            }
        }
        Err(Error::io(
            last.unwrap_or(parent),
            std::io::Error::other("no free staging name"),
        ))
    }

    /// The folder to write into.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Publishes the folder under the slot's target, replacing an existing one only if
    /// `replace` (see [`publish_dir`]).
    pub fn publish(mut self, replace: bool) -> Result<()> {
        publish_dir(&self.dir, &self.slot, replace)?;
        self.published = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Makes the complete folder `staged` appear as `slot.target`, all at once. An existing
/// target is replaced only if `replace` (else an error names it); the old folder is removed
/// after the swap. See the module documentation for the guarantees.
pub fn publish_dir(staged: &Path, slot: &Slot, replace: bool) -> Result<()> {
    let target = &slot.target;
    step();
    match fs::symlink_metadata(target) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::rename(staged, target).map_err(|e| Error::io(target, e))?;
            step();
            sync_parent(slot);
            return Ok(());
        }
        Err(e) => return Err(Error::io(target, e)),
        Ok(meta) if !meta.is_dir() => {
            return Err(Error::Mismatch(format!(
                "{} exists and is not a folder; move it away or choose another output",
                target.display()
            )))
        }
        Ok(_) if !replace => {
            return Err(Error::Mismatch(format!(
                "{} already exists; ask to replace it (--force) or choose another output",
                target.display()
            )))
        }
        Ok(_) => {}
    }
    if std::env::var_os(NO_EXCHANGE_ENV).is_none() && exchange(staged, target).is_ok() {
        // `staged` now holds the old build, no longer visible under any final name.
        step();
        sync_parent(slot);
        let _ = fs::remove_dir_all(staged);
        step();
        return Ok(());
    }
    let aside = slot
        .parent()
        .join(format!("{}{}", slot.aside_prefix, unique()));
    fs::rename(target, &aside).map_err(|e| Error::io(target, e))?;
    step();
    if let Err(e) = fs::rename(staged, target) {
        // Put the old build back; if even that fails, `recover` will.
        let _ = fs::rename(&aside, target);
        return Err(Error::io(target, e));
    }
    step();
    sync_parent(slot);
    let _ = fs::remove_dir_all(&aside);
    step();
    Ok(())
}

/// Repairs what an interrupted build left in the slot's parent folder: if the target is
/// missing and an old build was set aside, it is renamed back; then staging folders, and
/// set-aside folders while the target exists, are removed. Returns the paths removed or
/// restored, for the caller to report.
pub fn recover(slot: &Slot) -> Result<Vec<PathBuf>> {
    let parent = slot.parent();
    let mut touched = Vec::new();
    let Ok(entries) = fs::read_dir(&parent) else {
        return Ok(touched);
    };
    let mut staging = Vec::new();
    let mut asides = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(&slot.aside_prefix) {
            asides.push(entry.path());
        } else if name.starts_with(&slot.staging_prefix) {
            staging.push(entry.path());
        }
    }
    if !asides.is_empty() && fs::symlink_metadata(&slot.target).is_err() {
        // The newest set-aside folder is the last complete build.
        asides.sort_by_key(|p| fs::metadata(p).and_then(|m| m.modified()).ok());
        if let Some(last) = asides.pop() {
            fs::rename(&last, &slot.target).map_err(|e| Error::io(&slot.target, e))?;
            touched.push(slot.target.clone());
        }
    }
    for path in staging.into_iter().chain(asides) {
        let removed = if path.is_dir() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        removed.map_err(|e| Error::io(&path, e))?;
        touched.push(path);
    }
    Ok(touched)
}

/// Swaps two existing folders in one atomic step.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    rustix::fs::renameat_with(
        rustix::fs::CWD,
        a,
        rustix::fs::CWD,
        b,
        rustix::fs::RenameFlags::EXCHANGE,
    )
    .map_err(std::io::Error::from)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn exchange(_a: &Path, _b: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// Makes the renames durable (best effort: not every platform can sync a folder).
fn sync_parent(slot: &Slot) {
    if let Ok(d) = fs::File::open(slot.parent()) {
        let _ = d.sync_all();
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A name part unique within this process and among live processes: `PID-N` (callers create
/// with `create_dir`, which fails on a clash, and retry).
pub(crate) fn unique() -> String {
    // The process id keeps concurrent processes apart and the counter the calls of one
    // process; a name left by an earlier process with the same id is skipped by the caller's
    // retry on `AlreadyExists` (and removed by `recover`), so nothing random is needed.
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        v.sort();
        v
    }

    fn build(slot: &Slot, content: &str, replace: bool) -> Result<()> {
        let staging = Staging::create(slot, "")?;
        fs::write(staging.path().join("f"), content).unwrap();
        staging.publish(replace)
    }

    #[test]
    fn publish_creates_then_replaces_only_when_asked() {
        for exchange in [true, false] {
            let dir = tempfile::tempdir().unwrap();
            let slot = Slot::hidden(dir.path().join("data"));
            fs::write(dir.path().join("user.txt"), "mine").unwrap();
            build(&slot, "one", false).unwrap();
            assert_eq!(fs::read_to_string(slot.target.join("f")).unwrap(), "one");
            let e = build(&slot, "two", false).unwrap_err().to_string();
            assert!(e.contains("already exists"), "{e}");
            assert_eq!(fs::read_to_string(slot.target.join("f")).unwrap(), "one");
            if !exchange {
                std::env::set_var(NO_EXCHANGE_ENV, "1");
            }
            build(&slot, "two", true).unwrap();
            std::env::remove_var(NO_EXCHANGE_ENV);
            assert_eq!(fs::read_to_string(slot.target.join("f")).unwrap(), "two");
            assert_eq!(names(dir.path()), ["data", "user.txt"]);
        }
    }

    #[test]
    fn recover_restores_a_set_aside_build_and_removes_staging() {
        let dir = tempfile::tempdir().unwrap();
        let slot = Slot::hidden(dir.path().join("data"));
        // As a crash between the fallback's two renames leaves it.
        let aside = dir.path().join(".data.old-ABC123");
        fs::create_dir(&aside).unwrap();
        fs::write(aside.join("f"), "old").unwrap();
        let staging = dir.path().join(".data.staging-XYZ789");
        fs::create_dir(&staging).unwrap();
        fs::write(staging.join("f"), "half").unwrap();
        let touched = recover(&slot).unwrap();
        assert_eq!(touched.len(), 2);
        assert_eq!(fs::read_to_string(slot.target.join("f")).unwrap(), "old");
        assert_eq!(names(dir.path()), ["data"]);
        // With the target present, a set-aside folder is an old build: removed.
        fs::create_dir(&aside).unwrap();
        recover(&slot).unwrap();
        assert_eq!(names(dir.path()), ["data"]);
    }

    #[test]
    fn a_target_that_is_a_file_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let slot = Slot::hidden(dir.path().join("data"));
        fs::write(&slot.target, "a user's file").unwrap();
        let e = build(&slot, "x", true).unwrap_err().to_string();
        assert!(e.contains("is not a folder"), "{e}");
        assert_eq!(fs::read_to_string(&slot.target).unwrap(), "a user's file");
        assert_eq!(names(dir.path()), ["data"]);
    }
}
