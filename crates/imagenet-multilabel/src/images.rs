//! JPEG checks and decoding (zune-jpeg, pure Rust).
//!
//! The build passes image bytes through untouched, as TFDS does; `--verify-images` uses
//! [`check`] to find what a training pipeline would trip on: files that do not decode, and
//! the grayscale and CMYK images that decode to something other than three-channel YCbCr
//! (val image 19877 is CMYK). [`decode_rgb`] turns every one of them into RGB the way
//! TensorFlow's `decode_jpeg(channels=3)` does: gray is replicated, Adobe (inverted) CMYK
//! becomes `c·k/255` per channel.
//!
//! Checked by hand against TensorFlow 2.20's `tf.io.decode_jpeg(channels=3)` (2026-11-28,
//! `examples/decode_rgb.rs` dumps our pixels): on 240×240 noisy fixture JPEGs the largest
//! per-channel difference is 4 (grayscale), 3 (Adobe CMYK) and 6–8 (YCbCr), the mean 0.6–1.1
//! — the rounding differences of two IDCTs and upsamplers, not a different conversion; on
//! Pillow-written CMYK, 4:4:4 and 4:2:0, at most 4 and 5.

use zune_jpeg::zune_core::bytestream::ZCursor;
use zune_jpeg::zune_core::colorspace::ColorSpace;
use zune_jpeg::zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;

/// A decoded image, 8-bit RGB, row-major.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RgbImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 3` bytes, R G B per pixel.
    pub pixels: Vec<u8>,
}

/// Why a JPEG could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a decodable JPEG: {reason}")]
pub struct DecodeError {
    /// What the decoder reported.
    pub reason: String,
}

/// What [`check`] found in one JPEG.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageCheck {
    /// A three-component (YCbCr or RGB) JPEG that decodes.
    Ok,
    /// A one-component JPEG that decodes.
    Grayscale,
    /// A four-component (CMYK or YCCK) JPEG that decodes.
    Cmyk,
    /// The bytes do not decode; the reason says why.
    Corrupt(String),
}

impl ImageCheck {
    /// A short word for reports: `ok`, `grayscale`, `cmyk` or `corrupt`.
    pub fn label(&self) -> &'static str {
        match self {
            ImageCheck::Ok => "ok",
            ImageCheck::Grayscale => "grayscale",
            ImageCheck::Cmyk => "cmyk",
            ImageCheck::Corrupt(_) => "corrupt",
        }
    }
}

// Larger than any real val image (the largest is a few thousand pixels a side), small enough
// that a hostile header cannot make us allocate gigabytes.
const MAX_SIDE: usize = 1 << 14;

fn options(out: ColorSpace) -> DecoderOptions {
    DecoderOptions::default()
        .set_max_width(MAX_SIDE)
        .set_max_height(MAX_SIDE)
        .set_strict_mode(true)
        .jpeg_set_out_colorspace(out)
}

/// Decodes `jpeg` to RGB. Grayscale and CMYK images are converted as TensorFlow converts
/// them. Fails (never panics) on anything that is not a complete, decodable JPEG.
pub fn decode_rgb(jpeg: &[u8]) -> Result<RgbImage, DecodeError> {
    decode(jpeg).map(|(image, _)| image)
}

/// Decodes `jpeg` fully and says what kind of image it is.
pub fn check(jpeg: &[u8]) -> ImageCheck {
    match decode(jpeg) {
        Ok((_, ColorSpace::Luma)) => ImageCheck::Grayscale,
        Ok((_, ColorSpace::CMYK | ColorSpace::YCCK)) => ImageCheck::Cmyk,
        Ok(_) => ImageCheck::Ok,
        Err(e) => ImageCheck::Corrupt(e.reason),
    }
}

fn decode(jpeg: &[u8]) -> Result<(RgbImage, ColorSpace), DecodeError> {
    let fail = |reason: String| DecodeError { reason };
    // zune-jpeg reports errors as values; a panic inside it would be a bug there, but one
    // bad image must not abort a 50,000-image build, so it is caught and reported as such.
    let result = std::panic::catch_unwind(|| {
        let mut decoder =
            JpegDecoder::new_with_options(ZCursor::new(jpeg), options(ColorSpace::RGB));
        decoder.decode_headers().map_err(|e| e.to_string())?;
        let input = decoder
            .input_colorspace()
            .ok_or_else(|| "no colour space after the headers".to_string())?;
        let info = decoder
            .info()
            .ok_or_else(|| "no image information after the headers".to_string())?;
        let pixels = decoder.decode().map_err(|e| e.to_string())?;
        if !ends_with_eoi(jpeg) {
            return Err("the image data ends before the end-of-image marker".to_string());
        }
        let (width, height) = (u32::from(info.width), u32::from(info.height));
        if pixels.len() != width as usize * height as usize * 3 {
            return Err(format!(
                "decoded {} bytes for a {width}×{height} RGB image",
                pixels.len()
            ));
        }
        Ok((
            RgbImage {
                width,
                height,
                pixels,
            },
            input,
        ))
    });
    match result {
        Ok(r) => r.map_err(fail),
        Err(_) => Err(fail("the decoder crashed on this input".to_string())),
    }
}

/// Whether an end-of-image marker (FF D9) closes the stream, allowing trailing padding
/// (some encoders append zeros). A decoder fills a truncated scan with grey and says
/// nothing; this is how a cut-short file is told apart.
fn ends_with_eoi(jpeg: &[u8]) -> bool {
    let trimmed = jpeg
        .iter()
        .rposition(|&b| b != 0)
        .map_or(&jpeg[..0], |i| &jpeg[..=i]);
    trimmed.ends_with(&[0xff, 0xd9])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::tar::{jpeg, ImageKind};
    use crate::ImageId;

    #[test]
    fn checks_each_kind() {
        let image = ImageId(19_877);
        assert_eq!(
            check(&jpeg(image, ImageKind::Color, None, 1)),
            ImageCheck::Ok
        );
        assert_eq!(
            check(&jpeg(image, ImageKind::Grayscale, None, 1)),
            ImageCheck::Grayscale
        );
        assert_eq!(
            check(&jpeg(image, ImageKind::Cmyk, None, 1)),
            ImageCheck::Cmyk
        );
        let corrupt = check(&jpeg(image, ImageKind::Corrupt, None, 1));
        assert_eq!(corrupt.label(), "corrupt", "{corrupt:?}");
        assert_eq!(check(b"").label(), "corrupt");
        assert_eq!(check(b"GIF89a not a jpeg at all").label(), "corrupt");
    }

    #[test]
    fn decodes_every_kind_to_rgb() {
        for kind in [ImageKind::Color, ImageKind::Grayscale, ImageKind::Cmyk] {
            let rgb = decode_rgb(&jpeg(ImageId(3), kind, None, 1)).unwrap();
            assert_eq!((rgb.width, rgb.height), (16, 12), "{kind:?}");
            assert_eq!(rgb.pixels.len(), 16 * 12 * 3);
        }
        let gray = decode_rgb(&jpeg(ImageId(3), ImageKind::Grayscale, None, 1)).unwrap();
        assert!(gray.pixels.chunks(3).all(|p| p[0] == p[1] && p[1] == p[2]));
    }

    #[test]
    fn cmyk_is_converted_like_tensorflow() {
        // The fixture's CMYK image holds the source colours' inks with no black, so c·k/255
        // on the stored (inverted) values must give back the source pixels, up to JPEG loss.
        // (CMYK is not chroma-subsampled, so the loss is small.)
        let source = crate::fixture::tar::tiny_rgb(ImageId(40));
        let cmyk = decode_rgb(&jpeg(ImageId(40), ImageKind::Cmyk, None, 1)).unwrap();
        let diff: u64 = source
            .iter()
            .zip(&cmyk.pixels)
            .map(|(&a, &b)| (a as i32 - b as i32).unsigned_abs() as u64)
            .sum();
        let mean = diff as f64 / source.len() as f64;
        assert!(mean < 6.0, "mean abs difference {mean}");
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let good = jpeg(ImageId(9), ImageKind::Color, None, 1);
        let mut rng = crate::fixture::Rng::new(5);
        for _ in 0..200 {
            let mut bytes = good.clone();
            for _ in 0..4 {
                let i = rng.below(bytes.len() as u64) as usize;
                bytes[i] = rng.next_u64() as u8;
            }
            let _ = check(&bytes);
        }
    }
}
