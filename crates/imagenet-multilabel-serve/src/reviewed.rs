//! The review store as the handlers see it: typed pairs in, JSON out. The store itself (SQLite,
//! WAL, `synchronous=FULL`, versioned migrations) is `imagenet-multilabel-reviews`'.

use std::collections::{HashMap, HashSet};

use axum::http::StatusCode;
use imagenet_multilabel::{ClassId, ImageId};
use imagenet_multilabel_reviews::{NewReview, Review, Store};
use serde_json::{json, Value};

use crate::api::ApiError;

pub use imagenet_multilabel_reviews::Decision;

/// Where one (image, label) pair stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Enough agreeing live reviews.
    Done(Decision),
    /// Reviewed, all agreeing, but fewer than required.
    Pending(u32),
    /// Reviewers disagree: live reviews of each decision.
    Disagreement {
        /// Reviews saying correct.
        correct: u32,
        /// Reviews saying wrong.
        wrong: u32,
        /// Reviews saying unclear.
        unclear: u32,
    },
}

/// Every reviewed pair's outcome.
pub type Outcomes = HashMap<(ImageId, ClassId), Outcome>;

/// `correct`, `wrong` or `unclear`.
pub fn parse_decision(text: &str) -> Option<Decision> {
    match text {
        "correct" => Some(Decision::Correct),
        "wrong" => Some(Decision::Wrong),
        "unclear" => Some(Decision::Unclear),
        _ => None,
    }
}

fn decision_name(d: Decision) -> &'static str {
    match d {
        Decision::Correct => "correct",
        Decision::Wrong => "wrong",
        Decision::Unclear => "unclear",
    }
}

/// The outcome of every pair with a live review, `required` agreeing reviews settling one.
pub fn outcomes(store: &Store, required: u32) -> Result<Outcomes, String> {
    let mut counts: HashMap<(ImageId, ClassId), [u32; 3]> = HashMap::new();
    for r in store.reviews().map_err(|e| e.to_string())? {
        let (Some(image), Some(label)) = (ImageId::from_file_name(&r.file_name), ClassId::from_wnid(&r.label)) else {
            continue;
        };
        if r.undone {
            continue;
        }
        let slot = match r.decision {
            Decision::Correct => 0,
            Decision::Wrong => 1,
            Decision::Unclear => 2,
        };
        counts.entry((image, label)).or_default()[slot] += 1;
    }
    Ok(counts
        .into_iter()
        .filter(|(_, c)| c.iter().sum::<u32>() > 0)
        .map(|(pair, [correct, wrong, unclear])| {
            let outcome = match [correct, wrong, unclear] {
                [n, 0, 0] if n >= required => Outcome::Done(Decision::Correct),
                [0, n, 0] if n >= required => Outcome::Done(Decision::Wrong),
                [0, 0, n] if n >= required => Outcome::Done(Decision::Unclear),
                [n, 0, 0] | [0, n, 0] | [0, 0, n] => Outcome::Pending(n),
                _ => Outcome::Disagreement { correct, wrong, unclear },
            };
            (pair, outcome)
        })
        .collect())
}

/// The pairs `reviewer` has a live review of.
pub fn reviewed_by(store: &Store, reviewer: &str) -> Result<HashSet<(ImageId, ClassId)>, String> {
    let all = store.reviews().map_err(|e| e.to_string())?;
    Ok(all
        .iter()
        .filter(|r| !r.undone && r.reviewer == reviewer)
        .filter_map(|r| Some((ImageId::from_file_name(&r.file_name)?, ClassId::from_wnid(&r.label)?)))
        .collect())
}

/// An outcome as JSON: `{"state": "done"|"pending"|"disagreement", …}`; `null` for none.
pub fn outcome_json(outcome: Option<&Outcome>) -> Value {
    match outcome {
        None => Value::Null,
        Some(Outcome::Done(d)) => json!({ "state": "done", "decision": decision_name(*d) }),
        Some(Outcome::Pending(n)) => json!({ "state": "pending", "reviews": n }),
        Some(Outcome::Disagreement { correct, wrong, unclear }) => json!({
            "state": "disagreement", "correct": correct, "wrong": wrong, "unclear": unclear,
        }),
    }
}

/// A stored review as JSON (the fields of `POST /api/reviews`, plus id, time and undone).
pub fn review_json(r: &Review) -> Value {
    json!({
        "id": r.id,
        "file_name": r.file_name,
        "label": r.label,
        "name": ClassId::from_wnid(&r.label).map(|c| c.info().clean_name),
        "decision": decision_name(r.decision),
        "reviewer": r.reviewer,
        "model": r.model,
        "created_at": r.created_at,
        "undone": r.undone,
    })
}

/// Stores one review; its JSON.
pub fn add(
    store: &Store,
    image: ImageId,
    label: ClassId,
    decision: Decision,
    reviewer: String,
    model: Option<String>,
) -> Result<Value, String> {
    let review = store
        .add(NewReview {
            file_name: image.file_name(),
            label: label.wnid().to_owned(),
            decision,
            reviewer,
            model,
        })
        .map_err(|e| e.to_string())?;
    Ok(review_json(&review))
}

/// Undoes review `id` of `reviewer`; its JSON.
pub fn undo(store: &Store, id: i64, reviewer: &str) -> Result<Value, ApiError> {
    store
        .undo(id, reviewer)
        .map(|r| review_json(&r))
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.to_string()))
}
