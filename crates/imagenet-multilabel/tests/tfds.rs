//! The TFDS writer and reader together: write → read back → every feature equals the input;
//! corrupt shards fail with the shard and byte offset named.

use std::fs;
use std::path::Path;

use imagenet_multilabel::fixture::Rng;
use imagenet_multilabel::tfds::{layout, read_annotations, Dataset, DatasetWriter, WriteOptions};
use imagenet_multilabel::{Annotations, ClassId, Example, ImageId, Record, Source, Split, Version};

/// `n` annotated images (every 7th image number), 5 of them ImageNet-M, with label lists
/// that are sometimes empty and sometimes hold duplicates.
fn annotations(n: u32, seed: u64) -> Annotations {
    let mut rng = Rng::new(seed);
    let records: Vec<Record> = (1..=n)
        .map(|i| {
            let image = ImageId::new(i * 7).unwrap();
            let mut list = |max: u64| -> Vec<ClassId> {
                (0..rng.below(max + 1))
                    .map(|_| ClassId::new(rng.below(1000) as i64).unwrap())
                    .collect()
            };
            let mut correct = list(3);
            if correct.len() == 2 {
                correct.push(correct[0]); // duplicates are kept, as in the file
            }
            let lists = [correct, list(2), list(1)];
            Record::new(image, lists, rng.chance(0.2))
        })
        .collect();
    let imagenet_m = vec![
        ImageId::new(35).unwrap(),
        ImageId::new(7).unwrap(),
        ImageId::new(70).unwrap(),
        ImageId::new(21).unwrap(),
        ImageId::new(49).unwrap(),
    ];
    let source = Source {
        path: "synthetic.json".into(),
        size: 12_345,
        sha256: String::new(),
        version: Version::Unrecognised,
    };
    Annotations::new(records, imagenet_m, source).unwrap()
}

/// Fake JPEG bytes of a length that depends on the image (TFDS passes bytes through).
fn jpeg(image: ImageId) -> Vec<u8> {
    let mut rng = Rng::new(image.number() as u64);
    let len = 50 + rng.below(400) as usize;
    let mut b: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
    b[..2].copy_from_slice(&[0xff, 0xd8]);
    b
}

fn sizes(ann: &Annotations) -> Vec<Option<u64>> {
    let mut s = vec![None; 50_001];
    for r in ann.records() {
        s[r.image().number() as usize] = Some(jpeg(r.image()).len() as u64);
    }
    s
}

/// Writes the dataset feeding images in a shuffled order.
fn write(
    data_dir: &Path,
    ann: &Annotations,
    options: &WriteOptions,
    seed: u64,
) -> imagenet_multilabel::tfds::WriteSummary {
    let w = DatasetWriter::create(data_dir, ann, &sizes(ann), options).unwrap();
    let mut images: Vec<ImageId> = ann
        .records()
        .iter()
        .map(|r| r.image())
        .filter(|&i| w.wants(i))
        .collect();
    Rng::new(seed).shuffle(&mut images);
    for i in images {
        w.write_image(i, &jpeg(i)).unwrap();
    }
    w.finish().unwrap()
}

fn expected(ann: &Annotations, image: ImageId) -> Example {
    let r = ann.get(image).unwrap();
    Example {
        image: jpeg(image),
        file_name: image.file_name(),
        original_label: r.original(),
        correct_multi_labels: r.correct().to_vec(),
        wrong_multi_labels: r.wrong().to_vec(),
        unclear_multi_labels: r.unclear().to_vec(),
        is_problematic: r.problematic(),
    }
}

#[test]
fn written_then_read_back_equals_the_input_in_tfds_order() {
    let ann = annotations(300, 1);
    let dir = tempfile::tempdir().unwrap();
    let summary = write(dir.path(), &ann, &WriteOptions::default(), 2);
    let version_dir = dir.path().join("imagenet2012_multilabel/3.0.0");
    assert_eq!(summary.dir, version_dir);
    assert_eq!(summary.splits[0].num_examples(), 300);
    assert_eq!(summary.splits[1].num_examples(), 5);

    // Nothing but the published folder remains.
    let names: Vec<String> = fs::read_dir(dir.path().join("imagenet2012_multilabel"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["3.0.0"]);

    for path in [dir.path(), version_dir.as_path()] {
        let ds = Dataset::open(path).unwrap();
        assert_eq!(ds.splits().len(), 2);
        for split in Split::ALL {
            let got: Vec<Example> = ds.iter(split).collect::<Result<_, _>>().unwrap();
            let info = ds.split(split).unwrap();
            assert_eq!(got.len() as u64, info.num_examples());
            // Stored order is ascending MD5 of split name + file name.
            let keys: Vec<u128> = got
                .iter()
                .map(|e| layout::order_key(split, &e.file_name))
                .collect();
            assert!(keys.windows(2).all(|w| w[0] < w[1]));
            let mut bytes = 0;
            for ex in &got {
                assert_eq!(ex, &expected(&ann, ex.image_id().unwrap()));
                bytes += imagenet_multilabel::tfds::example::encode(ex).len() as u64;
            }
            assert_eq!(info.num_bytes, bytes);
        }
    }
    let m: Vec<ImageId> = Dataset::open(dir.path())
        .unwrap()
        .iter(Split::ImagenetM)
        .map(|e| e.unwrap().image_id().unwrap())
        .collect();
    let mut sorted_m = m.clone();
    sorted_m.sort();
    assert_eq!(
        sorted_m,
        [
            ImageId::new(7).unwrap(),
            ImageId::new(21).unwrap(),
            ImageId::new(35).unwrap(),
            ImageId::new(49).unwrap(),
            ImageId::new(70).unwrap()
        ]
    );

    // The index read back holds the same records.
    let back = read_annotations(dir.path()).unwrap();
    // (`imagenet_m` is compared below: it is set from the ImageNet-M split read back.)
    let fields = |r: &Record| {
        (
            r.image(),
            r.original(),
            r.correct().to_vec(),
            r.wrong().to_vec(),
            r.unclear().to_vec(),
            r.problematic(),
        )
    };
    assert_eq!(
        back.records().iter().map(fields).collect::<Vec<_>>(),
        ann.records().iter().map(fields).collect::<Vec<_>>()
    );
    assert_eq!(back.imagenet_m(), m.as_slice());
    assert!(back.get(ImageId::new(21).unwrap()).unwrap().imagenet_m());
}

#[test]
fn map_parallel_keeps_stored_order_and_stops_at_the_first_error() {
    let ann = annotations(50, 12);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &ann, &WriteOptions::default(), 3);
    let ds = Dataset::open(dir.path()).unwrap();
    let serial: Vec<String> = ds
        .iter(Split::Validation)
        .map(|e| e.unwrap().file_name)
        .collect();
    for batch in [1, 7, 64] {
        let parallel: Vec<String> = ds
            .map_parallel(Split::Validation, batch, |e| e.file_name)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(parallel, serial);
    }
    // Damage the 10th record: 9 results, then the error, then nothing.
    let shard = shard_of(dir.path(), "validation");
    let mut bytes = fs::read(&shard).unwrap();
    let mut at = 0usize;
    for _ in 0..9 {
        at += u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize + 16;
    }
    bytes[at + 20] ^= 1;
    fs::write(&shard, &bytes).unwrap();
    let got: Vec<_> = ds
        .map_parallel(Split::Validation, 4, |e| e.image.len())
        .collect();
    assert_eq!(got.len(), 10);
    assert!(got[..9].iter().all(|r| r.is_ok()));
    let e = got[9].as_ref().unwrap_err().to_string();
    assert!(e.contains(&format!("record at byte {at}")), "{e}");
}

#[test]
fn output_is_byte_reproducible_whatever_the_image_order_and_threads() {
    let ann = annotations(120, 3);
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write(a.path(), &ann, &WriteOptions::default(), 10);
    // The second from four threads at once, each its share of the images, with sync on.
    let mut w =
        DatasetWriter::create(b.path(), &ann, &sizes(&ann), &WriteOptions::default()).unwrap();
    w.set_sync(true);
    let images: Vec<ImageId> = ann.records().iter().map(|r| r.image()).collect();
    std::thread::scope(|scope| {
        for t in 0..4 {
            let (w, images) = (&w, &images);
            scope.spawn(move || {
                for &i in images.iter().skip(t).step_by(4) {
                    w.write_image(i, &jpeg(i)).unwrap();
                }
            });
        }
    });
    assert_eq!(w.remaining(), 0);
    w.finish().unwrap();
    let va = a.path().join("imagenet2012_multilabel/3.0.0");
    let vb = b.path().join("imagenet2012_multilabel/3.0.0");
    let mut files: Vec<_> = fs::read_dir(&va)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    files.sort();
    assert_eq!(files.len(), 2 + 2 + 4, "{files:?}");
    for f in files {
        assert_eq!(
            fs::read(va.join(&f)).unwrap(),
            fs::read(vb.join(&f)).unwrap(),
            "{f:?}"
        );
    }
}

#[test]
fn metadata_files_are_what_tfds_needs() {
    let ann = annotations(40, 4);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &ann, &WriteOptions::default(), 1);
    let v = dir.path().join("imagenet2012_multilabel/3.0.0");
    let info: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(v.join("dataset_info.json")).unwrap()).unwrap();
    assert_eq!(info["splits"][0]["name"], "validation");
    assert_eq!(info["splits"][0]["shardLengths"], serde_json::json!(["40"]));
    assert_eq!(info["splits"][1]["shardLengths"], serde_json::json!(["5"]));
    assert_eq!(info["downloadSize"], "12345");
    assert_eq!(info["fileFormat"], "tfrecord");
    assert_eq!(
        fs::read_to_string(v.join("features.json")).unwrap(),
        imagenet_multilabel::tfds::metadata::FEATURES_JSON
    );
    for f in [
        "original_label",
        "correct_multi_labels",
        "wrong_multi_labels",
        "unclear_multi_labels",
    ] {
        assert_eq!(
            fs::read_to_string(v.join(format!("{f}.labels.txt"))).unwrap(),
            imagenet_multilabel::classes::labels_txt()
        );
    }
}

fn shard_of(dir: &Path, split: &str) -> std::path::PathBuf {
    dir.join(format!(
        "imagenet2012_multilabel/3.0.0/imagenet2012_multilabel-{split}.tfrecord-00000-of-00001"
    ))
}

fn first_error(dir: &Path, split: Split) -> String {
    Dataset::open(dir)
        .unwrap()
        .iter(split)
        .find_map(|e| e.err())
        .unwrap()
        .to_string()
}

#[test]
fn corrupt_shards_are_reported_with_file_and_offset() {
    let ann = annotations(30, 5);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &ann, &WriteOptions::default(), 1);
    let shard = shard_of(dir.path(), "imagenet_m");
    let good = fs::read(&shard).unwrap();
    let first_len = u64::from_le_bytes(good[..8].try_into().unwrap());
    let second = first_len + 16;

    // A flipped image byte in the second record.
    let mut bad = good.clone();
    bad[second as usize + 40] ^= 0x55;
    fs::write(&shard, &bad).unwrap();
    let e = first_error(dir.path(), Split::ImagenetM);
    assert!(
        e.contains("imagenet_m.tfrecord-00000-of-00001")
            && e.contains(&format!("record at byte {second}"))
            && e.contains("bad data CRC"),
        "{e}"
    );

    // Cut short inside the last record.
    fs::write(&shard, &good[..good.len() - 10]).unwrap();
    let e = first_error(dir.path(), Split::ImagenetM);
    assert!(e.contains("truncated record"), "{e}");

    // One record fewer than dataset_info.json says.
    fs::write(&shard, &good[..second as usize]).unwrap();
    let e = first_error(dir.path(), Split::ImagenetM);
    assert!(
        e.contains(&format!("end of file at byte {second}"))
            && e.contains("the shard holds 1 examples, dataset_info.json says 5"),
        "{e}"
    );

    // A valid frame around an Example with a label out of range.
    // A `ClassId` of 1000 cannot be made, so the file is patched: labels 998 and 999 encode
    // as varints of the same length that differ in one byte, where 1000's first byte goes.
    let mut ex = expected(&ann, ImageId::new(7).unwrap());
    ex.correct_multi_labels = vec![ClassId::new(998).unwrap()];
    let at_998 = imagenet_multilabel::tfds::example::encode(&ex);
    ex.correct_multi_labels = vec![ClassId::new(999).unwrap()];
    let mut at_999 = imagenet_multilabel::tfds::example::encode(&ex);
    let differ: Vec<usize> = (0..at_999.len())
        .filter(|&i| at_998.get(i) != at_999.get(i))
        .collect();
    assert_eq!(differ.len(), 1, "998 and 999 differ in one varint byte");
    assert_eq!(
        at_999[differ[0]..differ[0] + 2],
        [0xE7, 0x07],
        "varint of 999"
    );
    at_999[differ[0]] = 0xE8; // varint of 1000: 0xE8 0x07
    let mut framed = Vec::new();
    imagenet_multilabel::tfds::record::append_framed(&mut framed, &at_999);
    fs::write(&shard, &framed).unwrap();
    let e = first_error(dir.path(), Split::ImagenetM);
    assert!(
        e.contains("record at byte 0")
            && e.contains("feature 'correct_multi_labels' holds label 1000, expected 0..=999"),
        "{e}"
    );

    // A shard listed but absent.
    fs::remove_file(&shard).unwrap();
    let e = Dataset::open(dir.path()).unwrap_err().to_string();
    assert!(
        e.contains("imagenet_m.tfrecord-00000-of-00001") && e.contains("missing"),
        "{e}"
    );
}

#[test]
fn missing_images_fail_unless_listed_and_are_recorded() {
    let ann = annotations(20, 6);
    let mut lens = sizes(&ann);
    lens[14] = None;
    let dir = tempfile::tempdir().unwrap();
    let e = DatasetWriter::create(dir.path(), &ann, &lens, &WriteOptions::default())
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains(
            "ILSVRC2012_val_00000014.JPEG is annotated but the tar has no such image (1 annotated"
        ),
        "{e}"
    );
    assert!(!dir.path().join("imagenet2012_multilabel").exists());

    let options = WriteOptions {
        missing: vec![ImageId::new(14).unwrap(), ImageId::new(1).unwrap()], // 1 is not annotated: not recorded
        ..WriteOptions::default()
    };
    let w = DatasetWriter::create(dir.path(), &ann, &lens, &options).unwrap();
    assert!(
        !w.wants(ImageId::new(14).unwrap())
            && w.wants(ImageId::new(21).unwrap())
            && !w.wants(ImageId::new(1).unwrap())
    );
    let e = w
        .write_image(ImageId::new(21).unwrap(), b"short")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("5 bytes given, but its size was announced as"),
        "{e}"
    );
    for r in ann.records() {
        if w.wants(r.image()) {
            w.write_image(r.image(), &jpeg(r.image())).unwrap();
        }
    }
    let e = w
        .write_image(ImageId::new(21).unwrap(), &jpeg(ImageId::new(21).unwrap()))
        .unwrap_err()
        .to_string();
    assert!(e.contains("given twice"), "{e}");
    let s = w.finish().unwrap();
    assert_eq!(s.splits[0].num_examples(), 19);
    assert_eq!(
        fs::read_to_string(s.dir.join("missing_images.txt")).unwrap(),
        "ILSVRC2012_val_00000014.JPEG\n"
    );
    let info = fs::read_to_string(s.dir.join("dataset_info.json")).unwrap();
    assert!(info.contains("1 annotated image(s) missing from the tar"));
}

#[test]
fn an_unfinished_write_leaves_nothing_and_publishing_never_clobbers() {
    let ann = annotations(10, 7);
    let dir = tempfile::tempdir().unwrap();
    let w =
        DatasetWriter::create(dir.path(), &ann, &sizes(&ann), &WriteOptions::default()).unwrap();
    let temp = w.temp_dir().to_path_buf();
    assert!(temp
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("incomplete."));
    w.write_image(ImageId::new(7).unwrap(), &jpeg(ImageId::new(7).unwrap()))
        .unwrap();
    // Readers do not see it.
    assert!(Dataset::open(dir.path()).is_err());
    drop(w);
    assert!(!temp.exists());

    let w =
        DatasetWriter::create(dir.path(), &ann, &sizes(&ann), &WriteOptions::default()).unwrap();
    let e = w.finish().unwrap_err().to_string();
    assert!(
        e.contains("10 image(s) of the plan were never written"),
        "{e}"
    );

    write(dir.path(), &ann, &WriteOptions::default(), 1);
    let e = DatasetWriter::create(dir.path(), &ann, &sizes(&ann), &WriteOptions::default())
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("already exists"), "{e}");
    let other = annotations(12, 8);
    let s = write(
        dir.path(),
        &other,
        &WriteOptions {
            overwrite: true,
            ..WriteOptions::default()
        },
        1,
    );
    assert_eq!(s.splits[0].num_examples(), 12);
    assert_eq!(read_annotations(dir.path()).unwrap().len(), 12);
    assert_eq!(
        fs::read_dir(dir.path().join("imagenet2012_multilabel"))
            .unwrap()
            .count(),
        1
    );
}

#[test]
fn one_split_only_and_an_empty_split_is_an_error() {
    let ann = annotations(10, 9);
    let dir = tempfile::tempdir().unwrap();
    let options = WriteOptions {
        splits: vec![Split::ImagenetM],
        ..WriteOptions::default()
    };
    let s = write(dir.path(), &ann, &options, 1);
    assert_eq!(s.splits.len(), 1);
    let ds = Dataset::open(dir.path()).unwrap();
    assert_eq!(ds.iter(Split::ImagenetM).count(), 5);
    let e = ds
        .iter(Split::Validation)
        .next()
        .unwrap()
        .unwrap_err()
        .to_string();
    assert!(e.contains("has no split validation"), "{e}");

    let mut lens = vec![None; 50_001];
    lens[14] = Some(3);
    let options = WriteOptions {
        missing: ann.records().iter().map(|r| r.image()).collect(),
        ..WriteOptions::default()
    };
    let e = DatasetWriter::create(dir.path(), &ann, &lens, &options)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("split imagenet_m would be empty"), "{e}");
}

/// One record exactly as TFDS 4.9.10 wrote it (parity fixture, smallest record): its map
/// entries come in TFDS's unsorted order.
const TFDS_RECORD: &str = concat!(
    "db0000000000000018693a6e0ad8010a170a0e6f726967696e616c5f6c6162656c12051a030a01340a220a14",
    "756e636c6561725f6d756c74695f6c6162656c73120a1a080a068404d903a5060a180a1277726f6e675f6d75",
    "6c74695f6c6162656c7312021a000a1f0a14636f72726563745f6d756c74695f6c6162656c7312071a050a03",
    "349a060a170a0e69735f70726f626c656d6174696312051a030a01000a160a05696d616765120d0a0b0a09ff",
    "d8ffe0bf5116ffd90a2d0a0966696c655f6e616d6512200a1e0a1c494c53565243323031325f76616c5f3030",
    "3030333536392e4a5045473aee932f",
);

#[test]
fn reads_a_record_tfds_wrote_and_encodes_it_to_the_same_length() {
    use imagenet_multilabel::tfds::{example, record};
    let bytes: Vec<u8> = (0..TFDS_RECORD.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&TFDS_RECORD[i..i + 2], 16).unwrap())
        .collect();
    let mut r = record::RecordReader::new(&bytes[..], "tfds.tfrecord");
    let mut data = Vec::new();
    assert_eq!(r.next_into(&mut data).unwrap(), Some(0));
    let ex = example::decode(&data).unwrap();
    let want = Example {
        image: vec![0xff, 0xd8, 0xff, 0xe0, 0xbf, 0x51, 0x16, 0xff, 0xd9],
        file_name: "ILSVRC2012_val_00003569.JPEG".into(),
        original_label: ClassId::new(52).unwrap(),
        correct_multi_labels: vec![ClassId::new(52).unwrap(), ClassId::new(794).unwrap()],
        wrong_multi_labels: vec![],
        unclear_multi_labels: vec![
            ClassId::new(516).unwrap(),
            ClassId::new(473).unwrap(),
            ClassId::new(805).unwrap(),
        ],
        is_problematic: false,
    };
    assert_eq!(ex, want);
    assert_eq!(
        ImageId::new(3569).unwrap().original_label(),
        ClassId::new(52).unwrap()
    );
    // Same content, same length; only the map-entry order differs (ours is sorted).
    let ours = example::encode(&ex);
    assert_eq!(ours.len(), data.len());
    assert_ne!(ours, data);
    assert_eq!(example::encoded_len(&ex, 9), data.len() as u64);
}

mod no_panic {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// Any damage to a shard — bytes flipped, the file cut anywhere — gives errors, never
        /// a panic, and never more examples than the shard holds.
        #[test]
        fn damaged_shards_never_panic(flips in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 0..4),
                                       cut in any::<prop::sample::Index>()) {
            // One written dataset, copied per case (writing syncs to disk: too slow per case).
            static GOOD: std::sync::OnceLock<Vec<(String, Vec<u8>)>> = std::sync::OnceLock::new();
            let good = GOOD.get_or_init(|| {
                let dir = tempfile::tempdir().unwrap();
                write(dir.path(), &annotations(10, 11), &WriteOptions::default(), 1);
                let v = dir.path().join("imagenet2012_multilabel/3.0.0");
                fs::read_dir(&v)
                    .unwrap()
                    .map(|e| e.unwrap().file_name().into_string().unwrap())
                    .map(|name| (name.clone(), fs::read(v.join(name)).unwrap()))
                    .collect()
            });
            let dir = tempfile::tempdir().unwrap();
            let v = dir.path().join("imagenet2012_multilabel/3.0.0");
            fs::create_dir_all(&v).unwrap();
            for (name, bytes) in good {
                fs::write(v.join(name), bytes).unwrap();
            }
            let shard = shard_of(dir.path(), "imagenet_m");
            let mut bytes = fs::read(&shard).unwrap();
            for (at, x) in &flips {
                let i = at.index(bytes.len());
                bytes[i] ^= x;
            }
            bytes.truncate(cut.index(bytes.len() + 1));
            fs::write(&shard, &bytes).unwrap();
            let results: Vec<_> = Dataset::open(dir.path()).unwrap().iter(Split::ImagenetM).collect();
            prop_assert!(results.iter().filter(|r| r.is_ok()).count() <= 5);
            prop_assert!(results.iter().filter(|r| r.is_err()).count() <= 1);
        }

        #[test]
        fn arbitrary_bytes_never_panic_the_decoder(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = imagenet_multilabel::tfds::example::decode(&data);
            let mut r = imagenet_multilabel::tfds::record::RecordReader::new(&data[..], "x");
            let mut buf = Vec::new();
            while let Ok(Some(_)) = r.next_into(&mut buf) {}
        }
    }
}

#[test]
fn read_annotations_refuses_shifted_original_labels() {
    // What TFDS writes when the tar lacks an image: the next image's label, one slot early.
    let ann = annotations(10, 13);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &ann, &WriteOptions::default(), 1);
    // A `Record` always carries its image's own label, so the shard is rewritten with the
    // fourth image's original label taken from the next image.
    let fourth = ann.records()[3].image();
    let shard = shard_of(dir.path(), "validation");
    let data = fs::read(&shard).unwrap();
    let mut reader = imagenet_multilabel::tfds::record::RecordReader::new(&data[..], "shard");
    let (mut buf, mut rewritten, mut n) = (Vec::new(), Vec::new(), 0);
    while reader.next_into(&mut buf).unwrap().is_some() {
        let mut ex = imagenet_multilabel::tfds::example::decode(&buf).unwrap();
        if ex.file_name == fourth.file_name() {
            let next = ImageId::new(fourth.number() + 1).unwrap();
            ex.original_label = next.original_label();
        }
        imagenet_multilabel::tfds::record::append_framed(
            &mut rewritten,
            &imagenet_multilabel::tfds::example::encode(&ex),
        );
        n += 1;
    }
    assert_eq!(n, ann.len());
    fs::write(&shard, &rewritten).unwrap();
    let e = read_annotations(dir.path()).unwrap_err().to_string();
    assert!(
        e.contains("ILSVRC2012_val_00000028.JPEG") && e.contains("labels are shifted or wrong"),
        "{e}"
    );
}

#[test]
fn decoded_images_are_rgb_like_tensorflow_yields_them() {
    use imagenet_multilabel::fixture::tar::{jpeg as fixture_jpeg, ImageKind};
    let ann = annotations(12, 5);
    let images: Vec<ImageId> = ann.records().iter().map(|r| r.image()).collect();
    let kind = |i: ImageId| match images.iter().position(|&x| x == i) {
        Some(0) => ImageKind::Grayscale,
        Some(1) => ImageKind::Cmyk,
        Some(2) => ImageKind::Corrupt,
        _ => ImageKind::Color,
    };
    let bytes = |i: ImageId| fixture_jpeg(i, kind(i), Some(24), 9);
    let mut len = vec![None; 50_001];
    for &i in &images {
        len[i.number() as usize] = Some(bytes(i).len() as u64);
    }
    let dir = tempfile::tempdir().unwrap();
    let w = DatasetWriter::create(dir.path(), &ann, &len, &WriteOptions::default()).unwrap();
    for &i in &images {
        w.write_image(i, &bytes(i)).unwrap();
    }
    w.finish().unwrap();
    let ds = Dataset::open(dir.path()).unwrap();
    let (mut decoded, mut failed) = (0, Vec::new());
    for item in ds.decoded(Split::Validation, 7) {
        match item {
            Ok((ex, rgb)) => {
                let image = ex.image_id().unwrap();
                assert_eq!(rgb.pixels.len(), (rgb.width * rgb.height * 3) as usize);
                assert_eq!((rgb.width, rgb.height), (24, 24));
                if kind(image) == ImageKind::Grayscale {
                    assert!(rgb.pixels.chunks(3).all(|p| p[0] == p[1] && p[1] == p[2]));
                }
                decoded += 1;
            }
            Err(e) => failed.push(e.to_string()),
        }
    }
    assert_eq!(decoded, images.len() - 1);
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(failed[0].contains(&images[2].to_string()), "{}", failed[0]);
}

/// Splits the validation shard of a written dataset into two shard files (the first holding
/// `first` records) and says so in `dataset_info.json`, as a large build would shard it.
fn split_validation_shard(dir: &Path, first: usize) {
    let version_dir = dir.join("imagenet2012_multilabel/3.0.0");
    let shard = shard_of(dir, "validation");
    let bytes = fs::read(&shard).unwrap();
    let mut at = 0usize;
    let mut count = 0usize;
    let mut cut = 0usize;
    while at < bytes.len() {
        if count == first {
            cut = at;
        }
        let len = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize;
        at += len + 16;
        count += 1;
    }
    fs::remove_file(&shard).unwrap();
    let name = |k: usize| {
        version_dir.join(format!(
            "imagenet2012_multilabel-validation.tfrecord-0000{k}-of-00002"
        ))
    };
    fs::write(name(0), &bytes[..cut]).unwrap();
    fs::write(name(1), &bytes[cut..]).unwrap();
    let info_path = version_dir.join("dataset_info.json");
    let mut info: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&info_path).unwrap()).unwrap();
    let splits = info["splits"].as_array_mut().unwrap();
    let validation = splits
        .iter_mut()
        .find(|s| s["name"] == "validation")
        .unwrap();
    validation["shardLengths"] =
        serde_json::json!([first.to_string(), (count - first).to_string()]);
    fs::write(&info_path, serde_json::to_string(&info).unwrap()).unwrap();
}

#[test]
fn random_access_equals_the_sequential_read_across_shards() {
    let ann = annotations(120, 9);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &ann, &WriteOptions::default(), 3);
    split_validation_shard(dir.path(), 47);
    let ds = Dataset::open(dir.path()).unwrap();
    assert_eq!(ds.split(Split::Validation).unwrap().shard_lengths, [47, 73]);
    for split in Split::ALL {
        let seq: Vec<Example> = ds.iter(split).collect::<Result<_, _>>().unwrap();
        let ra = ds.random_access(split).unwrap();
        assert_eq!(ra.len(), seq.len() as u64);
        // Backwards, so that the second shard is indexed before the first.
        for i in (0..seq.len()).rev() {
            let got = ra.get(i as u64).unwrap();
            assert_eq!(got, seq[i], "example {i} of {}", split.name());
            assert_eq!(got, expected(&ann, got.image_id().unwrap()));
        }
        // In parallel, in order, clamped to the split.
        let names: Vec<String> = ra
            .map_range(40..1000, |i, ra| ra.get(i).map(|e| e.file_name))
            .into_iter()
            .collect::<Result<_, _>>()
            .unwrap();
        let want: Vec<String> = seq.iter().skip(40).map(|e| e.file_name.clone()).collect();
        assert_eq!(names, want);
        let e = ra.get(seq.len() as u64).unwrap_err().to_string();
        assert!(
            e.contains(&format!("example {} is out of range", seq.len()))
                && e.contains(&format!("holds {} examples", seq.len())),
            "{e}"
        );
    }
    assert!(ds
        .random_access(Split::ImagenetM)
        .unwrap()
        .index_all()
        .is_ok());
}

#[test]
fn random_access_reports_corrupt_shards_with_file_and_offset() {
    let ann = annotations(30, 5);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &ann, &WriteOptions::default(), 1);
    let shard = shard_of(dir.path(), "imagenet_m");
    let good = fs::read(&shard).unwrap();
    let second = u64::from_le_bytes(good[..8].try_into().unwrap()) + 16;
    let ra = || {
        Dataset::open(dir.path())
            .unwrap()
            .random_access(Split::ImagenetM)
            .unwrap()
    };

    // A flipped data byte: the index is fine, reading that record is not; others still read.
    let mut bad = good.clone();
    bad[second as usize + 40] ^= 0x55;
    fs::write(&shard, &bad).unwrap();
    let r = ra();
    r.index_all().unwrap();
    assert!(r.get(0).is_ok());
    let e = r.get(1).unwrap_err().to_string();
    assert!(
        e.contains("imagenet_m.tfrecord-00000-of-00001")
            && e.contains(&format!("record at byte {second}"))
            && e.contains("bad data CRC"),
        "{e}"
    );

    // A flipped length byte: the index cannot be built past it.
    let mut bad = good.clone();
    bad[second as usize] ^= 0x01;
    fs::write(&shard, &bad).unwrap();
    let e = ra().get(0).unwrap_err().to_string();
    assert!(
        e.contains(&format!("record at byte {second}")) && e.contains("bad length CRC"),
        "{e}"
    );

    // Cut short inside the last record's data, then inside a header.
    let mut last = 0u64;
    let mut at = 0u64;
    while (at as usize) < good.len() {
        last = at;
        at += u64::from_le_bytes(good[at as usize..at as usize + 8].try_into().unwrap()) + 16;
    }
    fs::write(&shard, &good[..good.len() - 10]).unwrap();
    let e = ra().index_all().unwrap_err().to_string();
    assert!(
        e.contains("imagenet_m.tfrecord-00000-of-00001")
            && e.contains(&format!("record at byte {last}"))
            && e.contains("truncated record"),
        "{e}"
    );
    fs::write(&shard, &good[..second as usize + 5]).unwrap();
    let e = ra().get(0).unwrap_err().to_string();
    assert!(
        e.contains(&format!("record at byte {second}"))
            && e.contains("the file ends 5 bytes into the 12-byte header"),
        "{e}"
    );

    // One record fewer, then one more, than dataset_info.json says.
    fs::write(&shard, &good[..second as usize]).unwrap();
    let e = ra().get(0).unwrap_err().to_string();
    assert!(
        e.contains(&format!("end of file at byte {second}"))
            && e.contains("the shard holds 1 examples, dataset_info.json says 5"),
        "{e}"
    );
    let mut more = good.clone();
    more.extend_from_slice(&good[..second as usize]);
    fs::write(&shard, &more).unwrap();
    let e = ra().get(0).unwrap_err().to_string();
    assert!(
        e.contains(&format!("record at byte {}", good.len()))
            && e.contains("says this shard holds 5 examples, it holds more"),
        "{e}"
    );

    // The file changed after it was indexed.
    fs::write(&shard, &good).unwrap();
    let r = ra();
    r.index_all().unwrap();
    let mut shifted = good[second as usize..].to_vec();
    shifted.extend_from_slice(&good[..second as usize]);
    fs::write(&shard, &shifted).unwrap();
    let e = r.get(1).unwrap_err().to_string();
    assert!(e.contains("modified while open"), "{e}");

    // A split the dataset does not have.
    fs::write(&shard, &good).unwrap();
    let dir2 = tempfile::tempdir().unwrap();
    let options = WriteOptions {
        splits: vec![Split::Validation],
        ..WriteOptions::default()
    };
    write(dir2.path(), &ann, &options, 1);
    let e = Dataset::open(dir2.path())
        .unwrap()
        .random_access(Split::ImagenetM)
        .unwrap_err()
        .to_string();
    assert!(e.contains("has no split imagenet_m"), "{e}");
}

#[test]
fn random_access_decodes_images_like_the_sequential_reader() {
    use imagenet_multilabel::fixture::tar::{jpeg as real_jpeg, ImageKind};
    use imagenet_multilabel::images::Decode;
    let ann = annotations(12, 4);
    let dir = tempfile::tempdir().unwrap();
    let kinds = [
        ImageKind::Color,
        ImageKind::Grayscale,
        ImageKind::Cmyk,
        ImageKind::Corrupt,
    ];
    let image_of = |i: ImageId| real_jpeg(i, kinds[i.number() as usize % 4], None, 1);
    let mut lens = vec![None; 50_001];
    for r in ann.records() {
        lens[r.image().number() as usize] = Some(image_of(r.image()).len() as u64);
    }
    let w = DatasetWriter::create(dir.path(), &ann, &lens, &WriteOptions::default()).unwrap();
    for r in ann.records() {
        w.write_image(r.image(), &image_of(r.image())).unwrap();
    }
    w.finish().unwrap();
    let ds = Dataset::open(dir.path()).unwrap();
    let ra = ds.random_access(Split::Validation).unwrap();
    for how in [Decode::Tfds, Decode::Pillow] {
        let seq: Vec<_> = ds.decoded_with(Split::Validation, 3, how).collect();
        // The sequential reader stops at the first bad image; up to there both agree.
        for (i, s) in seq.iter().enumerate() {
            let got = ra.get_decoded(i as u64, how);
            match (s, got) {
                (Ok(a), Ok(b)) => assert_eq!(a, &b),
                (Err(_), Err(e)) => {
                    let e = e.to_string();
                    assert!(
                        e.contains(&format!("example {i} of split validation (ILSVRC2012_val_"))
                            && e.contains("not a decodable JPEG"),
                        "{e}"
                    );
                }
                (a, b) => panic!("example {i}: sequential {a:?}, random access {b:?}"),
            }
        }
        let corrupt = (0..ra.len())
            .filter(|&i| ra.get_decoded(i, how).is_err())
            .count();
        let want = ann
            .records()
            .iter()
            .filter(|r| r.image().number() % 4 == 3)
            .count();
        assert!(want > 0, "the fixture holds corrupt images");
        assert_eq!(corrupt, want);
    }
}
