//! Both writers, read back with independent readers (parquet's Arrow reader, the tar crate).

use std::fs;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::RecordBatch;
use imagenet_multilabel::fixture::Rng;
use imagenet_multilabel::{ClassId, Example, ImageId, Split};
use imagenet_multilabel_formats::{
    ParquetOptions, ParquetWriter, Summary, WebDatasetOptions, WebDatasetWriter,
};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::reader::{FileReader, SerializedFileReader};

/// `n` examples with varied labels (empty lists, duplicates, class 0 and 999) and image
/// bytes of varied length (not JPEGs: the writers pass bytes through untouched).
fn examples(n: usize, seed: u64) -> Vec<Example> {
    let mut rng = Rng::new(seed);
    let ids = |rng: &mut Rng| -> Vec<ClassId> {
        let len = rng.below(4) as usize;
        (0..len)
            .map(|_| ClassId::new(rng.below(1000) as i64).unwrap())
            .collect()
    };
    (0..n)
        .map(|i| {
            let image = ImageId::new(1 + rng.below(50_000) as u32).unwrap();
            let len = 1 + rng.below(3000) as usize;
            let mut correct = ids(&mut rng);
            if i == 1 {
                correct = vec![
                    ClassId::new(0).unwrap(),
                    ClassId::new(999).unwrap(),
                    ClassId::new(999).unwrap(),
                ];
            }
            Example {
                image: (0..len).map(|_| rng.below(256) as u8).collect(),
                file_name: format!("ILSVRC2012_val_{:08}.JPEG", i + 1),
                original_label: image.original_label(),
                correct_multi_labels: correct,
                wrong_multi_labels: ids(&mut rng),
                unclear_multi_labels: ids(&mut rng),
                is_problematic: rng.chance(0.2),
            }
        })
        .collect()
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

mod parquet_files {
    use super::*;

    fn write(dir: &Path, split: Split, options: &ParquetOptions, examples: &[Example]) -> Summary {
        let mut w = ParquetWriter::create(dir, split, options).unwrap();
        for e in examples {
            w.write(e).unwrap();
        }
        w.finish().unwrap()
    }

    fn ids(batch: &RecordBatch, column: &str, row: usize) -> Vec<ClassId> {
        let list = batch.column_by_name(column).unwrap().as_list::<i32>();
        let values = list.value(row);
        values
            .as_primitive::<Int64Type>()
            .values()
            .iter()
            .map(|&v| ClassId::new(i64::from(u16::try_from(v).unwrap())).unwrap())
            .collect()
    }

    /// Every row of `file`, decoded back into examples.
    pub(super) fn read(file: &Path) -> Vec<Example> {
        let reader = ParquetRecordBatchReaderBuilder::try_new(fs::File::open(file).unwrap())
            .unwrap()
            .build()
            .unwrap();
        let mut out = Vec::new();
        for batch in reader {
            let batch = batch.unwrap();
            let image = batch.column_by_name("image").unwrap().as_struct();
            let bytes = image.column_by_name("bytes").unwrap().as_binary::<i32>();
            let path = image.column_by_name("path").unwrap().as_string::<i32>();
            let file_name = batch
                .column_by_name("file_name")
                .unwrap()
                .as_string::<i32>();
            let original = batch
                .column_by_name("original_label")
                .unwrap()
                .as_primitive::<Int64Type>();
            let problematic = batch.column_by_name("is_problematic").unwrap().as_boolean();
            for row in 0..batch.num_rows() {
                assert_eq!(path.value(row), file_name.value(row), "image.path");
                out.push(Example {
                    image: bytes.value(row).to_vec(),
                    file_name: file_name.value(row).to_string(),
                    original_label: ClassId::new(original.value(row)).unwrap(),
                    correct_multi_labels: ids(&batch, "correct_multi_labels", row),
                    wrong_multi_labels: ids(&batch, "wrong_multi_labels", row),
                    unclear_multi_labels: ids(&batch, "unclear_multi_labels", row),
                    is_problematic: problematic.value(row),
                });
            }
        }
        out
    }

    fn row_groups(file: &Path) -> Vec<i64> {
        let reader = SerializedFileReader::new(fs::File::open(file).unwrap()).unwrap();
        let meta = reader.metadata();
        meta.row_groups().iter().map(|g| g.num_rows()).collect()
    }

    #[test]
    fn round_trip_keeps_every_field_in_row_groups_of_the_asked_size() {
        let dir = tempfile::tempdir().unwrap();
        let written = examples(7, 1);
        let options = ParquetOptions {
            rows_per_group: 3,
            ..ParquetOptions::default()
        };
        let summary = write(dir.path(), Split::Validation, &options, &written);
        let file = dir.path().join("validation-00000-of-00001.parquet");
        assert_eq!(summary.files, vec![file.clone()]);
        assert_eq!(summary.examples, 7);
        assert_eq!(summary.bytes, fs::metadata(&file).unwrap().len());
        assert_eq!(names(dir.path()), ["validation-00000-of-00001.parquet"]);
        assert_eq!(read(&file), written);
        assert_eq!(row_groups(&file), [3, 3, 1]);
    }

    #[test]
    fn schema_metadata_names_the_hugging_face_features() {
        let dir = tempfile::tempdir().unwrap();
        let summary = write(
            dir.path(),
            Split::ImagenetM,
            &ParquetOptions::default(),
            &examples(2, 2),
        );
        let file = &summary.files[0];
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(fs::File::open(file).unwrap()).unwrap();
        let from_arrow = builder.schema().metadata().get("huggingface").unwrap();
        // Also in the file's own key-value metadata, where pyarrow looks.
        let kv = builder
            .metadata()
            .file_metadata()
            .key_value_metadata()
            .unwrap();
        let from_kv = kv.iter().find(|kv| kv.key == "huggingface").unwrap();
        assert_eq!(from_kv.value.as_ref(), Some(from_arrow));

        let meta: serde_json::Value = serde_json::from_str(from_arrow).unwrap();
        let features = meta["info"]["features"].as_object().unwrap();
        let columns: Vec<&String> = features.keys().collect();
        assert_eq!(columns.len(), 7);
        assert_eq!(features["image"]["_type"], "Image");
        assert_eq!(features["file_name"]["_type"], "Value");
        assert_eq!(features["file_name"]["dtype"], "string");
        assert_eq!(features["is_problematic"]["dtype"], "bool");
        let label = &features["original_label"];
        assert_eq!(label["_type"], "ClassLabel");
        let names = label["names"].as_array().unwrap();
        assert_eq!(names.len(), 1000);
        assert_eq!(names[0], "n01440764");
        assert_eq!(names[999], ClassId::new(999).unwrap().wnid());
        for list in [
            "correct_multi_labels",
            "wrong_multi_labels",
            "unclear_multi_labels",
        ] {
            assert_eq!(features[list]["_type"], "Sequence");
            assert_eq!(&features[list]["feature"], label);
        }
        // Arrow column order is the features' order.
        let fields: Vec<&str> = builder
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        // serde_json sorts keys, so read the features' order off the text.
        let mut meta_order: Vec<(usize, &str)> = fields
            .iter()
            .map(|f| (from_arrow.find(&format!("\"{f}\": {{")).unwrap(), *f))
            .collect();
        meta_order.sort();
        let meta_order: Vec<&str> = meta_order.into_iter().map(|(_, f)| f).collect();
        assert_eq!(fields, meta_order);
    }

    #[test]
    fn only_the_image_bytes_are_left_uncompressed() {
        let dir = tempfile::tempdir().unwrap();
        let summary = write(
            dir.path(),
            Split::Validation,
            &ParquetOptions::default(),
            &examples(3, 3),
        );
        let reader = SerializedFileReader::new(fs::File::open(&summary.files[0]).unwrap()).unwrap();
        let group = reader.metadata().row_group(0);
        for column in group.columns() {
            let path = column.column_path().string();
            let expected = if path == "image.bytes" {
                Compression::UNCOMPRESSED
            } else {
                Compression::ZSTD(Default::default())
            };
            assert_eq!(
                std::mem::discriminant(&column.compression()),
                std::mem::discriminant(&expected),
                "{path}"
            );
        }
    }

    #[test]
    fn files_split_by_rows_and_by_bytes_and_are_named_i_of_n() {
        let written = examples(7, 4);
        let dir = tempfile::tempdir().unwrap();
        let by_rows = ParquetOptions {
            rows_per_group: 2,
            rows_per_file: Some(3),
            max_bytes_per_file: None,
        };
        let summary = write(dir.path(), Split::Validation, &by_rows, &written);
        assert_eq!(
            names(dir.path()),
            [
                "validation-00000-of-00003.parquet",
                "validation-00001-of-00003.parquet",
                "validation-00002-of-00003.parquet"
            ]
        );
        let sizes: Vec<usize> = summary.files.iter().map(|f| read(f).len()).collect();
        assert_eq!(sizes, [3, 3, 1]);
        assert_eq!(row_groups(&summary.files[0]), [2, 1]);
        let back: Vec<Example> = summary.files.iter().flat_map(|f| read(f)).collect();
        assert_eq!(back, written);

        // By bytes: each file's images stay within the limit unless one image alone is larger.
        let dir = tempfile::tempdir().unwrap();
        let limit = 4000;
        let by_bytes = ParquetOptions {
            rows_per_group: 100,
            rows_per_file: None,
            max_bytes_per_file: Some(limit),
        };
        let summary = write(dir.path(), Split::Validation, &by_bytes, &written);
        assert!(summary.files.len() > 1);
        let mut back = Vec::new();
        for file in &summary.files {
            let rows = read(file);
            let bytes: u64 = rows.iter().map(|e| e.image.len() as u64).sum();
            assert!(rows.len() == 1 || bytes <= limit, "{file:?}: {bytes} bytes");
            back.extend(rows);
        }
        assert_eq!(back, written);
    }

    #[test]
    fn a_rerun_with_fewer_files_removes_the_old_ones() {
        let dir = tempfile::tempdir().unwrap();
        let small_files = ParquetOptions {
            rows_per_file: Some(1),
            ..ParquetOptions::default()
        };
        write(dir.path(), Split::Validation, &small_files, &examples(3, 5));
        write(dir.path(), Split::ImagenetM, &small_files, &examples(2, 5));
        write(
            dir.path(),
            Split::Validation,
            &ParquetOptions::default(),
            &examples(3, 5),
        );
        assert_eq!(
            names(dir.path()),
            [
                "imagenet_m-00000-of-00002.parquet",
                "imagenet_m-00001-of-00002.parquet",
                "validation-00000-of-00001.parquet"
            ]
        );
    }

    #[test]
    fn output_is_byte_reproducible() {
        let written = examples(5, 6);
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let options = ParquetOptions {
            rows_per_group: 2,
            ..ParquetOptions::default()
        };
        let sa = write(a.path(), Split::Validation, &options, &written);
        let sb = write(b.path(), Split::Validation, &options, &written);
        assert_eq!(
            fs::read(&sa.files[0]).unwrap(),
            fs::read(&sb.files[0]).unwrap()
        );
    }

    #[test]
    fn an_empty_split_is_one_empty_file_and_an_unfinished_one_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let summary = write(
            dir.path(),
            Split::ImagenetM,
            &ParquetOptions::default(),
            &[],
        );
        assert_eq!(summary.examples, 0);
        assert_eq!(read(&summary.files[0]), []);

        let dir = tempfile::tempdir().unwrap();
        let mut w =
            ParquetWriter::create(dir.path(), Split::Validation, &ParquetOptions::default())
                .unwrap();
        for e in examples(3, 7) {
            w.write(&e).unwrap();
        }
        assert!(names(dir.path()).iter().all(|n| n.starts_with('.')));
        drop(w);
        assert_eq!(names(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn the_dataset_card_maps_every_split_to_its_files() {
        let dir = tempfile::tempdir().unwrap();
        let path =
            imagenet_multilabel_formats::write_dataset_card(dir.path(), &Split::ALL).unwrap();
        assert_eq!(path, dir.path().join("README.md"));
        let card = fs::read_to_string(&path).unwrap();
        assert!(card.starts_with(concat!(
            "---\nconfigs:\n- config_name: default\n  data_files:\n",
            "  - split: validation\n    path: \"data/validation-*.parquet\"\n",
            "  - split: imagenet_m\n    path: \"data/imagenet_m-*.parquet\"\n---\n"
        )));
    }

    #[test]
    fn zero_rows_per_group_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let options = ParquetOptions {
            rows_per_group: 0,
            ..ParquetOptions::default()
        };
        let err = ParquetWriter::create(dir.path(), Split::Validation, &options)
            .err()
            .unwrap();
        assert!(err.to_string().contains("at least 1"), "{err}");
    }
}

mod webdataset_shards {
    use super::*;

    fn write(
        dir: &Path,
        split: Split,
        options: &WebDatasetOptions,
        examples: &[Example],
    ) -> Summary {
        let mut w = WebDatasetWriter::create(dir, split, options).unwrap();
        for e in examples {
            w.write(e).unwrap();
        }
        w.finish().unwrap()
    }

    /// Every member of a shard: (name, bytes), checking the deterministic headers.
    fn members(shard: &Path) -> Vec<(String, Vec<u8>)> {
        let mut archive = tar::Archive::new(fs::File::open(shard).unwrap());
        let mut out = Vec::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let header = entry.header();
            assert_eq!(header.entry_type(), tar::EntryType::Regular);
            assert_eq!(header.mode().unwrap(), 0o644);
            assert_eq!(header.uid().unwrap(), 0);
            assert_eq!(header.mtime().unwrap(), 1_153_704_088);
            let name = entry.path().unwrap().to_string_lossy().into_owned();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
            out.push((name, data));
        }
        out
    }

    fn label_ids(json: &serde_json::Value, key: &str) -> Vec<ClassId> {
        json[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                let id = ClassId::new(l["id"].as_u64().unwrap() as i64).unwrap();
                assert_eq!(l["wnid"], id.wnid());
                assert_eq!(l["name"], id.name());
                id
            })
            .collect()
    }

    /// Decodes shards back into examples: groups of `.cls`, `.jpg`, `.json` with one key.
    pub(super) fn read(shards: &[PathBuf]) -> Vec<Example> {
        let mut out = Vec::new();
        for shard in shards {
            let members = members(shard);
            assert_eq!(members.len() % 3, 0);
            for group in members.chunks(3) {
                let key = group[0].0.strip_suffix(".cls").unwrap();
                assert_eq!(group[1].0, format!("{key}.jpg"));
                assert_eq!(group[2].0, format!("{key}.json"));
                let cls: u16 = std::str::from_utf8(&group[0].1).unwrap().parse().unwrap();
                let json: serde_json::Value = serde_json::from_slice(&group[2].1).unwrap();
                let file_name = json["file_name"].as_str().unwrap().to_string();
                assert_eq!(file_name.split('.').next(), Some(key));
                let original = &json["original_label"];
                assert_eq!(original["id"].as_u64(), Some(u64::from(cls)));
                assert_eq!(
                    original["wnid"],
                    ClassId::new(i64::from(cls)).unwrap().wnid()
                );
                assert_eq!(
                    original["name"],
                    ClassId::new(i64::from(cls)).unwrap().name()
                );
                out.push(Example {
                    image: group[1].1.clone(),
                    file_name,
                    original_label: ClassId::new(i64::from(cls)).unwrap(),
                    correct_multi_labels: label_ids(&json, "correct_multi_labels"),
                    wrong_multi_labels: label_ids(&json, "wrong_multi_labels"),
                    unclear_multi_labels: label_ids(&json, "unclear_multi_labels"),
                    is_problematic: json["is_problematic"].as_bool().unwrap(),
                });
            }
        }
        out
    }

    #[test]
    fn round_trip_keeps_every_field() {
        let dir = tempfile::tempdir().unwrap();
        let written = examples(6, 11);
        let summary = write(
            dir.path(),
            Split::Validation,
            &WebDatasetOptions::default(),
            &written,
        );
        assert_eq!(names(dir.path()), ["validation-000000.tar"]);
        assert_eq!(summary.examples, 6);
        assert_eq!(
            summary.bytes,
            fs::metadata(&summary.files[0]).unwrap().len()
        );
        assert_eq!(read(&summary.files), written);
        let first = &members(&summary.files[0])[..3];
        assert_eq!(first[0].0, "ILSVRC2012_val_00000001.cls");
        assert_eq!(
            first[0].1,
            written[0].original_label.as_u16().to_string().as_bytes()
        );
    }

    #[test]
    fn json_names_every_label() {
        let dir = tempfile::tempdir().unwrap();
        let example = Example {
            image: vec![0xff, 0xd8],
            file_name: "ILSVRC2012_val_00000001.JPEG".into(),
            original_label: ClassId::new(65).unwrap(),
            correct_multi_labels: vec![ClassId::new(65).unwrap(), ClassId::new(0).unwrap()],
            wrong_multi_labels: vec![],
            unclear_multi_labels: vec![ClassId::new(999).unwrap()],
            is_problematic: true,
        };
        let summary = write(
            dir.path(),
            Split::ImagenetM,
            &WebDatasetOptions::default(),
            &[example],
        );
        let json = String::from_utf8(members(&summary.files[0])[2].1.clone()).unwrap();
        let expected = format!(
            concat!(
                r#"{{"file_name":"ILSVRC2012_val_00000001.JPEG","#,
                r#""original_label":{{"id":65,"wnid":"{w65}","name":"{n65}"}},"#,
                r#""correct_multi_labels":[{{"id":65,"wnid":"{w65}","name":"{n65}"}},{{"id":0,"wnid":"n01440764","name":"{n0}"}}],"#,
                r#""wrong_multi_labels":[],"#,
                r#""unclear_multi_labels":[{{"id":999,"wnid":"{w999}","name":"{n999}"}}],"#,
                r#""is_problematic":true}}"#
            ),
            w65 = ClassId::new(65).unwrap().wnid(),
            n65 = ClassId::new(65).unwrap().name(),
            n0 = ClassId::new(0).unwrap().name(),
            w999 = ClassId::new(999).unwrap().wnid(),
            n999 = ClassId::new(999).unwrap().name(),
        );
        assert_eq!(json, expected);
        assert_eq!(ClassId::new(65).unwrap().wnid(), "n01751748");
    }

    #[test]
    fn shards_split_by_bytes_and_by_count() {
        let written = examples(9, 12);
        let dir = tempfile::tempdir().unwrap();
        let by_count = WebDatasetOptions {
            max_bytes_per_shard: u64::MAX,
            max_examples_per_shard: Some(4),
        };
        let summary = write(dir.path(), Split::Validation, &by_count, &written);
        assert_eq!(
            names(dir.path()),
            [
                "validation-000000.tar",
                "validation-000001.tar",
                "validation-000002.tar"
            ]
        );
        let counts: Vec<usize> = summary.files.iter().map(|f| members(f).len() / 3).collect();
        assert_eq!(counts, [4, 4, 1]);
        assert_eq!(read(&summary.files), written);

        let dir = tempfile::tempdir().unwrap();
        let limit = 8 * 1024;
        let by_bytes = WebDatasetOptions {
            max_bytes_per_shard: limit,
            max_examples_per_shard: None,
        };
        let summary = write(dir.path(), Split::Validation, &by_bytes, &written);
        assert!(summary.files.len() > 2);
        let mut total = 0;
        for file in &summary.files {
            let len = fs::metadata(file).unwrap().len();
            assert!(len <= limit || members(file).len() == 3, "{file:?}: {len}");
            total += len;
        }
        assert_eq!(summary.bytes, total);
        assert_eq!(read(&summary.files), written);
    }

    #[test]
    fn shards_are_byte_reproducible_and_a_rerun_removes_extra_shards() {
        let written = examples(5, 13);
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let two = WebDatasetOptions {
            max_bytes_per_shard: u64::MAX,
            max_examples_per_shard: Some(3),
        };
        let sa = write(a.path(), Split::Validation, &two, &written);
        let sb = write(b.path(), Split::Validation, &two, &written);
        for (fa, fb) in sa.files.iter().zip(&sb.files) {
            assert_eq!(fs::read(fa).unwrap(), fs::read(fb).unwrap());
        }
        write(
            a.path(),
            Split::Validation,
            &WebDatasetOptions::default(),
            &written,
        );
        assert_eq!(names(a.path()), ["validation-000000.tar"]);
    }

    #[test]
    fn unfinished_shards_leave_nothing_and_an_empty_split_is_an_empty_shard() {
        let dir = tempfile::tempdir().unwrap();
        let mut w =
            WebDatasetWriter::create(dir.path(), Split::Validation, &WebDatasetOptions::default())
                .unwrap();
        w.write(&examples(1, 14)[0]).unwrap();
        drop(w);
        assert_eq!(names(dir.path()), Vec::<String>::new());

        let summary = write(
            dir.path(),
            Split::ImagenetM,
            &WebDatasetOptions::default(),
            &[],
        );
        assert_eq!(summary.examples, 0);
        assert_eq!(members(&summary.files[0]), []);
        assert_eq!(summary.bytes, 1024);
    }

    #[test]
    fn keys_with_dots_and_repeated_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut w =
            WebDatasetWriter::create(dir.path(), Split::Validation, &WebDatasetOptions::default())
                .unwrap();
        let mut e = examples(1, 15).remove(0);
        w.write(&e).unwrap();
        let err = w.write(&e).unwrap_err().to_string();
        assert!(
            err.contains("validation example 1 (\"ILSVRC2012_val_00000001.JPEG\")")
                && err.contains("key ILSVRC2012_val_00000001 was already written"),
            "{err}"
        );
        e.file_name = "ILSVRC2012_val.00000002.JPEG".into();
        let err = w.write(&e).unwrap_err().to_string();
        assert!(err.contains("first dot"), "{err}");
        // The refused examples left the shard intact.
        assert_eq!(w.finish().unwrap().examples, 1);
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn example() -> impl Strategy<Value = Example> {
        let ids = || {
            proptest::collection::vec(
                (0i64..1000).prop_filter_map("a class id", ClassId::new),
                0..5,
            )
        };
        (
            proptest::collection::vec(any::<u8>(), 0..700),
            1u32..=50_000,
            ids(),
            ids(),
            ids(),
            any::<bool>(),
        )
            .prop_map(|(image, n, correct, wrong, unclear, problematic)| {
                let id = ImageId::new(n).unwrap();
                Example {
                    image,
                    file_name: id.file_name(),
                    original_label: id.original_label(),
                    correct_multi_labels: correct,
                    wrong_multi_labels: wrong,
                    unclear_multi_labels: unclear,
                    is_problematic: problematic,
                }
            })
    }

    /// Distinct file names: WebDataset refuses repeated keys.
    fn examples() -> impl Strategy<Value = Vec<Example>> {
        proptest::collection::vec(example(), 0..12).prop_map(|mut v| {
            let mut seen = std::collections::HashSet::new();
            v.retain(|e| seen.insert(e.file_name.clone()));
            v
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn parquet_round_trips_under_any_cut(
            written in examples(),
            rows_per_group in 1usize..5,
            rows_per_file in proptest::option::of(1usize..6),
            max_bytes in proptest::option::of(1u64..3000),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let options = ParquetOptions { rows_per_group, rows_per_file, max_bytes_per_file: max_bytes };
            let mut w = ParquetWriter::create(dir.path(), Split::Validation, &options).unwrap();
            for e in &written {
                w.write(e).unwrap();
            }
            let summary = w.finish().unwrap();
            let mut back = Vec::new();
            for file in &summary.files {
                let rows = parquet_files::read(file);
                prop_assert!(!rows.is_empty() || summary.files.len() == 1);
                prop_assert!(rows_per_file.is_none_or(|n| rows.len() <= n));
                back.extend(rows);
            }
            prop_assert_eq!(summary.examples, written.len());
            prop_assert_eq!(back, written);
        }

        #[test]
        fn webdataset_round_trips_under_any_cut(
            written in examples(),
            max_examples in proptest::option::of(1usize..6),
            max_bytes in 1u64..8000,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let options = WebDatasetOptions { max_bytes_per_shard: max_bytes, max_examples_per_shard: max_examples };
            let mut w = WebDatasetWriter::create(dir.path(), Split::ImagenetM, &options).unwrap();
            for e in &written {
                w.write(e).unwrap();
            }
            let summary = w.finish().unwrap();
            for file in &summary.files {
                let len = fs::metadata(file).unwrap().len();
                let count = webdataset_shards::read(std::slice::from_ref(file)).len();
                prop_assert!(len <= max_bytes || count <= 1, "{:?}: {} bytes, {} examples", file, len, count);
                prop_assert!(max_examples.is_none_or(|n| count <= n));
            }
            prop_assert_eq!(webdataset_shards::read(&summary.files), written);
        }
    }
}
