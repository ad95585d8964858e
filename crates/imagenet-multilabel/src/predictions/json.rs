//! JSON predictions: one object `{file_name: class}` (the reference notebook's `predictions`
//! dict; a class is an integer id, a wnid, or a list of them, ranked), or records
//! `{"file_name": …, "prediction": …}` — one per line (JSON Lines) or in a top-level array.
//!
//! Record keys: the file name under any of [`NAME_KEYS`], the prediction under any of
//! [`PREDICTION_KEYS`]. Every entry must rank the same number of classes (up to
//! [`MAX_K`] are kept).

use std::fmt;
use std::path::Path;

use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::{image_from_name, push_slot, strip_bom, Collector, Ids, Slot};
use super::{Predictions, MAX_K};
use crate::classes::ImageId;
use crate::error::{Error, Result};

/// Record keys accepted for the file name (exact, lower case).
pub const NAME_KEYS: [&str; 6] = ["file_name", "filename", "file", "image", "path", "name"];
/// Record keys accepted for the prediction, most specific first (exact, lower case). `label`
/// is not one: in a dataset export it is the ground truth.
pub const PREDICTION_KEYS: [&str; 4] = ["predictions", "prediction", "pred", "class"];
/// Record keys that name the ground truth: never taken as the prediction.
pub const GROUND_TRUTH_KEYS: [&str; 5] =
    ["label", "labels", "true_label", "original_label", "target"];

/// Reads a JSON file: an object `{file_name: class or [classes]}` or an array of records.
pub(crate) fn load_object(path: &Path, ids: &Ids) -> Result<Predictions> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    object_from_bytes(path, &bytes, ids)
}

/// Reads JSON text (the content of `path`): an object `{file_name: class or [classes]}` or an
/// array of records.
pub(crate) fn object_from_bytes(path: &Path, bytes: &[u8], ids: &Ids) -> Result<Predictions> {
    let text = strip_bom(bytes);
    if text.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::invalid(
            path,
            "start of file",
            "the file is empty: expected a JSON object {file_name: class}",
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(text);
    let top = de
        .deserialize_any(TopVisitor)
        .and_then(|top| de.end().map(|()| top))
        .map_err(|e| Error::json(path, text, 0, &e))?;
    let mut entries = Vec::new();
    match top {
        Top::Object(pairs) => {
            for (key, value) in &pairs {
                let at = format!("key {key:?}");
                let image = image_from_name(key).map_err(|m| Error::invalid(path, &at, m))?;
                let ranked =
                    ranked_from_value(value, ids).map_err(|m| Error::invalid(path, &at, m))?;
                entries.push((image, ranked, at));
            }
            collect(path, entries)
        }
        Top::Array(records) => {
            for (i, value) in records.iter().enumerate() {
                let at = format!("record {i}");
                let record = match value {
                    Value::Object(map) => map,
                    _ => {
                        return Err(Error::invalid(
                            path,
                            at,
                            "expected a record {\"file_name\": …, \"prediction\": …}",
                        ))
                    }
                };
                let (image, ranked) =
                    read_record(record, ids).map_err(|m| Error::invalid(path, &at, m))?;
                entries.push((image, ranked, at));
            }
            collect(path, entries)
        }
    }
}

/// Reads a JSON Lines file: one record `{"file_name": …, "prediction": …}` per line (blank
/// lines are skipped).
pub(crate) fn load_lines(path: &Path, ids: &Ids) -> Result<Predictions> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = strip_bom(&bytes);
    let mut entries = Vec::new();
    let mut offset = 0usize;
    for (n, line) in text.split(|&b| b == b'\n').enumerate() {
        let start = offset;
        offset += line.len() + 1;
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        let at = format!("line {}", n + 1);
        let record: Map<String, Value> = serde_json::from_slice(line).map_err(|e| {
            let mut error = Error::json(path, line, start, &e);
            if let Error::Json { line, .. } = &mut error {
                *line = n + 1;
            }
            error
        })?;
        let (image, ranked) =
            read_record(&record, ids).map_err(|m| Error::invalid(path, &at, m))?;
        entries.push((image, ranked, at));
    }
    if entries.is_empty() {
        return Err(Error::invalid(
            path,
            "start of file",
            "the file is empty: expected JSON Lines records {\"file_name\": …, \"prediction\": …}",
        ));
    }
    collect(path, entries)
}

/// Whether `text` (starting at its first `{` or `[`) is JSON Lines: a second value follows
/// the first, or the only value is a single record rather than a `{file_name: class}` map.
pub(crate) fn looks_like_lines(text: &[u8]) -> bool {
    // Only the top-level keys are kept: a 50,000-entry object is skimmed, not built.
    let mut stream = serde_json::Deserializer::from_slice(text).into_iter::<HasNameKey>();
    match stream.next() {
        Some(Ok(HasNameKey(has_name_key))) => {
            let rest = &text[stream.byte_offset()..];
            has_name_key || rest.iter().any(|b| !b.is_ascii_whitespace())
        }
        _ => false,
    }
}

/// Whether a JSON value is an object with one of [`NAME_KEYS`] (a record, not a map of
/// file names); values are skipped unparsed.
struct HasNameKey(bool);

impl<'de> serde::Deserialize<'de> for HasNameKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<HasNameKey, D::Error> {
        struct Keys;
        impl<'de> Visitor<'de> for Keys {
            type Value = HasNameKey;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<HasNameKey, A::Error> {
                let mut found = false;
                while let Some(key) = map.next_key::<String>()? {
                    found |= NAME_KEYS.contains(&key.as_str());
                    map.next_value::<IgnoredAny>()?;
                }
                Ok(HasNameKey(found))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<HasNameKey, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(HasNameKey(false))
            }
        }
        deserializer.deserialize_any(Keys)
    }
}

/// Builds the predictions from `(image, ranked, place)` entries, in file order.
fn collect(path: &Path, entries: Vec<(ImageId, Vec<Slot>, String)>) -> Result<Predictions> {
    let Some(first) = entries.first() else {
        return Err(Error::invalid(
            path,
            "top level",
            "there are no predictions",
        ));
    };
    let k = first.1.len().min(MAX_K);
    let mut collector = Collector::new(path, k, false);
    for (i, (image, ranked, at)) in entries.iter().enumerate() {
        if ranked.len().min(MAX_K) != k {
            return Err(Error::invalid(
                path,
                at,
                format!(
                    "{} ranked predictions where the first entry ({}) has {}: every entry must \
                     rank the same number of classes",
                    ranked.len(),
                    entries[0].2,
                    first.1.len()
                ),
            ));
        }
        if let Err(earlier) = collector.insert(*image, ranked, i as u32 + 1) {
            return Err(Error::invalid(
                path,
                at,
                format!(
                    "duplicate file name {image}: {} and {at} both name it",
                    entries[earlier as usize - 1].2
                ),
            ));
        }
    }
    Ok(collector.finish())
}

/// The image and ranking of one record, or what is wrong with it.
fn read_record(record: &Map<String, Value>, ids: &Ids) -> Result<(ImageId, Vec<Slot>), String> {
    let name = NAME_KEYS
        .iter()
        .find_map(|k| record.get(*k))
        .ok_or_else(|| format!("no file name: expected a key {}", NAME_KEYS.join(", ")))?;
    let name = name
        .as_str()
        .ok_or_else(|| format!("the file name {name} is not a string"))?;
    let image = image_from_name(name)?;
    let value = PREDICTION_KEYS
        .iter()
        .find_map(|k| record.get(*k))
        .ok_or_else(|| {
            let truth = GROUND_TRUTH_KEYS.iter().find(|k| record.contains_key(**k));
            let note = truth.map_or(String::new(), |k| {
                format!(
                    " ({k:?} names the ground truth, which is never graded as a prediction: \
                     it would score as a perfect model)"
                )
            });
            format!(
                "no prediction: expected a key {}{note}",
                PREDICTION_KEYS.join(", ")
            )
        })?;
    Ok((image, ranked_from_value(value, ids)?))
}

/// A class (integer id or wnid) or a non-empty ranked list of them.
fn ranked_from_value(value: &Value, ids: &Ids) -> Result<Vec<Slot>, String> {
    match value {
        Value::Array(items) if items.is_empty() => {
            Err("the list of predictions is empty".to_string())
        }
        Value::Array(items) => {
            let mut ranked = Vec::with_capacity(items.len());
            for (rank, item) in items.iter().enumerate() {
                slot_from_value(item, ids)
                    .and_then(|slot| push_slot(&mut ranked, slot))
                    .map_err(|m| format!("rank {rank}: {m}"))?;
            }
            Ok(ranked)
        }
        _ => Ok(vec![slot_from_value(value, ids)?]),
    }
}

fn slot_from_value(value: &Value, ids: &Ids) -> Result<Slot, String> {
    match value {
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => ids.slot(i128::from(i)),
            (_, Some(u)) => ids.slot(i128::from(u)),
            _ => Err(format!("{n} is not an integer class id")),
        },
        Value::String(s) => ids.slot_from_text(s),
        other => Err(format!(
            "{other} is not a class: expected a class id, a wnid, or a list of them"
        )),
    }
}

/// The top-level value of a JSON predictions file, keys kept in file order (with
/// duplicates, which a map would silently merge).
enum Top {
    Object(Vec<(String, Value)>),
    Array(Vec<Value>),
}

struct TopVisitor;

impl<'de> Visitor<'de> for TopVisitor {
    type Value = Top;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object {file_name: class} or an array of records")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top, A::Error> {
        let mut pairs = Vec::new();
        while let Some(pair) = map.next_entry::<String, Value>()? {
            pairs.push(pair);
        }
        Ok(Top::Object(pairs))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Top, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Value>()? {
            items.push(item);
        }
        Ok(Top::Array(items))
    }
}
