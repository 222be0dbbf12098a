//! The session cookie, the signed-in user extractor and the form token check.

use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use std::net::SocketAddr;
use tandem_app::Authenticated;

pub const COOKIE: &str = "tandem_session";

/// The signed-in staff member of a page request. Without a live session the
/// request is sent to the sign-in page, and back here afterwards.
pub struct WebUser(pub SignedIn);

/// A live session, with what the header shows on every page.
pub struct SignedIn {
    pub auth: Authenticated,
    /// Unread safety notifications, for the navigation badge (one count
    /// query; zero without one for roles that get none).
    pub unread: i64,
}

impl std::ops::Deref for SignedIn {
    type Target = Authenticated;
    fn deref(&self) -> &Authenticated {
        &self.auth
    }
}

fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl FromRequestParts<AppState> for WebUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let to_login = || {
            let here = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let next = if parts.method == axum::http::Method::GET && here != "/" {
                format!("/login?next={}", urlencode(here))
            } else {
                "/login".to_string()
            };
            Redirect::to(&next).into_response()
        };
        let Some(secret) = cookie_value(&parts.headers, COOKIE) else {
            return Err(to_login());
        };
        match state.app.resume_session(secret).await {
            Ok(auth) => {
                // A safety badge is never silently dropped: a failed count
                // fails the page like any other read.
                let unread = state
                    .app
                    .unread_notifications(&auth.caller)
                    .await
                    .map_err(|e| crate::error::PageError::App(e).into_response())?;
                Ok(WebUser(SignedIn { auth, unread }))
            }
            Err(tandem_app::AppError::Unauthenticated) => {
                let mut r = to_login();
                r.headers_mut().append(header::SET_COOKIE, clear_cookie());
                Err(r)
            }
            Err(e) => Err(crate::error::PageError::App(e).into_response()),
        }
    }
}

/// Whether cookies should carry `Secure`: configured, or the request came
/// through a TLS-terminating proxy. Trusting the header here can only make
/// the cookie stricter.
pub fn secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.config.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

pub fn set_cookie(secret: &str, secure: bool) -> HeaderValue {
    let s = format!(
        "{COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&s).unwrap_or_else(|_| clear_cookie())
}

pub fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("tandem_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// Compares the form's token with the session's in constant time.
pub fn csrf_ok(auth: &Authenticated, presented: &str) -> bool {
    let a = auth.csrf_token.as_bytes();
    let b = presented.as_bytes();
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The client's address, for login throttling.
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "local".into());
        Ok(ClientAddr(addr))
    }
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Only same-site paths are followed after sign-in.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_never_leaves_the_site() {
        assert_eq!(safe_next(Some("/patients/1")), "/patients/1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; tandem_session=abc; b=2"),
        );
        assert_eq!(cookie_value(&h, COOKIE), Some("abc"));
    }
}
