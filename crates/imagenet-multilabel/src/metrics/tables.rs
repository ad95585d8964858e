//! The report's two tables as CSV, for a spreadsheet or pandas: one row per class, one row
//! per mistake. Written atomically; booleans are `true`/`false`, fractions are the shortest
//! decimal that reads back to the same f64.

use std::path::Path;

use super::{Mistake, Report};
use crate::atomic::AtomicFile;
use crate::error::{Error, Result};
use crate::index::LabelStatus;

/// Writes one row per class, in id order: `id, wnid, name, is_dog, is_organism, graded,
/// correct, accuracy` (`graded`: graded images with a prediction; `correct`: those whose
/// top-1 is in `correct ∪ unclear`; `accuracy = correct / graded`).
pub fn write_per_class_csv(report: &Report, path: &Path) -> Result<()> {
    write_table(
        path,
        &[
            "id",
            "wnid",
            "name",
            "is_dog",
            "is_organism",
            "graded",
            "correct",
            "accuracy",
        ],
        report.per_class.iter().map(|row| {
            let info = row.class.info();
            vec![
                row.class.to_string(),
                info.wnid.to_string(),
                info.clean_name.to_string(),
                info.is_dog.to_string(),
                info.is_organism.to_string(),
                row.graded.to_string(),
                row.correct.to_string(),
                row.accuracy().to_string(),
            ]
        }),
    )
}

/// Writes one row per mistake, by image number: `file, original_id, original_name,
/// prediction_id, prediction_name, status, problematic, imagenet_m`. `status` is `wrong` or
/// `unreviewed`; problematic rows are ImageNet-M images (graded there, not in the headline).
pub fn write_mistakes_csv(report: &Report, path: &Path) -> Result<()> {
    write_table(
        path,
        &[
            "file",
            "original_id",
            "original_name",
            "prediction_id",
            "prediction_name",
            "status",
            "problematic",
            "imagenet_m",
        ],
        report.mistakes.iter().map(|m: &Mistake| {
            vec![
                m.image.file_name(),
                m.original.to_string(),
                m.original.name().to_string(),
                m.prediction.to_string(),
                m.prediction.name().to_string(),
                status_name(m.status).to_string(),
                m.problematic.to_string(),
                m.imagenet_m.to_string(),
            ]
        }),
    )
}

fn status_name(status: LabelStatus) -> &'static str {
    match status {
        LabelStatus::Correct => "correct",
        LabelStatus::Unclear => "unclear",
        LabelStatus::Wrong => "wrong",
        LabelStatus::Unreviewed => "unreviewed",
    }
}

fn write_table(
    path: &Path,
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<()> {
    let io = |e: csv::Error| Error::io(path, e.into());
    let mut out = csv::Writer::from_writer(AtomicFile::create(path)?);
    out.write_record(header).map_err(io)?;
    for row in rows {
        out.write_record(&row).map_err(io)?;
    }
    let file = out
        .into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?;
    file.commit()
}
