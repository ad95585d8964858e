//! `imagenet-multilabel serve`: a local web app over the dataset — browse the images with
//! their labels, look at a model's mistakes, review the (image, predicted label) pairs no
//! expert ever judged, and keep the reviews in SQLite for `reviews export`.
//!
//! The pages ([`pages`]) are small HTML shells whose vanilla JavaScript reads the JSON API
//! ([`api`], documented in docs/SERVE-API.md), so every page's data is also scriptable.
//! Grading is the core's ([`imagenet_multilabel::metrics::evaluate`], once per model at
//! start); reviews go to the store of `imagenet-multilabel-reviews`. [`security`] holds the
//! rules every request passes (loopback Host, token, JSON-only same-origin writes).

pub mod api;
pub mod images;
pub mod pages;
pub mod reviewed;
pub mod security;
pub mod state;

use std::sync::Arc;

use axum::middleware;
use axum::routing::{get, post};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;

pub use state::{Config, StartError, State};

/// The default port.
pub const DEFAULT_PORT: u16 = 8377;

/// The whole app: pages, assets and API, behind the security rules and the body limit.
pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/", get(pages::browse))
        .route("/image/{file_name}", get(pages::image))
        .route("/model/{name}", get(pages::model))
        .route("/review", get(pages::review))
        .route("/assets/{name}", get(pages::asset))
        .route("/api/images", get(api::images))
        .route("/api/image/{file_name}", get(api::image))
        .route("/img/{file_name}", get(api::img))
        .route("/api/models", get(api::models))
        .route("/api/model/{name}", get(api::model))
        .route("/api/queue", get(api::queue))
        .route(
            "/api/reviews",
            get(api::list_reviews).post(api::post_review),
        )
        .route("/api/reviews/{id}/undo", post(api::undo))
        .route("/api/disagreements", get(api::disagreements))
        .fallback(api::not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::guard,
        ))
        .layer(RequestBodyLimitLayer::new(api::MAX_BODY))
        .layer(CatchPanicLayer::custom(|_| {
            api::ApiError::internal_response(
                "the server failed on this request (a bug: please report it)",
            )
        }))
        .with_state(state)
}

/// Serves `state` on `listener` until the process is stopped (Ctrl-C ends it cleanly).
pub async fn serve(listener: tokio::net::TcpListener, state: Arc<State>) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

/// Serves on a new multi-threaded runtime, blocking until the server stops; `ready` is called
/// with the bound address once the port is open.
pub fn run(
    state: State,
    listener: std::net::TcpListener,
    ready: impl FnOnce(std::net::SocketAddr),
) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        ready(listener.local_addr()?);
        serve(listener, Arc::new(state)).await
    })
}
