//! Decodes JPEG files with `images::decode_rgb_with` and writes `NAME.rgb` (raw 8-bit RGB) and
//! `NAME.txt` (`width height check`) beside each, to compare with another decoder by hand
//! (`tests/jpeg_goldens.rs` does it for the committed fixtures).
//!
//!   cargo run -p imagenet-multilabel --example decode_rgb -- [--pillow] FILE.JPEG...
//!
//! `--pillow` decodes as Pillow does; the default is as `tfds.load` does.

use imagenet_multilabel::images::{check, decode_rgb_with, Decode};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut how = Decode::Tfds;
    for path in std::env::args().skip(1) {
        if path == "--pillow" {
            how = Decode::Pillow;
            continue;
        }
        let bytes = std::fs::read(&path)?;
        let kind = check(&bytes).label();
        match decode_rgb_with(&bytes, how) {
            Ok(image) => {
                std::fs::write(format!("{path}.rgb"), &image.pixels)?;
                std::fs::write(
                    format!("{path}.txt"),
                    format!("{} {} {kind}\n", image.width, image.height),
                )?;
            }
            Err(e) => std::fs::write(format!("{path}.txt"), format!("0 0 {kind} {e}\n"))?,
        }
    }
    Ok(())
}
