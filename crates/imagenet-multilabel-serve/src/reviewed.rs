//! The review store as the handlers see it: typed pairs in, JSON out. The store itself (SQLite,
//! WAL, `synchronous=FULL`, versioned migrations) is `imagenet-multilabel-reviews`'.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use imagenet_multilabel::{ClassId, ImageId};
use imagenet_multilabel_reviews::{Error, NewReview, PairStatus, Review, Store};
use serde_json::{json, Value};

use crate::api::ApiError;

pub use imagenet_multilabel_reviews::Decision;

/// Where one reviewed (image, label) pair stands: the store's own verdict (each reviewer's
/// latest live vote; done when unanimous and at least `--required`).
pub type Outcome = PairStatus;

/// Every reviewed pair's outcome.
pub type Outcomes = HashMap<(ImageId, ClassId), Outcome>;

/// The outcomes, computed once and shared until the reviews change. Working them out scans
/// every review (`Store::decisions`), and most pages need them: without the cache a page's cost
/// grows with the database (0.4 s a page at 70,000 reviews). Writes through this server bump
/// the generation, so its own pages are never stale; reviews written by another process
/// (`reviews import` while serving) show within [`OutcomeCache::MAX_AGE`].
#[derive(Default)]
pub struct OutcomeCache {
    generation: AtomicU64,
    cached: Mutex<Option<(u64, Instant, Arc<Outcomes>)>>,
}

impl OutcomeCache {
    /// How long outcomes are reused when this server wrote nothing.
    pub const MAX_AGE: Duration = Duration::from_secs(1);

    /// Marks the outcomes stale (after a review is added or undone).
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The current outcomes, from the cache when still fresh.
    pub fn get(&self, store: &Store, required: u32) -> Result<Arc<Outcomes>, String> {
        // Read the generation before the store, so a write that lands during the scan
        // leaves an entry that the next call recomputes.
        let generation = self.generation.load(Ordering::SeqCst);
        if let Ok(guard) = self.cached.lock() {
            if let Some((g, at, outcomes)) = guard.as_ref() {
                if *g == generation && at.elapsed() < Self::MAX_AGE {
                    return Ok(outcomes.clone());
                }
            }
        }
        let fresh = Arc::new(outcomes(store, required)?);
        if let Ok(mut guard) = self.cached.lock() {
            *guard = Some((generation, Instant::now(), fresh.clone()));
        }
        Ok(fresh)
    }
}

/// `correct`, `wrong` or `unclear`.
pub fn parse_decision(text: &str) -> Option<Decision> {
    match text {
        "correct" => Some(Decision::Correct),
        "wrong" => Some(Decision::Wrong),
        "unclear" => Some(Decision::Unclear),
        _ => None,
    }
}

/// The outcome of every pair with a live review, `required` agreeing reviews settling one.
pub fn outcomes(store: &Store, required: u32) -> Result<Outcomes, String> {
    let decisions = store.decisions(required).map_err(|e| e.to_string())?;
    Ok(decisions
        .pairs
        .into_iter()
        .filter_map(|p| {
            let image = ImageId::from_file_name(&p.file_name)?;
            let label = ClassId::from_wnid(&p.label)?;
            Some(((image, label), p.status))
        })
        .collect())
}

/// The pairs `reviewer` has a live review of.
pub fn reviewed_by(store: &Store, reviewer: &str) -> Result<HashSet<(ImageId, ClassId)>, String> {
    let all = store.reviews().map_err(|e| e.to_string())?;
    Ok(all
        .iter()
        .filter(|r| !r.undone && r.reviewer == reviewer)
        .filter_map(|r| {
            Some((
                ImageId::from_file_name(&r.file_name)?,
                ClassId::from_wnid(&r.label)?,
            ))
        })
        .collect())
}

/// An outcome as JSON: `{"state": "done"|"pending"|"disagreement", …}`; `null` for none.
pub fn outcome_json(outcome: Option<&Outcome>) -> Value {
    match outcome {
        None => Value::Null,
        Some(Outcome::Done(d)) => json!({ "state": "done", "decision": d.as_str() }),
        Some(Outcome::Pending(n)) => json!({ "state": "pending", "reviews": n }),
        Some(Outcome::Disagreement {
            correct,
            wrong,
            unclear,
        }) => json!({
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
        "decision": r.decision.as_str(),
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
        .map_err(|e| ApiError::new(status_of(&e), e.to_string()))
}

/// The HTTP status of a store error: the request's fault (4xx) or the server's (500).
fn status_of(e: &Error) -> StatusCode {
    match e {
        Error::Invalid(_) => StatusCode::BAD_REQUEST,
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::Forbidden(_) => StatusCode::FORBIDDEN,
        Error::Conflict(_) => StatusCode::CONFLICT,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}
