//! Static files compiled into the binary: the UI works offline, with no CDN.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

const CSS: &str = include_str!("../static/tandem.css");
const MEASURE_JS: &str = include_str!("../static/measure.js");
const PRINT_JS: &str = include_str!("../static/print.js");

pub async fn serve(Path(file): Path<String>) -> Response {
    match file.as_str() {
        "tandem.css" => (
            [
                (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            CSS,
        )
            .into_response(),
        "measure.js" => (
            [
                (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            MEASURE_JS,
        )
            .into_response(),
        "print.js" => (
            [
                (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            PRINT_JS,
        )
            .into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}
