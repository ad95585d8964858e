//! CSV / TSV predictions with a header row: a file-name column and one or more prediction
//! columns in rank order, each cell a class id (0..=999) or a wnid (`n01440764`).
//!
//! The file-name column is the first header among [`NAME_COLUMNS`] (case-insensitive). The
//! prediction columns are the numbered ones (`top1`…`top5`, `pred_1`…, `prediction_0`…, ranked
//! by their number), else the one unnumbered `prediction`-like column, else — in a two-column
//! file — the column beside the names, unless its header names the ground truth
//! ([`GROUND_TRUTH_COLUMNS`]: `label`, `target`, …), which is never taken as a prediction.

use std::path::Path;

use super::{image_from_name, push_slot, strip_bom, Collector, Ids, Predictions, Slot, MAX_K};
use crate::error::{Error, Result};

/// Headers accepted for the file-name column, case-insensitive.
pub const NAME_COLUMNS: [&str; 6] = ["file_name", "filename", "file", "image", "path", "name"];

/// Header stems (before an optional rank number) accepted for prediction columns,
/// case-insensitive, most specific first. `label` is not one: in a dataset export it is the
/// ground truth, and grading it gives a perfect "model".
pub const PREDICTION_COLUMNS: [&str; 9] = [
    "prediction",
    "predictions",
    "predicted",
    "predicted_class",
    "predicted_label",
    "pred",
    "top",
    "class",
    "class_id",
];

/// Headers (case-insensitive) that name the ground truth: never taken as the prediction,
/// not even as the only column beside the file names.
pub const GROUND_TRUTH_COLUMNS: [&str; 9] = [
    "label",
    "labels",
    "label_id",
    "true_label",
    "original_label",
    "ground_truth",
    "gt",
    "target",
    "y_true",
];

/// Reads predictions from the delimited text file at `path` (`delimiter` `b','` or `b'\t'`).
pub(crate) fn load(path: &Path, delimiter: u8, ids: &Ids) -> Result<Predictions> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .from_reader(strip_bom(&bytes));
    let headers = reader
        .headers()
        .map_err(|e| csv_error(path, &e))?
        .iter()
        .map(str::to_string)
        .collect::<Vec<_>>();
    if headers.iter().all(|h| h.is_empty()) {
        return Err(Error::invalid(
            path,
            "line 1",
            "the file is empty: expected a header row such as file_name,prediction",
        ));
    }
    let (name_col, rank_cols) = columns(&headers).map_err(|m| {
        let sep = if delimiter == b'\t' { "\\t" } else { "," };
        Error::invalid(
            path,
            "line 1 (header)",
            format!("{m}; the header is {:?} split on {sep:?}", headers),
        )
    })?;
    let k = rank_cols.len().min(MAX_K);
    let mut collector = Collector::new(path, k, false);
    let mut ranked: Vec<Slot> = Vec::with_capacity(rank_cols.len());
    let mut record = csv::StringRecord::new();
    let mut rows = 0usize;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(path, &e)),
        }
        let line = record.position().map_or(0, |p| p.line());
        let at = format!("line {line}");
        let name = record.get(name_col).unwrap_or_default();
        let image = image_from_name(name).map_err(|m| Error::invalid(path, &at, m))?;
        ranked.clear();
        for &col in &rank_cols {
            let cell = record.get(col).unwrap_or_default();
            ids.slot_from_text(cell)
                .and_then(|slot| push_slot(&mut ranked, slot))
                .map_err(|m| Error::invalid(path, format!("{at}, column {:?}", headers[col]), m))?;
        }
        if let Err(first) = collector.insert(image, &ranked, line as u32) {
            return Err(Error::invalid(
                path,
                &at,
                format!("duplicate file name {image}: lines {first} and {line} both name it"),
            ));
        }
        rows += 1;
    }
    if rows == 0 {
        return Err(Error::invalid(
            path,
            "line 2",
            "the file has a header but no predictions",
        ));
    }
    Ok(collector.finish())
}

/// The file-name column and the prediction columns in rank order, or what is missing.
fn columns(headers: &[String]) -> Result<(usize, Vec<usize>), String> {
    let lower: Vec<String> = headers.iter().map(|h| h.to_ascii_lowercase()).collect();
    let name_col = lower
        .iter()
        .position(|h| NAME_COLUMNS.contains(&h.as_str()))
        .ok_or_else(|| {
            format!(
                "no file-name column: expected a header named one of {}",
                NAME_COLUMNS.join(", ")
            )
        })?;
    let mut numbered: Vec<(u32, usize)> = Vec::new();
    let mut unnumbered: Vec<(usize, usize)> = Vec::new();
    for (col, header) in lower.iter().enumerate() {
        if col == name_col {
            continue;
        }
        let stem = header.trim_end_matches(|c: char| c.is_ascii_digit());
        let number = &header[stem.len()..];
        let stem = stem.trim_end_matches(['_', '-', ' ', '@']);
        let Some(priority) = PREDICTION_COLUMNS.iter().position(|p| *p == stem) else {
            continue;
        };
        match number.parse::<u32>() {
            Ok(n) => numbered.push((n, col)),
            Err(_) if number.is_empty() => unnumbered.push((priority, col)),
            Err(_) => {}
        }
    }
    if !numbered.is_empty() {
        numbered.sort();
        if let Some(pair) = numbered.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(format!(
                "columns {:?} and {:?} claim the same rank",
                headers[pair[0].1], headers[pair[1].1]
            ));
        }
        return Ok((name_col, numbered.into_iter().map(|(_, c)| c).collect()));
    }
    if let Some(&(_, col)) = unnumbered.iter().min() {
        return Ok((name_col, vec![col]));
    }
    let expected = format!(
        "expected a column named prediction (or pred, class), or ranked columns top1, top2, … \
         (or pred_1, pred_2, …) beside {:?}",
        headers[name_col]
    );
    if let Some(col) = (0..headers.len())
        .find(|&c| c != name_col && GROUND_TRUTH_COLUMNS.contains(&lower[c].as_str()))
    {
        return Err(format!(
            "no prediction column: {:?} names the ground truth, which is never graded as a \
             prediction (it would score as a perfect model); {expected}",
            headers[col]
        ));
    }
    if headers.len() == 2 {
        return Ok((name_col, vec![1 - name_col]));
    }
    Err(format!("no prediction column: {expected}"))
}

/// A CSV parse error as an [`Error::Invalid`] naming its line.
fn csv_error(path: &Path, error: &csv::Error) -> Error {
    let at = match error.position() {
        Some(p) => format!("line {}", p.line()),
        None => "file".to_string(),
    };
    let message = match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "the text is not UTF-8".to_string(),
        _ => error.to_string(),
    };
    Error::invalid(path, at, message)
}
