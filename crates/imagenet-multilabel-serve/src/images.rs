//! The images behind the pages: original JPEG bytes by image number, from a built dataset
//! (positioned reads through [`RandomAccess`]) or from the validation tar (one header walk at
//! start, then positioned reads), and their thumbnails, cached on disk.
//!
//! Nothing here takes a path from a request: an image is an [`ImageId`] (a validated number),
//! and the cache file names are made from that number alone.

use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use imagenet_multilabel::archive::Archive;
use imagenet_multilabel::atomic;
use imagenet_multilabel::tfds::{layout, Dataset, RandomAccess};
use imagenet_multilabel::thumbnails::{self, ImageSource};
use imagenet_multilabel::{Annotations, Error, ImageId, Result, Split};
use sha2::{Digest, Sha256};

/// Smallest and largest thumbnail sides `?size=N` accepts.
pub const THUMBNAIL_SIDES: std::ops::RangeInclusive<u32> = 16..=1024;

/// Where the JPEGs come from.
#[derive(Debug)]
enum Backend {
    /// A built dataset: the split's examples are stored in TFDS's order (by
    /// [`layout::order_key`]), so an image's position follows from its file name.
    Dataset {
        access: RandomAccess,
        position: HashMap<ImageId, u64>,
    },
    /// The validation tar: every member's offset, from one walk over the headers.
    Tar { archive: Archive, file: File },
}

/// The validation images of one source, and their on-disk thumbnail cache.
#[derive(Debug)]
pub struct Images {
    backend: Backend,
    source: PathBuf,
    thumbnails: PathBuf,
}

impl Images {
    /// Opens `source`; thumbnails are cached under `cache_dir`, in a folder named for the
    /// source file (its canonical path, size and modification time), so two sources never
    /// share thumbnails and a rebuilt one gets fresh ones.
    pub fn open(
        source: &ImageSource,
        annotations: &Annotations,
        cache_dir: &Path,
    ) -> Result<Images> {
        let (backend, path) = match source {
            ImageSource::Tar(path) => {
                let archive = Archive::open(path)?;
                let file = File::open(path).map_err(|e| Error::io(path, e))?;
                (Backend::Tar { archive, file }, path.clone())
            }
            ImageSource::Dataset(path) => {
                let dataset = Dataset::open(path)?;
                // The validation split holds every annotated image; a dataset built with only
                // the ImageNet-M split holds those.
                let (split, images): (Split, Vec<ImageId>) =
                    if dataset.split(Split::Validation).is_some() {
                        let all = annotations.records().iter().map(|r| r.image()).collect();
                        (Split::Validation, all)
                    } else {
                        (Split::ImagenetM, annotations.imagenet_m().to_vec())
                    };
                let access = dataset.random_access(split)?;
                let position = if access.len() == images.len() as u64 {
                    stored_order(split, images)
                } else {
                    // Built from a tar with images missing: read where each one is.
                    scanned_order(&dataset, split)?
                };
                (
                    Backend::Dataset { access, position },
                    dataset.dir().to_path_buf(),
                )
            }
        };
        let thumbnails = cache_dir.join("serve-thumbnails").join(source_key(&path));
        Ok(Images {
            backend,
            source: path,
            thumbnails,
        })
    }

    /// The source: the tar, or the dataset's version folder.
    pub fn source(&self) -> &Path {
        &self.source
    }

    /// Whether the source holds `image`.
    pub fn has(&self, image: ImageId) -> bool {
        match &self.backend {
            Backend::Dataset { position, .. } => position.contains_key(&image),
            Backend::Tar { archive, .. } => archive.get(image).is_some(),
        }
    }

    /// The original JPEG bytes of `image`; `None` when the source does not hold it.
    pub fn jpeg(&self, image: ImageId) -> Result<Option<Vec<u8>>> {
        match &self.backend {
            Backend::Dataset { access, position } => {
                let Some(&at) = position.get(&image) else {
                    return Ok(None);
                };
                let example = access.get(at)?;
                if example.image_id() != Some(image) {
                    return Err(Error::Mismatch(format!(
                        "{}: example {at} is {}, not {image}: the split is not in TFDS's order",
                        self.source.display(),
                        example.file_name
                    )));
                }
                Ok(Some(example.image))
            }
            Backend::Tar { archive, file } => {
                let Some(member) = archive.get(image) else {
                    return Ok(None);
                };
                let mut bytes = vec![0u8; member.size as usize];
                file.read_exact_at(&mut bytes, member.offset)
                    .map_err(|e| Error::io(&self.source, e))?;
                Ok(Some(bytes))
            }
        }
    }

    /// A thumbnail of `image` fitting `side`×`side` pixels: from the disk cache, else made
    /// (and cached, written under a temporary name and renamed). `None` when the source
    /// does not hold the image.
    pub fn thumbnail(&self, image: ImageId, side: u32) -> Result<Option<Vec<u8>>> {
        let path = self
            .thumbnails
            .join(side.to_string())
            .join(format!("{}.jpg", image.number()));
        if let Ok(bytes) = std::fs::read(&path) {
            return Ok(Some(bytes));
        }
        let Some(jpeg) = self.jpeg(image)? else {
            return Ok(None);
        };
        let thumb = thumbnails::thumbnail(&jpeg, side)
            .map_err(|m| Error::invalid(&self.source, image.file_name(), m))?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        atomic::write(&path, &thumb.jpeg)?;
        Ok(Some(thumb.jpeg))
    }
}

/// Where each image is in a split that holds exactly `images`: TFDS stores a split in
/// ascending [`layout::order_key`] order.
fn stored_order(split: Split, images: Vec<ImageId>) -> HashMap<ImageId, u64> {
    let mut keyed: Vec<(u128, ImageId)> = images
        .into_iter()
        .map(|image| (layout::order_key(split, &image.file_name()), image))
        .collect();
    keyed.sort_unstable();
    keyed
        .into_iter()
        .enumerate()
        .map(|(i, (_, image))| (image, i as u64))
        .collect()
}

/// Where each image is, by reading the split once.
fn scanned_order(dataset: &Dataset, split: Split) -> Result<HashMap<ImageId, u64>> {
    let mut position = HashMap::new();
    for (i, example) in dataset.iter(split).enumerate() {
        if let Some(image) = example?.image_id() {
            position.insert(image, i as u64);
        }
    }
    Ok(position)
}

/// The cache folder name of a source: a hash of its canonical path, size and modification
/// time (the path as given when it cannot be canonicalised).
fn source_key(path: &Path) -> String {
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let meta = std::fs::metadata(&canonical).ok();
    let mtime = meta
        .as_ref()
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    let size = meta.map_or(0, |m| m.len());
    let digest = Sha256::digest(format!("{}\n{size}\n{mtime}", canonical.display()).as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}
