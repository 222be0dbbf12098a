//! Request counts and latency by route, in the Prometheus text format.
//! Routes are the matched patterns (`/patients/{id}`), never concrete URIs,
//! so no identifier or search term reaches the metrics or the logs.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<(String, String), Histogram>>,
}

impl Metrics {
    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((method.to_string(), route.to_string(), status))
                .or_default() += 1;
        }
        if let Ok(mut m) = self.latency.lock() {
            let h = m
                .entry((method.to_string(), route.to_string()))
                .or_default();
            for (i, b) in BUCKETS.iter().enumerate() {
                if seconds <= *b {
                    h.counts[i] += 1;
                }
            }
            h.count += 1;
            h.sum += seconds;
        }
    }
}

/// Records every request; logs method, route, status and time (no URI).
pub async fn track(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let res = next.run(req).await;
    let secs = start.elapsed().as_secs_f64();
    let status = res.status().as_u16();
    s.metrics.observe(&method, &route, status, secs);
    tracing::info!(method, route, status, ms = secs * 1000.0, "request");
    res
}

pub async fn render(State(s): State<AppState>) -> Response {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP tandem_http_requests_total HTTP requests by method, route and status."
    );
    let _ = writeln!(out, "# TYPE tandem_http_requests_total counter");
    if let Ok(m) = s.metrics.requests.lock() {
        for ((method, route, status), n) in m.iter() {
            let _ = writeln!(
                out,
                "tandem_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP tandem_http_request_duration_seconds HTTP request latency by method and route."
    );
    let _ = writeln!(out, "# TYPE tandem_http_request_duration_seconds histogram");
    if let Ok(m) = s.metrics.latency.lock() {
        for ((method, route), h) in m.iter() {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "tandem_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "tandem_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "tandem_http_request_duration_seconds_sum{{{labels}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "tandem_http_request_duration_seconds_count{{{labels}}} {}",
                h.count
            );
        }
    }
    let pool = s.app.store().pool_stats();
    let backend = s.app.store().backend().as_str();
    let _ = writeln!(
        out,
        "# HELP tandem_db_pool_connections Database connections open in the pool."
    );
    let _ = writeln!(out, "# TYPE tandem_db_pool_connections gauge");
    let _ = writeln!(
        out,
        "tandem_db_pool_connections{{backend=\"{backend}\"}} {}",
        pool.size
    );
    let _ = writeln!(
        out,
        "# HELP tandem_db_pool_idle_connections Idle database connections in the pool."
    );
    let _ = writeln!(out, "# TYPE tandem_db_pool_idle_connections gauge");
    let _ = writeln!(
        out,
        "tandem_db_pool_idle_connections{{backend=\"{backend}\"}} {}",
        pool.idle
    );
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}
