//! WebDataset tar shards, the form the PyTorch `webdataset` library streams.
//!
//! One split is written as `OUT/{split}-{i:06}.tar`. Each example is three consecutive members
//! sharing a key, the file name's stem (`ILSVRC2012_val_00000001`):
//!
//! - `{key}.cls`: the original label id in ASCII (`65`), what `.to_tuple("jpg", "cls")` wants;
//! - `{key}.jpg`: the JPEG bytes, untouched;
//! - `{key}.json`: `file_name`, every label as `{"id", "wnid", "name"}`, `is_problematic`.
//!
//! `webdataset` splits a member name at its *first* dot into key and extension, so a key with
//! a dot would be misread: such file names are refused, as are repeated keys (two examples
//! would silently merge). Headers carry no owner and a fixed time, as `tar`'s
//! `HeaderMode::Deterministic` writes them, so shards are byte-reproducible.

use std::collections::HashSet;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use imagenet_multilabel::{ClassId, Error, Example, Result, Split};
use serde::Serialize;

use crate::staged::{self, Staged};
use crate::Summary;

/// How a split is cut into shards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebDatasetOptions {
    /// Start a new shard before it would pass this many bytes (500 MB by default; a single
    /// larger example still gets a shard of its own).
    pub max_bytes_per_shard: u64,
    /// Start a new shard after this many examples (no limit by default).
    pub max_examples_per_shard: Option<usize>,
}

impl Default for WebDatasetOptions {
    fn default() -> WebDatasetOptions {
        WebDatasetOptions {
            max_bytes_per_shard: 500_000_000,
            max_examples_per_shard: None,
        }
    }
}

/// Writes one split as WebDataset shards; see the [module docs](self).
pub struct WebDatasetWriter {
    split: Split,
    options: WebDatasetOptions,
    /// Declared before `staged`, so that it is dropped (closed) before the temporary files
    /// are removed: an open file cannot be removed everywhere.
    current: Option<Shard>,
    staged: Staged,
    keys: HashSet<String>,
    examples: usize,
    bytes: u64,
}

/// The shard being written.
struct Shard {
    path: PathBuf,
    tar: tar::Builder<BufWriter<File>>,
    examples: usize,
    /// Bytes written so far, end-of-archive blocks excluded.
    bytes: u64,
}

/// Tar blocks are 512 bytes; an archive ends with two zero blocks.
const BLOCK: u64 = 512;
const END: u64 = 2 * BLOCK;

/// The mtime `tar`'s deterministic mode uses: fixed and non-zero (some tools reject 0).
const MTIME: u64 = 1_153_704_088;

impl WebDatasetWriter {
    /// Starts writing `split` into `out_dir` (created if needed). Nothing appears under a
    /// final name before [`WebDatasetWriter::finish`].
    pub fn create(
        out_dir: &Path,
        split: Split,
        options: &WebDatasetOptions,
    ) -> Result<WebDatasetWriter> {
        if options.max_examples_per_shard == Some(0) {
            return Err(Error::invalid(
                out_dir,
                "WebDataset options",
                "examples per shard must be at least 1",
            ));
        }
        let mut writer = WebDatasetWriter {
            split,
            options: options.clone(),
            staged: Staged::new(out_dir)?,
            current: None,
            keys: HashSet::new(),
            examples: 0,
            bytes: 0,
        };
        // As for Parquet: fail early on an unwritable folder; an empty split is one empty shard.
        writer.open()?;
        Ok(writer)
    }

    /// Appends one example (three tar members). An example whose key is unusable or already
    /// written is refused before anything is written; after any other error, drop the writer
    /// (nothing is published, its temporary files are removed).
    pub fn write(&mut self, example: &Example) -> Result<()> {
        let Some(shard) = &self.current else {
            return Err(Error::io(
                self.staged.dir(),
                std::io::Error::other("WebDataset writer used after an earlier error"),
            ));
        };
        let dir = self.staged.dir();
        let at = || staged::example_at(self.split, self.examples, example);
        let key = key(&example.file_name).map_err(|m| Error::invalid(dir, at(), m))?;
        if self.keys.contains(key) {
            return Err(Error::invalid(
                dir,
                at(),
                format!("key {key} was already written: each file name must be unique"),
            ));
        }
        let json = serde_json::to_vec(&Labels::of(example))
            .map_err(|e| Error::invalid(dir, at(), e.to_string()))?;
        let cls = example.original_label.as_u16().to_string();
        let members: [(&str, &[u8]); 3] = [
            ("cls", cls.as_bytes()),
            ("jpg", &example.image),
            ("json", &json),
        ];
        let size: u64 = members.iter().map(|(_, data)| member_size(data)).sum();

        let full_count = self
            .options
            .max_examples_per_shard
            .is_some_and(|n| shard.examples >= n);
        let full_bytes = shard.bytes + size + END > self.options.max_bytes_per_shard;
        if shard.examples > 0 && (full_count || full_bytes) {
            self.close()?;
            self.open()?;
        }
        let Some(shard) = &mut self.current else {
            return Err(Error::io(
                self.staged.dir(),
                std::io::Error::other("no shard open"),
            ));
        };
        for (ext, data) in members {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_entry_type(tar::EntryType::Regular);
            header.set_mode(0o644);
            header.set_uid(0);
            header.set_gid(0);
            header.set_mtime(MTIME);
            shard
                .tar
                .append_data(&mut header, format!("{key}.{ext}"), data)
                .map_err(|e| Error::io(&shard.path, e))?;
        }
        shard.examples += 1;
        shard.bytes += size;
        self.keys.insert(key.to_string());
        self.examples += 1;
        Ok(())
    }

    /// Closes the last shard and publishes the split under its final names, removing shards
    /// of an earlier run of the same split beyond this run's last one.
    pub fn finish(mut self) -> Result<Summary> {
        self.close()?;
        let split = self.split.name();
        let names: Vec<String> = (0..self.staged.len())
            .map(|i| format!("{split}-{i:06}.tar"))
            .collect();
        let prefix = format!("{split}-");
        let files = self
            .staged
            .publish(&names, |n| staged::has_digits(n, &prefix, 6, ".tar"))?;
        Ok(Summary {
            files,
            examples: self.examples,
            bytes: self.bytes,
        })
    }

    fn open(&mut self) -> Result<()> {
        let stem = format!("{}-{:06}.tar", self.split.name(), self.staged.len());
        let (path, out) = self.staged.create(&stem)?;
        self.current = Some(Shard {
            path,
            tar: tar::Builder::new(out),
            examples: 0,
            bytes: 0,
        });
        Ok(())
    }

    fn close(&mut self) -> Result<()> {
        let Some(shard) = self.current.take() else {
            return Ok(());
        };
        let out = shard
            .tar
            .into_inner()
            .map_err(|e| Error::io(&shard.path, e))?;
        self.bytes += staged::close(&shard.path, out)?;
        Ok(())
    }
}

/// The key of a file name: its stem, which must be a plain name without dots.
fn key(file_name: &str) -> std::result::Result<&str, String> {
    let stem = file_name
        .split_once('.')
        .map_or(file_name, |(stem, _)| stem);
    let rest = &file_name[stem.len()..];
    if stem.is_empty() {
        return Err("an empty file name stem cannot be a WebDataset key".into());
    }
    if rest.len() > 1 && rest[1..].contains('.') {
        return Err(
            "a file name with more than one dot: WebDataset keys end at the first dot".into(),
        );
    }
    if let Some(c) = stem
        .chars()
        .find(|c| matches!(c, '/' | '\\') || c.is_control())
    {
        return Err(format!(
            "a WebDataset key cannot contain {c:?}: it would not be a plain member name"
        ));
    }
    Ok(stem)
}

/// The size of one tar member: a header block and the data padded to whole blocks.
fn member_size(data: &[u8]) -> u64 {
    BLOCK + (data.len() as u64).div_ceil(BLOCK) * BLOCK
}

/// `{key}.json`: the example's features other than the image, every label named.
#[derive(Serialize)]
struct Labels<'a> {
    file_name: &'a str,
    original_label: Label,
    correct_multi_labels: Vec<Label>,
    wrong_multi_labels: Vec<Label>,
    unclear_multi_labels: Vec<Label>,
    is_problematic: bool,
}

/// A class by id, wnid and display name.
#[derive(Serialize)]
struct Label {
    id: u16,
    wnid: &'static str,
    name: &'static str,
}

impl Labels<'_> {
    /// Every class id has a wnid and a name: a `ClassId` is below 1000 by construction.
    fn of(example: &Example) -> Labels<'_> {
        let label = |c: &ClassId| Label {
            id: c.as_u16(),
            wnid: c.wnid(),
            name: c.name(),
        };
        Labels {
            file_name: &example.file_name,
            original_label: label(&example.original_label),
            correct_multi_labels: example.correct_multi_labels.iter().map(label).collect(),
            wrong_multi_labels: example.wrong_multi_labels.iter().map(label).collect(),
            unclear_multi_labels: example.unclear_multi_labels.iter().map(label).collect(),
            is_problematic: example.is_problematic,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_the_stem_and_refuses_what_webdataset_would_misread() {
        assert_eq!(
            key("ILSVRC2012_val_00000001.JPEG"),
            Ok("ILSVRC2012_val_00000001")
        );
        assert_eq!(key("plain"), Ok("plain"));
        assert!(key("a.b.JPEG").unwrap_err().contains("first dot"));
        assert!(key(".JPEG").unwrap_err().contains("empty"));
        assert!(key("").unwrap_err().contains("empty"));
        assert!(key("dir/x.JPEG").unwrap_err().contains("'/'"));
    }

    #[test]
    fn member_size_counts_header_and_padding() {
        assert_eq!(member_size(b""), 512);
        assert_eq!(member_size(&[0; 1]), 1024);
        assert_eq!(member_size(&[0; 512]), 1024);
        assert_eq!(member_size(&[0; 513]), 1536);
    }
}
