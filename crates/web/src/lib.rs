//! HTTP: the HTML UI, the FHIR R4 API, sign-in, health and metrics.
//!
//! No business rules live here. Handlers authenticate, translate HTTP and
//! forms into `app` calls, and translate results back into HTML or FHIR JSON.
#![forbid(unsafe_code)]

mod assets;
mod chart;
mod error;
mod fhir_api;
mod metrics;
mod pages;
mod security;
mod session;
mod timeline;

use axum::Router;
use axum::routing::get;
use std::sync::Arc;
use tandem_app::App;

pub use metrics::Metrics;

/// Web settings.
#[derive(Clone, Debug, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` even without `X-Forwarded-Proto: https`
    /// (set when TLS is terminated in front of Tandem).
    pub secure_cookies: bool,
    /// Reported in the CapabilityStatement.
    pub version: String,
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub config: Arc<WebConfig>,
    pub metrics: Arc<Metrics>,
}

/// The whole HTTP surface.
pub fn router(app: App, config: WebConfig) -> Router {
    let state = AppState {
        app,
        config: Arc::new(config),
        metrics: Arc::new(Metrics::default()),
    };
    Router::new()
        .merge(pages::routes())
        .nest("/fhir/r4", fhir_api::routes())
        .route("/healthz", get(health))
        .route("/metrics", get(metrics::render))
        .route("/static/{file}", get(assets::serve))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .with_state(state)
}

async fn health(
    axum::extract::State(s): axum::extract::State<AppState>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match s.app.store().begin_read().await {
        Ok(_) => "ok\n".into_response(),
        Err(_) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "database unavailable\n",
        )
            .into_response(),
    }
}

/// Serves until `shutdown` completes; requests in flight are finished first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: App,
    config: WebConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let sweeper = tokio::spawn(sweep_overdue_periodically(app.clone()));
    let router = router(app, config);
    let served = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    sweeper.abort();
    served
}

/// "Overdue" depends on the calendar, not on new data: the server checks it
/// at start-up and then every few minutes, and keeps the planner's
/// statistics current on the same beat.
async fn sweep_overdue_periodically(app: App) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        every.tick().await;
        match app.sweep_overdue().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(patients = n, "overdue flags updated"),
            Err(e) => tracing::warn!(error = %e, "overdue sweep failed; will retry"),
        }
        if let Err(e) = app.store().optimize().await {
            tracing::warn!(error = %e, "refreshing planner statistics failed; will retry");
        }
    }
}
