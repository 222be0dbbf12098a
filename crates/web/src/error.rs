//! How failures look in the browser.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use tandem_app::{AppError, Forbidden};

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: String,
}

/// A page request that could not be served.
#[derive(Debug)]
pub enum PageError {
    App(AppError),
    /// The form token did not match the session's.
    Csrf,
    BadRequest(String),
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError::App(e)
    }
}

pub fn render_error(status: StatusCode, title: &str, message: String) -> Response {
    let body = ErrorPage { title, message }
        .render()
        .unwrap_or_else(|_| "Something went wrong.".into());
    (status, Html(body)).into_response()
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Csrf => render_error(
                StatusCode::FORBIDDEN,
                "Form expired",
                "This form was opened in an earlier session. Go back, reload the page and try again.".into(),
            ),
            PageError::BadRequest(m) => render_error(StatusCode::BAD_REQUEST, "Check the request", m),
            PageError::App(e) => match e {
                AppError::Unauthenticated => Redirect::to("/login").into_response(),
                AppError::Forbidden(Forbidden::Role) => render_error(
                    StatusCode::FORBIDDEN,
                    "Not available to your role",
                    "Your role does not give access to this. The attempt was recorded.".into(),
                ),
                AppError::Forbidden(Forbidden::NotOnCareTeam) => render_error(
                    StatusCode::FORBIDDEN,
                    "Not your patient",
                    "You are not on this patient's care team. The attempt was recorded.".into(),
                ),
                AppError::NotFound(what) => render_error(StatusCode::NOT_FOUND, "Not found", format!("No such {what}.")),
                AppError::Invalid(v) => render_error(StatusCode::UNPROCESSABLE_ENTITY, "Check the form", v.to_string()),
                AppError::Response(problems) => render_error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Check the answers",
                    problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; "),
                ),
                AppError::VersionConflict { .. } => render_error(
                    StatusCode::CONFLICT,
                    "Changed meanwhile",
                    "Someone else changed this record while you were editing. Reload it and make your change again.".into(),
                ),
                AppError::Conflict(m) => render_error(StatusCode::CONFLICT, "Conflict", m),
                AppError::Store(err) => {
                    tracing::error!(error = %err, "storage failure");
                    render_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "Something went wrong",
                        "Nothing was changed. Try again; if it keeps happening, tell your administrator.".into(),
                    )
                }
                AppError::Internal(err) | AppError::Configuration(err) => {
                    tracing::error!(error = %err, "internal failure");
                    render_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "Something went wrong",
                        "Nothing was changed. Try again; if it keeps happening, tell your administrator.".into(),
                    )
                }
            },
        }
    }
}
