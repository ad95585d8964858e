//! The four pages: the same small HTML shell each time, whose script (`assets/app.js`) fills
//! it from the JSON API. The shell names the page and its subject in `data-` attributes; the
//! subject is only ever text the router already matched, and is HTML-escaped.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

const APP_JS: &str = include_str!("assets/app.js");
const STYLE_CSS: &str = include_str!("assets/style.css");

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The shell of one page.
fn shell(page: &str, title: &str, subject: &str) -> Html<String> {
    Html(format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · imagenet-multilabel</title>
<link rel="stylesheet" href="/assets/style.css">
</head>
<body data-page="{page}" data-subject="{subject}">
<header><a class="brand" href="/">imagenet-multilabel</a>
<nav><a href="/" data-nav="browse">Browse</a><a href="/review" data-nav="review">Review queue</a><span id="model-links"></span></nav>
</header>
<main id="main"><p class="muted">Loading…</p></main>
<script src="/assets/app.js"></script>
</body></html>
"#,
        title = escape(title),
        subject = escape(subject),
    ))
}

/// `/`: the grid of images with filters.
pub async fn browse() -> Html<String> {
    shell("browse", "Browse", "")
}

/// `/image/{file_name}`: one image, large, with its labels, the models' answers and reviews.
pub async fn image(Path(file_name): Path<String>) -> Html<String> {
    shell("image", &file_name, &file_name)
}

/// `/model/{name}`: a model's figures and mistakes.
pub async fn model(Path(name): Path<String>) -> Html<String> {
    shell("model", &name, &name)
}

/// `/review`: the review queue.
pub async fn review() -> Html<String> {
    shell("review", "Review queue", "")
}

/// `/assets/{name}`: the script and the stylesheet.
pub async fn asset(Path(name): Path<String>) -> Response {
    let (kind, body) = match name.as_str() {
        "app.js" => ("text/javascript; charset=utf-8", APP_JS),
        "style.css" => ("text/css; charset=utf-8", STYLE_CSS),
        _ => {
            return crate::api::ApiError::new(StatusCode::NOT_FOUND, format!("no asset {name:?}"))
                .into_response()
        }
    };
    ([(header::CONTENT_TYPE, kind)], body).into_response()
}
