//! User administration, for administrators only.

use super::{Nav, when};
use crate::AppState;
use crate::error::PageError;
use crate::session::{SignedIn, WebUser, csrf_ok};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use tandem_app::{AppError, NewAccount};
use tandem_core::ValidationErrors;
use tandem_core::ids::UserId;
use tandem_core::role::Role;

pub struct UserRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub active: bool,
    pub created: String,
    pub is_self: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    nav: Option<Nav>,
    users: Vec<UserRow>,
    roles: Vec<(&'static str, &'static str)>,
    form: AddForm,
    errors: Vec<(String, String)>,
    added: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct AddForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

async fn render(
    s: &AppState,
    auth: &SignedIn,
    status: StatusCode,
    form: AddForm,
    errors: &ValidationErrors,
    added: Option<String>,
) -> Result<Response, PageError> {
    let users = s.app.list_users(&auth.caller).await?;
    let page = UsersPage {
        nav: Some(Nav::new(auth, "admin")),
        users: users
            .into_iter()
            .map(|u| UserRow {
                id: u.id.to_string(),
                is_self: u.id == auth.caller.actor.user_id,
                username: u.username,
                display_name: u.display_name,
                role: u.role.label(),
                active: u.active,
                created: when(u.created_at),
            })
            .collect(),
        roles: Role::ALL.iter().map(|r| (r.as_str(), r.label())).collect(),
        form: AddForm {
            password: String::new(),
            ..form
        },
        errors: errors
            .0
            .iter()
            .map(|e| (e.field.to_string(), e.message.clone()))
            .collect(),
        added,
    };
    let body = page
        .render()
        .map_err(|e| PageError::App(AppError::Internal(e.to_string())))?;
    Ok((status, Html(body)).into_response())
}

pub async fn users(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
) -> Result<Response, PageError> {
    render(
        &s,
        &auth,
        StatusCode::OK,
        AddForm::default(),
        &ValidationErrors::default(),
        None,
    )
    .await
}

pub async fn add_user(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Form(f): Form<AddForm>,
) -> Result<Response, PageError> {
    if !csrf_ok(&auth, &f.csrf) {
        return Err(PageError::Csrf);
    }
    let role: Role = match f.role.parse() {
        Ok(r) => r,
        Err(_) => {
            let e = ValidationErrors::single("role", "choose a role");
            return render(&s, &auth, StatusCode::UNPROCESSABLE_ENTITY, f, &e, None).await;
        }
    };
    let account = NewAccount {
        username: f.username.clone(),
        display_name: Some(f.display_name.clone()),
        role,
        password: f.password.clone(),
    };
    match s.app.add_user(&auth.caller, account).await {
        Ok(u) => {
            render(
                &s,
                &auth,
                StatusCode::OK,
                AddForm::default(),
                &ValidationErrors::default(),
                Some(u.username),
            )
            .await
        }
        Err(AppError::Invalid(e)) => {
            render(&s, &auth, StatusCode::UNPROCESSABLE_ENTITY, f, &e, None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ActiveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    active: String,
}

pub async fn set_active(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Form(f): Form<ActiveForm>,
) -> Result<Response, PageError> {
    if !csrf_ok(&auth, &f.csrf) {
        return Err(PageError::Csrf);
    }
    let user: UserId = id
        .parse()
        .map_err(|_| PageError::App(AppError::NotFound("user")))?;
    s.app
        .set_user_active(&auth.caller, user, f.active == "true")
        .await?;
    Ok(Redirect::to("/admin/users").into_response())
}
