//! Overlays in and out of the store: `export` writes the agreed decisions as an overlay for
//! grading; `import` merges a colleague's overlay as reviews.

use std::collections::HashMap;
use std::path::Path;

use imagenet_multilabel::overlay::{Overlay, OverlayLabel};
use imagenet_multilabel::{Annotations, ImageId};

use crate::store::parse_file_name;
use crate::{Decision, Error, NewReview, Result, Store};

/// The overlay of every pair done with `required` agreeing reviews ([`crate::Decisions`]),
/// stamped with the sha256 of `annotations`. Pending pairs and disagreements are left out.
/// Fails if a done pair's image is not annotated (an overlay only judges annotated images),
/// naming the reviews.
pub fn export(store: &Store, annotations: &Annotations, required: u32) -> Result<Overlay> {
    let decisions = store.decisions(required)?;
    let mut overlay = Overlay::new(&annotations.source().sha256, required);
    for (pair, decision) in decisions.done() {
        let image: ImageId = parse_file_name(&pair.file_name)?;
        if annotations.get(image).is_none() {
            return Err(Error::Invalid(format!(
                "{}: reviews {:?} judge {}, which is not annotated in {}: an overlay only judges annotated images (undo them to export)",
                store.path().display(),
                pair.review_ids,
                pair.file_name,
                annotations.source().path.display()
            )));
        }
        overlay.labels.push(OverlayLabel {
            file_name: pair.file_name.clone(),
            label: pair.label.clone(),
            decision,
            reviewers: pair.reviewers.clone(),
            models: pair.models.clone(),
        });
    }
    overlay.validate(Path::new("export"))?;
    Ok(overlay)
}

/// What [`import`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    /// Decisions in the overlay.
    pub labels: usize,
    /// Reviews added (one per reviewer of each decision).
    pub added: usize,
    /// Reviews already in the store (the same reviewer, pair and decision): importing an
    /// overlay twice adds nothing.
    pub already_present: usize,
    /// Reviews not added because the same reviewer's vote in the store says otherwise
    /// (file name, label, reviewer): a reviewer's own vote here stands.
    pub conflicts: Vec<(String, String, String)>,
}

/// Adds the overlay's decisions to the store as reviews, one per reviewer (with the first
/// model, if any), in one transaction. A reviewer's existing vote on the pair is kept: the
/// same decision is counted as already present, another as a conflict.
pub fn import(store: &Store, overlay: &Overlay) -> Result<ImportSummary> {
    overlay.validate(Path::new("overlay"))?;
    // (file name, label, reviewer) → the reviewer's current vote.
    let mut votes: HashMap<(String, String, String), (i64, Decision)> = HashMap::new();
    for r in store.reviews()?.into_iter().filter(|r| !r.undone) {
        let vote = votes
            .entry((r.file_name, r.label, r.reviewer))
            .or_insert((r.id, r.decision));
        if r.id > vote.0 {
            *vote = (r.id, r.decision);
        }
    }
    let mut summary = ImportSummary {
        labels: overlay.labels.len(),
        ..ImportSummary::default()
    };
    let mut new = Vec::new();
    for entry in &overlay.labels {
        let mut reviewers: Vec<&str> = entry.reviewers.iter().map(|r| r.trim()).collect();
        reviewers.sort_unstable();
        reviewers.dedup();
        for reviewer in reviewers.into_iter().filter(|r| !r.is_empty()) {
            let key = (
                entry.file_name.clone(),
                entry.label.clone(),
                reviewer.to_string(),
            );
            match votes.get(&key) {
                Some((_, d)) if *d == entry.decision => summary.already_present += 1,
                Some(_) => summary.conflicts.push(key),
                None => new.push(NewReview {
                    file_name: entry.file_name.clone(),
                    label: entry.label.clone(),
                    decision: entry.decision,
                    reviewer: reviewer.to_string(),
                    model: entry.models.first().cloned(),
                }),
            }
        }
    }
    summary.added = store.add_all(new)?.len();
    Ok(summary)
}
