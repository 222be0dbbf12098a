//! The HTML UI: server-rendered pages and plain forms. One small script,
//! `static/measure.js`, makes the measure entry form faster; every page
//! works without it.

mod admin;
mod audit;
mod auth;
mod care_plan;
mod choices;
mod dx;
mod education;
mod intake;
mod measures;
mod medications;
mod monitoring;
mod notifications;
mod otp;
mod patient_plan;
mod patients;
mod registry;

use crate::AppState;
use crate::session::SignedIn;
use axum::Router;
use axum::routing::{get, post};
use tandem_core::access::{
    can_break_glass, can_manage_users, can_read_audit, can_register, registry_scope,
};
use tandem_core::role::Role;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(patients::home))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/patients", get(patients::search).post(patients::create))
        .route("/patients/new", get(patients::new_form))
        .route("/patients/{id}", get(patients::chart))
        .route(
            "/patients/{id}/edit",
            get(patients::edit_form).post(patients::update),
        )
        .route("/patients/{id}/break-glass", post(patients::break_glass))
        .route("/patients/{id}/care-team", post(patients::add_member))
        .route(
            "/patients/{id}/care-team/{member}/end",
            post(patients::end_member),
        )
        .route(
            "/patients/{id}/measures/{instrument}",
            get(measures::entry_form).post(measures::record),
        )
        .route("/patients/{id}/intake", get(intake::page))
        .route(
            "/patients/{id}/intake/assessment",
            post(intake::save_assessment),
        )
        .route("/patients/{id}/intake/asam", post(intake::save_asam))
        .route("/patients/{id}/intake/decision", post(intake::decide))
        .route(
            "/patients/{id}/flags/{flag}/acknowledge",
            post(measures::acknowledge),
        )
        .route(
            "/patients/{id}/education",
            get(education::page).post(education::give),
        )
        .route(
            "/patients/{id}/education/{leaflet}",
            get(education::leaflet),
        )
        .route("/patients/{id}/diagnoses", post(dx::add))
        .route("/patients/{id}/diagnoses/{condition}", post(dx::change))
        .route("/patients/{id}/episode/enrol", post(dx::enrol))
        .route("/patients/{id}/episode/transition", post(dx::transition))
        .route("/patients/{id}/episode/discharge", post(dx::discharge))
        .route(
            "/patients/{id}/plan",
            get(care_plan::page).post(care_plan::save),
        )
        .route("/patients/{id}/plan/edit", get(care_plan::edit_form))
        .route("/patients/{id}/plan/summary", get(patient_plan::page))
        .route("/patients/{id}/plan/sign", post(care_plan::sign))
        .route("/patients/{id}/plan/agreement", post(care_plan::agreement))
        .route("/patients/{id}/plan/versions", get(care_plan::versions))
        .route("/patients/{id}/plan/compare", get(care_plan::compare))
        .route(
            "/patients/{id}/medications",
            get(medications::list).post(medications::place),
        )
        .route("/patients/{id}/medications/new", get(medications::new_form))
        .route(
            "/patients/{id}/medications/{order}",
            get(medications::order_page),
        )
        .route(
            "/patients/{id}/medications/{order}/schedule",
            get(medications::schedule_page),
        )
        .route(
            "/patients/{id}/medications/{order}/dose",
            post(medications::change_dose),
        )
        .route(
            "/patients/{id}/medications/{order}/hold",
            post(medications::hold),
        )
        .route(
            "/patients/{id}/medications/{order}/resume",
            post(medications::resume),
        )
        .route(
            "/patients/{id}/medications/{order}/discontinue",
            post(medications::discontinue),
        )
        .route("/patients/{id}/otp", get(otp::page))
        .route("/patients/{id}/otp/dose", post(otp::dose))
        .route("/patients/{id}/otp/criteria", post(otp::criteria))
        .route("/patients/{id}/otp/take-home", post(otp::take_home))
        .route("/patients/{id}/monitoring", get(monitoring::page))
        .route(
            "/patients/{id}/monitoring/labs",
            post(monitoring::record_lab),
        )
        .route(
            "/patients/{id}/monitoring/screens",
            post(monitoring::record_screen),
        )
        .route(
            "/patients/{id}/monitoring/side-effects",
            post(monitoring::record_side_effects),
        )
        .route(
            "/patients/{id}/monitoring/adherence",
            post(monitoring::record_adherence),
        )
        .route("/notifications", get(notifications::list))
        .route("/registry", get(registry::page))
        .route("/registry.csv", get(registry::csv))
        .route("/break-glass", get(patients::break_glass_lookup))
        .route("/admin/users", get(admin::users).post(admin::add_user))
        .route("/admin/users/{id}/active", post(admin::set_active))
        .route("/audit", get(audit::log))
}

/// The header's navigation, shaped by the role.
pub struct Nav {
    pub display_name: String,
    pub role_label: &'static str,
    pub csrf: String,
    pub patients: bool,
    pub register: bool,
    pub break_glass: bool,
    pub admin: bool,
    pub audit: bool,
    /// The caseload or clinic registry, and safety notifications.
    pub registry: bool,
    /// Unread safety notifications (the red badge).
    pub unread: i64,
    pub current: &'static str,
}

impl Nav {
    pub fn new(a: &SignedIn, current: &'static str) -> Nav {
        let role = a.caller.actor.role;
        Nav {
            display_name: a.caller.actor.display_name.clone(),
            role_label: role.label(),
            csrf: a.csrf_token.clone(),
            patients: role.is_clinician() || role == Role::FrontDesk,
            register: can_register(role),
            break_glass: can_break_glass(role),
            admin: can_manage_users(role),
            audit: can_read_audit(role),
            registry: registry_scope(role).is_some(),
            unread: a.unread,
            current,
        }
    }
}

/// `2026-11-22 14:05` in UTC, as tables show instants.
pub fn when(t: time::OffsetDateTime) -> String {
    format!("{} {:02}:{:02}", t.date(), t.hour(), t.minute())
}
