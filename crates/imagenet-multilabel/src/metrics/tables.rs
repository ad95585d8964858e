//! The report's two tables as CSV, for a spreadsheet or pandas: one row per class, one row
//! per mistake. Written atomically; booleans are `true`/`false`, fractions are the shortest
//! decimal that reads back to the same f64.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use super::{Mistake, Report};
use crate::atomic::AtomicFile;
use crate::error::{Error, Result};

/// One cell of a [`Table`]: typed, so a front end can hand out numbers and booleans, and
/// written to CSV as its [`std::fmt::Display`] (`true`/`false`, the shortest decimal that
/// reads back to the same f64).
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// A count or an id.
    Int(i64),
    /// A fraction.
    Float(f64),
    /// A flag.
    Bool(bool),
    /// A name.
    Text(String),
    /// No value (an empty CSV cell, `None` in Python).
    Empty,
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cell::Int(v) => write!(f, "{v}"),
            Cell::Float(v) => write!(f, "{v}"),
            Cell::Bool(v) => write!(f, "{v}"),
            Cell::Text(v) => f.write_str(v),
            Cell::Empty => Ok(()),
        }
    }
}

/// A table of the report: column names and rows of cells.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The column names (the CSV header).
    pub columns: &'static [&'static str],
    /// The rows, each with one cell per column.
    pub rows: Vec<Vec<Cell>>,
}

/// One row per class, in id order: `id, wnid, name, is_dog, is_organism, graded, correct,
/// accuracy` (`graded`: graded images with a prediction; `correct`: those whose top-1 is in
/// `correct ∪ unclear`; `accuracy = correct / graded`).
pub fn per_class_table(report: &Report) -> Table {
    Table {
        columns: &[
            "id",
            "wnid",
            "name",
            "is_dog",
            "is_organism",
            "graded",
            "correct",
            "accuracy",
        ],
        rows: report
            .per_class
            .iter()
            .map(|row| {
                let info = row.class.info();
                vec![
                    Cell::Int(i64::from(row.class.as_u16())),
                    Cell::Text(info.wnid.to_string()),
                    Cell::Text(info.clean_name.to_string()),
                    Cell::Bool(info.is_dog),
                    Cell::Bool(info.is_organism),
                    Cell::Int(i64::from(row.graded)),
                    Cell::Int(i64::from(row.correct)),
                    Cell::Float(row.accuracy()),
                ]
            })
            .collect(),
    }
}

/// One row per mistake, by image number: `file, original_id, original_name, prediction_id,
/// prediction_name, status, problematic, imagenet_m, severity`. `status` is `wrong` or
/// `unreviewed`; problematic rows are ImageNet-M images (graded there, not in the headline).
/// A background top-1 (1001-output models) is `background` in both prediction columns, with
/// status `wrong` and an empty `severity` (the LCA height of the top-1 and the nearest label
/// in `correct ∪ unclear`, [`crate::hierarchy`]).
pub fn mistakes_table(report: &Report) -> Table {
    Table {
        columns: &[
            "file",
            "original_id",
            "original_name",
            "prediction_id",
            "prediction_name",
            "status",
            "problematic",
            "imagenet_m",
            "severity",
        ],
        rows: report
            .mistakes
            .iter()
            .map(|m: &Mistake| {
                vec![
                    Cell::Text(m.image.file_name()),
                    Cell::Int(i64::from(m.original.as_u16())),
                    Cell::Text(m.original.name().to_string()),
                    m.prediction.map_or_else(
                        || Cell::Text("background".to_string()),
                        |c| Cell::Int(i64::from(c.as_u16())),
                    ),
                    Cell::Text(m.prediction.map_or("background", |c| c.name()).to_string()),
                    Cell::Text(m.status.name().to_string()),
                    Cell::Bool(m.problematic),
                    Cell::Bool(m.imagenet_m),
                    m.severity.map_or(Cell::Empty, |h| Cell::Int(i64::from(h))),
                ]
            })
            .collect(),
    }
}

/// Writes [`per_class_table`] as CSV.
pub fn write_per_class_csv(report: &Report, path: &Path) -> Result<()> {
    write_table(path, &per_class_table(report))
}

/// Writes [`mistakes_table`] as CSV.
pub fn write_mistakes_csv(report: &Report, path: &Path) -> Result<()> {
    write_table(path, &mistakes_table(report))
}

/// Where each model's table goes when one `template` (`classes.csv`) serves several models:
/// `classes.MODEL.csv`, MODEL the predictions file's stem — or, where two stems are the same,
/// the shortest trailing part of the paths that tells them apart (`a/model.npy` and
/// `b/model.npy` give `classes.a-model.csv` and `classes.b-model.csv`), with the extension
/// kept where only it differs. With one model the table goes to `template` itself. The paths
/// returned are distinct.
pub fn per_model_paths(template: &Path, models: &[&Path]) -> Vec<PathBuf> {
    if models.len() <= 1 {
        return models.iter().map(|_| template.to_path_buf()).collect();
    }
    let stem = template.file_stem().unwrap_or_default().to_string_lossy();
    let ext = template
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let labels = distinct_labels(models);
    labels
        .iter()
        .map(|label| template.with_file_name(format!("{stem}.{label}{ext}")))
        .collect()
}

/// Short labels telling `models` apart (see [`per_model_paths`]).
fn distinct_labels(models: &[&Path]) -> Vec<String> {
    let parts: Vec<Vec<String>> = models
        .iter()
        .map(|m| {
            m.components()
                .filter_map(|c| match c {
                    Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
                    _ => None,
                })
                .collect()
        })
        .collect();
    let deepest = parts.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let label = |parts: &[String], n: usize, keep_ext: bool| -> String {
        let start = parts.len().saturating_sub(n);
        let mut chosen: Vec<String> = parts[start..].to_vec();
        if let Some(last) = chosen.last_mut() {
            if !keep_ext {
                if let Some(stem) = Path::new(last.as_str()).file_stem() {
                    *last = stem.to_string_lossy().into_owned();
                }
            }
        }
        chosen.join("-")
    };
    for keep_ext in [false, true] {
        for n in 1..=deepest {
            let labels: Vec<String> = parts.iter().map(|p| label(p, n, keep_ext)).collect();
            let unique: HashSet<&String> = labels.iter().collect();
            if unique.len() == labels.len() && labels.iter().all(|l| !l.is_empty()) {
                return labels;
            }
        }
    }
    // The same path spelt twice, say: number them.
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{}-{}", label(p, 1, false), i + 1))
        .collect()
}

fn write_table(path: &Path, table: &Table) -> Result<()> {
    let io = |e: csv::Error| Error::io(path, e.into());
    let mut out = csv::Writer::from_writer(AtomicFile::create(path)?);
    out.write_record(table.columns).map_err(io)?;
    for row in &table.rows {
        out.write_record(row.iter().map(Cell::to_string))
            .map_err(io)?;
    }
    let file = out
        .into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?;
    file.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(template: &str, models: &[&str]) -> Vec<String> {
        let models: Vec<&Path> = models.iter().map(Path::new).collect();
        per_model_paths(Path::new(template), &models)
            .iter()
            .map(|p| p.display().to_string())
            .collect()
    }

    #[test]
    fn per_model_table_paths_are_distinct() {
        assert_eq!(paths("out/c.csv", &["m.npy"]), ["out/c.csv"]);
        assert_eq!(
            paths("c.csv", &["a/x.npy", "b/y.csv"]),
            ["c.x.csv", "c.y.csv"]
        );
        // Same file name in two folders: the folder tells them apart.
        assert_eq!(
            paths("c.csv", &["a/model.npy", "b/model.npy"]),
            ["c.a-model.csv", "c.b-model.csv"]
        );
        assert_eq!(
            paths(
                "c.csv",
                &["/runs/1/eval/model.npy", "/runs/2/eval/model.npy", "z.npy"]
            ),
            ["c.1-eval-model.csv", "c.2-eval-model.csv", "c.z.csv"]
        );
        // Only the extension differs.
        assert_eq!(
            paths("c.csv", &["a/model.npy", "a/model.csv"]),
            ["c.model.npy.csv", "c.model.csv.csv"]
        );
        // The same path spelt twice.
        assert_eq!(
            paths("c.csv", &["model.npy", "./model.npy"]),
            ["c.model-1.csv", "c.model-2.csv"]
        );
    }
}
