//! Thumbnails from a tar and from a built dataset: sizes, valid JPEGs whose pixels still show
//! the picture, images the source lacks left out, and bad sources named in the error.

use std::path::Path;

use imagenet_multilabel::images::decode_rgb;
use imagenet_multilabel::tfds::{DatasetWriter, WriteOptions};
use imagenet_multilabel::thumbnails::{thumbnails, ImageSource};
use imagenet_multilabel::{Annotations, ImageId, Record, Source, Split, Version};

fn id(n: u32) -> ImageId {
    ImageId::new(n).unwrap()
}

/// A `width`×`height` JPEG whose left half is red and right half blue.
fn halves(width: u16, height: u16) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(usize::from(width) * usize::from(height) * 3);
    for _ in 0..height {
        for x in 0..width {
            rgb.extend_from_slice(if x < width / 2 {
                &[220, 20, 20]
            } else {
                &[20, 20, 220]
            });
        }
    }
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(&rgb, width, height, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    out
}

/// The images of the tests: landscape, portrait, smaller than a thumbnail.
fn images() -> Vec<(ImageId, Vec<u8>)> {
    vec![
        (id(1), halves(500, 375)),
        (id(2), halves(375, 500)),
        (id(3), halves(100, 80)),
    ]
}

fn write_tar(path: &Path, members: &[(ImageId, Vec<u8>)]) {
    let mut builder = tar::Builder::new(std::fs::File::create(path).unwrap());
    for (image, jpeg) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(jpeg.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, image.file_name(), jpeg.as_slice())
            .unwrap();
    }
    builder.into_inner().unwrap();
}

/// A built dataset of `members` (all of them in ImageNet-M) with the splits `splits`.
fn write_dataset(data_dir: &Path, members: &[(ImageId, Vec<u8>)], splits: &[Split]) {
    let records = members
        .iter()
        .map(|(image, _)| {
            Record::new(
                *image,
                [vec![image.original_label()], vec![], vec![]],
                false,
            )
        })
        .collect();
    let source = Source {
        path: "synthetic.json".into(),
        size: 0,
        sha256: String::new(),
        version: Version::Unrecognised,
    };
    let imagenet_m = members.iter().map(|(image, _)| *image).collect();
    let annotations = Annotations::new(records, imagenet_m, source).unwrap();
    let mut sizes = vec![None; 50_001];
    for (image, jpeg) in members {
        sizes[image.number() as usize] = Some(jpeg.len() as u64);
    }
    let options = WriteOptions {
        splits: splits.to_vec(),
        ..WriteOptions::default()
    };
    let writer = DatasetWriter::create(data_dir, &annotations, &sizes, &options).unwrap();
    for (image, jpeg) in members {
        writer.write_image(*image, jpeg).unwrap();
    }
    writer.finish().unwrap();
}

/// The checks both sources must pass.
fn check(source: &ImageSource) {
    // Image 4 is in neither source: absent, not an error.
    let wanted = [id(2), id(1), id(3), id(4), id(1)];
    let thumbs = thumbnails(source, &wanted, 160).unwrap();
    assert_eq!(
        thumbs.keys().copied().collect::<Vec<_>>(),
        [id(1), id(2), id(3)]
    );
    let sizes: Vec<(u32, u32)> = thumbs.values().map(|t| (t.width, t.height)).collect();
    // Aspect ratio kept, the long side 160; a small image is never enlarged.
    assert_eq!(sizes, [(160, 120), (120, 160), (100, 80)]);
    for (image, t) in &thumbs {
        let rgb = decode_rgb(&t.jpeg).unwrap_or_else(|e| panic!("{image}: {e}"));
        assert_eq!((rgb.width, rgb.height), (t.width, t.height), "{image}");
        // Still the picture: red at the left quarter, blue at the right quarter (JPEG and
        // the filter move colours a little, never swap them).
        let y = t.height / 2;
        let at = |x: u32| &rgb.pixels[((y * t.width + x) * 3) as usize..][..3];
        let (left, right) = (at(t.width / 4), at(3 * t.width / 4));
        assert!(left[0] > 180 && left[2] < 60, "{image}: left {left:?}");
        assert!(right[2] > 180 && right[0] < 60, "{image}: right {right:?}");
        // Small: a 160 px thumbnail of flat colour is a few KB.
        assert!(t.jpeg.len() < 8_000, "{image}: {} bytes", t.jpeg.len());
    }
    assert!(thumbnails(source, &[], 160).unwrap().is_empty());
}

#[test]
fn thumbnails_from_a_tar() {
    let dir = tempfile::tempdir().unwrap();
    let tar = dir.path().join("ILSVRC2012_img_val.tar");
    write_tar(&tar, &images());
    check(&ImageSource::Tar(tar));
}

#[test]
fn thumbnails_from_a_built_dataset() {
    let dir = tempfile::tempdir().unwrap();
    write_dataset(dir.path(), &images(), &Split::ALL);
    check(&ImageSource::Dataset(dir.path().to_path_buf()));
    // The version folder works too.
    let version = dir.path().join("imagenet2012_multilabel/3.0.0");
    let thumbs = thumbnails(&ImageSource::Dataset(version), &[id(3)], 50).unwrap();
    assert_eq!((thumbs[&id(3)].width, thumbs[&id(3)].height), (50, 40));
    // A dataset of the ImageNet-M split alone serves its images too.
    let only_m = tempfile::tempdir().unwrap();
    write_dataset(only_m.path(), &images(), &[Split::ImagenetM]);
    check(&ImageSource::Dataset(only_m.path().to_path_buf()));
}

#[test]
fn an_image_that_does_not_decode_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut members = images();
    members[1].1.truncate(200);
    let tar = dir.path().join("val.tar");
    write_tar(&tar, &members);
    let err = thumbnails(&ImageSource::Tar(tar.clone()), &[id(1), id(2)], 160)
        .unwrap_err()
        .to_string();
    assert!(err.contains("val.tar"), "{err}");
    assert!(err.contains("ILSVRC2012_val_00000002.JPEG"), "{err}");
    assert!(err.contains("JPEG"), "{err}");
    // Not wanted, not read: the broken image does not spoil the others.
    assert_eq!(
        thumbnails(&ImageSource::Tar(tar), &[id(1)], 160)
            .unwrap()
            .len(),
        1
    );

    let data = dir.path().join("data");
    write_dataset(&data, &members, &[Split::Validation]);
    let err = thumbnails(&ImageSource::Dataset(data), &[id(2)], 160)
        .unwrap_err()
        .to_string();
    assert!(err.contains("3.0.0"), "{err}");
    assert!(err.contains("ILSVRC2012_val_00000002.JPEG"), "{err}");
}

#[test]
fn a_bad_source_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere.tar");
    let err = thumbnails(&ImageSource::Tar(missing), &[id(1)], 160)
        .unwrap_err()
        .to_string();
    assert!(err.contains("nowhere.tar"), "{err}");

    let not_tar = dir.path().join("notes.tar");
    std::fs::write(&not_tar, vec![7u8; 3000]).unwrap();
    let err = thumbnails(&ImageSource::Tar(not_tar), &[id(1)], 160)
        .unwrap_err()
        .to_string();
    assert!(err.contains("notes.tar"), "{err}");

    let err = thumbnails(
        &ImageSource::Dataset(dir.path().to_path_buf()),
        &[id(1)],
        160,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("no dataset at"), "{err}");
    assert!(err.contains(&dir.path().display().to_string()), "{err}");
}
