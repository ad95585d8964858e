//! JPEG checks and decoding, with the pixels of the ecosystem's own decoders.
//!
//! The build passes image bytes through untouched, as TFDS does; `--verify-images` uses
//! [`check`] to find what a training pipeline would trip on: files that do not decode, and
//! the grayscale and CMYK images that decode to something other than three-channel YCbCr
//! (val image 19877 is CMYK). [`decode_rgb`] turns every one of them into RGB.
//!
//! # Exactly whose pixels
//!
//! Two JPEG decoders can both be right and still differ by a few levels per channel: the
//! standard leaves the inverse DCT's rounding open. Models are trained and graded on one
//! particular decoder's pixels, so [`Decode`] names whose:
//!
//! - [`Decode::Tfds`] (the default) gives exactly what `tfds.load` yields: TensorFlow's
//!   `decode_image(channels=3)` → `decode_jpeg`, i.e. libjpeg-turbo with its integer *fast*
//!   IDCT (`dct_method=""` means `JDCT_IFAST` in TensorFlow), fancy upsampling and block
//!   smoothing on; grayscale replicated to RGB; CMYK and YCCK read as CMYK and turned into RGB
//!   by TensorFlow's own rule (`c·k/255` with an Adobe marker, `(255−c)(255−k)/255` without).
//! - [`Decode::Pillow`] gives exactly `PIL.Image.open(f).convert("RGB")`, what torchvision and
//!   most PyTorch pipelines see: libjpeg-turbo's *accurate* integer IDCT (`JDCT_ISLOW`, the
//!   same as TensorFlow's `dct_method="INTEGER_ACCURATE"`), and CMYK always read as Adobe
//!   (inverted) and converted by Pillow's `cmyk2rgb`.
//!
//! Both run libjpeg-turbo's own decoder (the copy inside MozJPEG, built from source by cargo
//! through `mozjpeg-sys`: nothing to install by hand; with `nasm` present at build time its
//! x86 SIMD code is used, else C, with the same pixels), set up as the two libraries set it up. "Exactly" is tested, not assumed: `tests/jpeg_goldens.rs` decodes
//! JPEGs written by Pillow and TensorFlow with many settings (baseline and progressive, 4:2:0,
//! 4:2:2, 4:4:4, restart markers, EXIF, ICC, grayscale, Adobe CMYK and YCCK, CMYK without an
//! Adobe marker, 1×1) and compares with the SHA-256 of what TensorFlow 2.20 and Pillow 13
//! themselves decoded (`scripts/jpeg_goldens.py` made both).
//!
//! One known exception, pinned by that test: a progressive file whose scans stop before every
//! coefficient is known (an encoder that never refines, not a truncated file: those are
//! refused) gets libjpeg's block smoothing, and TensorFlow 2.20 bundles a libjpeg-turbo older
//! than the 2.1 rewrite of it that ours and Pillow's share; there the default decode differs
//! from TensorFlow by at most 2 levels on about 1% of the values (Pillow's stays exact).
//!
//! # Refusals and memory
//!
//! A file is refused where TensorFlow refuses it: data that ends before the end-of-image
//! marker (TensorFlow's `try_recover_truncated` is off in `decode_image`), a libjpeg error,
//! or a decoded size of 2²⁹ bytes or more (`width·height·components`, TensorFlow's own cap,
//! read from the header before anything is allocated; Pillow's decompression-bomb limit of
//! 178,956,970 pixels is the same for RGB). libjpeg's own working memory (a progressive
//! image keeps every coefficient) is capped at [`MAX_LIBJPEG_MEMORY`], and [`check`] decodes
//! row by row without keeping the pixels, so a hostile header cannot make `--verify-images`
//! allocate more than that per image. Warnings (corrupt but decodable data) are ignored, as
//! both libraries ignore them.

use std::ffi::{c_int, c_long};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

use mozjpeg_sys as jpeg;

/// Whose decoder's pixels [`decode_rgb_with`] reproduces, bit for bit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Decode {
    /// What `tfds.load` yields: TensorFlow's `decode_image(channels=3)`.
    #[default]
    Tfds,
    /// What `PIL.Image.open(f).convert("RGB")` gives (torchvision's loader).
    Pillow,
}

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
    /// The bytes do not decode (or are too large to); the reason says why.
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

/// TensorFlow refuses a JPEG whose `width·height·components` is 2²⁹ or more
/// (`jpeg_mem.cc`: "Image too large"); so do we, before allocating anything.
pub const MAX_DECODED_BYTES: u64 = 1 << 29;

/// Pillow's `Image.MAX_IMAGE_PIXELS` doubled: above it `Image.open` raises
/// `DecompressionBombError`.
const PILLOW_MAX_PIXELS: u64 = 2 * 89_478_485;

/// The most memory libjpeg may use for one image. A progressive JPEG keeps all its
/// coefficients, two bytes per sample: under [`MAX_DECODED_BYTES`] that is below 1 GiB, so
/// 1.5 GiB never refuses an image TensorFlow decodes, and bounds what a hostile one costs.
pub const MAX_LIBJPEG_MEMORY: u64 = 3 << 29;

/// Decodes `jpeg` to RGB exactly as `tfds.load` does ([`Decode::Tfds`]). Fails (never
/// panics) on anything TensorFlow refuses.
pub fn decode_rgb(jpeg: &[u8]) -> Result<RgbImage, DecodeError> {
    decode_rgb_with(jpeg, Decode::Tfds)
}

/// Decodes `jpeg` to RGB exactly as the library `how` names does.
pub fn decode_rgb_with(jpeg: &[u8], how: Decode) -> Result<RgbImage, DecodeError> {
    run(jpeg, how, true).map(|d| RgbImage {
        width: d.width,
        height: d.height,
        pixels: d.pixels,
    })
}

/// Decodes `jpeg` fully (as [`Decode::Tfds`], without keeping the pixels) and says what
/// kind of image it is.
pub fn check(jpeg: &[u8]) -> ImageCheck {
    match run(jpeg, Decode::Tfds, false) {
        Ok(d) => match d.kind {
            Kind::Gray => ImageCheck::Grayscale,
            Kind::Cmyk => ImageCheck::Cmyk,
            Kind::Color => ImageCheck::Ok,
        },
        Err(e) => ImageCheck::Corrupt(e.reason),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Gray,
    Color,
    Cmyk,
}

struct Decoded {
    width: u32,
    height: u32,
    kind: Kind,
    pixels: Vec<u8>,
}

/// The payload of the unwind that `error_exit` starts: libjpeg's message.
struct Failure(String);

fn fail(reason: impl Into<String>) -> ! {
    // `resume_unwind` skips the panic hook: a corrupt image is an expected outcome, not a
    // crash to print. The C code is built with `-fexceptions` (mozjpeg-sys' `unwinding`
    // feature), so unwinding through its frames is defined.
    resume_unwind(Box::new(Failure(reason.into())))
}

fn run(data: &[u8], how: Decode, keep: bool) -> Result<Decoded, DecodeError> {
    if data.is_empty() {
        return Err(DecodeError {
            reason: "the file is empty".to_string(),
        });
    }
    // SAFETY: all-zero is the documented starting state of these C structs (libjpeg's
    // examples zero them too); each is boxed so the pointers libjpeg keeps stay valid.
    let mut err: Box<jpeg::jpeg_error_mgr> = Box::new(unsafe { std::mem::zeroed() });
    let mut src: Box<jpeg::jpeg_source_mgr> = Box::new(unsafe { std::mem::zeroed() });
    let mut cinfo: Box<jpeg::jpeg_decompress_struct> = Box::new(unsafe { std::mem::zeroed() });
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `err`, `src`, `cinfo` and `data` outlive every libjpeg call here, and
        // libjpeg reports every error through `error_exit`, which unwinds out of this closure.
        unsafe {
            jpeg::jpeg_std_error(&mut err);
            err.error_exit = Some(error_exit);
            err.output_message = Some(output_message);
            cinfo.common.err = &mut *err;
            jpeg::jpeg_create_decompress(&mut *cinfo);
            decompress(&mut cinfo, &mut src, data, how, keep)
        }
    }));
    // SAFETY: destroy is valid in any state after zeroing (it checks for a memory manager)
    // and frees every pool, also after an error part way through.
    unsafe { jpeg::jpeg_destroy_decompress(&mut cinfo) };
    outcome.unwrap_or_else(|payload| {
        let reason = match payload.downcast::<Failure>() {
            Ok(f) => f.0,
            Err(_) => "the decoder crashed on this input".to_string(),
        };
        Err(DecodeError { reason })
    })
}

/// # Safety
/// `cinfo` was created with `jpeg_create_decompress`; `src` and `data` outlive it.
unsafe fn decompress(
    cinfo: &mut jpeg::jpeg_decompress_struct,
    src: &mut jpeg::jpeg_source_mgr,
    data: &[u8],
    how: Decode,
    keep: bool,
) -> Result<Decoded, DecodeError> {
    src.next_input_byte = data.as_ptr();
    src.bytes_in_buffer = data.len();
    src.init_source = Some(init_source);
    src.fill_input_buffer = Some(fill_input_buffer);
    src.skip_input_data = Some(skip_input_data);
    src.resync_to_restart = Some(jpeg::jpeg_resync_to_restart);
    src.term_source = Some(init_source);
    cinfo.src = src;
    if let Some(mem) = cinfo.common.mem.as_mut() {
        mem.max_memory_to_use = MAX_LIBJPEG_MEMORY as c_long;
    }
    // Keeping APP14 is how we learn whether libjpeg saw an Adobe marker (the field itself
    // is private in the binding); libjpeg examines the marker the same way either way.
    jpeg::jpeg_save_markers(cinfo, ADOBE_APP14, 0xffff);
    jpeg::jpeg_read_header(cinfo, 1);

    let kind = match cinfo.jpeg_color_space {
        jpeg::J_COLOR_SPACE::JCS_GRAYSCALE => Kind::Gray,
        jpeg::J_COLOR_SPACE::JCS_CMYK | jpeg::J_COLOR_SPACE::JCS_YCCK => Kind::Cmyk,
        _ => Kind::Color,
    };
    // Both libraries ask libjpeg for RGB (gray is replicated by libjpeg) and read four-
    // component files as CMYK, converting those themselves.
    cinfo.out_color_space = match kind {
        Kind::Cmyk => jpeg::J_COLOR_SPACE::JCS_CMYK,
        _ => jpeg::J_COLOR_SPACE::JCS_RGB,
    };
    cinfo.dct_method = match how {
        Decode::Tfds => jpeg::J_DCT_METHOD::JDCT_IFAST,
        Decode::Pillow => jpeg::J_DCT_METHOD::JDCT_ISLOW,
    };
    cinfo.do_fancy_upsampling = 1;
    cinfo.scale_num = 1;
    cinfo.scale_denom = 1;
    jpeg::jpeg_calc_output_dimensions(cinfo);
    let (width, height) = (cinfo.output_width, cinfo.output_height);
    let pixels = u64::from(width) * u64::from(height);
    let decoded_bytes = pixels * cinfo.num_components.max(0) as u64;
    if width == 0 || height == 0 {
        return Err(DecodeError {
            reason: format!("the header says {width}×{height} pixels"),
        });
    }
    let too_large = match how {
        Decode::Tfds => decoded_bytes >= MAX_DECODED_BYTES,
        Decode::Pillow => pixels > PILLOW_MAX_PIXELS,
    };
    if too_large {
        return Err(DecodeError {
            reason: format!(
                "too large: {width}×{height} pixels, {} components ({decoded_bytes} bytes \
                 decoded, the limit is {MAX_DECODED_BYTES})",
                cinfo.num_components
            ),
        });
    }
    let adobe = saw_adobe_marker(cinfo);

    jpeg::jpeg_start_decompress(cinfo);
    let w = width as usize;
    let rgb_row = w * 3;
    let components = cinfo.output_components as usize;
    let direct = keep && kind != Kind::Cmyk && components == 3;
    let mut pixels: Vec<u8> = Vec::new();
    if keep {
        let len = rgb_row * height as usize;
        pixels.try_reserve_exact(len).map_err(|_| DecodeError {
            reason: format!("cannot allocate {len} bytes for a {width}×{height} image"),
        })?;
    }
    let mut row = if direct {
        Vec::new()
    } else {
        vec![0u8; w * components]
    };
    while cinfo.output_scanline < cinfo.output_height {
        let line = cinfo.output_scanline as usize;
        // Rows go straight into the reserved, untouched capacity: a hostile header that
        // claims a large image costs only the rows its data really holds.
        let mut target = if direct {
            pixels.as_mut_ptr().add(line * rgb_row)
        } else {
            row.as_mut_ptr()
        };
        if jpeg::jpeg_read_scanlines(cinfo, &mut target, 1) != 1 {
            return Err(DecodeError {
                reason: format!("no pixels after line {line} of {height}"),
            });
        }
        if direct {
            // SAFETY: libjpeg has just written row `line` (`rgb_row` bytes) within the
            // capacity reserved above; every earlier row was written before it.
            pixels.set_len((line + 1) * rgb_row);
        } else if keep {
            match kind {
                Kind::Cmyk => cmyk_to_rgb(&row, how, adobe, &mut pixels),
                _ => pixels.extend_from_slice(&row),
            }
        }
    }
    // Reads up to the end-of-image marker: a file cut short after its last pixel is an
    // error for TensorFlow too.
    jpeg::jpeg_finish_decompress(cinfo);
    Ok(Decoded {
        width,
        height,
        kind,
        pixels,
    })
}

const ADOBE_APP14: c_int = 0xe0 + 14;

/// Whether one of the saved APP14 segments is an Adobe marker, by libjpeg's own test
/// (`examine_app14`: at least 12 bytes, starting with "Adobe").
///
/// # Safety
/// `cinfo` has read its header with APP14 markers saved.
unsafe fn saw_adobe_marker(cinfo: &jpeg::jpeg_decompress_struct) -> bool {
    let mut marker = cinfo.marker_list;
    while let Some(m) = marker.as_ref() {
        if c_int::from(m.marker) == ADOBE_APP14 && m.data_length >= 12 && !m.data.is_null() {
            let bytes = std::slice::from_raw_parts(m.data, 5);
            if bytes == b"Adobe" {
                return true;
            }
        }
        marker = m.next;
    }
    false
}

/// Four-component rows to RGB, by each library's own rule.
fn cmyk_to_rgb(row: &[u8], how: Decode, adobe: bool, out: &mut Vec<u8>) {
    for p in row.chunks_exact(4) {
        let (c, m, y, k) = (
            u32::from(p[0]),
            u32::from(p[1]),
            u32::from(p[2]),
            u32::from(p[3]),
        );
        match how {
            // tensorflow/core/lib/jpeg/jpeg_mem.cc: Adobe files store inverted inks.
            Decode::Tfds if adobe => out.extend([k * c / 255, k * m / 255, k * y / 255].map(byte)),
            Decode::Tfds => out.extend([c, m, y].map(|v| byte((255 - k) * (255 - v) / 255))),
            // Pillow reads every CMYK JPEG as "CMYK;I" (inverted), then Convert.c's
            // cmyk2rgb: nk = 255 − K; out = nk − MULDIV255(C, nk), on the inverted values.
            Decode::Pillow => {
                let nk = k; // 255 − (255 − k)
                out.extend([c, m, y].map(|v| {
                    let t = (255 - v) * nk + 128;
                    byte(nk.saturating_sub(((t >> 8) + t) >> 8))
                }))
            }
        }
    }
}

fn byte(v: u32) -> u8 {
    v.min(255) as u8
}

unsafe extern "C-unwind" fn error_exit(cinfo: &mut jpeg::jpeg_common_struct) {
    let mut buf = [0u8; 200]; // JMSG_LENGTH_MAX
                              // SAFETY: `err` was set by `run`; `format_message` writes at most JMSG_LENGTH_MAX bytes,
                              // NUL included (the binding declares an 80-byte buffer, so it is called by pointer).
    let message = match cinfo.err.as_ref().and_then(|e| e.format_message) {
        Some(format) => {
            let format: unsafe extern "C-unwind" fn(&mut jpeg::jpeg_common_struct, *mut u8) =
                std::mem::transmute(format);
            format(cinfo, buf.as_mut_ptr());
            let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
            String::from_utf8_lossy(&buf[..end]).into_owned()
        }
        None => "libjpeg error".to_string(),
    };
    fail(message)
}

/// Warnings stay silent (libjpeg still counts them); errors go through `error_exit`.
unsafe extern "C-unwind" fn output_message(_: &mut jpeg::jpeg_common_struct) {}

unsafe extern "C-unwind" fn init_source(_: &mut jpeg::jpeg_decompress_struct) {}

/// The whole file is in the buffer from the start, so libjpeg asking for more means the data
/// ended early; TensorFlow's source (`try_recover_truncated_jpeg` off) fails there too.
unsafe extern "C-unwind" fn fill_input_buffer(
    _: &mut jpeg::jpeg_decompress_struct,
) -> jpeg::boolean {
    fail("the data ends before the end-of-image marker (truncated file)")
}

unsafe extern "C-unwind" fn skip_input_data(cinfo: &mut jpeg::jpeg_decompress_struct, n: c_long) {
    let Some(src) = cinfo.src.as_mut() else {
        fail("no data source")
    };
    if n <= 0 {
        return;
    }
    let n = n as usize;
    if n > src.bytes_in_buffer {
        fail("a marker segment runs past the end of the file (truncated file)")
    }
    src.next_input_byte = src.next_input_byte.add(n);
    src.bytes_in_buffer -= n;
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

    /// `jpeg` with the frame header's height and width replaced.
    fn with_size(jpeg: &[u8], width: u16, height: u16) -> Vec<u8> {
        let mut out = jpeg.to_vec();
        let sof = (0..out.len() - 9)
            .find(|&i| out[i] == 0xff && (0xc0..=0xc2).contains(&out[i + 1]))
            .expect("a frame header");
        out[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
        out[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
        out
    }

    #[test]
    fn a_header_over_tensorflows_size_limit_is_refused_before_decoding() {
        let small = jpeg(ImageId(3), ImageKind::Color, None, 1);
        // 65500² × 3 bytes is 12 GiB (65500 is libjpeg's own largest side); refused from the header alone, by both decodes.
        let huge = with_size(&small, 65_500, 65_500);
        let ImageCheck::Corrupt(reason) = check(&huge) else {
            panic!("a 65500×65500 header passed the check")
        };
        assert!(
            reason.starts_with("too large: 65500×65500 pixels"),
            "{reason}"
        );
        for how in [Decode::Tfds, Decode::Pillow] {
            let e = decode_rgb_with(&huge, how).unwrap_err();
            assert!(e.reason.starts_with("too large"), "{how:?}: {e}");
        }
        // The limit is TensorFlow's: width·height·3 < 2²⁹. 13377² × 3 is just under it, so
        // the header passes and the file (its end-of-image marker cut off, else libjpeg
        // would pad the missing rows with grey, as TensorFlow does) fails only where its
        // data runs out; 13378 × 13378 is over.
        let under = with_size(&small[..small.len() - 2], 13_377, 13_377);
        let ImageCheck::Corrupt(reason) = check(&under) else {
            panic!("a 16×12 image claiming 13377×13377 passed the check")
        };
        assert!(reason.contains("truncated"), "{reason}");
        let e = decode_rgb(&under).unwrap_err();
        assert!(e.reason.contains("truncated"), "{e}");
        let over = with_size(&small, 13_378, 13_378);
        assert!(matches!(check(&over), ImageCheck::Corrupt(r) if r.starts_with("too large")));
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
