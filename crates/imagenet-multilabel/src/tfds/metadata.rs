//! The metadata files beside the shards: `dataset_info.json` (splits, shard lengths, sizes),
//! `features.json` (the feature spec `builder_from_directory` needs) and the four
//! `*.labels.txt` files (TFDS takes class names from them: without them the names become
//! "0".."999").

use serde_json::{json, Map, Value};

use crate::classes::labels_txt;
use crate::tfds::layout::SplitLayout;
use crate::tfds::{DATASET_NAME, VERSION};

/// `features.json` exactly as TFDS 4.9 writes it for this dataset (indent 4, sorted keys,
/// no final newline).
pub const FEATURES_JSON: &str = include_str!("features.json");

/// The BibTeX entries TFDS cites for this dataset.
pub const CITATION: &str = include_str!("citation.bib");

/// The class-label features, each with a `{name}.labels.txt` file of the 1000 wnids.
pub const LABEL_FEATURES: [&str; 4] = [
    "correct_multi_labels",
    "original_label",
    "unclear_multi_labels",
    "wrong_multi_labels",
];

/// The `*.labels.txt` files: (file name, contents).
pub fn label_files() -> impl Iterator<Item = (String, &'static str)> {
    LABEL_FEATURES
        .iter()
        .map(|f| (format!("{f}.labels.txt"), labels_txt()))
}

/// The sidecar file in the version folder that records which annotations the dataset was
/// built from. `dataset_info.json` stays byte-identical to what TFDS writes; TFDS ignores
/// other files in the folder (as it does `missing_images.txt`).
pub const PROVENANCE_FILE: &str = "annotations_provenance.json";

/// The provenance record: the annotations file's name, size, sha256 and release (as judged
/// by the sha256), and the tool that built the dataset. Parquet and WebDataset builds keep
/// the same object in their manifest.
pub fn provenance(source: &crate::index::Source) -> Value {
    json!({
        "annotations": {
            "file": source.path.file_name().map(|n| n.to_string_lossy().into_owned()),
            "size": source.size,
            "sha256": source.sha256,
            "version": source.version,
        },
        "built_by": concat!("imagenet-multilabel ", env!("CARGO_PKG_VERSION")),
    })
}

/// The annotations' size and sha256 from a provenance record (`None` if it lacks them).
pub fn parse_provenance(value: &Value) -> Option<(u64, String)> {
    let a = value.get("annotations")?;
    let sha = a.get("sha256")?.as_str()?;
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some((a.get("size")?.as_u64()?, sha.to_ascii_lowercase()))
}

const DESCRIPTION: &str = "\
The ImageNet (ILSVRC-2012) validation images that a panel of experts re-labelled, from \
\"Evaluating Machine Accuracy on ImageNet\" (Shankar et al., ICML 2020), with the corrections \
and the 68-image ImageNet-Major split (`imagenet_m`) of \"When does dough become a bagel? \
Analyzing the remaining mistakes on ImageNet\" (Vasudevan et al., 2022).

20,000 of the 50,000 validation images are annotated. For each, the labels predicted by a \
testbed of 67 models were reviewed one by one and judged `correct`, `wrong` or `unclear`; \
`is_problematic` marks images the panel found unsuitable (wrong or unclear original label, \
drawings and renders, heavy editing, inappropriate content).

To grade a model as the authors prescribe: skip problematic images; for each of the 1000 \
classes (by `original_label`) take the fraction of its images whose top-1 prediction is in \
`correct_multi_labels` or `unclear_multi_labels`; report the mean of the 1000 fractions. \
On `imagenet_m`, report how many of the 68 images are predicted correctly.

Written by imagenet-multilabel (Rust) in the format of TensorFlow Datasets 4.9; labels are \
taken by image number, image bytes are the tar's, unchanged.";

/// Adds a note about images the tar lacked to the description.
fn description(missing: usize) -> String {
    if missing == 0 {
        DESCRIPTION.to_string()
    } else {
        format!(
            "{DESCRIPTION}\n\nBuilt with {missing} annotated image(s) missing from the tar, \
             left out of every split; see missing_images.txt."
        )
    }
}

/// `dataset_info.json` for these splits: proto3 JSON as TFDS writes it (indent 2, sorted
/// keys, 64-bit integers as strings). `download_size` is the annotations file's size.
pub fn dataset_info_json(splits: &[SplitLayout], download_size: u64, missing: usize) -> String {
    let splits: Vec<Value> = splits
        .iter()
        .map(|s| {
            // Keys inserted in sorted order, so the output is sorted whichever map type
            // serde_json was built with.
            let mut m = Map::new();
            m.insert(
                "filepathTemplate".into(),
                "{DATASET}-{SPLIT}.{FILEFORMAT}-{SHARD_X_OF_Y}".into(),
            );
            m.insert("name".into(), s.split.name().into());
            m.insert("numBytes".into(), s.num_bytes.to_string().into());
            m.insert(
                "shardLengths".into(),
                s.shard_lengths.iter().map(|l| l.to_string()).collect(),
            );
            Value::Object(m)
        })
        .collect();
    let mut m = Map::new();
    m.insert("citation".into(), CITATION.into());
    m.insert("description".into(), description(missing).into());
    m.insert("downloadSize".into(), download_size.to_string().into());
    m.insert("fileFormat".into(), "tfrecord".into());
    m.insert(
        "location".into(),
        json!({"urls": ["https://github.com/modestyachts/evaluating_machine_accuracy_on_imagenet"]}),
    );
    m.insert("name".into(), DATASET_NAME.into());
    let mut notes = Map::new();
    notes.insert("1.0.0".into(), "Initial release.".into());
    notes.insert("2.0.0".into(), "Fixed ILSVRC2012_img_val.tar file.".into());
    notes.insert(
        "3.0.0".into(),
        "Corrected labels and ImageNet-M split.".into(),
    );
    m.insert("releaseNotes".into(), Value::Object(notes));
    m.insert("splits".into(), Value::Array(splits));
    m.insert(
        "supervisedKeys".into(),
        json!({"tuple": {"items": [{"featureKey": "image"}, {"featureKey": "correct_multi_labels"}]}}),
    );
    m.insert("version".into(), VERSION.into());
    // serde_json's pretty printer indents by two spaces, as Python's json.dumps(indent=2).
    serde_json::to_string_pretty(&Value::Object(m)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::example::Split;

    const REFERENCE_INFO: &str = include_str!("testdata/dataset_info.reference.json");

    fn layout(split: Split, shard_lengths: Vec<u64>, num_bytes: u64) -> SplitLayout {
        SplitLayout {
            split,
            examples: vec![],
            shard_sizes: vec![0; shard_lengths.len()],
            shard_lengths,
            num_bytes,
        }
    }

    #[test]
    fn dataset_info_matches_what_tfds_wrote_but_the_description() {
        let ours = dataset_info_json(
            &[
                layout(Split::Validation, vec![20_000], 27_574_158),
                layout(Split::ImagenetM, vec![68], 93_588),
            ],
            182_832_067,
            0,
        );
        let mut ours: Value = serde_json::from_str(&ours).unwrap();
        let mut reference: Value = serde_json::from_str(REFERENCE_INFO).unwrap();
        // The description is ours; the module name is TFDS's Python module, which we are not.
        for v in [&mut ours, &mut reference] {
            let m = v.as_object_mut().unwrap();
            m.remove("description");
            m.remove("moduleName");
        }
        assert_eq!(ours, reference);
    }

    #[test]
    fn dataset_info_is_sorted_and_indented_like_tfds() {
        let text = dataset_info_json(&[layout(Split::ImagenetM, vec![34, 34], 9)], 1, 2);
        assert!(text.starts_with("{\n  \"citation\": \"@article{shankar2019evaluating,\\n"));
        let top: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("  \""))
            .map(|l| l.trim_start().split('"').nth(1).unwrap())
            .collect();
        let mut sorted = top.clone();
        sorted.sort();
        assert_eq!(top, sorted);
        assert!(text.contains("\"shardLengths\": [\n        \"34\",\n        \"34\"\n      ]"));
        assert!(text.contains("2 annotated image(s) missing from the tar"));
        assert!(text.is_ascii());
    }

    #[test]
    fn features_json_is_the_reference_file() {
        let v: Value = serde_json::from_str(FEATURES_JSON).unwrap();
        let features = v["featuresDict"]["features"].as_object().unwrap();
        let keys: Vec<&str> = features.keys().map(|k| k.as_str()).collect();
        assert_eq!(keys, crate::tfds::example::KEYS);
        assert!(!FEATURES_JSON.ends_with('\n'));
        let files: Vec<String> = label_files().map(|(n, _)| n).collect();
        assert_eq!(files[1], "original_label.labels.txt");
        assert!(label_files().all(|(_, t)| t.len() == 10_000 && t.ends_with("n15075141\n")));
    }
}
