//! Response headers every page carries, and the cross-site request check.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Strict CSP (scripts only from Tandem's own static files, never inline;
/// nothing from elsewhere), no caching of
/// pages that may hold patient data, no framing, no referrers.
pub async fn headers(req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    if is_cross_site_write(req.method(), req.headers()) && !req.uri().path().starts_with("/fhir/") {
        return (
            StatusCode::FORBIDDEN,
            "Cross-site form submissions are refused.",
        )
            .into_response();
    }
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !is_static {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// A state-changing request a browser says came from another site
/// (`Sec-Fetch-Site`), or whose `Origin` names another host. Together with
/// SameSite cookies and the per-session form token this stops CSRF.
pub fn is_cross_site_write(method: &Method, headers: &HeaderMap) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    match (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST),
    ) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => {
            let origin_host = origin.split("://").nth(1).unwrap_or(origin);
            host.to_str().map(|h| h != origin_host).unwrap_or(true)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.insert(*k, HeaderValue::from_static(v));
        }
        m
    }

    #[test]
    fn cross_site_posts_are_recognised() {
        assert!(is_cross_site_write(
            &Method::POST,
            &h(&[("sec-fetch-site", "cross-site")])
        ));
        assert!(!is_cross_site_write(
            &Method::POST,
            &h(&[("sec-fetch-site", "same-origin")])
        ));
        assert!(is_cross_site_write(
            &Method::POST,
            &h(&[("origin", "https://evil.example"), ("host", "clinic.local")])
        ));
        assert!(!is_cross_site_write(
            &Method::POST,
            &h(&[("origin", "http://clinic.local"), ("host", "clinic.local")])
        ));
        assert!(!is_cross_site_write(
            &Method::GET,
            &h(&[("sec-fetch-site", "cross-site")])
        ));
    }
}
