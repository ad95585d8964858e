//! The JSON API (docs/SERVE-API.md), which the pages use too. Every answer is JSON, errors
//! included (`{"error": "…"}` with a 4xx status that says whose fault it is); bad input never
//! reaches a panic or a 500.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State as AxumState};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use imagenet_multilabel::{ClassId, ImageId, LabelStatus, Record};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::images::THUMBNAIL_SIDES;
use crate::reviewed::{self, Outcome, Outcomes};
use crate::state::{Model, State};

/// Largest request body accepted (a review is ~200 bytes).
pub const MAX_BODY: usize = 16 * 1024;
/// Images per page of `/api/images` unless `per_page` says otherwise.
pub const PER_PAGE: u32 = 100;
/// Example images of the candidate class shown with a queued pair.
const EXAMPLES: usize = 4;

type Shared = AxumState<Arc<State>>;
type QueryParams = Result<Query<Vec<(String, String)>>, QueryRejection>;

/// An error answer: a status and a message for a person.
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// What was wrong, and what was expected.
    pub message: String,
}

impl ApiError {
    /// An error with this status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }

    fn bad(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// A 500 answer, for the panic catcher.
    pub fn internal_response(message: &str) -> Response {
        ApiError::internal(message).into_response()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// The query parameters of one request, checked against the ones the endpoint knows.
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(query: QueryParams, known: &[&str]) -> ApiResult<Params> {
        let Query(pairs) = query.map_err(|e| ApiError::bad(format!("bad query string: {e}")))?;
        for (key, _) in &pairs {
            if key != "token" && !known.contains(&key.as_str()) {
                return Err(ApiError::bad(format!(
                    "unknown parameter {key:?}; this endpoint takes {}",
                    known.join(", ")
                )));
            }
        }
        Ok(Params(pairs))
    }

    /// The value of `key`; an empty value counts as absent (a form's empty field).
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    fn flag(&self, key: &str) -> ApiResult<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some("true" | "1" | "yes") => Ok(Some(true)),
            Some("false" | "0" | "no") => Ok(Some(false)),
            Some(v) => Err(ApiError::bad(format!(
                "{key}={v:?}: expected true or false"
            ))),
        }
    }

    fn number(
        &self,
        key: &str,
        range: std::ops::RangeInclusive<u32>,
        default: u32,
    ) -> ApiResult<u32> {
        let Some(v) = self.get(key) else {
            return Ok(default);
        };
        v.parse::<u32>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                ApiError::bad(format!(
                    "{key}={v:?}: expected a whole number from {} to {}",
                    range.start(),
                    range.end()
                ))
            })
    }
}

/// The image a request names, by its exact validation file name.
fn image_of(name: Result<Path<String>, PathRejection>) -> ApiResult<ImageId> {
    let Path(name) = name.map_err(|e| ApiError::bad(format!("bad path: {e}")))?;
    ImageId::from_file_name(&name).ok_or_else(|| {
        ApiError::bad(format!(
            "{name:?} is not a validation image name: expected ILSVRC2012_val_NNNNNNNN.JPEG with NNNNNNNN from 00000001 to 00050000"
        ))
    })
}

fn record_of(state: &State, image: ImageId) -> ApiResult<&Record> {
    state
        .annotations
        .get(image)
        .ok_or_else(|| ApiError::not_found(format!("{image} is not an annotated image")))
}

fn model_of<'a>(state: &'a State, name: &str) -> ApiResult<&'a Model> {
    state.model(name).ok_or_else(|| {
        let loaded: Vec<&str> = state.models.iter().map(|m| m.name.as_str()).collect();
        ApiError::not_found(format!(
            "no model named {name:?}; loaded: {}",
            if loaded.is_empty() {
                "none".to_string()
            } else {
                loaded.join(", ")
            }
        ))
    })
}

/// A class by id (0–999), wnid, or name (any of its names, any case).
pub fn resolve_class(text: &str) -> Option<ClassId> {
    let text = text.trim();
    if let Ok(id) = text.parse::<i64>() {
        return ClassId::new(id);
    }
    if let Some(c) = ClassId::from_wnid(text) {
        return Some(c);
    }
    ClassId::all().find(|c| {
        let info = c.info();
        info.clean_name.eq_ignore_ascii_case(text)
            || info
                .synonyms
                .split(", ")
                .any(|s| s.eq_ignore_ascii_case(text))
    })
}

fn label(c: ClassId) -> Value {
    json!({ "id": c.index(), "wnid": c.wnid(), "name": c.info().clean_name })
}

fn label_with_gloss(state: &State, c: ClassId) -> Value {
    json!({
        "id": c.index(),
        "wnid": c.wnid(),
        "name": c.info().clean_name,
        "synonyms": c.info().synonyms,
        "gloss": state.glosses[c.index()],
    })
}

fn labels(list: &[ClassId]) -> Vec<Value> {
    list.iter().map(|&c| label(c)).collect()
}

fn image_brief(record: &Record) -> Value {
    json!({
        "file_name": record.image().file_name(),
        "number": record.image().number(),
        "original": label(record.original()),
        "correct": labels(record.correct()),
        "wrong": labels(record.wrong()),
        "unclear": labels(record.unclear()),
        "problematic": record.problematic(),
        "imagenet_m": record.imagenet_m(),
    })
}

/// The store's verdicts, read on a blocking thread.
async fn outcomes(state: &Arc<State>) -> ApiResult<Arc<Outcomes>> {
    let s = state.clone();
    tokio::task::spawn_blocking(move || s.outcomes.get(&s.store, s.required))
        .await
        .map_err(|e| ApiError::internal(format!("reading the reviews: {e}")))?
        .map_err(|e| ApiError::internal(format!("reading the reviews: {e}")))
}

/// Runs a blocking job (a file read, a database call) off the async threads.
async fn blocking<T: Send + 'static>(
    job: impl FnOnce() -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(job)
        .await
        .map_err(|e| ApiError::internal(format!("the request's worker failed: {e}")))?
}

/// `GET /api/images`: the annotated images that pass the filters, a page at a time.
pub async fn images(AxumState(state): Shared, query: QueryParams) -> ApiResult<Json<Value>> {
    let p = Params::parse(
        query,
        &[
            "class",
            "problematic",
            "imagenet_m",
            "multilabel",
            "missed_by",
            "unreviewed",
            "page",
            "per_page",
        ],
    )?;
    let class = match p.get("class") {
        Some(text) => Some(resolve_class(text).ok_or_else(|| {
            ApiError::bad(format!("class={text:?}: no such class; give an id 0–999, a wnid (n01440764) or a name (tench)"))
        })?),
        None => None,
    };
    let problematic = p.flag("problematic")?;
    let imagenet_m = p.flag("imagenet_m")?;
    let multilabel = p.flag("multilabel")?;
    let missed_by = match p.get("missed_by") {
        Some(name) => Some(model_of(&state, name)?),
        None => None,
    };
    let unreviewed = p.flag("unreviewed")?;
    let per_page = p.number("per_page", 1..=500, PER_PAGE)?;
    let page = p.number("page", 1..=u32::MAX, 1)?;
    // Images with a pending unreviewed pair, only when that filter is asked for.
    let pending: Option<std::collections::HashSet<ImageId>> = match unreviewed {
        Some(_) => {
            let outcomes = outcomes(&state).await?;
            Some(
                state
                    .unreviewed_pairs(None)
                    .into_iter()
                    .filter(|(i, l, _)| !matches!(outcomes.get(&(*i, *l)), Some(Outcome::Done(_))))
                    .map(|(i, _, _)| i)
                    .collect(),
            )
        }
        None => None,
    };
    let is = |want: Option<bool>, have: bool| want.is_none_or(|w| w == have);
    let matching: Vec<&Record> = state
        .annotations
        .records()
        .iter()
        .filter(|r| {
            class.is_none_or(|c| r.original() == c || r.correct().contains(&c))
                && is(problematic, r.problematic())
                && is(imagenet_m, r.imagenet_m())
                && is(multilabel, r.correct().len() > 1)
                && missed_by.is_none_or(|m| m.mistake(r.image()).is_some())
                && is(
                    unreviewed,
                    pending.as_ref().is_some_and(|s| s.contains(&r.image())),
                )
        })
        .collect();
    let total = matching.len();
    let pages = total.div_ceil(per_page as usize).max(1);
    let start = (page as usize - 1).saturating_mul(per_page as usize);
    let shown: Vec<Value> = matching
        .iter()
        .skip(start)
        .take(per_page as usize)
        .map(|r| image_brief(r))
        .collect();
    Ok(Json(json!({
        "total": total,
        "page": page,
        "per_page": per_page,
        "pages": pages,
        "images": shown,
    })))
}

/// `GET /api/image/{file_name}`: one image's labels with glosses, each model's top 5 and
/// the reviews recorded for it.
pub async fn image(
    AxumState(state): Shared,
    name: Result<Path<String>, PathRejection>,
) -> ApiResult<Json<Value>> {
    let image = image_of(name)?;
    let record = record_of(&state, image)?;
    let outcomes = outcomes(&state).await?;
    let s = state.clone();
    let reviews = blocking(move || {
        s.store
            .reviews_for(&image.file_name())
            .map_err(|e| ApiError::internal(format!("reading the reviews: {e}")))
    })
    .await?;
    let with_gloss = |list: &[ClassId]| -> Vec<Value> {
        list.iter().map(|&c| label_with_gloss(&state, c)).collect()
    };
    let models: Vec<Value> = state
        .models
        .iter()
        .map(|m| {
            let top5: Vec<Value> = m
                .predictions
                .ranking(image)
                .map(|r| {
                    r.top(5)
                        .iter()
                        .map(|&c| {
                            let mut v = label(c);
                            v["status"] = json!(record.status(c).name());
                            v["review"] = reviewed::outcome_json(outcomes.get(&(image, c)));
                            v
                        })
                        .collect()
                })
                .unwrap_or_default();
            let mistake = m
                .mistake(image)
                .map(|k| json!({ "kind": mistake_kind(k), "severity": k.severity }));
            json!({ "name": m.name, "top5": top5, "mistake": mistake })
        })
        .collect();
    let mut value = image_brief(record);
    value["original"] = label_with_gloss(&state, record.original());
    value["correct"] = json!(with_gloss(record.correct()));
    value["wrong"] = json!(with_gloss(record.wrong()));
    value["unclear"] = json!(with_gloss(record.unclear()));
    value["in_source"] = json!(state.images.has(image));
    value["models"] = json!(models);
    value["reviews"] = json!(reviews
        .iter()
        .map(reviewed::review_json)
        .collect::<Vec<_>>());
    Ok(Json(value))
}

/// `GET /img/{file_name}[?size=N]`: the original JPEG, or a thumbnail fitting N×N pixels.
pub async fn img(
    AxumState(state): Shared,
    name: Result<Path<String>, PathRejection>,
    query: QueryParams,
) -> ApiResult<Response> {
    let image = image_of(name)?;
    let p = Params::parse(query, &["size"])?;
    let size = match p.get("size") {
        Some(_) => Some(p.number("size", THUMBNAIL_SIDES, 0)?),
        None => None,
    };
    let s = state.clone();
    let bytes = blocking(move || {
        let read = match size {
            Some(side) => s.images.thumbnail(image, side),
            None => s.images.jpeg(image),
        };
        read.map_err(|e| ApiError::internal(format!("reading {image}: {e}")))
    })
    .await?
    .ok_or_else(|| {
        ApiError::not_found(format!(
            "{image} is not in {}",
            state.images.source().display()
        ))
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, max-age=86400"),
        ],
        bytes,
    )
        .into_response())
}

fn mistake_kind(m: &imagenet_multilabel::metrics::Mistake) -> &'static str {
    match (m.prediction, m.status) {
        (None, _) => "background",
        (Some(_), LabelStatus::Unreviewed) => "unreviewed",
        _ => "wrong",
    }
}

fn model_summary(m: &Model, pending: usize) -> Value {
    json!({
        "name": m.name,
        "predictions": m.report.predictions,
        "report": &m.report,
        "unreviewed_pending": pending,
    })
}

fn pending_count(model: &Model, outcomes: &Outcomes) -> usize {
    model
        .unreviewed()
        .filter(|p| !matches!(outcomes.get(p), Some(Outcome::Done(_))))
        .count()
}

/// `GET /api/models`: every loaded model's figures (the `eval --json` fields).
pub async fn models(AxumState(state): Shared) -> ApiResult<Json<Value>> {
    let outcomes = outcomes(&state).await?;
    let list: Vec<Value> = state
        .models
        .iter()
        .map(|m| model_summary(m, pending_count(m, &outcomes)))
        .collect();
    Ok(Json(json!({
        "annotations": imagenet_multilabel::metrics::output::source_json(state.annotations.source()),
        "required_agreement": state.required,
        "models": list,
    })))
}

/// `GET /api/model/{name}`: one model's figures and its mistakes by kind, then severity.
pub async fn model(
    AxumState(state): Shared,
    name: Result<Path<String>, PathRejection>,
    query: QueryParams,
) -> ApiResult<Json<Value>> {
    let Path(name) = name.map_err(|e| ApiError::bad(format!("bad path: {e}")))?;
    let model = model_of(&state, &name)?;
    let p = Params::parse(query, &["kind", "page", "per_page"])?;
    let kind = p.get("kind");
    if let Some(k) = kind {
        if !["wrong", "unreviewed", "background"].contains(&k) {
            return Err(ApiError::bad(format!(
                "kind={k:?}: expected wrong, unreviewed or background"
            )));
        }
    }
    let per_page = p.number("per_page", 1..=500, PER_PAGE)?;
    let page = p.number("page", 1..=u32::MAX, 1)?;
    let outcomes = outcomes(&state).await?;
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut mistakes: Vec<_> = model
        .report
        .mistakes
        .iter()
        .filter(|m| !m.problematic)
        .collect();
    for m in &mistakes {
        *counts.entry(mistake_kind(m)).or_default() += 1;
    }
    let rank = |k: &str| {
        ["wrong", "unreviewed", "background"]
            .iter()
            .position(|x| *x == k)
    };
    mistakes.retain(|m| kind.is_none_or(|k| mistake_kind(m) == k));
    // Worst first: by kind, then severity (highest LCA first), then image number.
    mistakes.sort_by_key(|m| {
        (
            rank(mistake_kind(m)),
            std::cmp::Reverse(m.severity),
            m.image,
        )
    });
    let total = mistakes.len();
    let items: Vec<Value> = mistakes
        .iter()
        .skip((page as usize - 1).saturating_mul(per_page as usize))
        .take(per_page as usize)
        .map(|m| {
            json!({
                "file_name": m.image.file_name(),
                "original": label(m.original),
                "prediction": m.prediction.map(label),
                "kind": mistake_kind(m),
                "severity": m.severity,
                "imagenet_m": m.imagenet_m,
                "review": m.prediction.map_or(Value::Null, |p| reviewed::outcome_json(outcomes.get(&(m.image, p)))),
            })
        })
        .collect();
    let mut value = model_summary(model, pending_count(model, &outcomes));
    value["mistake_counts"] = json!(counts);
    value["mistakes"] = json!({
        "total": total,
        "page": page,
        "per_page": per_page,
        "pages": total.div_ceil(per_page as usize).max(1),
        "items": items,
    });
    Ok(Json(value))
}

/// `GET /api/queue?model=NAME&reviewer=R&limit=N`: the next unreviewed pairs.
pub async fn queue(AxumState(state): Shared, query: QueryParams) -> ApiResult<Json<Value>> {
    let p = Params::parse(query, &["model", "reviewer", "limit"])?;
    let only = match p.get("model") {
        Some(name) => Some(model_of(&state, name)?),
        None => None,
    };
    let reviewer = p
        .get("reviewer")
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    let limit = p.number("limit", 1..=100, 10)? as usize;
    let outcomes = outcomes(&state).await?;
    let mine = match &reviewer {
        Some(r) => {
            let (s, r) = (state.clone(), r.clone());
            blocking(move || reviewed::reviewed_by(&s.store, &r).map_err(ApiError::internal))
                .await?
        }
        None => Default::default(),
    };
    let open: Vec<_> = state
        .unreviewed_pairs(only)
        .into_iter()
        .filter(|(i, l, _)| {
            !matches!(outcomes.get(&(*i, *l)), Some(Outcome::Done(_))) && !mine.contains(&(*i, *l))
        })
        .collect();
    let pairs: Vec<Value> = open
        .iter()
        .take(limit)
        .filter_map(|&(image, candidate, model)| {
            let record = state.annotations.get(image)?;
            let examples: Vec<String> = state.examples[candidate.index()]
                .iter()
                .take(EXAMPLES)
                .map(|i| i.file_name())
                .collect();
            Some(json!({
                "file_name": image.file_name(),
                "label": candidate.wnid(),
                "candidate": label_with_gloss(&state, candidate),
                "model": model,
                "original": label_with_gloss(&state, record.original()),
                "correct": labels(record.correct()),
                "wrong": labels(record.wrong()),
                "unclear": labels(record.unclear()),
                "examples": examples,
                "review": reviewed::outcome_json(outcomes.get(&(image, candidate))),
            }))
        })
        .collect();
    Ok(Json(json!({
        "model": only.map(|m| m.name.as_str()),
        "remaining": open.len(),
        "required_agreement": state.required,
        "pairs": pairs,
    })))
}

/// The body of `POST /api/reviews`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PostedReview {
    file_name: String,
    label: String,
    decision: String,
    reviewer: String,
    #[serde(default)]
    model: Option<String>,
}

fn json_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> ApiResult<T> {
    serde_json::from_slice(body).map_err(|e| ApiError::bad(format!("bad JSON body: {e}")))
}

fn reviewer_of(text: &str) -> ApiResult<String> {
    let r = text.trim();
    if r.is_empty() || r.chars().count() > 64 || r.chars().any(char::is_control) {
        return Err(ApiError::bad(format!(
            "reviewer {text:?}: expected a name of 1 to 64 characters"
        )));
    }
    Ok(r.to_owned())
}

/// `POST /api/reviews`: records one review; 201 and the stored review.
pub async fn post_review(AxumState(state): Shared, body: Bytes) -> ApiResult<Response> {
    let posted: PostedReview = json_body(&body)?;
    let image = ImageId::from_file_name(&posted.file_name).ok_or_else(|| {
        ApiError::bad(format!(
            "file_name {:?}: expected ILSVRC2012_val_NNNNNNNN.JPEG (00000001 to 00050000)",
            posted.file_name
        ))
    })?;
    let record = state
        .annotations
        .get(image)
        .ok_or_else(|| ApiError::bad(format!("file_name {image}: not an annotated image")))?;
    let label = ClassId::from_wnid(&posted.label).ok_or_else(|| {
        ApiError::bad(format!(
            "label {:?}: expected the wnid of one of the 1000 classes (n01440764)",
            posted.label
        ))
    })?;
    let decision = reviewed::parse_decision(&posted.decision).ok_or_else(|| {
        ApiError::bad(format!(
            "decision {:?}: expected correct, wrong or unclear",
            posted.decision
        ))
    })?;
    let reviewer = reviewer_of(&posted.reviewer)?;
    if let Some(m) = &posted.model {
        if m.chars().count() > 128 || m.chars().any(char::is_control) {
            return Err(ApiError::bad(
                "model: expected a name of at most 128 characters",
            ));
        }
    }
    let status = record.status(label);
    if status != LabelStatus::Unreviewed {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "the experts already judged {} ({}) {} for {image}; community reviews cannot override an expert decision",
                label.wnid(),
                label.info().clean_name,
                status.name()
            ),
        ));
    }
    let s = state.clone();
    let stored = blocking(move || {
        let stored = reviewed::add(&s.store, image, label, decision, reviewer, posted.model)
            .map_err(|e| ApiError::internal(format!("storing the review: {e}")));
        s.outcomes.invalidate();
        stored
    })
    .await?;
    Ok((StatusCode::CREATED, Json(stored)).into_response())
}

/// The body of `POST /api/reviews/{id}/undo`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Undo {
    reviewer: String,
}

/// `POST /api/reviews/{id}/undo`: marks the reviewer's own review undone (kept in the history).
pub async fn undo(
    AxumState(state): Shared,
    id: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let Path(id) = id.map_err(|e| ApiError::bad(format!("bad path: {e}")))?;
    let id: i64 = id.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
        ApiError::bad(format!(
            "review id {id:?}: expected a positive whole number"
        ))
    })?;
    let Undo { reviewer } = json_body(&body)?;
    let reviewer = reviewer_of(&reviewer)?;
    let s = state.clone();
    let undone = blocking(move || {
        let undone = reviewed::undo(&s.store, id, &reviewer);
        s.outcomes.invalidate();
        undone
    })
    .await?;
    Ok(Json(undone))
}

/// `GET /api/reviews[?file_name=F]`: every review (undone ones too), or one image's.
pub async fn list_reviews(AxumState(state): Shared, query: QueryParams) -> ApiResult<Json<Value>> {
    let p = Params::parse(query, &["file_name"])?;
    let image = match p.get("file_name") {
        Some(name) => Some(ImageId::from_file_name(name).ok_or_else(|| {
            ApiError::bad(format!(
                "file_name {name:?}: expected ILSVRC2012_val_NNNNNNNN.JPEG"
            ))
        })?),
        None => None,
    };
    let s = state.clone();
    let list = blocking(move || {
        match image {
            Some(i) => s.store.reviews_for(&i.file_name()),
            None => s.store.reviews(),
        }
        .map_err(|e| ApiError::internal(format!("reading the reviews: {e}")))
    })
    .await?;
    Ok(Json(json!({
        "reviews": list.iter().map(reviewed::review_json).collect::<Vec<_>>(),
    })))
}

/// `GET /api/disagreements`: the pairs whose reviewers disagree.
pub async fn disagreements(AxumState(state): Shared) -> ApiResult<Json<Value>> {
    let outcomes = outcomes(&state).await?;
    let mut list: Vec<Value> = outcomes
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Disagreement { .. }))
        .map(|((image, label_id), o)| {
            json!({
                "file_name": image.file_name(),
                "label": label(*label_id),
                "review": reviewed::outcome_json(Some(o)),
            })
        })
        .collect();
    list.sort_by(|a, b| a["file_name"].as_str().cmp(&b["file_name"].as_str()));
    Ok(Json(json!({ "disagreements": list })))
}

/// Any other path: a JSON 404.
pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("nothing at {}; the pages are /, /review and /model/NAME, the API is under /api/ (docs/SERVE-API.md)", uri.path()))
}
