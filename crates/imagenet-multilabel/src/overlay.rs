//! Community reviews: labels judged after the 2019–2022 expert review, kept apart from the
//! official annotations.
//!
//! A new model's top-1 that no expert reviewed counts as wrong (`unreviewed`). People can now
//! review such predictions (`serve`, stored by `imagenet-multilabel-reviews`) and export the
//! agreed decisions as an *overlay*: a JSON file stamped with the sha256 of the annotations it
//! was made against. Grading with an overlay gives a second, "with reviews" figure beside the
//! official one; the official figure never changes.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs;
use std::path::Path;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::atomic;
use crate::classes::{ClassId, ImageId};
use crate::error::{Error, Result};
use crate::index::{Annotations, LabelStatus};

/// A reviewer's judgement of one label for one image: the three lists of the expert review.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// The label is correct for the image.
    Correct,
    /// The label is wrong for the image.
    Wrong,
    /// The reviewer cannot tell (counts as correct in the official, lenient metric).
    Unclear,
}

impl Decision {
    /// All decisions, in the order the expert lists are named.
    pub const ALL: [Decision; 3] = [Decision::Correct, Decision::Wrong, Decision::Unclear];

    /// `correct`, `wrong` or `unclear`: the name in JSON, in the database and in the annotations.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Correct => "correct",
            Decision::Wrong => "wrong",
            Decision::Unclear => "unclear",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Decision {
    type Err = String;

    /// Parses `correct`, `wrong` or `unclear` (exactly, lowercase).
    fn from_str(s: &str) -> Result<Decision, String> {
        Decision::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| format!("`{s}` is not a decision: expected correct, wrong or unclear"))
    }
}

/// The name of the overlay `build --overlay` stores in a built TFDS version folder, beside the
/// labels' provenance; `eval --dataset` grades with it too.
pub const DATASET_FILE: &str = "community_reviews.json";

/// The overlay stored in the built dataset's version folder `version_dir`
/// ([`DATASET_FILE`]), if there is one.
pub fn read_stored(version_dir: &Path) -> Result<Option<(std::path::PathBuf, Overlay)>> {
    let path = version_dir.join(DATASET_FILE);
    match fs::metadata(&path) {
        Ok(_) => Overlay::read(&path).map(|o| Some((path, o))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(&path, e)),
    }
}

/// The overlay format's version (`"schema"`).
pub const SCHEMA: u32 = 1;
/// What every overlay says it is (`"kind"`): community reviews, not official labels.
pub const KIND: &str = "imagenet-multilabel community reviews (not official labels)";

/// An overlay file: community decisions on labels the experts never judged, made against one
/// annotations file (by sha256). docs/OVERLAY.md documents the format.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Overlay {
    /// The format's version: [`SCHEMA`].
    pub schema: u32,
    /// [`KIND`], so that no one mistakes the file for official labels.
    pub kind: String,
    /// sha256 (lowercase hex) of the annotations file the reviews were made against; the
    /// overlay applies to that file only.
    pub base_annotations_sha256: String,
    /// The version of the tool that wrote the file.
    pub tool_version: String,
    /// When the file was written: RFC 3339, UTC.
    pub created: String,
    /// How many agreeing reviews made each decision.
    pub required_agreement: u32,
    /// The decisions, sorted by file name then label; one per (image, label).
    pub labels: Vec<OverlayLabel>,
}

/// One community decision.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OverlayLabel {
    /// The image, `ILSVRC2012_val_NNNNNNNN.JPEG`.
    pub file_name: String,
    /// The label judged: a wnid.
    pub label: String,
    /// The decision the reviewers agreed on.
    pub decision: Decision,
    /// Who agreed on it (at least one).
    pub reviewers: Vec<String>,
    /// The models whose predictions proposed the label (may be empty).
    #[serde(default)]
    pub models: Vec<String>,
}

impl Overlay {
    /// An empty overlay for the annotations with this sha256, stamped with this tool's
    /// version and the current time.
    pub fn new(base_annotations_sha256: &str, required_agreement: u32) -> Overlay {
        Overlay {
            schema: SCHEMA,
            kind: KIND.to_string(),
            base_annotations_sha256: base_annotations_sha256.to_string(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            created: now_rfc3339(),
            required_agreement,
            labels: Vec::new(),
        }
    }

    /// Reads and validates the overlay at `path` ([`Overlay::validate`]).
    pub fn read(path: &Path) -> Result<Overlay> {
        let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
        Overlay::parse(&bytes, path)
    }

    /// Parses and validates an overlay file's bytes (`path` names it in errors).
    pub fn parse(bytes: &[u8], path: &Path) -> Result<Overlay> {
        let overlay: Overlay =
            serde_json::from_slice(bytes).map_err(|e| Error::json(path, bytes, 0, &e))?;
        overlay.validate(path)?;
        Ok(overlay)
    }

    /// Writes the overlay to `path` (pretty JSON), complete or not at all.
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut text = serde_json::to_string_pretty(self)
            .map_err(|e| Error::io(path, std::io::Error::other(e)))?;
        text.push('\n');
        atomic::write(path, text.as_bytes())
    }

    /// Checks what the JSON shape cannot: the schema and kind, the sha256's form, every file
    /// name and wnid, a reviewer for every label, and no (image, label) twice. `path` names
    /// the file in errors.
    pub fn validate(&self, path: &Path) -> Result<()> {
        if self.schema != SCHEMA {
            return Err(Error::invalid(
                path,
                "schema",
                format!(
                    "{} is not a supported overlay schema: expected {SCHEMA}",
                    self.schema
                ),
            ));
        }
        if self.kind != KIND {
            return Err(Error::invalid(
                path,
                "kind",
                format!("`{}`: expected `{KIND}`", self.kind),
            ));
        }
        let sha = &self.base_annotations_sha256;
        if sha.len() != 64 || !sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(Error::invalid(
                path,
                "base_annotations_sha256",
                format!("`{sha}` is not a sha256: expected 64 lowercase hex digits"),
            ));
        }
        if self.required_agreement == 0 {
            return Err(Error::invalid(
                path,
                "required_agreement",
                "must be at least 1",
            ));
        }
        let mut seen = HashMap::with_capacity(self.labels.len());
        for (i, entry) in self.labels.iter().enumerate() {
            let (image, class) = entry.parse(path, i)?;
            if let Some(first) = seen.insert((image, class), i) {
                return Err(Error::invalid(
                    path,
                    format!("labels[{i}]"),
                    format!(
                        "{} {} is judged twice (also labels[{first}]): one decision per image and label",
                        entry.file_name, entry.label
                    ),
                ));
            }
        }
        Ok(())
    }
}

impl OverlayLabel {
    /// The image and class this entry (`labels[i]` of `path`) judges.
    fn parse(&self, path: &Path, i: usize) -> Result<(ImageId, ClassId)> {
        let image = ImageId::from_file_name(&self.file_name).ok_or_else(|| {
            Error::invalid(
                path,
                format!("labels[{i}].file_name"),
                format!(
                    "`{}` is not a validation image name: expected ILSVRC2012_val_NNNNNNNN.JPEG",
                    self.file_name
                ),
            )
        })?;
        let class = ClassId::from_wnid(&self.label).ok_or_else(|| {
            Error::invalid(
                path,
                format!("labels[{i}].label"),
                format!("`{}` is not one of the 1000 ImageNet wnids", self.label),
            )
        })?;
        if self.reviewers.iter().all(|r| r.trim().is_empty()) {
            return Err(Error::invalid(
                path,
                format!("labels[{i}].reviewers"),
                "no reviewer: every decision names who made it",
            ));
        }
        Ok((image, class))
    }
}

/// What applying an overlay did ([`Annotations::with_overlay`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct OverlayApplied {
    /// Decisions in the overlay.
    pub labels: usize,
    /// Decisions added to the labels (the experts had not judged the label).
    pub applied: usize,
    /// Decisions left out because the experts had judged the label: the expert decision
    /// stands, always.
    pub ignored_already_judged: usize,
    /// Images whose labels changed.
    pub images: usize,
}

impl Annotations {
    /// These annotations with the overlay's decisions added to the lists of labels the
    /// experts never judged. A label the experts judged keeps their decision (the entry is
    /// counted as ignored). The overlay must have been made against these annotations (same
    /// sha256), judge only annotated images, and be valid ([`Overlay::validate`]). The result
    /// keeps this index's source: it is the same file, read with the overlay.
    pub fn with_overlay(&self, overlay: &Overlay) -> Result<(Annotations, OverlayApplied)> {
        let source = self.source();
        let here = Path::new("overlay");
        overlay.validate(here)?;
        if overlay.base_annotations_sha256 != source.sha256 {
            return Err(Error::Mismatch(format!(
                "the overlay was made against the annotations with sha256 {}, not these ({}, sha256 {}): \
                 export it again from the reviews database with these annotations",
                overlay.base_annotations_sha256,
                source.path.display(),
                source.sha256
            )));
        }
        let mut records = self.records().to_vec();
        let mut applied = OverlayApplied {
            labels: overlay.labels.len(),
            ..OverlayApplied::default()
        };
        let mut changed = HashSet::new();
        for (i, entry) in overlay.labels.iter().enumerate() {
            let (image, class) = entry.parse(here, i)?;
            let slot = match records.binary_search_by_key(&image, |r| r.image) {
                Ok(slot) => slot,
                Err(_) => {
                    return Err(Error::Mismatch(format!(
                        "overlay labels[{i}]: {} is not annotated ({}): an overlay may only judge annotated images",
                        entry.file_name,
                        source.path.display()
                    )))
                }
            };
            let record = &mut records[slot];
            // The expert review stands.
            if record.status(class) != LabelStatus::Unreviewed {
                applied.ignored_already_judged += 1;
                continue;
            }
            match entry.decision {
                Decision::Correct => record.correct.push(class),
                Decision::Wrong => record.wrong.push(class),
                Decision::Unclear => record.unclear.push(class),
            }
            applied.applied += 1;
            changed.insert(image);
        }
        applied.images = changed.len();
        let overlaid = Annotations::new(records, self.imagenet_m().to_vec(), source.clone())?
            .with_foreign(self.foreign().to_vec());
        Ok((overlaid, applied))
    }
}

/// The current UTC time as RFC 3339 (`2026-12-01T03:04:05Z`).
pub fn now_rfc3339() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(secs)
}

/// `secs` after the Unix epoch as RFC 3339 UTC, by the civil-from-days algorithm
/// (proleptic Gregorian calendar).
fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::index::{Record, Source, Version};

    const SHA: &str = "ab00000000000000000000000000000000000000000000000000000000000000";

    fn class(wnid: &str) -> ClassId {
        ClassId::from_wnid(wnid).unwrap()
    }

    /// Image 1: correct tench, wrong goldfish. Image 2: unclear goldfish. Image 3: nothing.
    fn annotations() -> Annotations {
        let (tench, goldfish) = (class("n01440764"), class("n01443537"));
        let records = vec![
            Record::new(ImageId(1), [vec![tench], vec![goldfish], vec![]], false),
            Record::new(ImageId(2), [vec![], vec![], vec![goldfish]], true),
            Record::new(ImageId(3), [vec![], vec![], vec![]], false),
        ];
        let source = Source {
            path: PathBuf::from("h.json"),
            size: 1,
            sha256: SHA.into(),
            version: Version::Unrecognised,
        };
        Annotations::new(records, vec![ImageId(2)], source).unwrap()
    }

    fn entry(image: u32, wnid: &str, decision: Decision) -> OverlayLabel {
        OverlayLabel {
            file_name: ImageId(image).file_name(),
            label: wnid.into(),
            decision,
            reviewers: vec!["ada".into()],
            models: vec!["vit".into()],
        }
    }

    fn overlay(labels: Vec<OverlayLabel>) -> Overlay {
        Overlay {
            labels,
            ..Overlay::new(SHA, 1)
        }
    }

    #[test]
    fn an_unreviewed_label_gets_the_decision_and_nothing_else_changes() {
        let base = annotations();
        let stingray = class("n01498041");
        let o = overlay(vec![
            entry(3, "n01498041", Decision::Correct),
            entry(2, "n01440764", Decision::Wrong),
        ]);
        let (with, applied) = base.with_overlay(&o).unwrap();
        assert_eq!(
            applied,
            OverlayApplied {
                labels: 2,
                applied: 2,
                ignored_already_judged: 0,
                images: 2
            }
        );
        assert_eq!(base.records()[2].status(stingray), LabelStatus::Unreviewed);
        assert_eq!(with.records()[2].status(stingray), LabelStatus::Correct);
        assert_eq!(with.records()[2].correct(), [stingray]);
        assert_eq!(with.records()[1].wrong(), [class("n01440764")]);
        assert_eq!(with.records()[0], base.records()[0]);
        // Flags, ImageNet-M and the source are the base's.
        assert!(with.records()[1].problematic() && with.records()[1].imagenet_m());
        assert_eq!(with.imagenet_m(), base.imagenet_m());
        assert_eq!(with.source(), base.source());
    }

    #[test]
    fn the_expert_decision_stands() {
        let base = annotations();
        let o = overlay(vec![
            entry(1, "n01440764", Decision::Wrong),   // experts: correct
            entry(1, "n01443537", Decision::Correct), // experts: wrong
            entry(2, "n01443537", Decision::Correct), // experts: unclear
        ]);
        let (with, applied) = base.with_overlay(&o).unwrap();
        assert_eq!(applied.applied, 0);
        assert_eq!(applied.ignored_already_judged, 3);
        assert_eq!(applied.images, 0);
        assert_eq!(with.records(), base.records());
    }

    #[test]
    fn another_annotations_file_or_an_unannotated_image_is_refused() {
        let base = annotations();
        let other = Overlay {
            base_annotations_sha256: "cd".repeat(32),
            ..overlay(vec![])
        };
        let err = base.with_overlay(&other).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "the overlay was made against the annotations with sha256 {}, not these (h.json, sha256 {SHA}): \
                 export it again from the reviews database with these annotations",
                "cd".repeat(32)
            )
        );
        let err = base
            .with_overlay(&overlay(vec![entry(4, "n01440764", Decision::Correct)]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "overlay labels[0]: ILSVRC2012_val_00000004.JPEG is not annotated (h.json): an overlay may only judge annotated images"
        );
    }

    #[test]
    fn write_then_read_gives_the_same_overlay() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reviews.json");
        let o = overlay(vec![entry(3, "n01498041", Decision::Unclear)]);
        o.write(&path).unwrap();
        assert_eq!(Overlay::read(&path).unwrap(), o);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text
            .contains(r#""kind": "imagenet-multilabel community reviews (not official labels)""#));
        assert!(text.contains(r#""decision": "unclear""#));
        assert!(text.ends_with("}\n"));
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    #[test]
    fn bad_files_name_the_key_and_what_was_expected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("o.json");
        let good =
            serde_json::to_value(overlay(vec![entry(3, "n01498041", Decision::Correct)])).unwrap();
        let edit = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut v = good.clone();
            f(&mut v);
            fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
            Overlay::read(&path).unwrap_err().to_string()
        };
        let p = path.display().to_string();
        let cases: Vec<(String, String)> = vec![
            (edit(&|v| { v["labels"][0].as_object_mut().unwrap().remove("decision"); }),
             "missing field `decision`".into()),
            (edit(&|v| v["labels"][0]["decision"] = "maybe".into()),
             "unknown variant `maybe`, expected one of `correct`, `wrong`, `unclear`".into()),
            (edit(&|v| v["labels"][0]["label"] = "n99999999".into()),
             format!("{p}: labels[0].label: `n99999999` is not one of the 1000 ImageNet wnids")),
            (edit(&|v| v["labels"][0]["file_name"] = "../x.JPEG".into()),
             format!("{p}: labels[0].file_name: `../x.JPEG` is not a validation image name")),
            (edit(&|v| v["labels"][0]["reviewers"] = serde_json::json!([])),
             format!("{p}: labels[0].reviewers: no reviewer")),
            (edit(&|v| v["schema"] = 2.into()),
             format!("{p}: schema: 2 is not a supported overlay schema: expected 1")),
            (edit(&|v| v["kind"] = "labels".into()),
             format!("{p}: kind: `labels`: expected `{KIND}`")),
            (edit(&|v| v["base_annotations_sha256"] = "ABC".into()),
             format!("{p}: base_annotations_sha256: `ABC` is not a sha256")),
            (edit(&|v| { let e = v["labels"][0].clone(); v["labels"].as_array_mut().unwrap().push(e); }),
             format!("{p}: labels[1]: ILSVRC2012_val_00000003.JPEG n01498041 is judged twice (also labels[0])")),
        ];
        for (err, expected) in cases {
            assert!(err.contains(&expected), "{err}\nexpected: {expected}");
        }
        fs::write(&path, "{\"schema\": 1,").unwrap();
        let err = Overlay::read(&path).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("{p}: malformed JSON at line 1, column 13")),
            "{err}"
        );
        let err = Overlay::read(&dir.path().join("absent.json")).unwrap_err();
        assert!(!err.is_bad_input());
    }

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_796_094_245), "2026-12-01T03:04:05Z");
        assert_eq!(rfc3339(4_102_444_799), "2099-12-31T23:59:59Z");
        assert_eq!(now_rfc3339().len(), 20);
    }

    #[test]
    fn decisions_parse_and_print_as_in_the_annotations() {
        for d in Decision::ALL {
            assert_eq!(d.to_string().parse::<Decision>(), Ok(d));
            assert_eq!(serde_json::to_value(d).unwrap(), d.as_str());
        }
    }
}
