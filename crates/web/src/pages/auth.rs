//! Sign in and sign out.

use crate::AppState;
use crate::error::PageError;
use crate::session::{ClientAddr, WebUser, clear_cookie, csrf_ok, safe_next, secure, set_cookie};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use tandem_app::LoginError;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    username: String,
    error: Option<String>,
    next: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn login_form(Query(q): Query<NextQuery>) -> Response {
    page(
        StatusCode::OK,
        String::new(),
        None,
        safe_next(q.next.as_deref()),
    )
}

fn page(status: StatusCode, username: String, error: Option<String>, next: String) -> Response {
    match (LoginPage {
        username,
        error,
        next,
    })
    .render()
    {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn login(
    State(s): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    match s.app.login(&f.username, &f.password, &addr).await {
        Ok(ok) => {
            let mut r = Redirect::to(&next).into_response();
            r.headers_mut().insert(
                header::SET_COOKIE,
                set_cookie(ok.session_secret.expose(), secure(&s, &headers)),
            );
            r
        }
        Err(LoginError::Failed) => page(
            StatusCode::UNAUTHORIZED,
            f.username,
            Some(LoginError::Failed.to_string()),
            next,
        ),
        Err(LoginError::AddressThrottled) => page(
            StatusCode::TOO_MANY_REQUESTS,
            f.username,
            Some(LoginError::AddressThrottled.to_string()),
            next,
        ),
        Err(LoginError::App(e)) => PageError::App(e).into_response(),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Form(f): Form<CsrfForm>,
) -> Response {
    if !csrf_ok(&auth, &f.csrf) {
        return PageError::Csrf.into_response();
    }
    if let Err(e) = s.app.logout(&auth).await {
        return PageError::App(e).into_response();
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().insert(header::SET_COOKIE, clear_cookie());
    r
}
