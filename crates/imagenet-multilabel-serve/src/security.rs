//! The rules every request passes before a handler sees it.
//!
//! - **Host**: on a loopback address the `Host` header must name the server as the browser
//!   reached it (`127.0.0.1:PORT`, `localhost:PORT`, `[::1]:PORT`); a page on another site that
//!   rebinds its DNS name to 127.0.0.1 sends its own name and is refused.
//! - **Token**: with `--token` (required off loopback), every request carries it: header
//!   `X-Token` or `Authorization: Bearer`, or the `iml_token` cookie the server sets when a page
//!   is opened with `?token=` (`HttpOnly`, `SameSite=Strict`: other sites' requests never
//!   carry it). Compared in constant time.
//! - **Cross-site writes**: a request that changes state (any method but GET and HEAD) must be
//!   JSON (`Content-Type: application/json`, which a cross-site form cannot send without a
//!   preflight we never grant), and when it has an `Origin` header, that origin must be the
//!   server's own. A script on loopback (no `Origin`) may post.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State as AxumState};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::api::ApiError;
use crate::state::{StartError, State};

/// The name of the cookie that carries the token for the pages.
pub const TOKEN_COOKIE: &str = "iml_token";

/// The token and Host rules of one server.
#[derive(Debug)]
pub struct Security {
    token: Option<String>,
    /// The `Host` values accepted; `None`: any (off loopback, where the token guards).
    hosts: Option<Vec<String>>,
}

impl Security {
    /// Rules for a server on `bind`: off loopback a token is required.
    pub fn new(bind: SocketAddr, token: Option<String>) -> Result<Security, StartError> {
        if let Some(t) = &token {
            if t.len() < 8
                || !t
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && b != b';' && b != b',')
            {
                return Err(StartError::Usage(
                    "--token must be at least 8 printable ASCII characters, without spaces, ';' or ','".into(),
                ));
            }
        }
        let hosts = if bind.ip().is_loopback() {
            let port = bind.port();
            Some(vec![
                format!("127.0.0.1:{port}"),
                format!("localhost:{port}"),
                format!("[::1]:{port}"),
                bind.to_string(),
            ])
        } else {
            if token.is_none() {
                return Err(StartError::Usage(format!(
                    "--bind {bind} is not a loopback address: anyone who can reach it could write reviews; give --token TOKEN as well"
                )));
            }
            None
        };
        Ok(Security { token, hosts })
    }

    /// Whether requests need a token.
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    fn check(
        &self,
        method: &Method,
        headers: &HeaderMap,
        query: Option<&str>,
    ) -> Result<(), ApiError> {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        if let Some(hosts) = &self.hosts {
            if !hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    format!(
                        "Host {host:?} is not this server's address; open it as http://{}",
                        hosts[0]
                    ),
                ));
            }
        }
        if let Some(expected) = &self.token {
            let given = presented_token(headers, query);
            if !given.is_some_and(|g| constant_time_eq(g.as_bytes(), expected.as_bytes())) {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "this server needs its token: open the page with ?token=TOKEN, or send the header X-Token: TOKEN",
                ));
            }
        }
        if method != Method::GET && method != Method::HEAD {
            if let Some(origin) = headers.get(header::ORIGIN) {
                let own = format!("http://{host}");
                if origin.as_bytes() != own.as_bytes() {
                    return Err(ApiError::new(
                        StatusCode::FORBIDDEN,
                        format!(
                            "cross-site request refused: Origin {:?} is not {own:?}",
                            String::from_utf8_lossy(origin.as_bytes())
                        ),
                    ));
                }
            }
            let json = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(';').next())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
            if !json {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "requests that change something must be JSON: send Content-Type: application/json",
                ));
            }
        }
        Ok(())
    }
}

/// The token a request presents, by header, cookie or `token=` query parameter.
fn presented_token<'a>(headers: &'a HeaderMap, query: Option<&'a str>) -> Option<&'a str> {
    if let Some(t) = headers.get("x-token").and_then(|v| v.to_str().ok()) {
        return Some(t);
    }
    if let Some(t) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some(t);
    }
    for cookies in headers.get_all(header::COOKIE) {
        let Ok(cookies) = cookies.to_str() else {
            continue;
        };
        for pair in cookies.split(';') {
            if let Some(t) = pair
                .trim()
                .strip_prefix(TOKEN_COOKIE)
                .and_then(|r| r.strip_prefix('='))
            {
                return Some(t);
            }
        }
    }
    query_token(query)
}

/// The `token=` query parameter (tokens are printable ASCII without `&`, so no decoding is
/// needed beyond what a browser leaves as is).
fn query_token(query: Option<&str>) -> Option<&str> {
    query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The middleware: refuses what the rules refuse; sets the token cookie when a page was
/// opened with a valid `?token=`.
pub async fn guard(
    AxumState(state): AxumState<Arc<State>>,
    request: Request,
    next: Next,
) -> Response {
    let query = request.uri().query().map(str::to_owned);
    if let Err(e) = state
        .security
        .check(request.method(), request.headers(), query.as_deref())
    {
        return e.into_response();
    }
    let set_cookie = state
        .security
        .token
        .as_ref()
        .filter(|_| query_token(query.as_deref()).is_some());
    let mut response = next.run(request).await;
    if let Some(token) = set_cookie {
        let cookie = format!("{TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict");
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn loopback_needs_no_token_but_checks_host_origin_and_json() {
        let s = Security::new("127.0.0.1:8377".parse().unwrap(), None).unwrap();
        let ok = headers(&[("host", "127.0.0.1:8377")]);
        assert!(s.check(&Method::GET, &ok, None).is_ok());
        let rebound = headers(&[("host", "evil.example:8377")]);
        assert_eq!(
            s.check(&Method::GET, &rebound, None).unwrap_err().status,
            StatusCode::FORBIDDEN
        );
        let form = headers(&[("host", "localhost:8377"), ("content-type", "text/plain")]);
        assert_eq!(
            s.check(&Method::POST, &form, None).unwrap_err().status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
        let script = headers(&[
            ("host", "localhost:8377"),
            ("content-type", "application/json; charset=utf-8"),
        ]);
        assert!(s.check(&Method::POST, &script, None).is_ok());
        let cross = headers(&[
            ("host", "localhost:8377"),
            ("content-type", "application/json"),
            ("origin", "http://evil.example"),
        ]);
        let e = s.check(&Method::POST, &cross, None).unwrap_err();
        assert_eq!(e.status, StatusCode::FORBIDDEN);
        assert!(e.message.contains("http://evil.example"), "{}", e.message);
        let own = headers(&[
            ("host", "localhost:8377"),
            ("content-type", "application/json"),
            ("origin", "http://localhost:8377"),
        ]);
        assert!(s.check(&Method::POST, &own, None).is_ok());
    }

    #[test]
    fn other_addresses_need_a_token_presented_any_of_four_ways() {
        let e = Security::new("0.0.0.0:8377".parse().unwrap(), None).unwrap_err();
        assert!(e.to_string().contains("--token"), "{e}");
        assert!(Security::new("0.0.0.0:1".parse().unwrap(), Some("short".into())).is_err());
        let s =
            Security::new("0.0.0.0:8377".parse().unwrap(), Some("s3cret-token".into())).unwrap();
        let host = ("host", "10.0.0.5:8377");
        assert_eq!(
            s.check(&Method::GET, &headers(&[host]), None)
                .unwrap_err()
                .status,
            StatusCode::UNAUTHORIZED
        );
        let wrong = headers(&[host, ("x-token", "s3cret-tokem")]);
        assert_eq!(
            s.check(&Method::GET, &wrong, None).unwrap_err().status,
            StatusCode::UNAUTHORIZED
        );
        for h in [
            headers(&[host, ("x-token", "s3cret-token")]),
            headers(&[host, ("authorization", "Bearer s3cret-token")]),
            headers(&[host, ("cookie", "a=b; iml_token=s3cret-token")]),
        ] {
            assert!(s.check(&Method::GET, &h, None).is_ok());
        }
        assert!(s
            .check(
                &Method::GET,
                &headers(&[host]),
                Some("page=2&token=s3cret-token")
            )
            .is_ok());
    }
}
