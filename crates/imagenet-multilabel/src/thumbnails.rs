//! Small JPEG thumbnails of chosen validation images, for reports that show the images
//! behind the figures.
//!
//! [`thumbnails`] makes one pass over the source — a built dataset or the original
//! `ILSVRC2012_img_val.tar` — picking out the wanted images, and decodes (libjpeg-turbo,
//! [`crate::images`]), shrinks (a Lanczos-3 convolution, `fast_image_resize`) and re-encodes
//! them (JPEG, `jpeg-encoder`) on every core. An image the source does not hold is simply
//! absent from the result: a report says so rather than failing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use fast_image_resize::images::Image;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use rayon::prelude::*;

use crate::archive::Archive;
use crate::classes::ImageId;
use crate::error::{Error, Result};
use crate::example::Split;
use crate::tfds::reader::Dataset;

/// JPEG quality of the thumbnails: small files, no visible blocking at 160 px.
pub const QUALITY: u8 = 80;

/// Where the validation images are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageSource {
    /// A built dataset (TFDS format), as `eval --dataset` takes it: the data dir or the
    /// version folder. It holds the annotated images only.
    Dataset(PathBuf),
    /// The original `ILSVRC2012_img_val.tar`: all 50,000 images.
    Tar(PathBuf),
}

/// One thumbnail: a baseline JPEG and its size in pixels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Thumbnail {
    /// The JPEG file's bytes.
    pub jpeg: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Thumbnails of `images` from `source`, each scaled to fit in `max_side`×`max_side` pixels
/// (aspect ratio kept; never enlarged). Images the source does not hold are absent from the
/// map. Fails, naming the file (and image), when the source cannot be read or one of the
/// wanted images does not decode.
pub fn thumbnails(
    source: &ImageSource,
    images: &[ImageId],
    max_side: u32,
) -> Result<BTreeMap<ImageId, Thumbnail>> {
    let wanted: BTreeSet<ImageId> = images.iter().copied().collect();
    if wanted.is_empty() {
        return Ok(BTreeMap::new());
    }
    let max_side = max_side.max(1);
    match source {
        ImageSource::Dataset(path) => from_dataset(path, &wanted, max_side),
        ImageSource::Tar(path) => from_tar(path, &wanted, max_side),
    }
}

/// The validation split holds every annotated image (ImageNet-M ones included); a dataset
/// built with `--split imagenet_m` has only the other. Read the splits in stored order, keep
/// the wanted JPEGs (a few hundred of ~110 KB), stop once all are found, then shrink them in
/// parallel.
fn from_dataset(
    path: &Path,
    wanted: &BTreeSet<ImageId>,
    max_side: u32,
) -> Result<BTreeMap<ImageId, Thumbnail>> {
    let dataset = Dataset::open(path)?;
    let mut found: BTreeMap<ImageId, (String, Vec<u8>)> = BTreeMap::new();
    let splits: Vec<Split> = dataset.splits().iter().map(|s| s.split).collect();
    'splits: for split in splits {
        for example in dataset.iter(split) {
            let example = example?;
            if let Some(image) = example.image_id().filter(|i| wanted.contains(i)) {
                found.insert(image, (example.file_name, example.image));
                if found.len() == wanted.len() {
                    break 'splits;
                }
            }
        }
    }
    let dir = dataset.dir().to_path_buf();
    found
        .into_par_iter()
        .map(|(image, (name, jpeg))| {
            let thumb = shrink(&jpeg, max_side)
                .map_err(|message| Error::invalid(&dir, format!("example {name}"), message))?;
            Ok((image, thumb))
        })
        .collect()
}

/// The tar is read member by member on every core, only the wanted members touched.
fn from_tar(
    path: &Path,
    wanted: &BTreeSet<ImageId>,
    max_side: u32,
) -> Result<BTreeMap<ImageId, Thumbnail>> {
    let archive = Archive::open(path)?;
    let out = Mutex::new(BTreeMap::new());
    let threads = rayon::current_num_threads();
    archive.par_map_images(
        |image| wanted.contains(&image),
        threads,
        |member, jpeg| -> Result<()> {
            let thumb = shrink(jpeg, max_side).map_err(|message| {
                Error::invalid(path, format!("member {}", member.name), message)
            })?;
            // A poisoned lock only means another thread panicked; the map is still sound.
            out.lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(member.image, thumb);
            Ok(())
        },
    )?;
    Ok(out.into_inner().unwrap_or_else(|e| e.into_inner()))
}

/// One thumbnail of `jpeg`, scaled to fit in `max_side`×`max_side` pixels (aspect ratio
/// kept; never enlarged), for callers that read images one at a time (the `serve` crate).
/// Fails, saying why, when the bytes do not decode.
pub fn thumbnail(jpeg: &[u8], max_side: u32) -> std::result::Result<Thumbnail, String> {
    shrink(jpeg, max_side.max(1))
}

/// Decodes, shrinks to fit `max_side` and re-encodes one JPEG; the error says why it failed.
fn shrink(jpeg: &[u8], max_side: u32) -> std::result::Result<Thumbnail, String> {
    let rgb = crate::images::decode_rgb(jpeg).map_err(|e| e.to_string())?;
    let (width, height) = fit(rgb.width, rgb.height, max_side);
    let pixels = if (width, height) == (rgb.width, rgb.height) {
        rgb.pixels
    } else {
        let src = Image::from_vec_u8(rgb.width, rgb.height, rgb.pixels, PixelType::U8x3)
            .map_err(|e| format!("resizing: {e}"))?;
        let mut dst = Image::new(width, height, PixelType::U8x3);
        let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
        Resizer::new()
            .resize(&src, &mut dst, &options)
            .map_err(|e| format!("resizing: {e}"))?;
        dst.into_vec()
    };
    let mut out = Vec::new();
    // Both sides are at most `max_side` here, and ImageNet images at most a few thousand
    // pixels, far below JPEG's 65,535 limit; a failure is still reported, not a panic.
    let w = u16::try_from(width).map_err(|_| format!("{width} px is too wide for JPEG"))?;
    let h = u16::try_from(height).map_err(|_| format!("{height} px is too tall for JPEG"))?;
    jpeg_encoder::Encoder::new(&mut out, QUALITY)
        .encode(&pixels, w, h, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| format!("encoding the thumbnail: {e}"))?;
    Ok(Thumbnail {
        jpeg: out,
        width,
        height,
    })
}

/// The size of a `width`×`height` image scaled to fit `max_side`, aspect ratio kept (rounded,
/// at least 1 px), never enlarged.
fn fit(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max_side {
        return (width, height);
    }
    let scale = |side: u32| -> u32 {
        let scaled =
            (u64::from(side) * u64::from(max_side) + u64::from(long) / 2) / u64::from(long);
        (scaled as u32).max(1)
    };
    (scale(width), scale(height))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_the_aspect_ratio_and_never_enlarges() {
        assert_eq!(fit(500, 375, 160), (160, 120));
        assert_eq!(fit(375, 500, 160), (120, 160));
        assert_eq!(fit(100, 80, 160), (100, 80));
        assert_eq!(fit(5000, 10, 160), (160, 1));
    }
}
