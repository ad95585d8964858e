//! `tf.train.Example` as protobuf messages (hand-written prost structs: the schema is four
//! small messages and never changes), and the conversion to and from [`crate::Example`].
//!
//! Map entries are kept in a `BTreeMap`, so they are encoded sorted by key and a shard is
//! byte-reproducible; TensorFlow's own order varies per process and readers do not care.

use std::collections::BTreeMap;

use prost::encoding::encoded_len_varint;
use prost::Message;

use crate::classes::ClassId;
use crate::example::Example;

/// `tf.train.Example`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ExampleProto {
    /// The features.
    #[prost(message, optional, tag = "1")]
    pub features: Option<Features>,
}

/// `tf.train.Features`: a map from feature name to value.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Features {
    /// The named features, sorted by name.
    #[prost(btree_map = "string, message", tag = "1")]
    pub feature: BTreeMap<String, Feature>,
}

/// `tf.train.Feature`: one of three list kinds.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Feature {
    /// The list (absent only in malformed input).
    #[prost(oneof = "Kind", tags = "1, 2, 3")]
    pub kind: Option<Kind>,
}

/// The `kind` oneof of `tf.train.Feature`.
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum Kind {
    /// `bytes_list`.
    #[prost(message, tag = "1")]
    BytesList(BytesList),
    /// `float_list`.
    #[prost(message, tag = "2")]
    FloatList(FloatList),
    /// `int64_list`.
    #[prost(message, tag = "3")]
    Int64List(Int64List),
}

/// `tf.train.BytesList`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct BytesList {
    /// The values.
    #[prost(bytes = "vec", repeated, tag = "1")]
    pub value: Vec<Vec<u8>>,
}

/// `tf.train.FloatList`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct FloatList {
    /// The values (packed).
    #[prost(float, repeated, packed = "true", tag = "1")]
    pub value: Vec<f32>,
}

/// `tf.train.Int64List`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Int64List {
    /// The values (packed).
    #[prost(int64, repeated, packed = "true", tag = "1")]
    pub value: Vec<i64>,
}

/// The seven feature keys TFDS writes.
pub const KEYS: [&str; 7] = [
    "correct_multi_labels",
    "file_name",
    "image",
    "is_problematic",
    "original_label",
    "unclear_multi_labels",
    "wrong_multi_labels",
];

fn bytes(v: Vec<u8>) -> Feature {
    Feature {
        kind: Some(Kind::BytesList(BytesList { value: vec![v] })),
    }
}

fn ints(v: impl IntoIterator<Item = i64>) -> Feature {
    Feature {
        kind: Some(Kind::Int64List(Int64List {
            value: v.into_iter().collect(),
        })),
    }
}

fn labels(v: &[ClassId]) -> Feature {
    ints(v.iter().map(|c| c.0 as i64))
}

/// Every feature but the image, keyed as TFDS keys them.
fn label_features(ex: &Example) -> BTreeMap<String, Feature> {
    let mut m = BTreeMap::new();
    m.insert("file_name".into(), bytes(ex.file_name.as_bytes().to_vec()));
    m.insert("original_label".into(), ints([ex.original_label.0 as i64]));
    m.insert(
        "correct_multi_labels".into(),
        labels(&ex.correct_multi_labels),
    );
    m.insert("wrong_multi_labels".into(), labels(&ex.wrong_multi_labels));
    m.insert(
        "unclear_multi_labels".into(),
        labels(&ex.unclear_multi_labels),
    );
    m.insert("is_problematic".into(), ints([ex.is_problematic as i64]));
    m
}

/// The protobuf message of `ex`, as TFDS encodes it (all seven keys; empty label lists are
/// present as empty `int64_list`s).
pub fn to_proto(ex: &Example) -> ExampleProto {
    let mut feature = label_features(ex);
    feature.insert("image".into(), bytes(ex.image.clone()));
    ExampleProto {
        features: Some(Features { feature }),
    }
}

/// `ex` serialized as a `tf.train.Example`.
pub fn encode(ex: &Example) -> Vec<u8> {
    to_proto(ex).encode_to_vec()
}

/// Serializes `ex` with `image` in place of `ex.image` (which is ignored), replacing the
/// contents of `out`: the writer's path, which never holds the image twice in an `Example`.
pub fn encode_with_image(ex: &Example, image: &[u8], out: &mut Vec<u8>) {
    let mut feature = label_features(ex);
    feature.insert("image".into(), bytes(image.to_vec()));
    out.clear();
    ExampleProto {
        features: Some(Features { feature }),
    }
    .encode(out)
    .unwrap_or_default(); // a Vec grows as needed: encoding into it cannot run out of space
}

/// Serializes `ex` around an image of `image_len` bytes without the image itself:
/// `prefix + image + suffix` is exactly [`encode_with_image`]'s output (`ex.image` is
/// ignored). The writer's path: it hands the image bytes straight from the mapped tar to the
/// kernel instead of copying them into an encoding buffer first.
///
/// Protobuf concatenates repeated fields, so the sorted map is the entries before `"image"`,
/// the image entry (written here by hand, as [`encoded_len`] counts it) and the entries
/// after it, each part encoded on its own.
pub fn encode_around_image(
    ex: &Example,
    image_len: u64,
    prefix: &mut Vec<u8>,
    suffix: &mut Vec<u8>,
) {
    let mut before = label_features(ex);
    let after = before.split_off("image");
    let before = Features { feature: before }.encode_to_vec();
    suffix.clear();
    Features { feature: after }
        .encode(suffix)
        .unwrap_or_default(); // a Vec grows as needed
    let list = 1 + varint(image_len) + image_len;
    let feature = 1 + varint(list) + list;
    let entry = (1 + 1 + "image".len() as u64) + 1 + varint(feature) + feature;
    let features = before.len() as u64 + 1 + varint(entry) + entry + suffix.len() as u64;
    prefix.clear();
    let varints = |values: &[u64], prefix: &mut Vec<u8>| {
        for &v in values {
            prost::encoding::encode_varint(v, prefix);
        }
    };
    // Example{1: Features{the entries before "image", then 1: entry}}
    varints(&[0x0a, features], prefix);
    prefix.extend_from_slice(&before);
    // entry{1: "image", 2: Feature{1: BytesList{1: image}}}
    varints(&[0x0a, entry, 0x0a, "image".len() as u64], prefix);
    prefix.extend_from_slice(b"image");
    varints(&[0x12, feature, 0x0a, list, 0x0a, image_len], prefix);
}

/// The serialized length of `ex` if its image were `image_len` bytes long (`ex.image` is
/// ignored): lets the writer plan every record's offset before reading any image.
pub fn encoded_len(ex: &Example, image_len: u64) -> u64 {
    let others = Features {
        feature: label_features(ex),
    }
    .encoded_len() as u64;
    // The image's map entry, from the inside out: BytesList{1: bytes}, Feature{1: list},
    // entry{1: "image", 2: feature}, then Features{1: entry}.
    let list = 1 + varint(image_len) + image_len;
    let feature = 1 + varint(list) + list;
    let entry = (1 + 1 + "image".len() as u64) + 1 + varint(feature) + feature;
    let features = others + 1 + varint(entry) + entry;
    1 + varint(features) + features
}

fn varint(v: u64) -> u64 {
    encoded_len_varint(v) as u64
}

/// Decodes a serialized `tf.train.Example` of this dataset. The error says what is wrong
/// (the caller adds the file and offset).
pub fn decode(data: &[u8]) -> Result<Example, String> {
    let proto = ExampleProto::decode(data).map_err(|e| format!("not a tf.train.Example: {e}"))?;
    let mut f = proto.features.unwrap_or_default().feature;
    let image = one_bytes(&mut f, "image")?;
    let file_name = String::from_utf8(one_bytes(&mut f, "file_name")?)
        .map_err(|_| "feature 'file_name' is not UTF-8".to_string())?;
    let original_label = one_int(&mut f, "original_label")?;
    let original_label = class(original_label, "original_label")?;
    let is_problematic = match one_int(&mut f, "is_problematic")? {
        0 => false,
        1 => true,
        v => return Err(format!("feature 'is_problematic' is {v}, expected 0 or 1")),
    };
    let mut label_list = |key: &str| -> Result<Vec<ClassId>, String> {
        int_list(&mut f, key)?
            .into_iter()
            .map(|v| class(v, key))
            .collect()
    };
    Ok(Example {
        correct_multi_labels: label_list("correct_multi_labels")?,
        wrong_multi_labels: label_list("wrong_multi_labels")?,
        unclear_multi_labels: label_list("unclear_multi_labels")?,
        image,
        file_name,
        original_label,
        is_problematic,
    })
}

fn class(v: i64, key: &str) -> Result<ClassId, String> {
    ClassId::new(v).ok_or_else(|| format!("feature '{key}' holds label {v}, expected 0..=999"))
}

fn take(f: &mut BTreeMap<String, Feature>, key: &str) -> Result<Kind, String> {
    f.remove(key)
        .and_then(|feature| feature.kind)
        .ok_or_else(|| format!("feature '{key}' is missing"))
}

fn one_bytes(f: &mut BTreeMap<String, Feature>, key: &str) -> Result<Vec<u8>, String> {
    match take(f, key)? {
        Kind::BytesList(mut l) if l.value.len() == 1 => Ok(l.value.pop().unwrap_or_default()),
        Kind::BytesList(l) => Err(format!(
            "feature '{key}' holds {} values, expected 1",
            l.value.len()
        )),
        _ => Err(format!("feature '{key}' is not a bytes_list")),
    }
}

fn int_list(f: &mut BTreeMap<String, Feature>, key: &str) -> Result<Vec<i64>, String> {
    match take(f, key)? {
        Kind::Int64List(l) => Ok(l.value),
        _ => Err(format!("feature '{key}' is not an int64_list")),
    }
}

fn one_int(f: &mut BTreeMap<String, Feature>, key: &str) -> Result<i64, String> {
    match int_list(f, key)?.as_slice() {
        [v] => Ok(*v),
        l => Err(format!(
            "feature '{key}' holds {} values, expected 1",
            l.len()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> Example {
        Example {
            image: vec![0xff, 0xd8, 0xff, 0xe0, 1, 2, 3],
            file_name: "ILSVRC2012_val_00000001.JPEG".into(),
            original_label: ClassId(65),
            correct_multi_labels: vec![ClassId(65), ClassId(999), ClassId(65)],
            wrong_multi_labels: vec![],
            unclear_multi_labels: vec![ClassId(0)],
            is_problematic: true,
        }
    }

    #[test]
    fn encoding_around_the_image_is_byte_identical() {
        let mut ex = sample();
        let (mut prefix, mut suffix, mut whole) = (Vec::new(), Vec::new(), Vec::new());
        // Image sizes on both sides of each varint width change of the nested lengths.
        for len in [
            0usize, 1, 100, 110, 127, 128, 16_370, 16_384, 110_000, 2_097_140,
        ] {
            for labels in [vec![], vec![ClassId(3); 40]] {
                ex.wrong_multi_labels = labels;
                let image: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
                encode_around_image(&ex, len as u64, &mut prefix, &mut suffix);
                encode_with_image(&ex, &image, &mut whole);
                assert_eq!([&prefix[..], &image, &suffix].concat(), whole, "{len}");
                assert_eq!(whole.len() as u64, encoded_len(&ex, len as u64));
            }
        }
    }

    #[test]
    fn matches_bytes_tensorflow_serialized() {
        // tf.train.Example{a: int64_list{}, b: int64_list{1, 300}}.SerializeToString()
        let tf = "0a170a070a016112021a000a0c0a016212071a050a0301ac02";
        let mut feature = BTreeMap::new();
        feature.insert("a".to_string(), ints([]));
        feature.insert("b".to_string(), ints([1, 300]));
        let ours = ExampleProto {
            features: Some(Features { feature }),
        }
        .encode_to_vec();
        let hex: String = ours.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, tf);
    }

    #[test]
    fn every_key_is_present_even_when_empty() {
        let p = to_proto(&sample());
        let keys: Vec<&str> = p
            .features
            .as_ref()
            .unwrap()
            .feature
            .keys()
            .map(|k| k.as_str())
            .collect();
        assert_eq!(keys, KEYS);
        assert_eq!(p.features.unwrap().feature["wrong_multi_labels"], ints([]));
    }

    #[test]
    fn decode_names_what_is_wrong() {
        let mut p = to_proto(&sample());
        let f = &mut p.features.as_mut().unwrap().feature;
        f.insert("original_label".into(), ints([1000]));
        let e = decode(&p.encode_to_vec()).unwrap_err();
        assert_eq!(
            e,
            "feature 'original_label' holds label 1000, expected 0..=999"
        );
        let f = &mut p.features.as_mut().unwrap().feature;
        f.remove("is_problematic");
        f.insert("original_label".into(), ints([3]));
        assert_eq!(
            decode(&p.encode_to_vec()).unwrap_err(),
            "feature 'is_problematic' is missing"
        );
        let f = &mut p.features.as_mut().unwrap().feature;
        f.insert("is_problematic".into(), ints([2]));
        assert_eq!(
            decode(&p.encode_to_vec()).unwrap_err(),
            "feature 'is_problematic' is 2, expected 0 or 1"
        );
        let f = &mut p.features.as_mut().unwrap().feature;
        f.insert("image".into(), ints([2]));
        assert_eq!(
            decode(&p.encode_to_vec()).unwrap_err(),
            "feature 'image' is not a bytes_list"
        );
        assert!(decode(b"\x0a\xff")
            .unwrap_err()
            .starts_with("not a tf.train.Example"));
    }

    fn arb_example() -> impl Strategy<Value = Example> {
        let labels = || proptest::collection::vec((0u16..1000).prop_map(ClassId), 0..20);
        (
            proptest::collection::vec(any::<u8>(), 0..300),
            1u32..=50_000,
            0u16..1000,
            labels(),
            labels(),
            labels(),
            any::<bool>(),
        )
            .prop_map(|(image, n, o, c, w, u, p)| Example {
                image,
                file_name: format!("ILSVRC2012_val_{n:08}.JPEG"),
                original_label: ClassId(o),
                correct_multi_labels: c,
                wrong_multi_labels: w,
                unclear_multi_labels: u,
                is_problematic: p,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn round_trips_and_length_is_known_in_advance(ex in arb_example(), big in 0u64..400_000) {
            let bytes = encode(&ex);
            prop_assert_eq!(bytes.len() as u64, encoded_len(&ex, ex.image.len() as u64));
            prop_assert_eq!(decode(&bytes).unwrap(), ex.clone());
            // Lengths across varint-size boundaries of the image, without building it.
            let mut big_ex = ex.clone();
            big_ex.image = vec![7; big as usize];
            prop_assert_eq!(to_proto(&big_ex).encoded_len() as u64, encoded_len(&ex, big));
        }
    }
}
