//! Decodes JPEG files with `images::decode_rgb` and writes `NAME.rgb` (raw 8-bit RGB) and
//! `NAME.txt` (`width height check`) beside each, to compare with another decoder
//! (TensorFlow's `decode_jpeg(channels=3)`: see docs/PERFORMANCE.md, build section).
//!
//!   cargo run -p imagenet-multilabel --example decode_rgb -- FILE.JPEG...

use imagenet_multilabel::images::{check, decode_rgb};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path)?;
        let kind = check(&bytes).label();
        match decode_rgb(&bytes) {
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
