//! Every format round-trips through `fixture::pred_files`; every bad input is an error naming
//! the file and the place; no bytes make `load` panic.

use std::path::{Path, PathBuf};

use proptest::prelude::*;

use super::*;
use crate::fixture::pred_files::{self, model_rows, random_rows, Row, ScoreType, WriteOptions};

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn put(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn opts() -> LoadOptions {
    LoadOptions::default()
}

fn background() -> LoadOptions {
    LoadOptions {
        background_class: true,
        ..LoadOptions::default()
    }
}

/// Loads `path`, expecting an error; returns its message.
fn error(path: &Path, options: &LoadOptions) -> String {
    match load(path, options) {
        Ok(p) => panic!("{} loaded ({} predictions)", path.display(), p.len()),
        Err(e) => e.to_string(),
    }
}

/// Asserts every fragment appears in `message` (which must also name the file).
fn assert_mentions(message: &str, path: &Path, fragments: &[&str]) {
    assert!(
        message.contains(&path.display().to_string()),
        "{message:?} does not name {}",
        path.display()
    );
    for f in fragments {
        assert!(message.contains(f), "{message:?} does not mention {f:?}");
    }
}

/// Asserts `p` holds exactly `rows` (the first `p.k()` of each ranking) and nothing else.
fn assert_same(p: &Predictions, rows: &[Row]) {
    assert_eq!(p.len(), rows.len());
    for (image, ranked) in rows {
        let got = p
            .ranking(*image)
            .unwrap_or_else(|| panic!("{image} missing"));
        assert_eq!(got.background_rank(), None, "{image}");
        assert_eq!(got.top(p.k()), &ranked[..p.k()], "{image}");
    }
}

/// The classes ranked for image number `image` (all `k` ranks; no background).
fn top(p: &Predictions, image: u32) -> Vec<ClassId> {
    let r = p
        .ranking(ImageId(image))
        .unwrap_or_else(|| panic!("image {image} missing"));
    r.top(r.len()).to_vec()
}

fn some_images(n: u32) -> Vec<ImageId> {
    // Scattered, not in order, to show names drive the rows.
    (0..n).map(|i| ImageId(1 + (i * 7919) % 50_000)).collect()
}

fn all_rows(k: usize) -> Vec<Row> {
    random_rows(ImageId::all(), k, 7)
}

fn write(dir: &tempfile::TempDir, name: &str, rows: &[Row], options: &WriteOptions) -> PathBuf {
    let path = dir.path().join(name);
    pred_files::write(&path, rows, options).unwrap();
    path
}

// ---- round trips -------------------------------------------------------------------------

#[test]
fn npy_class_ids_of_every_integer_width_round_trip() {
    let d = dir();
    for (dtype, k) in [("<i8", 1), ("<u2", 5), (">i4", 3), ("<i2", 2), ("<u8", 1)] {
        let rows = all_rows(k);
        let mut w = WriteOptions::new(Format::Npy);
        w.scores = None;
        w.id_dtype = dtype.into();
        let path = write(&d, "ids.npy", &rows, &w);
        assert_eq!(sniff(&path).unwrap(), Format::Npy);
        let p = load(&path, &opts()).unwrap();
        assert_eq!((p.k(), p.has_scores()), (k, false), "{dtype}");
        assert!(p.covers_all());
        assert_same(&p, &rows);
    }
}

#[test]
fn npy_uint8_ids_and_fortran_order_read_by_element() {
    let d = dir();
    // |u1 holds ids < 256; Fortran order stores column 0 of every row first.
    let rows: Vec<Row> = ImageId::all()
        .map(|i| {
            (
                i,
                vec![ClassId((i.0 % 250) as u16), ClassId((i.0 % 6) as u16 + 250)],
            )
        })
        .collect();
    let n = rows.len();
    let mut fortran = vec![0u8; n * 2];
    for (r, (_, ranked)) in rows.iter().enumerate() {
        fortran[r] = ranked[0].0 as u8;
        fortran[n + r] = ranked[1].0 as u8;
    }
    let path = put(
        &d,
        "f.npy",
        &pred_files::npy("|u1", &[n as u64, 2], true, &fortran),
    );
    let p = load(&path, &opts()).unwrap();
    for (image, ranked) in &rows {
        assert_eq!(ranks(&p, image.0).0, Some(ranked[0]));
    }
}

#[test]
fn npy_header_versions_2_and_3_are_read() {
    let d = dir();
    let rows = all_rows(1);
    let ids: Vec<i64> = rows.iter().map(|r| i64::from(r.1[0].0)).collect();
    let data = pred_files::encode_ints(&ids, "<i4").unwrap();
    for version in [2, 3] {
        let bytes = pred_files::npy_version(version, "<i4", &[50_000], false, &data);
        assert_eq!(bytes[6], version);
        let path = put(&d, "v.npy", &bytes);
        assert_same(&load(&path, &opts()).unwrap(), &rows);
    }
}

#[test]
fn npz_scores_of_every_float_type_rank_to_the_top_5() {
    let d = dir();
    let rows = random_rows(some_images(40), 5, 3);
    for ty in [ScoreType::F16, ScoreType::F32, ScoreType::F64] {
        for compressed in [false, true] {
            let mut w = WriteOptions::new(Format::Npz);
            w.scores = Some(ty);
            w.compressed = compressed;
            let path = write(&d, "s.npz", &rows, &w);
            assert_eq!(sniff(&path).unwrap(), Format::Npz);
            let p = load(&path, &opts()).unwrap();
            assert_eq!((p.k(), p.has_scores()), (MAX_K, true));
            assert_same(&p, &rows);
        }
    }
}

#[test]
fn npz_without_names_is_the_validation_set_in_order() {
    let d = dir();
    let rows = all_rows(5);
    let mut w = WriteOptions::new(Format::Npz);
    w.scores = None;
    w.names = false;
    let path = write(&d, "ids.npz", &rows, &w);
    let p = load(&path, &opts()).unwrap();
    for (image, ranked) in &rows {
        assert_eq!(ranks(&p, image.0).0, Some(ranked[0]));
    }
}

#[test]
fn npz_members_are_found_by_name() {
    let d = dir();
    let rows = random_rows(some_images(20), 1, 5);
    let ids: Vec<i64> = rows.iter().map(|r| i64::from(r.1[0].0)).collect();
    let preds = pred_files::npy(
        "<i8",
        &[20],
        false,
        &pred_files::encode_ints(&ids, "<i8").unwrap(),
    );
    let other = pred_files::npy(
        "<i8",
        &[20],
        false,
        &pred_files::encode_ints(&[3; 20], "<i8").unwrap(),
    );
    let names: Vec<String> = rows
        .iter()
        .map(|r| format!("val/n01440764/{}", r.0.file_name()))
        .collect();
    let names = pred_files::unicode_array(&names);
    for key in ["predictions", "scores", "probs"] {
        let member = format!("{key}.npy");
        let bytes = pred_files::npz(
            &[
                ("labels.npy", &other),
                (&member, &preds),
                ("filenames.npy", &names),
            ],
            false,
        )
        .unwrap();
        let path = put(&d, "m.npz", &bytes);
        assert_same(&load(&path, &opts()).unwrap(), &rows);
    }
    // Two arrays, neither with a known name: ambiguous.
    let bytes = pred_files::npz(&[("a.npy", &preds), ("b.npy", &other)], false).unwrap();
    let path = put(&d, "ambiguous.npz", &bytes);
    assert_mentions(
        &error(&path, &opts()),
        &path,
        &["members", "logits", "a.npy"],
    );
}

#[test]
fn delimited_files_round_trip_with_ids_and_wnids() {
    let d = dir();
    for format in [Format::Csv, Format::Tsv] {
        for (k, wnids) in [(1, false), (5, false), (3, true)] {
            let rows = random_rows(some_images(100), k, k as u64);
            let mut w = WriteOptions::new(format);
            w.wnids = wnids;
            let path = write(&d, "p.txt", &rows, &w);
            assert_eq!(sniff(&path).unwrap(), format);
            let p = load(&path, &opts()).unwrap();
            assert_eq!((p.k(), p.has_scores()), (k, false));
            assert_same(&p, &rows);
        }
    }
}

#[test]
fn csv_columns_are_recognised_by_name_and_rank_number() {
    let d = dir();
    // Extra columns are ignored; pred_2 before pred_1 in the file is still rank 2.
    let text = "\u{feff}Confidence,PRED_2,Image,pred_1\n\
                0.9,n01443537,val/ILSVRC2012_val_00000003.png,7\n\
                0.1,0,ILSVRC2012_val_00000001,999\n";
    let path = put(&d, "p.csv", text.as_bytes());
    let p = load(&path, &opts()).unwrap();
    assert_eq!(p.k(), 2);
    assert_eq!(top(&p, 3), [ClassId(7), ClassId(1)]);
    assert_eq!(top(&p, 1), [ClassId(999), ClassId(0)]);
    // Two columns: whatever the second is called, it is the prediction.
    let path = put(
        &d,
        "two.csv",
        b"path,whatever\nILSVRC2012_val_00000009.JPEG,5\n",
    );
    assert_eq!(top(&load(&path, &opts()).unwrap(), 9), [ClassId(5)]);
}

#[test]
fn json_object_and_lines_round_trip() {
    let d = dir();
    for format in [Format::Json, Format::JsonLines] {
        for (k, wnids) in [(1, false), (5, false), (2, true)] {
            let rows = random_rows(some_images(100), k, 11);
            let mut w = WriteOptions::new(format);
            w.wnids = wnids;
            let path = write(&d, "p.json", &rows, &w);
            assert_eq!(sniff(&path).unwrap(), format, "k={k}");
            let p = load(&path, &opts()).unwrap();
            assert_eq!(p.k(), k);
            assert_same(&p, &rows);
        }
    }
}

#[test]
fn json_accepts_an_array_of_records_and_record_key_variants() {
    let d = dir();
    let text = r#"[{"image": "ILSVRC2012_val_00000002.JPEG", "pred": "n01440764"},
                   {"filename": "x/ILSVRC2012_val_00000004.jpg", "class": 12}]"#;
    let path = put(&d, "r.json", text.as_bytes());
    assert_eq!(sniff(&path).unwrap(), Format::Json);
    let p = load(&path, &opts()).unwrap();
    assert_eq!(top(&p, 2), [ClassId(0)]);
    assert_eq!(top(&p, 4), [ClassId(12)]);
    // One JSON Lines record alone on its line is still JSON Lines.
    let path = put(
        &d,
        "one.jsonl",
        br#"{"file_name": "ILSVRC2012_val_00000005.JPEG", "prediction": [3, 4]}"#,
    );
    assert_eq!(sniff(&path).unwrap(), Format::JsonLines);
    assert_eq!(
        top(&load(&path, &opts()).unwrap(), 5),
        [ClassId(3), ClassId(4)]
    );
}

#[test]
fn background_class_reads_1001_columns_and_shifted_ids() {
    let d = dir();
    let rows = random_rows(some_images(50), 5, 13);
    for format in [Format::Npz, Format::Csv, Format::Json, Format::JsonLines] {
        for scores in [Some(ScoreType::F32), None] {
            let mut w = WriteOptions::new(format);
            w.background_class = true;
            w.scores = scores;
            let path = write(&d, "bg", &rows, &w);
            assert_same(&load(&path, &background()).unwrap(), &rows);
            if format == Format::Npz && scores.is_some() {
                let m = error(&path, &opts());
                assert_mentions(
                    &m,
                    &path,
                    &["member logits.npy, shape", "1001", "--background-class"],
                );
            }
        }
    }
    // Without the flag, id 1000 hints at it.
    let path = put(
        &d,
        "k.csv",
        b"file_name,prediction\nILSVRC2012_val_00000001.JPEG,1000\n",
    );
    assert_mentions(
        &error(&path, &opts()),
        &path,
        &[
            "line 2",
            "1000",
            "--background-class",
            "--class-ids one-based",
        ],
    );
}

/// The ranking of image `n`: (top-1, the classes in the top 5, the background's rank).
fn ranks(p: &Predictions, n: u32) -> (Option<ClassId>, Vec<u16>, Option<usize>) {
    let r = p.ranking(ImageId(n)).unwrap();
    (
        r.top1(),
        r.top(5).iter().map(|c| c.0).collect(),
        r.background_rank(),
    )
}

#[test]
fn background_scores_take_a_rank_and_are_never_a_class() {
    // As the reference grades a 1001-output model: argmax over all 1001 outputs, minus 1; a
    // background top-1 is -1, in no label list. Row 0: background first. Row 1: background
    // third. Row 2: background last.
    let d = dir();
    let mut scores = vec![0.0f32; 3 * 1001];
    let set = |scores: &mut Vec<f32>, row: usize, column: usize, v: f32| {
        scores[row * 1001 + column] = v;
    };
    for row in 0..3 {
        for (rank, column) in [11, 21, 31, 41, 51, 61].iter().enumerate() {
            set(&mut scores, row, *column, 10.0 - rank as f32);
        }
    }
    set(&mut scores, 0, 0, 50.0);
    set(&mut scores, 1, 0, 8.5); // between column 21 (9.0) and column 31 (8.0)
    set(&mut scores, 2, 0, -1.0);
    let names: Vec<String> = (1..=3).map(|n| ImageId(n).file_name()).collect();
    let array = pred_files::npy(
        "<f4",
        &[3, 1001],
        false,
        &pred_files::encode_floats(&scores, ScoreType::F32),
    );
    let bytes = pred_files::npz(
        &[
            ("logits.npy", &array),
            ("file_names.npy", &pred_files::unicode_array(&names)),
        ],
        false,
    )
    .unwrap();
    let path = put(&d, "slim.npz", &bytes);
    let p = load(&path, &background()).unwrap();
    // Column c is class c - 1.
    assert_eq!(ranks(&p, 1), (None, vec![10, 20, 30, 40], Some(0)));
    assert_eq!(
        ranks(&p, 2),
        (Some(ClassId(10)), vec![10, 20, 30, 40], Some(2))
    );
    assert_eq!(
        ranks(&p, 3),
        (Some(ClassId(10)), vec![10, 20, 30, 40, 50], None)
    );
    let r = p.ranking(ImageId(2)).unwrap();
    assert_eq!((r.top(2).len(), r.top(3).len()), (2, 2));
}

#[test]
fn background_id_0_takes_a_rank_in_every_text_and_npy_format() {
    let d = dir();
    let cases: [(&str, &str); 3] = [
        (
            "ids.csv",
            "file_name,top1,top2,top3\n\
             ILSVRC2012_val_00000001.JPEG,0,5,7\n\
             ILSVRC2012_val_00000002.JPEG,5,0,7\n\
             ILSVRC2012_val_00000003.JPEG,5,6,7\n",
        ),
        (
            "ids.json",
            r#"{"ILSVRC2012_val_00000001.JPEG": [0, 5, 7],
                "ILSVRC2012_val_00000002.JPEG": [5, 0, 7],
                "ILSVRC2012_val_00000003.JPEG": [5, 6, 7]}"#,
        ),
        (
            "ids.jsonl",
            "{\"file_name\": \"ILSVRC2012_val_00000001.JPEG\", \"predictions\": [0, 5, 7]}\n\
             {\"file_name\": \"ILSVRC2012_val_00000002.JPEG\", \"predictions\": [5, 0, 7]}\n\
             {\"file_name\": \"ILSVRC2012_val_00000003.JPEG\", \"predictions\": [5, 6, 7]}\n",
        ),
    ];
    let mut paths: Vec<PathBuf> = cases
        .iter()
        .map(|(name, text)| put(&d, name, text.as_bytes()))
        .collect();
    let ids = pred_files::encode_ints(&[0, 5, 7, 5, 0, 7, 5, 6, 7], "<i2").unwrap();
    let names: Vec<String> = (1..=3).map(|n| ImageId(n).file_name()).collect();
    let npz = pred_files::npz(
        &[
            (
                "predictions.npy",
                &pred_files::npy("<i2", &[3, 3], false, &ids),
            ),
            ("file_names.npy", &pred_files::unicode_array(&names)),
        ],
        true,
    )
    .unwrap();
    paths.push(put(&d, "ids.npz", &npz));
    for path in &paths {
        let p = load(path, &background()).unwrap();
        // Ids 1..=1000 are the sorted classes + 1; 0 is "no class" and takes its rank.
        assert_eq!(ranks(&p, 1), (None, vec![4, 6], Some(0)), "{path:?}");
        assert_eq!(ranks(&p, 2), (Some(ClassId(4)), vec![4, 6], Some(1)));
        assert_eq!(ranks(&p, 3), (Some(ClassId(4)), vec![4, 5, 6], None));
        // Without the flag, 0 is class 0 (tench).
        let p = load(path, &opts()).unwrap();
        assert_eq!(ranks(&p, 1), (Some(ClassId(0)), vec![0, 5, 7], None));
    }
    // Devkit ids with background: 0 is background, 1 is kit fox.
    let path = put(
        &d,
        "devkit.csv",
        b"file_name,prediction\nILSVRC2012_val_00000001.JPEG,0\nILSVRC2012_val_00000002.JPEG,1\n",
    );
    let p = load(
        &path,
        &LoadOptions {
            background_class: true,
            class_ids: ClassIds::Devkit,
            ..LoadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(ranks(&p, 1), (None, vec![], Some(0)));
    assert_eq!(ranks(&p, 2).0.map(|c| c.wnid()), Some("n02119789"));
    // The background can take one rank only.
    let path = put(
        &d,
        "twice.csv",
        b"file_name,top1,top2\nILSVRC2012_val_00000001.JPEG,0,0\n",
    );
    assert_mentions(
        &error(&path, &background()),
        &path,
        &["line 2", "top2", "background", "twice"],
    );
}

// ---- class-id conventions ---------------------------------------------------------------

fn read_as(class_ids: ClassIds) -> LoadOptions {
    LoadOptions {
        class_ids,
        ..LoadOptions::default()
    }
}

fn ids_in(format: Format, class_ids: ClassIds) -> WriteOptions {
    let mut w = WriteOptions::new(format);
    w.scores = None;
    w.class_ids = class_ids;
    w
}

#[test]
fn every_format_reads_every_convention() {
    let d = dir();
    // A plausible model (70% top-1): its own convention never looks like another's.
    let all = model_rows(ImageId::all(), 5, 7, 5);
    let some = model_rows(some_images(1500), 3, 7, 6);
    for format in Format::ALL {
        let rows = if format == Format::Npy { &all } else { &some };
        for convention in ClassIds::ALL {
            let path = write(&d, "ids", rows, &ids_in(format, convention));
            let p = load(&path, &read_as(convention))
                .unwrap_or_else(|e| panic!("{format} {convention}: {e}"));
            assert_same(&p, rows);
            assert!(!p.looks_like_ground_truth());
        }
    }
    // Wnids name classes, whatever the convention of the ids.
    for format in [Format::Csv, Format::Json, Format::JsonLines] {
        let mut w = WriteOptions::new(format);
        w.wnids = true;
        let path = write(&d, "wnids", &some, &w);
        for convention in ClassIds::ALL {
            assert_same(&load(&path, &read_as(convention)).unwrap(), &some);
        }
    }
    // The devkit's own ground truth: image 1 is ILSVRC2012_ID 490, sea snake (class 65).
    let path = put(
        &d,
        "gt.csv",
        b"file_name,prediction\nILSVRC2012_val_00000001.JPEG,490\n",
    );
    let p = load(&path, &read_as(ClassIds::Devkit)).unwrap();
    assert_eq!(ranks(&p, 1).0, Some(ClassId(65)));
    assert_eq!(ImageId(1).original_label(), ClassId(65));
}

/// The [`IdMismatch`] `load` refused `path` with, with its message.
fn mismatch(path: &Path, options: &LoadOptions) -> (IdMismatch, String) {
    match load(path, options) {
        Err(e @ Error::ClassIds { .. }) => {
            let message = e.to_string();
            let Error::ClassIds { path: p, mismatch } = e else {
                unreachable!()
            };
            assert_eq!(p, path);
            (*mismatch, message)
        }
        Err(e) => panic!("{}: not a class-id mismatch: {e}", path.display()),
        Ok(p) => panic!("{} loaded ({} predictions)", path.display(), p.len()),
    }
}

#[test]
fn ids_read_in_the_wrong_convention_are_refused_naming_the_one_that_fits() {
    let d = dir();
    let rows = model_rows(some_images(2000), 2, 7, 9);
    for format in Format::ALL.into_iter().filter(|f| *f != Format::Npy) {
        for written in ClassIds::ALL {
            let path = write(&d, "ids", &rows, &ids_in(format, written));
            for asked in ClassIds::ALL.into_iter().filter(|c| *c != written) {
                let (m, message) = mismatch(&path, &read_as(asked));
                let at = format!("{format}: {written} read as {asked}");
                assert_eq!(m.given.class_ids, asked, "{at}");
                assert_eq!(
                    m.fits,
                    Reading {
                        class_ids: written,
                        background_class: false
                    },
                    "{at}"
                );
                assert!(
                    m.fits_top1 > 0.69 && m.fits_top1 < 0.72,
                    "{at}: {}",
                    m.fits_top1
                );
                assert_eq!(m.images, 2000);
                // At chance as asked, or not even readable so (0 as one-based, 1000 as sorted).
                match m.given_top1 {
                    Some(top1) => assert!(top1 < 0.02, "{at}: {top1}"),
                    None => assert!(m.given_error.as_deref().unwrap().contains("out of range")),
                }
                for fragment in [
                    format!("these look like {written} ids"),
                    format!("if read as {written}"),
                    format!("as {asked}"),
                    format!("pass --class-ids {written}"),
                    "2000 images".to_string(),
                ] {
                    assert!(
                        message.contains(&fragment),
                        "{at}: {message:?} lacks {fragment:?}"
                    );
                }
            }
        }
    }
    // The exact wording, for the case the issue names (devkit ids graded as sorted).
    let rows = model_rows(some_images(1000), 1, 10, 3);
    let path = write(
        &d,
        "devkit.csv",
        &rows,
        &ids_in(Format::Csv, ClassIds::Devkit),
    );
    let (m, message) = mismatch(&path, &opts());
    let top1 = m.given_top1.unwrap();
    assert_eq!(m.fits_top1, 1.0);
    assert_eq!(
        message,
        format!(
            "{}: these look like devkit ids (top-1 against the original labels 100.0% if read \
             as devkit, {:.1}% as sorted; 1000 images): pass --class-ids devkit",
            path.display(),
            100.0 * top1
        )
    );
}

#[test]
fn tf_slim_ids_without_the_flag_ask_for_it() {
    // A 1001-output model's ids (sorted + 1, 0 for background) read as plain sorted ids.
    let d = dir();
    let rows = model_rows(some_images(1200), 1, 8, 4);
    let mut text = String::from("file_name,prediction\n");
    for (i, (image, ranked)) in rows.iter().enumerate() {
        let id = if i % 50 == 0 { 0 } else { ranked[0].0 + 1 };
        text.push_str(&format!("{},{id}\n", image.file_name()));
    }
    let path = put(&d, "slim.csv", text.as_bytes());
    let (m, message) = mismatch(&path, &opts());
    assert!(m.fits.background_class && m.fits.class_ids == ClassIds::Sorted);
    assert!(message.contains("pass --background-class"), "{message}");
    assert!(message.contains("with background at 0"), "{message}");
    // And with it, the same file grades.
    let p = load(&path, &background()).unwrap();
    assert_eq!(ranks(&p, rows[0].0 .0), (None, vec![], Some(0)));
    // The flag given to sorted ids: drop it.
    let path = write(
        &d,
        "sorted.csv",
        &rows,
        &ids_in(Format::Csv, ClassIds::Sorted),
    );
    let (m, message) = mismatch(&path, &background());
    assert_eq!(
        m.fits,
        Reading {
            class_ids: ClassIds::Sorted,
            background_class: false
        }
    );
    assert!(message.ends_with("drop --background-class"), "{message}");
}

#[test]
fn weak_small_or_wnid_files_are_not_judged() {
    let d = dir();
    // A random model is at chance in every convention: it is graded, not refused.
    let random = random_rows(some_images(3000), 1, 5);
    let path = write(
        &d,
        "random.csv",
        &random,
        &ids_in(Format::Csv, ClassIds::Sorted),
    );
    assert_eq!(load(&path, &opts()).unwrap().len(), 3000);
    // Under 1000 images a weak model and a wrong convention are not told apart.
    let rows = model_rows(some_images(999), 1, 9, 4);
    let path = write(&d, "few.csv", &rows, &ids_in(Format::Csv, ClassIds::Devkit));
    let p = load(&path, &opts()).unwrap();
    let (hits, n) = class_ids::original_top1(&p);
    assert!(n == 999 && hits < 20, "{hits}");
    // Scores have no ids to renumber: --class-ids on them is a mistake, said so.
    let mut w = WriteOptions::new(Format::Npz);
    w.scores = Some(ScoreType::F32);
    let path = write(&d, "scores.npz", &rows, &w);
    assert_mentions(
        &error(&path, &read_as(ClassIds::Devkit)),
        &path,
        &["--class-ids devkit applies to integer class ids", "scores"],
    );
    let p = load(&path, &opts()).unwrap();
    for (image, ranked) in &rows {
        assert_eq!(ranks(&p, image.0).0, Some(ranked[0]));
    }
}

#[test]
fn ground_truth_columns_are_not_predictions_and_a_copy_of_it_is_flagged() {
    let d = dir();
    for (name, text, fragment) in [
        (
            "label.csv",
            "file_name,label\nILSVRC2012_val_00000001.JPEG,65\n",
            "\"label\" names the ground truth",
        ),
        (
            "target.tsv",
            "image\ttarget\tconfidence\nILSVRC2012_val_00000001.JPEG\t65\t0.5\n",
            "\"target\" names the ground truth",
        ),
        (
            "label.jsonl",
            "{\"file_name\": \"ILSVRC2012_val_00000001.JPEG\", \"label\": 65}\n",
            "\"label\" names the ground truth",
        ),
        (
            "label.json",
            r#"[{"file_name": "ILSVRC2012_val_00000001.JPEG", "label": 65}]"#,
            "\"label\" names the ground truth",
        ),
    ] {
        let path = put(&d, name, text.as_bytes());
        assert_mentions(&error(&path, &opts()), &path, &[fragment, "prediction"]);
    }
    // Beside a prediction column, a label column is ignored.
    let path = put(
        &d,
        "both.csv",
        b"file_name,label,prediction\nILSVRC2012_val_00000001.JPEG,65,3\n",
    );
    assert_eq!(ranks(&load(&path, &opts()).unwrap(), 1).0, Some(ClassId(3)));
    // The original labels themselves, under a prediction header: loaded, but flagged.
    for (n, flagged) in [(99, false), (100, true), (2000, true)] {
        let rows: Vec<Row> = some_images(n)
            .into_iter()
            .map(|i| (i, vec![i.original_label()]))
            .collect();
        for format in [Format::Csv, Format::Json] {
            let path = write(&d, "truth", &rows, &ids_in(format, ClassIds::Sorted));
            let p = load(&path, &opts()).unwrap();
            assert_eq!(p.looks_like_ground_truth(), flagged, "{n} {format}");
            assert_eq!(p.warning().is_some(), flagged);
            if let Some(w) = p.warning() {
                assert_mentions(&w, &path, &["ground truth", &format!("{n} top-1")]);
            }
        }
    }
}

#[test]
fn npz_declared_sizes_are_not_trusted() {
    let d = dir();
    // A small deflated member whose headers claim 3.9 GB: deflate cannot get there from
    // its few bytes, so nothing is reserved and the file is called corrupt.
    let ids = pred_files::npy(
        "<i8",
        &[2],
        false,
        &pred_files::encode_ints(&[1, 2], "<i8").unwrap(),
    );
    let mut bytes = pred_files::npz(&[("predictions.npy", &ids)], true).unwrap();
    patch_uncompressed_size(&mut bytes, 0xF000_0000);
    let path = put(&d, "liar.npz", &bytes);
    assert_mentions(
        &error(&path, &opts()),
        &path,
        &[
            "member predictions.npy",
            "declares 4026531840 bytes",
            "corrupt",
        ],
    );
    // A member whose compressed bytes could inflate past the cap, claiming to: refused
    // before reading, whatever it holds.
    let mut rng = crate::fixture::Rng::new(3);
    let noise: Vec<u8> = (0..1_100_000).map(|_| rng.below(256) as u8).collect();
    let mut bytes = pred_files::npz(&[("logits.npy", &noise)], true).unwrap();
    patch_uncompressed_size(&mut bytes, 1_100_000_000);
    let path = put(&d, "huge.npz", &bytes);
    assert_mentions(
        &error(&path, &opts()),
        &path,
        &[
            "member logits.npy",
            "declares 1100000000 bytes",
            "at most about 400 MB",
        ],
    );
}

/// Sets the uncompressed size of every member in a zip's local and central headers.
fn patch_uncompressed_size(zip: &mut [u8], size: u32) {
    let mut i = 0;
    while i + 4 <= zip.len() {
        let offset = match &zip[i..i + 4] {
            b"PK\x03\x04" => Some(22),
            b"PK\x01\x02" => Some(24),
            _ => None,
        };
        if let Some(offset) = offset {
            zip[i + offset..i + offset + 4].copy_from_slice(&size.to_le_bytes());
        }
        i += 1;
    }
}

#[test]
fn ties_go_to_the_lower_class_id_like_argmax() {
    let mut out = [ClassId(0); MAX_K];
    let mut scores = vec![0.0f64; NUM_CLASSES];
    scores[900] = 5.0;
    scores[10] = 5.0;
    scores[500] = 5.0;
    scores[3] = 1.0;
    npy::rank_row_for_tests(&scores, &mut out).unwrap();
    // 4 and 5 (score 0) come from the lowest tied ids, 0 then 1.
    assert_eq!(out.map(|c| c.0), [10, 500, 900, 3, 0]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn ranking_matches_a_stable_sort(
        values in prop_oneof![
            prop::collection::vec(-4i8..4, NUM_CLASSES),
            prop::collection::vec(-4i8..4, MAX_K..100),
            prop::collection::vec(any::<i8>(), MAX_K..1100),
        ],
        bad in prop::option::of((0usize..1100, prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY)])),
    ) {
        let mut scores: Vec<f64> = values.iter().map(|&v| f64::from(v) * 0.5).collect();
        if let Some((at, value)) = bad {
            // A non-finite score anywhere fails the row, at the first one.
            let at = at % scores.len();
            scores[at] = value;
            let mut out = [ClassId(0); MAX_K];
            let err = npy::rank_row_for_tests(&scores, &mut out).unwrap_err();
            prop_assert_eq!(err.0, at);
            return Ok(());
        }
        let n = scores.len();
        let mut expected: Vec<usize> = (0..n).collect();
        // Stable sort by descending score keeps ties in class order.
        expected.sort_by(|&a, &b| scores[b].partial_cmp(&scores[a]).unwrap());
        let mut out = [ClassId(0); MAX_K];
        npy::rank_row_for_tests(&scores, &mut out).unwrap();
        let got: Vec<usize> = out.iter().map(|c| c.index()).collect();
        prop_assert_eq!(got, expected[..MAX_K].to_vec());
    }

    #[test]
    fn no_bytes_make_load_panic(bytes in prop::collection::vec(any::<u8>(), 0..600), cut in 0usize..600) {
        let d = dir();
        let path = put(&d, "x", &bytes);
        for format in Format::ALL {
            let class_ids = ClassIds::ALL[cut % 3];
            let _ = load(&path, &LoadOptions { format: Some(format), background_class: cut % 2 == 0, class_ids });
        }
        let _ = load(&path, &opts());
        // Valid files cut short or with a byte flipped must fail cleanly too.
        static VALID: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
        for valid in VALID.get_or_init(valid_files) {
            let mut broken = valid[..cut.min(valid.len())].to_vec();
            if let Some(b) = broken.get_mut(cut / 2) {
                *b ^= bytes.first().copied().unwrap_or(1);
            }
            let path = put(&d, "y", &broken);
            let _ = load(&path, &opts());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Headers that get past the magic: numpy-like dicts with random pieces.
    #[test]
    fn no_npy_header_makes_load_panic(
        version in 1u8..4,
        pieces in prop::collection::vec(prop_oneof![
            Just("{".to_string()), Just("}".to_string()), Just("'descr': ".to_string()),
            Just("'shape': ".to_string()), Just("'fortran_order': ".to_string()),
            Just("True".to_string()), Just("False".to_string()), Just(", ".to_string()),
            Just("(".to_string()), Just(")".to_string()), Just("'<f4'".to_string()),
            Just("'|O'".to_string()), Just("'<U99999999999999999999'".to_string()),
            "[0-9]{1,22}", "'[<>|]?[a-zA-Z][0-9]{0,3}'", ".{0,3}",
        ], 0..16),
        data in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let text = pieces.concat();
        let mut bytes = b"\x93NUMPY".to_vec();
        bytes.extend([version, 0]);
        if version == 1 {
            bytes.extend((text.len() as u16).to_le_bytes());
        } else {
            bytes.extend((text.len() as u32).to_le_bytes());
        }
        bytes.extend(text.as_bytes());
        bytes.extend(&data);
        let d = dir();
        let path = put(&d, "h.npy", &bytes);
        let _ = load(&path, &opts());
        let _ = load(&path, &background());
    }
}

#[test]
fn fortran_order_scores_rank_like_c_order() {
    let d = dir();
    let rows = random_rows(some_images(7), 5, 17);
    let c_order = pred_files::score_matrix(&rows, 1000, 0, 3);
    let mut fortran = vec![0f32; c_order.len()];
    for r in 0..7 {
        for c in 0..1000 {
            fortran[c * 7 + r] = c_order[r * 1000 + c];
        }
    }
    let names: Vec<String> = rows.iter().map(|r| r.0.file_name()).collect();
    let names = pred_files::unicode_array(&names);
    let data = pred_files::encode_floats(&fortran, ScoreType::F64);
    let array = pred_files::npy("<f8", &[7, 1000], true, &data);
    let bytes =
        pred_files::npz(&[("logits.npy", &array), ("file_names.npy", &names)], false).unwrap();
    let path = put(&d, "f.npz", &bytes);
    let p = load(&path, &opts()).unwrap();
    for (image, ranked) in &rows {
        assert_eq!(ranks(&p, image.0).0, Some(ranked[0]));
    }
}

/// Small valid files of every format, for the truncation test.
fn valid_files() -> Vec<Vec<u8>> {
    let rows = random_rows(some_images(3), 2, 1);
    let mut files = Vec::new();
    for format in Format::ALL {
        let mut w = WriteOptions::new(format);
        if format == Format::Npy {
            continue;
        }
        w.scores = None;
        files.push(pred_files::to_bytes(&rows, &w).unwrap());
    }
    let ids = pred_files::encode_ints(&[1, 2, 3, 4], "<i2").unwrap();
    files.push(pred_files::npy("<i2", &[2, 2], false, &ids));
    let names = pred_files::unicode_array(&[
        "ILSVRC2012_val_00000001.JPEG".into(),
        "ILSVRC2012_val_00000002.JPEG".into(),
    ]);
    let scores = pred_files::npy("<f2", &[2, 1000], false, &vec![0u8; 4000]);
    files.push(
        pred_files::npz(&[("logits.npy", &scores), ("file_names.npy", &names)], true).unwrap(),
    );
    files
}

// ---- errors ------------------------------------------------------------------------------

#[test]
fn non_finite_scores_name_row_and_column() {
    let d = dir();
    let rows = random_rows(some_images(10), 5, 2);
    let mut scores = pred_files::score_matrix(&rows, 1000, 0, 1);
    scores[6 * 1000 + 17] = f32::NAN;
    scores[8 * 1000 + 3] = f32::INFINITY;
    let names: Vec<String> = rows.iter().map(|r| r.0.file_name()).collect();
    let array = pred_files::npy(
        "<f4",
        &[10, 1000],
        false,
        &pred_files::encode_floats(&scores, ScoreType::F32),
    );
    let bytes = pred_files::npz(
        &[
            ("logits.npy", &array),
            ("file_names.npy", &pred_files::unicode_array(&names)),
        ],
        false,
    )
    .unwrap();
    let path = put(&d, "nan.npz", &bytes);
    let m = error(&path, &opts());
    // The first bad row is reported, whichever thread found it.
    assert_mentions(
        &m,
        &path,
        &["row 6, column 17", "NaN", &rows[6].0.file_name(), "finite"],
    );
}

#[test]
fn duplicate_file_names_name_both_places() {
    let d = dir();
    let a = "ILSVRC2012_val_00000010.JPEG";
    let b = "val/n01440764/ILSVRC2012_val_00000010.JPEG";
    let path = put(
        &d,
        "dup.csv",
        format!("file_name,prediction\n{a},1\nILSVRC2012_val_00000011.JPEG,2\n{b},3\n").as_bytes(),
    );
    assert_mentions(
        &error(&path, &opts()),
        &path,
        &["line 4", "lines 2 and 4", a],
    );
    let path = put(
        &d,
        "dup.json",
        format!(r#"{{"{a}": 1, "{b}": 2}}"#).as_bytes(),
    );
    assert_mentions(
        &error(&path, &opts()),
        &path,
        &[&format!("key {a:?} and key {b:?}")],
    );
    let path = put(
        &d,
        "dup.json",
        format!(r#"{{"{a}": 1, "{a}": 2}}"#).as_bytes(),
    );
    assert_mentions(&error(&path, &opts()), &path, &["duplicate file name"]);
    let path = put(&d, "dup.jsonl", format!("{{\"file_name\": \"{a}\", \"class\": 1}}\n\n{{\"file_name\": \"{b}\", \"class\": 1}}\n").as_bytes());
    assert_mentions(&error(&path, &opts()), &path, &["line 1 and line 3"]);
    let names =
        pred_files::unicode_array(&[a.into(), "ILSVRC2012_val_00000001.JPEG".into(), b.into()]);
    let ids = pred_files::npy(
        "<i8",
        &[3],
        false,
        &pred_files::encode_ints(&[1, 2, 3], "<i8").unwrap(),
    );
    let path = put(
        &d,
        "dup.npz",
        &pred_files::npz(
            &[("predictions.npy", &ids), ("file_names.npy", &names)],
            false,
        )
        .unwrap(),
    );
    assert_mentions(
        &error(&path, &opts()),
        &path,
        &["member predictions.npy, row 2", "rows 0 and 2"],
    );
}

#[test]
fn bad_names_classes_and_wnids_are_located() {
    let d = dir();
    let cases: [(&str, &str, &[&str]); 6] = [
        ("a.csv", "file_name,top1,top2\nILSVRC2012_val_00000001.JPEG,1,2\nILSVRC2012_val_00050001.JPEG,1,2\n", &["line 3", "ILSVRC2012_val_00050001.JPEG", "not a validation image"]),
        ("b.csv", "file_name,top1,top2\nILSVRC2012_val_00000001.JPEG,1,n99999999\n", &["line 2, column \"top2\"", "n99999999", "wnid"]),
        ("c.tsv", "file_name\tprediction\nILSVRC2012_val_00000001.JPEG\t-3\n", &["line 2", "-3", "out of range"]),
        ("d.json", r#"{"ILSVRC2012_val_00000001.JPEG": [1, 2.5]}"#, &["key \"ILSVRC2012_val_00000001.JPEG\"", "rank 1", "2.5", "integer"]),
        ("e.jsonl", "{\"file_name\": \"ILSVRC2012_val_00000001.JPEG\", \"prediction\": 1}\n{\"file_name\": \"cat.jpg\", \"prediction\": 1}\n", &["line 2", "cat.jpg"]),
        ("f.jsonl", "{\"file_name\": \"ILSVRC2012_val_00000001.JPEG\", \"prediction\": 1}\n{\"file_name\": \"ILSVRC2012_val_00000002.JPEG\", \"prediction\": [1, 2]}\n", &["line 2", "2 ranked predictions", "line 1"]),
    ];
    for (name, text, fragments) in cases {
        let path = put(&d, name, text.as_bytes());
        assert_mentions(&error(&path, &opts()), &path, fragments);
    }
    let ids = pred_files::encode_ints(&vec![5; 50_000 * 2], "<i4").unwrap();
    let mut ids_bad = ids.clone();
    ids_bad[(1234 * 2 + 1) * 4..(1234 * 2 + 2) * 4].copy_from_slice(&1500i32.to_le_bytes());
    let path = put(
        &d,
        "g.npy",
        &pred_files::npy("<i4", &[50_000, 2], false, &ids_bad),
    );
    assert_mentions(
        &error(&path, &opts()),
        &path,
        &["row 1234, column 1", "1500", "out of range"],
    );
}

#[test]
fn wrong_shapes_and_dtypes_say_what_was_expected() {
    let d = dir();
    let names = pred_files::unicode_array(&["ILSVRC2012_val_00000001.JPEG".into()]);
    let cases: [(&str, Vec<u64>, &[&str]); 4] = [
        ("<f4", vec![1, 999], &["shape [1, 999]", "[N, 1000]"]),
        ("<f4", vec![1], &["1-D array must hold integer class ids"]),
        ("<i4", vec![1, 2, 3], &["3 dimensions"]),
        (
            "|b1",
            vec![1],
            &["dtype |b1", "neither float scores nor integer"],
        ),
    ];
    for (descr, shape, fragments) in cases {
        let size = descr[2..].parse::<u64>().unwrap();
        let data = vec![0u8; (shape.iter().product::<u64>() * size) as usize];
        let array = pred_files::npy(descr, &shape, false, &data);
        let path = put(
            &d,
            "s.npz",
            &pred_files::npz(&[("logits.npy", &array), ("file_names.npy", &names)], false).unwrap(),
        );
        assert_mentions(&error(&path, &opts()), &path, fragments);
    }
    // Bare arrays need 50,000 rows.
    let path = put(
        &d,
        "short.npy",
        &pred_files::npy("<i8", &[3], false, &[0; 24]),
    );
    assert_mentions(
        &error(&path, &opts()),
        &path,
        &[
            "shape",
            "3 rows but no file names",
            "file_names=np.array(names, dtype=str)",
        ],
    );
    // Names and rows must agree.
    let ids = pred_files::npy("<i8", &[2], false, &[0; 16]);
    let path = put(
        &d,
        "n.npz",
        &pred_files::npz(&[("logits.npy", &ids), ("file_names.npy", &names)], false).unwrap(),
    );
    assert_mentions(&error(&path, &opts()), &path, &["2 rows", "1 file names"]);
}

#[test]
fn pickled_file_names_explain_how_to_save_them() {
    let d = dir();
    let ids = pred_files::npy("<i8", &[1], false, &[0; 8]);
    let pickled = pred_files::npy("|O", &[1], false, b"\x80\x02pickle!");
    let path = put(
        &d,
        "o.npz",
        &pred_files::npz(&[("logits.npy", &ids), ("file_names.npy", &pickled)], false).unwrap(),
    );
    assert_mentions(
        &error(&path, &opts()),
        &path,
        &[
            "member file_names.npy",
            "pickles",
            "np.array(names, dtype=str)",
        ],
    );
}

#[test]
fn truncated_and_corrupt_files_are_caught() {
    let d = dir();
    let full = pred_files::npy("<i8", &[50_000], false, &vec![0u8; 400_000]);
    let path = put(&d, "t.npy", &full[..full.len() - 8]);
    assert_mentions(
        &error(&path, &opts()),
        &path,
        &["truncated", "400000 bytes of data", "399992"],
    );
    let path = put(&d, "h.npy", &full[..20]);
    assert_mentions(&error(&path, &opts()), &path, &["truncated", "header"]);
    let mut long = full.clone();
    long.extend_from_slice(&[0; 3]);
    let path = put(&d, "l.npy", &long);
    assert_mentions(&error(&path, &opts()), &path, &["3 bytes after"]);
    let mut bad = full.clone();
    bad[6] = 9;
    let path = put(&d, "v.npy", &bad);
    assert_mentions(&error(&path, &opts()), &path, &["version 9.0"]);
    let npz = pred_files::npz(&[("logits.npy", &full)], true).unwrap();
    let path = put(&d, "t.npz", &npz[..npz.len() / 2]);
    assert_mentions(&error(&path, &opts()), &path, &["zip"]);
    let path = put(
        &d,
        "t.json",
        b"{\"ILSVRC2012_val_00000001.JPEG\": 1,\n \"ILSVRC2012_val_00000002.JPEG\": ",
    );
    let m = error(&path, &opts());
    assert_mentions(&m, &path, &["malformed JSON at line 2"]);
}

#[test]
fn empty_files_are_errors_in_every_format() {
    let d = dir();
    let path = put(&d, "empty", b"");
    assert_mentions(&error(&path, &opts()), &path, &["empty"]);
    let path = put(&d, "blank", b"  \n\n");
    assert_mentions(&error(&path, &opts()), &path, &["empty"]);
    for format in Format::ALL {
        let path = put(&d, "empty", b"");
        let m = error(
            &path,
            &LoadOptions {
                format: Some(format),
                ..LoadOptions::default()
            },
        );
        assert_mentions(&m, &path, &["empty"]);
    }
    let path = put(&d, "header.csv", b"file_name,prediction\n");
    assert_mentions(
        &error(&path, &opts()),
        &path,
        &["header but no predictions"],
    );
    let path = put(
        &d,
        "cols.csv",
        b"file_name,score,other\nILSVRC2012_val_00000001.JPEG,1,2\n",
    );
    assert_mentions(
        &error(&path, &opts()),
        &path,
        &["line 1 (header)", "no prediction column", "top1"],
    );
}

#[test]
fn sniffing_goes_by_content_not_extension() {
    let d = dir();
    let cases: [(&[u8], Format); 7] = [
        (b"\x93NUMPY\x01\x00", Format::Npy),
        (b"PK\x03\x04rest", Format::Npz),
        (b"  {\"ILSVRC2012_val_00000001.JPEG\": 3}\n", Format::Json),
        (b"{\n  \"a\": 1\n}\n", Format::Json),
        (
            b"{\"file_name\": \"a\", \"label\": 1}\n{\"file_name\": \"b\", \"label\": 2}\n",
            Format::JsonLines,
        ),
        (b"file_name\tprediction\nx\t1\n", Format::Tsv),
        (b"file_name,prediction\nx\t1\n", Format::Csv),
    ];
    for (bytes, format) in cases {
        let path = put(&d, "p.json", bytes);
        assert_eq!(
            sniff(&path).unwrap(),
            format,
            "{:?}",
            String::from_utf8_lossy(bytes)
        );
    }
}

#[test]
fn formats_parse_and_print_their_names() {
    for format in Format::ALL {
        assert_eq!(format.to_string().parse::<Format>().unwrap(), format);
    }
    assert_eq!("NDJSON".parse::<Format>().unwrap(), Format::JsonLines);
    let e = "parquet".parse::<Format>().unwrap_err();
    assert!(
        e.contains("parquet") && e.contains("npy, npz, csv, tsv, json, jsonl"),
        "{e}"
    );
}

#[test]
fn float16_bits_convert_exactly() {
    for half in 0..=u16::MAX {
        let fast = npy::f16_to_f32(half);
        let exact = npy::f16_to_f64(half);
        if exact.is_nan() {
            assert!(fast.is_nan(), "{half:#06x}");
        } else {
            assert_eq!(f64::from(fast), exact, "{half:#06x}");
        }
    }
    // And the fixture's encoder is its inverse on every finite half.
    for half in (0..=u16::MAX).filter(|h| h & 0x7c00 != 0x7c00) {
        assert_eq!(
            pred_files::f32_to_f16(npy::f16_to_f32(half)),
            half,
            "{half:#06x}"
        );
    }
}

#[test]
fn files_written_by_real_numpy_load_as_numpy_ranks_them() {
    // Made by testdata/make.py with numpy 2.4: np.savez / np.savez_compressed, float16/32/64,
    // unicode and byte-string names, a 1001-column TF-slim output, Fortran-ordered big-endian
    // ids, and pickled names.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/predictions/testdata");
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    let files = expected.as_object().unwrap();
    assert_eq!(files.len(), 5);
    for (file, want) in files {
        let path = dir.join(file);
        assert_eq!(sniff(&path).unwrap(), Format::Npz);
        let options = LoadOptions {
            background_class: file.starts_with("slim"),
            ..LoadOptions::default()
        };
        if let Some(fragment) = want.get("error") {
            assert_mentions(
                &error(&path, &options),
                &path,
                &[fragment.as_str().unwrap()],
            );
            continue;
        }
        let p = load(&path, &options).unwrap();
        let want = want.as_object().unwrap();
        assert_eq!(p.len(), want.len(), "{file}");
        for (name, ranked) in want {
            let ranked: Vec<ClassId> = ranked
                .as_array()
                .unwrap()
                .iter()
                .map(|c| ClassId(c.as_u64().unwrap() as u16))
                .collect();
            let image = ImageId::from_file_name(name).unwrap();
            assert_eq!(top(&p, image.0), &ranked[..], "{file} {name}");
        }
    }
    // Without the flag, the slim file says what to do.
    let path = dir.join("slim_1001_f64.npz");
    assert_mentions(
        &error(&path, &opts()),
        &path,
        &["1001", "--background-class"],
    );
}
