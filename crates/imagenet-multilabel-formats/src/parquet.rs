//! Parquet files that Hugging Face `datasets` loads with typed features.
//!
//! One split is written as `OUT/{split}-{i:05}-of-{n:05}.parquet`, the naming `datasets` uses
//! itself (and recognises as a split when loading a folder). The columns are TFDS's seven
//! features, in TFDS order, with the Arrow types `datasets` gives them:
//!
//! | column | Arrow type | `datasets` feature |
//! |---|---|---|
//! | `image` | `struct<bytes: binary, path: string>` | `Image` (path = file name) |
//! | `file_name` | `string` | `Value("string")` |
//! | `original_label` | `int64` | `ClassLabel` (names: the 1000 wnids) |
//! | `correct_multi_labels`, `wrong_multi_labels`, `unclear_multi_labels` | `list<int64>` | `Sequence(ClassLabel)` |
//! | `is_problematic` | `bool` | `Value("bool")` |
//!
//! The features travel in the `huggingface` schema metadata, which is what turns the image
//! column into PIL images and the ids into named classes. Sequences are written with
//! `"_type": "Sequence"`, which every `datasets` version reads (5.x reads it as `List`).
//! ClassLabel names are the wnids, as in TFDS's `labels.txt`: the human-readable names are
//! not unique (`crane` is 134 and 517) and `ClassLabel` rejects duplicates.
//!
//! JPEG bytes do not compress, so the image column is stored plain (no dictionary, no
//! statistics, no codec) and only the small columns are zstd-compressed. Each row group is
//! flushed as soon as it is full, so memory is one row group whatever the split's size.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use arrow_array::builder::{
    BinaryBuilder, BooleanBuilder, Int64Builder, ListBuilder, StringBuilder,
};
use arrow_array::{ArrayRef, RecordBatch, StructArray};
use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef};
use imagenet_multilabel::{ClassId, Error, Example, Result, Split};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use crate::staged::{self, Staged};
use crate::Summary;

/// How a split is cut into files and row groups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParquetOptions {
    /// Rows per row group, the unit a streaming reader fetches and the writer holds in
    /// memory. The default, 100 rows, is about 11 MB of ImageNet JPEGs.
    pub rows_per_group: usize,
    /// Start a new file after this many rows (no limit by default).
    pub rows_per_file: Option<usize>,
    /// Start a new file before its image bytes would pass this size. The default, 500 MB, is
    /// the shard size `datasets` itself uses when it uploads. A single larger image still
    /// gets a file of its own.
    pub max_bytes_per_file: Option<u64>,
}

impl Default for ParquetOptions {
    fn default() -> ParquetOptions {
        ParquetOptions {
            rows_per_group: 100,
            rows_per_file: None,
            max_bytes_per_file: Some(500_000_000),
        }
    }
}

/// Writes one split as Parquet files; see the [module docs](self).
pub struct ParquetWriter {
    split: Split,
    options: ParquetOptions,
    schema: SchemaRef,
    props: WriterProperties,
    /// Declared before `staged`, so that it is dropped (closed) before the temporary files
    /// are removed: an open file cannot be removed everywhere.
    current: Option<OpenFile>,
    staged: Staged,
    row_group: RowGroup,
    examples: usize,
    bytes: u64,
}

/// The file being written.
struct OpenFile {
    path: PathBuf,
    writer: ArrowWriter<BufWriter<File>>,
    rows: usize,
    image_bytes: u64,
}

impl ParquetWriter {
    /// Starts writing `split` into `out_dir` (created if needed). Nothing appears under a
    /// final name before [`ParquetWriter::finish`].
    pub fn create(out_dir: &Path, split: Split, options: &ParquetOptions) -> Result<ParquetWriter> {
        if options.rows_per_group == 0 || options.rows_per_file == Some(0) {
            return Err(Error::invalid(
                out_dir,
                "Parquet options",
                "rows per row group and rows per file must be at least 1",
            ));
        }
        let mut writer = ParquetWriter {
            split,
            options: options.clone(),
            schema: schema(),
            props: properties(options.rows_per_group),
            staged: Staged::new(out_dir)?,
            current: None,
            row_group: RowGroup::default(),
            examples: 0,
            bytes: 0,
        };
        // Open the first file now: an unwritable folder fails here, not after the first
        // example, and an empty split still gets one (empty) file with the schema.
        writer.open()?;
        Ok(writer)
    }

    /// Appends one example (a row). After an error, drop the writer (nothing is published,
    /// its temporary files are removed).
    pub fn write(&mut self, example: &Example) -> Result<()> {
        let image_len = example.image.len() as u64;
        if let Some(file) = &self.current {
            let full_rows = self.options.rows_per_file.is_some_and(|n| file.rows >= n);
            let full_bytes = self
                .options
                .max_bytes_per_file
                .is_some_and(|max| file.image_bytes + image_len > max);
            if file.rows > 0 && (full_rows || full_bytes) {
                self.close()?;
                self.open()?;
            }
        }
        let Some(file) = &mut self.current else {
            return Err(Error::io(
                self.staged.dir(),
                std::io::Error::other("Parquet writer used after an earlier error"),
            ));
        };
        self.row_group.push(example);
        file.rows += 1;
        file.image_bytes += image_len;
        self.examples += 1;
        if self.row_group.rows == self.options.rows_per_group {
            self.flush_group()?;
        }
        Ok(())
    }

    /// Closes the last file and publishes the split under its final names, removing files of
    /// an earlier run of the same split that this one did not overwrite.
    pub fn finish(mut self) -> Result<Summary> {
        self.close()?;
        let n = self.staged.len();
        let split = self.split.name();
        let names: Vec<String> = (0..n)
            .map(|i| format!("{split}-{i:05}-of-{n:05}.parquet"))
            .collect();
        let prefix = format!("{split}-");
        let is_ours = |name: &str| {
            name.strip_prefix(&prefix)
                .and_then(|rest| rest.strip_suffix(".parquet"))
                .and_then(|rest| rest.split_once("-of-"))
                .is_some_and(|(i, n)| {
                    [i, n]
                        .iter()
                        .all(|d| d.len() == 5 && d.bytes().all(|b| b.is_ascii_digit()))
                })
        };
        let files = self.staged.publish(&names, is_ours)?;
        Ok(Summary {
            files,
            examples: self.examples,
            bytes: self.bytes,
        })
    }

    fn open(&mut self) -> Result<()> {
        let stem = format!("{}-{:05}.parquet", self.split.name(), self.staged.len());
        let (path, out) = self.staged.create(&stem)?;
        let writer = ArrowWriter::try_new(out, self.schema.clone(), Some(self.props.clone()))
            .map_err(|e| parquet_error(&path, e))?;
        self.current = Some(OpenFile {
            path,
            writer,
            rows: 0,
            image_bytes: 0,
        });
        Ok(())
    }

    /// Writes the buffered rows as one row group.
    fn flush_group(&mut self) -> Result<()> {
        let Some(file) = &mut self.current else {
            return Ok(());
        };
        if self.row_group.rows == 0 {
            return Ok(());
        }
        let batch = self.row_group.take(&self.schema, &file.path)?;
        file.writer
            .write(&batch)
            .and_then(|()| file.writer.flush())
            .map_err(|e| parquet_error(&file.path, e))
    }

    fn close(&mut self) -> Result<()> {
        self.flush_group()?;
        let Some(file) = self.current.take() else {
            return Ok(());
        };
        let out = file
            .writer
            .into_inner()
            .map_err(|e| parquet_error(&file.path, e))?;
        self.bytes += staged::close(&file.path, out)?;
        Ok(())
    }
}

/// The rows of the row group being filled, column by column.
struct RowGroup {
    rows: usize,
    image_bytes: BinaryBuilder,
    image_path: StringBuilder,
    file_name: StringBuilder,
    original_label: Int64Builder,
    correct: ListBuilder<Int64Builder>,
    wrong: ListBuilder<Int64Builder>,
    unclear: ListBuilder<Int64Builder>,
    is_problematic: BooleanBuilder,
}

impl Default for RowGroup {
    fn default() -> RowGroup {
        RowGroup {
            rows: 0,
            image_bytes: BinaryBuilder::new(),
            image_path: StringBuilder::new(),
            file_name: StringBuilder::new(),
            original_label: Int64Builder::new(),
            correct: ListBuilder::new(Int64Builder::new()),
            wrong: ListBuilder::new(Int64Builder::new()),
            unclear: ListBuilder::new(Int64Builder::new()),
            is_problematic: BooleanBuilder::new(),
        }
    }
}

impl RowGroup {
    fn push(&mut self, example: &Example) {
        fn ids(list: &mut ListBuilder<Int64Builder>, ids: &[ClassId]) {
            for id in ids {
                list.values().append_value(i64::from(id.as_u16()));
            }
            list.append(true);
        }
        self.image_bytes.append_value(&example.image);
        self.image_path.append_value(&example.file_name);
        self.file_name.append_value(&example.file_name);
        self.original_label
            .append_value(i64::from(example.original_label.as_u16()));
        ids(&mut self.correct, &example.correct_multi_labels);
        ids(&mut self.wrong, &example.wrong_multi_labels);
        ids(&mut self.unclear, &example.unclear_multi_labels);
        self.is_problematic.append_value(example.is_problematic);
        self.rows += 1;
    }

    /// The buffered rows as a batch; the builders are left empty.
    fn take(&mut self, schema: &SchemaRef, path: &Path) -> Result<RecordBatch> {
        let image = StructArray::new(
            image_fields(),
            vec![
                Arc::new(self.image_bytes.finish()) as ArrayRef,
                Arc::new(self.image_path.finish()),
            ],
            None,
        );
        let columns: Vec<ArrayRef> = vec![
            Arc::new(image),
            Arc::new(self.file_name.finish()),
            Arc::new(self.original_label.finish()),
            Arc::new(self.correct.finish()),
            Arc::new(self.wrong.finish()),
            Arc::new(self.unclear.finish()),
            Arc::new(self.is_problematic.finish()),
        ];
        self.rows = 0;
        RecordBatch::try_new(schema.clone(), columns).map_err(|e| parquet_error(path, e))
    }
}

fn image_fields() -> Fields {
    Fields::from(vec![
        Field::new("bytes", DataType::Binary, true),
        Field::new("path", DataType::Utf8, true),
    ])
}

/// The Arrow schema, with the `huggingface` metadata. Every field is nullable, as in the
/// schema `datasets` derives from the features, so it loads without a cast.
pub fn schema() -> SchemaRef {
    let list = || DataType::List(Arc::new(Field::new_list_field(DataType::Int64, true)));
    let fields = vec![
        Field::new("image", DataType::Struct(image_fields()), true),
        Field::new("file_name", DataType::Utf8, true),
        Field::new("original_label", DataType::Int64, true),
        Field::new("correct_multi_labels", list(), true),
        Field::new("wrong_multi_labels", list(), true),
        Field::new("unclear_multi_labels", list(), true),
        Field::new("is_problematic", DataType::Boolean, true),
    ];
    let metadata = [(
        "huggingface".to_string(),
        huggingface_metadata().to_string(),
    )];
    Arc::new(Schema::new_with_metadata(fields, metadata))
}

/// The `huggingface` metadata: `{"info": {"features": {…}}}`, features in column order.
pub fn huggingface_metadata() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        let wnids: Vec<&str> = ClassId::all().map(ClassId::wnid).collect();
        let class_label = format!(
            r#"{{"names": {}, "_type": "ClassLabel"}}"#,
            serde_json::Value::from(wnids)
        );
        let sequence = format!(r#"{{"feature": {class_label}, "_type": "Sequence"}}"#);
        format!(
            r#"{{"info": {{"features": {{"image": {{"_type": "Image"}}, "file_name": {{"dtype": "string", "_type": "Value"}}, "original_label": {class_label}, "correct_multi_labels": {sequence}, "wrong_multi_labels": {sequence}, "unclear_multi_labels": {sequence}, "is_problematic": {{"dtype": "bool", "_type": "Value"}}}}}}}}"#
        )
    })
}

/// Writes `out_dir/README.md`, a Hugging Face dataset card whose `configs` map each of
/// `splits` to its files in `out_dir/data/` (where a build puts them),
/// so `datasets.load_dataset(out_dir)` finds them all: without it
/// `datasets` only recognises standard split names and would silently skip `imagenet_m`.
pub fn write_dataset_card(out_dir: &Path, splits: &[Split]) -> Result<PathBuf> {
    let mut card = String::from("---\nconfigs:\n- config_name: default\n  data_files:\n");
    for split in splits {
        let name = split.name();
        card.push_str(&format!(
            "  - split: {name}\n    path: \"data/{name}-*.parquet\"\n"
        ));
    }
    card.push_str(concat!(
        "---\n\n",
        "# imagenet2012_multilabel (v3.0.0)\n\n",
        "The expert multi-label annotations of the ImageNet validation set (Shankar et al. 2020; ",
        "v3.0.0 and ImageNet-M from Vasudevan et al. 2022), with the images of ",
        "`ILSVRC2012_img_val.tar`, as TFDS defines the dataset. Built by `imagenet-multilabel`.\n\n",
        "Labels are class ids 0..999: the index of the wnid in the sorted list of the 1000 wnids ",
        "(the `ClassLabel` names). Multi-label accuracy: drop `is_problematic` images, count a ",
        "top-1 prediction right when it is in `correct_multi_labels` or `unclear_multi_labels`, ",
        "average per class of `original_label`.\n\n",
        "The images are ImageNet's and come under its terms of access.\n",
    ));
    let path = out_dir.join("README.md");
    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    imagenet_multilabel::atomic::write(&path, card.as_bytes())?;
    Ok(path)
}

fn properties(rows_per_group: usize) -> WriterProperties {
    let image_bytes = ColumnPath::new(vec!["image".into(), "bytes".into()]);
    WriterProperties::builder()
        .set_max_row_group_row_count(Some(rows_per_group))
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_column_compression(image_bytes.clone(), Compression::UNCOMPRESSED)
        .set_column_dictionary_enabled(image_bytes.clone(), false)
        .set_column_statistics_enabled(image_bytes, EnabledStatistics::None)
        // pyarrow and the Hub's viewer take schema metadata from the file's key-value
        // metadata; the Arrow writer only embeds it inside `ARROW:schema`.
        .set_key_value_metadata(Some(vec![KeyValue::new(
            "huggingface".to_string(),
            huggingface_metadata().to_string(),
        )]))
        // A fixed `created_by` keeps files byte-identical across versions of this crate.
        .set_created_by("imagenet-multilabel".to_string())
        .build()
}

fn parquet_error(path: &Path, error: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::io(path, std::io::Error::other(error))
}
