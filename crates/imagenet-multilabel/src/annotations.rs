//! Loading `human_accuracy_v3.0.0.json` into the index.
//!
//! The file is one 200 MB JSON object of which three top-level keys matter (they may come in
//! any order, anywhere among the others):
//! - `initial_annots`: `{name: {"correct": [wnid…], "wrong": […], "unclear": […]}}`. Only
//!   names starting with `ILSVRC2012_val_` (case-sensitive) are kept: the map also holds
//!   ImageNetV2 images (counted by prefix, [`foreign_prefix`], for `info`; never graded). A missing list is empty; other keys inside a record are ignored; lists
//!   keep file order and duplicates, as TFDS keeps them.
//! - `problematic_images`: `{name: {…}}`: only the keys matter. Names that are not validation
//!   names are ignored (ImageNetV2); validation images listed here that are not annotated are
//!   not counted anywhere (they have no record to flag).
//! - `imagenet_m`: the 68 ImageNet-M names, each annotated. Absent in releases before 2022,
//!   so a file without it loads with an empty ImageNet-M.
//!
//! The rest (per-labeller annotations, review logs: most of the bytes) is skipped by a
//! validating scanner (the `json` submodule) without being materialised. The file is
//! memory-mapped and hashed (sha256, for the version check) on a second thread while it is
//! parsed; pages both threads have passed are handed back to the kernel, so resident memory
//! is bounded by how far one thread runs ahead of the other, not by the file's size.
//!
//! A second load of an unchanged file comes from a compact binary cache ([`crate::cache`]).

mod json;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use sha2::{Digest, Sha256};

use crate::cache;
use crate::classes::{ClassId, ImageId, NUM_VAL_IMAGES};
use crate::error::{Error, Result};
use crate::index::{Annotations, ForeignGroup, Record, Source, Version};

use json::Scanner;

/// The prefix of the names kept; anything else in the maps is another dataset's.
const VAL_PREFIX: &str = "ILSVRC2012_val_";

/// How to load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadOptions {
    /// Directory of the parse cache; `None`: neither read nor write a cache.
    pub cache_dir: Option<PathBuf>,
}

impl Default for LoadOptions {
    /// The cache in `home::home_dir()/cache` (none if no home directory can be determined).
    fn default() -> LoadOptions {
        LoadOptions {
            cache_dir: crate::home::home_dir().map(|home| home.join("cache")),
        }
    }
}

impl LoadOptions {
    /// Options that never touch a cache.
    pub fn no_cache() -> LoadOptions {
        LoadOptions { cache_dir: None }
    }
}

/// What happened during a load, beyond its result: for the CLI to mention (the library
/// does not print).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// The index came from the cache (the file was not parsed).
    pub from_cache: bool,
    /// The cache could not be written (read-only directory, full disk…): the load succeeded
    /// but the next one will parse again. A corrupt or stale cache entry is not an error: it
    /// is silently rebuilt.
    pub cache_error: Option<String>,
}

/// Loads the annotations at `path`: from the cache when it holds this exact file (same
/// canonical path, size and modification time), else by parsing it (and then caching it).
pub fn load(path: &Path, options: &LoadOptions) -> Result<Annotations> {
    load_with_report(path, options).map(|(annotations, _)| annotations)
}

/// [`load`], also saying whether the cache was used and whether it could be written.
pub fn load_with_report(path: &Path, options: &LoadOptions) -> Result<(Annotations, LoadReport)> {
    let mut report = LoadReport::default();
    // A file whose key cannot be taken (no mtime on this platform) is simply not cached; a
    // missing file is reported by the parse below.
    let key = options
        .cache_dir
        .as_ref()
        .and_then(|_| cache::Key::of(path).ok());
    if let (Some(dir), Some(key)) = (&options.cache_dir, &key) {
        if let Some(hit) = cache::read(dir, key) {
            let source = source(path, key.size, hit.sha256);
            if let Ok(annotations) = Annotations::new(hit.records, hit.imagenet_m, source) {
                report.from_cache = true;
                return Ok((annotations.with_foreign(hit.foreign), report));
            }
        }
    }
    let (parsed, sha256, size) = parse_file(path)?;
    let annotations = Annotations::new(
        parsed.records,
        parsed.imagenet_m,
        source(path, size, sha256),
    )?
    .with_foreign(parsed.foreign);
    if let (Some(dir), Some(key)) = (&options.cache_dir, &key) {
        // Cache only what was read from the file the key describes.
        match cache::Key::of(path) {
            Ok(after) if after == *key && size == key.size => {
                if let Err(e) = cache::write(dir, key, &annotations) {
                    report.cache_error = Some(e.to_string());
                }
            }
            _ => {
                report.cache_error = Some(format!(
                    "{} changed while it was read; not cached",
                    path.display()
                ))
            }
        }
    }
    Ok((annotations, report))
}

fn source(path: &Path, size: u64, sha256: String) -> Source {
    Source {
        path: path.to_path_buf(),
        size,
        version: Version::from_sha256(&sha256),
        sha256,
    }
}

/// Bytes hashed (and released) at a time.
const CHUNK: usize = json::PROGRESS_STEP;

/// Parses the file with the sha256 computed on a second thread; returns what was parsed,
/// the sha256 and the size.
fn parse_file(path: &Path) -> Result<(Parsed, String, u64)> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        let error = std::io::Error::other("not a regular file: expected the annotations JSON file");
        return Err(Error::io(path, error));
    }
    let size = meta.len();
    // SAFETY: the map is read-only and private to this call. If another process truncates
    // or rewrites the file while we read it, reads may see torn data or fault (SIGBUS); this
    // is the same trade ripgrep documents, and the annotations file is not expected to change
    // under a reader (`fetch` replaces it by an atomic rename, which leaves our map intact).
    let map = match size {
        0 => None,
        _ => Some(unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Error::io(path, e))?),
    };
    let bytes: &[u8] = map.as_deref().unwrap_or(&[]);
    #[cfg(unix)]
    if let Some(map) = &map {
        let _ = map.advise(memmap2::Advice::Sequential);
    }

    let parsed = AtomicUsize::new(0);
    let hashed = AtomicUsize::new(0);
    let released = AtomicUsize::new(0);
    let cancel = AtomicBool::new(false);
    // Pages both threads have passed go back to the kernel, so resident memory stays bounded.
    let release = || {
        let upto = parsed
            .load(Ordering::SeqCst)
            .min(hashed.load(Ordering::SeqCst));
        let upto = upto / CHUNK * CHUNK;
        let from = released.fetch_max(upto, Ordering::SeqCst);
        #[cfg(unix)]
        if let (Some(map), true) = (&map, upto > from) {
            // SAFETY: a read-only, file-backed shared mapping: MADV_DONTNEED drops the pages
            // from this process; a later read faults them back in from the page cache with
            // identical content (only error messages ever look back).
            let _ = unsafe {
                map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, from, upto - from)
            };
        }
        #[cfg(not(unix))]
        let _ = (&map, from);
    };
    let progress = |pos: usize| {
        parsed.store(pos, Ordering::SeqCst);
        release();
    };

    let (result, digest) = std::thread::scope(|scope| {
        let hasher = scope.spawn(|| {
            let mut sha = Sha256::new();
            for chunk in bytes.chunks(CHUNK) {
                if cancel.load(Ordering::Relaxed) {
                    return None;
                }
                sha.update(chunk);
                hashed.fetch_add(chunk.len(), Ordering::SeqCst);
                release();
            }
            Some(sha.finalize())
        });
        let result = parse_with(Scanner::new(bytes, path).with_progress(&progress));
        if result.is_err() {
            cancel.store(true, Ordering::Relaxed);
        }
        (result, hasher.join())
    });
    let parsed = result?;
    let digest = digest
        .ok()
        .flatten()
        .ok_or_else(|| Error::io(path, std::io::Error::other("the hashing thread failed")))?;
    let sha256 = crate::index::hex(&digest);
    Ok((parsed, sha256, size))
}

/// What [`parse`] finds, with the count of the keys it leaves out.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed {
    /// The annotated validation images, in file order.
    pub records: Vec<Record>,
    /// The ImageNet-M list.
    pub imagenet_m: Vec<ImageId>,
    /// Keys of `initial_annots` that are not validation images, by prefix (file order of
    /// first appearance; [`Annotations::with_foreign`] sorts them).
    pub foreign: Vec<ForeignGroup>,
}

/// The group a non-validation key of `initial_annots` is counted in: the text before its
/// first `/` (`imagenetv2-matched-frequency/12/ab…cd.jpeg` → `imagenetv2-matched-frequency`),
/// or for a bare name, the name without its extension and trailing digits
/// (`ILSVRC2012_test_00000001.JPEG` → `ILSVRC2012_test_`). A name that would give an empty
/// prefix is its own group.
pub fn foreign_prefix(name: &str) -> &str {
    if let Some((dir, _)) = name.split_once('/') {
        return dir;
    }
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    let prefix = stem.trim_end_matches(|c: char| c.is_ascii_digit());
    if prefix.is_empty() {
        name
    } else {
        prefix
    }
}

/// Parses the annotations JSON in `bytes` (`path` names it in errors): the annotated
/// validation images in file order (`problematic` and `imagenet_m` set) and the ImageNet-M
/// list. Checks every wnid, every validation name, and the JSON itself; does not check that
/// images are distinct or that ImageNet-M images are annotated ([`Annotations::new`] does).
pub fn parse(bytes: &[u8], path: &Path) -> Result<(Vec<Record>, Vec<ImageId>)> {
    parse_with(Scanner::new(bytes, path)).map(|p| (p.records, p.imagenet_m))
}

/// [`parse`], also counting the keys of `initial_annots` that are not validation images.
pub fn parse_full(bytes: &[u8], path: &Path) -> Result<Parsed> {
    parse_with(Scanner::new(bytes, path))
}

fn parse_with(mut s: Scanner<'_>) -> Result<Parsed> {
    let path = s.path();
    s.begin_object(|| "`{`: the file should be one JSON object".into())?;
    let mut records: Option<(Vec<Record>, Vec<ForeignGroup>)> = None;
    let mut problematic: Option<Vec<bool>> = None;
    let mut imagenet_m: Option<Vec<ImageId>> = None;
    let mut first = true;
    while let Some((at, key)) = s.next_key(&mut first)? {
        let seen = match &*key {
            "initial_annots" => records.replace(initial_annots(&mut s)?).is_some(),
            "problematic_images" => problematic.replace(problematic_images(&mut s)?).is_some(),
            "imagenet_m" => imagenet_m.replace(imagenet_m_list(&mut s)?).is_some(),
            _ => {
                s.skip_value()?;
                false
            }
        };
        if seen {
            return Err(Error::invalid(
                path,
                format!("{key} ({})", s.place(at)),
                "the key appears twice at the top level",
            ));
        }
    }
    if !s.at_end() {
        return Err(s.expected("the end of the file after the top-level object"));
    }
    let missing = |key: &str| {
        Error::invalid(
            path,
            key,
            "the top-level key is missing: is this the multi-label annotations file (human_accuracy_v3.0.0.json)?",
        )
    };
    let (mut records, foreign) = records.ok_or_else(|| missing("initial_annots"))?;
    let problematic = problematic.ok_or_else(|| missing("problematic_images"))?;
    let imagenet_m = imagenet_m.unwrap_or_default();
    let mut in_m = vec![false; problematic.len()];
    for image in &imagenet_m {
        in_m[image.0 as usize] = true;
    }
    for r in &mut records {
        r.problematic = problematic[r.image.0 as usize];
        r.imagenet_m = in_m[r.image.0 as usize];
    }
    Ok(Parsed {
        records,
        imagenet_m,
        foreign,
    })
}

/// The image a validation name denotes; `None` for other datasets' names; an error for a
/// name that claims to be a validation image but is malformed or out of range.
/// `map` and `at` (the key's offset) place it in messages.
fn val_image(s: &Scanner<'_>, name: &str, map: &str, at: usize) -> Result<Option<ImageId>> {
    if !name.starts_with(VAL_PREFIX) {
        return Ok(None);
    }
    ImageId::from_file_name(name).map(Some).ok_or_else(|| {
        Error::invalid(
            s.path(),
            format!("{map} ({})", s.place(at)),
            format!(
                "`{name}` is not a validation image name: expected ILSVRC2012_val_NNNNNNNN.JPEG with NNNNNNNN in 00000001..={NUM_VAL_IMAGES:08}"
            ),
        )
    })
}

fn initial_annots(s: &mut Scanner<'_>) -> Result<(Vec<Record>, Vec<ForeignGroup>)> {
    s.begin_object(|| "`{` opening initial_annots (a map of image name to labels)".into())?;
    let mut records = Vec::with_capacity(20_000);
    let mut foreign: Vec<ForeignGroup> = Vec::new();
    let mut first = true;
    while let Some((at, name)) = s.next_key(&mut first)? {
        let Some(image) = val_image(s, &name, "initial_annots", at)? else {
            // A handful of prefixes: a linear search is cheaper than a map here.
            let prefix = foreign_prefix(&name);
            match foreign.iter_mut().find(|g| g.prefix == prefix) {
                Some(g) => g.count += 1,
                None => foreign.push(ForeignGroup {
                    prefix: prefix.to_string(),
                    count: 1,
                }),
            }
            s.skip_value()?;
            continue;
        };
        s.begin_object(|| format!("`{{` opening the labels of initial_annots.{name}"))?;
        let mut lists: [Option<Vec<ClassId>>; 3] = [None, None, None];
        let mut first_list = true;
        while let Some((list_at, list)) = s.next_key(&mut first_list)? {
            let k = match &*list {
                "correct" => 0,
                "wrong" => 1,
                "unclear" => 2,
                _ => {
                    s.skip_value()?;
                    continue;
                }
            };
            let classes = wnid_list(s, &name, &list)?;
            if lists[k].replace(classes).is_some() {
                return Err(Error::invalid(
                    s.path(),
                    format!("initial_annots.{name}.{list} ({})", s.place(list_at)),
                    "the list appears twice in the same record",
                ));
            }
        }
        records.push(Record::new(
            image,
            lists.map(Option::unwrap_or_default),
            false,
        ));
    }
    Ok((records, foreign))
}

/// The list `initial_annots.NAME.LIST` (the names are for messages).
fn wnid_list(s: &mut Scanner<'_>, name: &str, list: &str) -> Result<Vec<ClassId>> {
    let at = || format!("initial_annots.{name}.{list}");
    s.begin_array(|| format!("`[` opening {} (a list of wnids)", at()))?;
    let mut classes = Vec::new();
    let mut first = true;
    while s.next_item(&mut first)? {
        let offset = s.pos();
        let wnid = s.string()?;
        let class = ClassId::from_wnid(&wnid).ok_or_else(|| {
            Error::invalid(
                s.path(),
                format!("{}[{}] ({})", at(), classes.len(), s.place(offset)),
                format!("`{wnid}` is not one of the 1000 ImageNet wnids"),
            )
        })?;
        classes.push(class);
    }
    Ok(classes)
}

/// Which images are problematic, indexed by image number.
fn problematic_images(s: &mut Scanner<'_>) -> Result<Vec<bool>> {
    s.begin_object(|| "`{` opening problematic_images (a map of image name to reasons)".into())?;
    let mut problematic = vec![false; NUM_VAL_IMAGES as usize + 1];
    let mut first = true;
    while let Some((at, name)) = s.next_key(&mut first)? {
        if let Some(image) = val_image(s, &name, "problematic_images", at)? {
            problematic[image.0 as usize] = true;
        }
        s.skip_value()?;
    }
    Ok(problematic)
}

fn imagenet_m_list(s: &mut Scanner<'_>) -> Result<Vec<ImageId>> {
    s.begin_array(|| "`[` opening imagenet_m (a list of image names)".into())?;
    let mut images: Vec<ImageId> = Vec::with_capacity(68);
    let mut first = true;
    while s.next_item(&mut first)? {
        let offset = s.pos();
        let name = s.string()?;
        let at = || format!("imagenet_m[{}] ({})", images.len(), s.place(offset));
        let image = ImageId::from_file_name(&name).ok_or_else(|| {
            Error::invalid(
                s.path(),
                at(),
                format!("`{name}` is not a validation image name (ILSVRC2012_val_NNNNNNNN.JPEG)"),
            )
        })?;
        if images.contains(&image) {
            return Err(Error::invalid(
                s.path(),
                at(),
                format!("{image} is listed twice"),
            ));
        }
        images.push(image);
    }
    Ok(images)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::annotations::{generate, Spec, Synthetic};
    use std::fs;

    fn small(seed: u64) -> Spec {
        Spec {
            per_class: 2,
            seed,
            ..Spec::default()
        }
    }

    fn written(spec: &Spec) -> (tempfile::TempDir, PathBuf, Synthetic) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("human_accuracy.json");
        let synthetic = generate(spec);
        synthetic.write_json(&path).unwrap();
        (dir, path, synthetic)
    }

    fn sha256_hex(bytes: &[u8]) -> String {
        Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The JSON of a minimal valid file, with `annots` as `initial_annots` and extra text.
    fn doc(annots: &str, rest: &str) -> String {
        format!(r#"{{"initial_annots": {annots}, "problematic_images": {{}}{rest}}}"#)
    }

    fn parse_err(text: &str) -> String {
        parse(text.as_bytes(), Path::new("h.json"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn round_trip_equals_the_truth_across_seeds_and_scales() {
        for (seed, per_class, filler) in [(0, 2, 0), (1, 3, 50_000), (2, 1, 7_000), (3, 5, 0)] {
            let spec = Spec {
                per_class,
                filler_bytes: filler,
                ..small(seed)
            };
            let (_dir, path, truth) = written(&spec);
            let a = load(&path, &LoadOptions::no_cache()).unwrap();
            assert_eq!(a.records(), &truth.records[..], "seed {seed}");
            assert_eq!(a.imagenet_m(), &truth.imagenet_m[..]);
            assert_eq!(a.foreign(), truth.annotations().foreign());
            assert!(!a.foreign().is_empty());
            let bytes = fs::read(&path).unwrap();
            let source = a.source();
            assert_eq!(source.path, path);
            assert_eq!(source.size, bytes.len() as u64);
            assert_eq!(source.sha256, sha256_hex(&bytes));
            assert_eq!(source.version, Version::Unrecognised);
            for image in &truth.problematic_unannotated {
                assert!(a.get(*image).is_none());
            }
            // The pure parser agrees and keeps file order.
            let (records, m) = parse(&bytes, &path).unwrap();
            assert_eq!(m, truth.imagenet_m);
            assert_eq!(records.len(), truth.records.len());
        }
    }

    #[test]
    fn a_file_larger_than_a_chunk_releases_pages_and_still_matches() {
        let spec = Spec {
            filler_bytes: 2 * CHUNK + 12_345,
            ..small(9)
        };
        let (_dir, path, truth) = written(&spec);
        let a = load(&path, &LoadOptions::no_cache()).unwrap();
        assert_eq!(a.records(), &truth.records[..]);
        assert_eq!(a.source().sha256, sha256_hex(&fs::read(&path).unwrap()));
    }

    #[test]
    fn any_layout_of_the_same_content_loads_the_same() {
        let (_dir, path, truth) = written(&small(4));
        // Re-serialised pretty and with keys sorted: other whitespace, other key order.
        let value: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        let (records, m) = parse(pretty.as_bytes(), &path).unwrap();
        let source = super::source(&path, 0, String::new());
        let a = Annotations::new(records, m, source).unwrap();
        assert_eq!(a.records(), &truth.records[..]);
    }

    #[test]
    fn lists_keep_order_and_duplicates_and_foreign_entries_are_ignored() {
        let text = doc(
            r#"{"ILSVRC2012_val_00000001.JPEG": {"wrong": ["n01440764", "n01443537", "n01440764"], "extra": {"correct": 3}, "correct": []},
                "imagenetv2-matched-frequency/0/x.jpeg": {"correct": ["not a wnid"]},
                "ilsvrc2012_val_00000002.JPEG": {"correct": [1]},
                "ILSVRC2012_val_00000003.JPEG": {}}"#,
            r#", "imagenet_m": ["ILSVRC2012_val_00000003.JPEG"], "x": [NaN, -Infinity]"#,
        );
        let text = text.replace(
            r#""problematic_images": {}"#,
            r#""problematic_images": {"ILSVRC2012_val_00000003.JPEG": {"server_user_name": "x"}, "ILSVRC2012_val_00000004.JPEG": {}, "imagenetv2/1.jpeg": null}"#,
        );
        let (records, m) = parse(text.as_bytes(), Path::new("h.json")).unwrap();
        assert_eq!(m, [ImageId(3)]);
        assert_eq!(records.len(), 2);
        let r1 = &records[0];
        assert_eq!(r1.image, ImageId(1));
        assert_eq!(r1.original, ImageId(1).original_label());
        assert_eq!(r1.wrong, [ClassId(0), ClassId(1), ClassId(0)]);
        assert!(r1.correct.is_empty() && r1.unclear.is_empty());
        assert!(!r1.problematic && !r1.imagenet_m);
        let r3 = &records[1];
        assert_eq!(r3.image, ImageId(3));
        assert!(r3.problematic && r3.imagenet_m);
        assert!(r3.correct.is_empty() && r3.wrong.is_empty() && r3.unclear.is_empty());
        // The foreign key of initial_annots is counted (not those of problematic_images).
        let parsed = parse_full(text.as_bytes(), Path::new("h.json")).unwrap();
        assert_eq!(
            parsed.foreign,
            [
                ForeignGroup {
                    prefix: "imagenetv2-matched-frequency".into(),
                    count: 1
                },
                ForeignGroup {
                    prefix: "ilsvrc2012_val_".into(),
                    count: 1
                }
            ]
        );
    }

    #[test]
    fn foreign_keys_are_grouped_by_prefix() {
        let cases = [
            (
                "imagenetv2-matched-frequency/12/0123456789abcdef0123456789abcdef.jpeg",
                "imagenetv2-matched-frequency",
            ),
            (
                "imagenetv2-threshold0.7/999/ab.jpeg",
                "imagenetv2-threshold0.7",
            ),
            ("ILSVRC2012_test_00000001.JPEG", "ILSVRC2012_test_"),
            ("ilsvrc2012_val_00001234.JPEG", "ilsvrc2012_val_"),
            ("12345.jpg", "12345.jpg"),
            ("", ""),
            ("noext", "noext"),
        ];
        for (name, prefix) in cases {
            assert_eq!(foreign_prefix(name), prefix, "{name}");
        }
    }

    #[test]
    fn imagenet_m_may_be_absent_but_the_other_keys_may_not() {
        let (records, m) = parse(doc("{}", "").as_bytes(), Path::new("h.json")).unwrap();
        assert!(records.is_empty() && m.is_empty());
        let err = parse_err(r#"{"problematic_images": {}, "imagenet_m": []}"#);
        assert!(
            err.starts_with("h.json: initial_annots: the top-level key is missing"),
            "{err}"
        );
        let err = parse_err(r#"{"initial_annots": {}}"#);
        assert!(
            err.starts_with("h.json: problematic_images: the top-level key is missing"),
            "{err}"
        );
    }

    #[test]
    fn bad_values_are_named_with_file_key_and_value() {
        let cases = [
            (
                doc(r#"{"ILSVRC2012_val_00000001.JPEG": {"correct": ["n01440764", "n99999999"]}}"#, ""),
                "h.json: initial_annots.ILSVRC2012_val_00000001.JPEG.correct[1] (line 1, column 79 (byte 78)): `n99999999` is not one of the 1000 ImageNet wnids",
            ),
            (
                doc(r#"{"ILSVRC2012_val_00050001.JPEG": {}}"#, ""),
                "h.json: initial_annots (line 1, column 21 (byte 20)): `ILSVRC2012_val_00050001.JPEG` is not a validation image name: expected ILSVRC2012_val_NNNNNNNN.JPEG with NNNNNNNN in 00000001..=00050000",
            ),
            (
                doc(r#"{"ILSVRC2012_val_00000000.JPEG": {}}"#, ""),
                "`ILSVRC2012_val_00000000.JPEG` is not a validation image name",
            ),
            (
                doc(r#"{"ILSVRC2012_val_1.JPEG": {}}"#, ""),
                "`ILSVRC2012_val_1.JPEG` is not a validation image name",
            ),
            (
                doc(r#"{"ILSVRC2012_val_00000001.jpg": {}}"#, ""),
                "`ILSVRC2012_val_00000001.jpg` is not a validation image name",
            ),
            (
                doc("{}", "").replace(
                    r#""problematic_images": {}"#,
                    r#""problematic_images": {"ILSVRC2012_val_0000001.JPEG": {}}"#,
                ),
                "h.json: problematic_images (line 1, column 47 (byte 46)): `ILSVRC2012_val_0000001.JPEG` is not a validation image name",
            ),
            (
                doc("{}", r#", "imagenet_m": ["ILSVRC2012_val_00000001.JPEG", "n01440764"]"#),
                "h.json: imagenet_m[1] (line 1, column 97 (byte 96)): `n01440764` is not a validation image name",
            ),
            (
                doc("{}", r#", "imagenet_m": ["ILSVRC2012_val_00000001.JPEG", "ILSVRC2012_val_00000001.JPEG"]"#),
                "imagenet_m[1] (line 1, column 97 (byte 96)): ILSVRC2012_val_00000001.JPEG is listed twice",
            ),
            (
                doc("{}", r#", "initial_annots": {}"#),
                "h.json: initial_annots (line 1, column 50 (byte 49)): the key appears twice at the top level",
            ),
            (
                doc(r#"{"ILSVRC2012_val_00000001.JPEG": {"correct": [], "correct": []}}"#, ""),
                "initial_annots.ILSVRC2012_val_00000001.JPEG.correct (line 1, column 69 (byte 68)): the list appears twice",
            ),
        ];
        for (text, message) in cases {
            let err = parse_err(&text);
            assert!(err.contains(message), "{text}\n{err}");
        }
    }

    #[test]
    fn wrong_shapes_are_malformed_json_with_their_place() {
        let cases = [
            ("[]", "line 1, column 1 (byte 0): expected `{`: the file should be one JSON object, found `[`"),
            ("", "line 1, column 1 (byte 0): expected `{`: the file should be one JSON object, found the end of the file"),
            (r#"{"initial_annots": []}"#, "line 1, column 20 (byte 19): expected `{` opening initial_annots"),
            (&doc(r#"{"ILSVRC2012_val_00000001.JPEG": ["n01440764"]}"#, ""), "expected `{` opening the labels of initial_annots.ILSVRC2012_val_00000001.JPEG, found `[`"),
            (&doc(r#"{"ILSVRC2012_val_00000001.JPEG": {"wrong": "n01440764"}}"#, ""), "expected `[` opening initial_annots.ILSVRC2012_val_00000001.JPEG.wrong (a list of wnids), found `\"`"),
            (&doc(r#"{"ILSVRC2012_val_00000001.JPEG": {"wrong": [7]}}"#, ""), "expected a string, found `7`"),
            (&doc("{}", "} x"), "expected the end of the file after the top-level object, found `x`"),
            (&doc("{}", r#", "imagenet_m": {}"#), "expected `[` opening imagenet_m"),
            ("{\n\"junk\": [1,\n 2,,\n3]}", "line 3, column 4 (byte 17): expected a value, found `,`"),
        ];
        for (text, message) in cases {
            let err = parse_err(text);
            assert!(err.starts_with("h.json: malformed JSON at "), "{err}");
            assert!(err.contains(message), "{text}\n{err}");
        }
    }

    #[test]
    fn imagenet_m_must_be_annotated_and_errors_pass_through_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.json");
        fs::write(
            &path,
            doc("{}", r#", "imagenet_m": ["ILSVRC2012_val_00000009.JPEG"]"#),
        )
        .unwrap();
        let err = load(&path, &LoadOptions::no_cache()).unwrap_err();
        assert!(err.is_bad_input());
        let message = err.to_string();
        assert!(
            message.contains(
                "h.json: imagenet_m[0]: ILSVRC2012_val_00000009.JPEG is not in initial_annots"
            ),
            "{message}"
        );
        let err = load(dir.path(), &LoadOptions::no_cache())
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with("not a regular file: expected the annotations JSON file"),
            "{err}"
        );
        let missing = dir.path().join("absent.json");
        let cached = LoadOptions {
            cache_dir: Some(dir.path().join("cache")),
        };
        for options in [LoadOptions::no_cache(), cached] {
            let err = load(&missing, &options).unwrap_err();
            assert!(
                !err.is_bad_input() && err.to_string().contains("absent.json"),
                "{err}"
            );
        }
        fs::write(&path, "").unwrap();
        let err = load(&path, &LoadOptions::no_cache())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("h.json: malformed JSON at line 1, column 1 (byte 0)"),
            "{err}"
        );
    }

    #[test]
    fn cache_hit_miss_change_and_corruption() {
        let (dir, path, truth) = written(&small(5));
        let options = LoadOptions {
            cache_dir: Some(dir.path().join("cache")),
        };
        let (first, report) = load_with_report(&path, &options).unwrap();
        assert_eq!(report, LoadReport::default());
        let (second, report) = load_with_report(&path, &options).unwrap();
        assert!(report.from_cache && report.cache_error.is_none());
        assert_eq!(second.records(), &truth.records[..]);
        assert_eq!(second.imagenet_m(), &truth.imagenet_m[..]);
        assert_eq!(second.source(), first.source());

        // A changed file is parsed again (different content, so surely a different size or
        // mtime; the test sets the mtime apart to be certain).
        let other = generate(&small(6));
        other.write_json(&path).unwrap();
        let f = File::options().write(true).open(&path).unwrap();
        f.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5))
            .unwrap();
        let (changed, report) = load_with_report(&path, &options).unwrap();
        assert!(!report.from_cache);
        assert_eq!(changed.records(), &other.records[..]);
        assert_ne!(changed.source().sha256, first.source().sha256);
        assert!(load_with_report(&path, &options).unwrap().1.from_cache);

        // Corrupt or truncated entries are rebuilt silently.
        let key = cache::Key::of(&path).unwrap();
        let entry = cache::entry_path(options.cache_dir.as_ref().unwrap(), &key);
        let mut bytes = fs::read(&entry).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 1;
        fs::write(&entry, &bytes).unwrap();
        let (again, report) = load_with_report(&path, &options).unwrap();
        assert_eq!(report, LoadReport::default());
        assert_eq!(again.records(), &other.records[..]);
        fs::write(&entry, &bytes[..10]).unwrap();
        assert!(!load_with_report(&path, &options).unwrap().1.from_cache);
        assert!(load_with_report(&path, &options).unwrap().1.from_cache);
        let entries = fs::read_dir(options.cache_dir.as_ref().unwrap())
            .unwrap()
            .count();
        assert_eq!(entries, 1, "one entry per source file, no temp files left");
    }

    #[test]
    fn an_unwritable_cache_only_reports() {
        let (dir, path, truth) = written(&small(7));
        let blocker = dir.path().join("not-a-dir");
        fs::write(&blocker, "").unwrap();
        let options = LoadOptions {
            cache_dir: Some(blocker.join("cache")),
        };
        let (a, report) = load_with_report(&path, &options).unwrap();
        assert_eq!(a.records(), &truth.records[..]);
        assert!(!report.from_cache);
        let message = report.cache_error.unwrap();
        assert!(message.contains("not-a-dir"), "{message}");
    }

    #[test]
    fn default_options_use_the_home_cache() {
        let options = LoadOptions::default();
        assert_eq!(
            options.cache_dir,
            crate::home::home_dir().map(|h| h.join("cache"))
        );
        assert_eq!(LoadOptions::no_cache().cache_dir, None);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        const VALID: &str = r#"{"x": [1, {"y": "\u00e9"}], "initial_annots": {"ILSVRC2012_val_00000001.JPEG": {"correct": ["n01440764"], "wrong": ["n01443537", "n01440764"]}, "v2/a.jpeg": {}, "ILSVRC2012_val_00000002.JPEG": {"unclear": []}}, "problematic_images": {"ILSVRC2012_val_00000002.JPEG": {"reason": "r"}}, "imagenet_m": ["ILSVRC2012_val_00000001.JPEG"]}"#;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            /// Any corruption of a valid file — a changed byte, a cut — gives a result or an
            /// error, never a panic; an unchanged prefix of the valid file never loads.
            #[test]
            fn corrupted_files_never_panic(at in 0..VALID.len(), byte in any::<u8>(), cut in 0..VALID.len()) {
                let mut bytes = VALID.as_bytes().to_vec();
                bytes[at] = byte;
                let _ = parse(&bytes, Path::new("h.json"));
                prop_assert!(parse(&VALID.as_bytes()[..cut], Path::new("h.json")).is_err());
            }
        }

        #[test]
        fn the_valid_sample_is_valid() {
            let (records, m) = parse(VALID.as_bytes(), Path::new("h.json")).unwrap();
            assert_eq!(records.len(), 2);
            assert_eq!(m, [ImageId(1)]);
        }
    }
}
