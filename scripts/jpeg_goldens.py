"""Writes the JPEG decoding fixtures and the goldens that `images.rs` is tested against.

The JPEGs are written by independent encoders (Pillow and TensorFlow, both libjpeg-turbo, with
many settings; a few are patched by hand for YCCK and for CMYK without an Adobe marker), and
every golden is what the reference decoders themselves return:

- `tfds`:   `tf.io.decode_image(data, channels=3, expand_animations=False)`, the call behind
            `tfds.features.Image` and so `tfds.load` (libjpeg-turbo, integer *fast* IDCT, fancy
            upsampling; CMYK/YCCK converted by TensorFlow itself).
- `pillow`: `PIL.Image.open(io.BytesIO(data)).convert("RGB")`, what torchvision's
            `ImageFolder` and most PyTorch pipelines do (libjpeg-turbo, *accurate* IDCT).

For each file the TSV holds the decoded size and the SHA-256 of the decoded array (row-major,
R G B per pixel), or `error` where the decoder refuses the file. The Rust tests decode the same
bytes and compare; nothing in the goldens comes from this project's code.

    /tmp/tfds-peer/venv/bin/python scripts/jpeg_goldens.py crates/imagenet-multilabel/testdata/jpeg

Needs tensorflow, pillow and numpy (the TFDS peer venv has them). Deterministic: running it
again writes the same files (Pillow and TensorFlow built on libjpeg-turbo are deterministic).
"""

import hashlib
import io
import os
import sys

import numpy as np
from PIL import Image, ImageCms

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402


def scene(width, height, seed):
    """A camera-like picture: smooth light, a few objects with soft edges, texture, sensor
    noise, blown highlights and crushed shadows (so the IDCT's range limiting is exercised)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    u, v = x / max(width - 1, 1), y / max(height - 1, 1)
    img = np.stack([60 + 120 * v, 90 + 80 * v, 170 - 60 * v], axis=-1)  # sky to ground
    for _ in range(4):
        cx, cy = rng.uniform(0, 1, 2)
        rx, ry = rng.uniform(0.1, 0.35, 2)
        colour = rng.uniform(0, 255, 3)
        d = ((u - cx) / rx) ** 2 + ((v - cy) / ry) ** 2
        alpha = np.clip((1.2 - d) * 4, 0, 1)[..., None]
        img = img * (1 - alpha) + colour * alpha
    img += 25 * np.sin(x * rng.uniform(0.3, 1.2) + y * rng.uniform(0.1, 0.9))[..., None]
    img += rng.normal(0, 7, img.shape)
    img[(u > 0.8) & (v < 0.2)] = 255  # a blown-out highlight
    img[(u < 0.15) & (v > 0.85)] = 0  # a crushed shadow
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def pil(width, height, seed, mode="RGB", **save):
    im = Image.fromarray(scene(width, height, seed))
    if mode != "RGB":
        im = im.convert(mode)
    out = io.BytesIO()
    im.save(out, "JPEG", **save)
    return out.getvalue()


def tf_encode(width, height, seed, gray=False, **kw):
    pixels = scene(width, height, seed)
    if gray:
        pixels = np.asarray(Image.fromarray(pixels).convert("L"))[..., None]
    return tf.io.encode_jpeg(pixels, **kw).numpy()


def segments(data):
    """(marker, start, end) of each marker segment before the first SOS."""
    i, out = 2, []
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        out.append((marker, i, i + 2 + length))
        if marker == 0xDA:
            break
        i += 2 + length
    return out


def adobe_transform(data, transform):
    """Sets the Adobe APP14 colour-transform byte: 2 makes the four components YCCK."""
    for marker, start, _ in segments(data):
        if marker == 0xEE and data[start + 4 : start + 9] == b"Adobe":
            b = bytearray(data)
            b[start + 15] = transform
            return bytes(b)
    raise SystemExit("no Adobe marker to patch")


def without_adobe(data):
    """Drops the Adobe APP14 segment: TensorFlow then reads CMYK as not inverted."""
    for marker, start, end in segments(data):
        if marker == 0xEE:
            return data[:start] + data[end:]
    raise SystemExit("no Adobe marker to drop")


def drop_last_scans(data, k):
    """A progressive JPEG with its last `k` scans removed: legal, and the decoders then smooth
    blocks whose coefficients are only partly known (libjpeg's block smoothing)."""
    first = data.index(b"\xff\xda")
    # After the first scan header, FF DA only ever starts a scan (data bytes FF are stuffed).
    starts = [i for i in range(first, len(data) - 1) if data[i : i + 2] == b"\xff\xda"]
    assert len(starts) > k, "not enough scans"
    return data[: starts[-k]] + b"\xff\xd9"


def exif_bytes():
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 (neither reference applies it when decoding)
    exif[0x010F] = "Camera maker"
    exif[0x0110] = "Model 1"
    return exif.tobytes()


def fixtures():
    srgb = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    # A fixed creation date (2026-01-01) and no profile ID (all zero: "not computed"), so
    # reruns write the same bytes.
    srgb[24:36] = bytes.fromhex("07ea00010001000000000000")
    srgb[84:100] = bytes(16)
    srgb = bytes(srgb)
    f = {}
    # Pillow: the settings cameras and web tools write.
    f["pil_q75_420.jpg"] = pil(101, 77, 1, quality=75, subsampling=2)
    f["pil_q90_422.jpg"] = pil(96, 64, 2, quality=90, subsampling=1)
    f["pil_q95_444.jpg"] = pil(83, 59, 3, quality=95, subsampling=0)
    f["pil_q100_444.jpg"] = pil(64, 48, 4, quality=100, subsampling=0)
    f["pil_q30_420_optimized.jpg"] = pil(128, 96, 5, quality=30, subsampling=2, optimize=True)
    f["pil_large_q90_420.jpg"] = pil(320, 240, 6, quality=90, subsampling=2)
    f["pil_progressive_420.jpg"] = pil(99, 75, 7, quality=85, progressive=True)
    f["pil_progressive_444.jpg"] = pil(80, 61, 8, quality=92, subsampling=0, progressive=True)
    f["pil_progressive_422.jpg"] = pil(70, 50, 9, quality=80, subsampling=1, progressive=True)
    f["pil_restart_rows_420.jpg"] = pil(97, 67, 10, quality=85, restart_marker_rows=1)
    f["pil_restart_blocks_444.jpg"] = pil(
        90, 45, 11, quality=88, subsampling=0, restart_marker_blocks=3
    )
    f["pil_exif_icc_420.jpg"] = pil(88, 66, 12, quality=87, exif=exif_bytes(), icc_profile=srgb)
    f["pil_progressive_no_last_scan.jpg"] = drop_last_scans(
        pil(91, 69, 24, quality=90, progressive=True), 1
    )
    f["pil_progressive_no_last_4_scans.jpg"] = drop_last_scans(
        pil(84, 60, 25, quality=75, progressive=True), 4
    )
    f["pil_gray.jpg"] = pil(77, 55, 13, mode="L", quality=85)
    f["pil_gray_progressive.jpg"] = pil(66, 44, 14, mode="L", quality=70, progressive=True)
    cmyk = pil(72, 54, 15, mode="CMYK", quality=90)
    f["pil_cmyk_adobe.jpg"] = cmyk
    f["pil_ycck_adobe.jpg"] = adobe_transform(pil(72, 54, 16, mode="CMYK", quality=90), 2)
    f["pil_cmyk_no_adobe.jpg"] = without_adobe(pil(60, 40, 17, mode="CMYK", quality=80))
    f["pil_tiny_1x1.jpg"] = pil(1, 1, 18, quality=90)
    f["pil_tiny_17x9_420.jpg"] = pil(17, 9, 19, quality=90, subsampling=2)
    # TensorFlow's encoder (its own libjpeg-turbo settings).
    f["tf_q95_420.jpg"] = tf_encode(94, 70, 20, quality=95)
    f["tf_q75_444.jpg"] = tf_encode(81, 63, 21, quality=75, chroma_downsampling=False)
    f["tf_progressive_420.jpg"] = tf_encode(
        90, 72, 22, quality=85, progressive=True, optimize_size=True
    )
    f["tf_gray.jpg"] = tf_encode(73, 51, 23, gray=True, quality=90)
    # Files both references refuse.
    good = f["pil_q75_420.jpg"]
    f["bad_truncated.jpg"] = good[: len(good) * 3 // 5]
    f["bad_no_eoi.jpg"] = good[:-2]
    f["bad_not_a_jpeg.jpg"] = b"GIF89a not a jpeg at all"
    # Padding after the end-of-image marker is accepted by both.
    f["pil_trailing_zeros.jpg"] = f["pil_tiny_17x9_420.jpg"] + bytes(16)
    return f


def decoded(fn, data):
    try:
        a = np.ascontiguousarray(fn(data), dtype=np.uint8)
    except Exception:  # noqa: BLE001 (a refusal is the golden)
        return None
    return a


def decode_tfds(data):
    a = tf.io.decode_image(data, channels=3, expand_animations=False).numpy()
    # tfds.features.Image decodes JPEG through decode_image; decode_jpeg must agree.
    assert np.array_equal(a, tf.io.decode_jpeg(data, channels=3).numpy())
    return a


def decode_pillow(data):
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGB"))


def row(name, a):
    if a is None:
        return ["error", "error", "error"]
    h, w, c = a.shape
    assert c == 3
    return [str(w), str(h), hashlib.sha256(a.tobytes()).hexdigest()]


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    lines = ["# file\twidth\theight\ttfds_sha256\tpillow_sha256\tmax_abs_diff_tfds_pillow"]
    for name, data in sorted(fixtures().items()):
        with open(os.path.join(out, name), "wb") as fh:
            fh.write(data)
        t, p = decoded(decode_tfds, data), decoded(decode_pillow, data)
        rt, rp = row(name, t), row(name, p)
        if (t is None) != (p is None):
            raise SystemExit(f"{name}: one reference decodes it and the other does not")
        if t is not None:
            assert rt[:2] == rp[:2], name
            diff = int(np.abs(t.astype(int) - p.astype(int)).max())
        else:
            diff = "error"
        lines.append("\t".join([name, rt[0], rt[1], rt[2], rp[2], str(diff)]))
    with open(os.path.join(out, "goldens.tsv"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
