//! The FHIR R4 API at `/fhir/r4`: bearer tokens in, `tandem_fhir` for the
//! JSON, `app` for everything else. Every failure is an OperationOutcome.

mod medication;

use crate::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Router, middleware};
use serde_json::Value;
use tandem_app::{AppError, Caller, Forbidden, ObservationQuery, Source, Submission};
use tandem_core::ids::{FlagId, ObservationId, PatientId, ResponseId, UserId};
use tandem_core::patient::{Patient, PatientQuery, parse_date};
use tandem_fhir::outcome::{FhirError, IssueCode};
use tandem_fhir::questionnaire_response::ParsedResponse;
use tandem_fhir::{FHIR_JSON, MRN_SYSTEM};
use time::OffsetDateTime;

mod care_plan;
mod dx;
mod monitoring;
mod otp;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(care_plan::routes())
        .route("/metadata", get(metadata))
        .route("/Patient", get(search_patients).post(create_patient))
        .route("/Patient/{id}", get(read_patient).put(update_patient))
        .route("/Practitioner", get(search_practitioners))
        .route("/Practitioner/{id}", get(read_practitioner))
        .route("/CareTeam", get(search_care_teams))
        .route("/CareTeam/{id}", get(read_care_team))
        .route("/Questionnaire", get(search_questionnaires))
        .route("/Questionnaire/{id}", get(read_questionnaire))
        .route(
            "/QuestionnaireResponse",
            get(search_responses).post(create_response),
        )
        .route("/QuestionnaireResponse/{id}", get(read_response))
        .route(
            "/Observation",
            get(search_observations).post(monitoring::create_lab),
        )
        .route("/Observation/{id}", get(read_observation))
        .route("/Flag", get(search_flags))
        .route("/Flag/{id}", get(read_flag))
        .merge(dx::routes())
        .merge(medication::routes())
        .merge(otp::routes())
        .fallback(unsupported)
        .layer(middleware::map_response(method_not_allowed))
}

/// A FHIR response: JSON with the FHIR media type.
pub fn fhir(status: StatusCode, body: &Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/fhir+json; charset=utf-8"),
    );
    dump(body);
    r
}

/// In tests, every resource the API emits is written to this folder and
/// checked afterwards by an independent R4 validator.
fn dump(body: &Value) {
    let Ok(dir) = std::env::var("TANDEM_FHIR_DUMP_DIR") else {
        return;
    };
    if dir.is_empty() || std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let kind = body
        .get("resourceType")
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    let name = format!(
        "api-{}-{}-{kind}.json",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let _ = std::fs::write(std::path::Path::new(&dir).join(name), body.to_string());
}

struct Outcome(FhirError);

impl IntoResponse for Outcome {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::BAD_REQUEST);
        let mut r = fhir(status, &self.0.to_json());
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"tandem\""),
            );
        }
        r
    }
}

fn err(status: u16, code: IssueCode, msg: impl Into<String>, expr: Option<&str>) -> Outcome {
    Outcome(FhirError::new(status, code, msg, expr.map(str::to_string)))
}

/// A write the app refused: a subject that is not a patient of this clinic
/// (`<resource>.subject`), or invalid input with each problem made into an
/// issue by `issue` from the app's field name and message; any other error
/// as usual.
fn write_refused(
    e: AppError,
    resource: &str,
    issue: impl Fn(&'static str, &str) -> tandem_fhir::outcome::Issue,
) -> Outcome {
    match e {
        AppError::NotFound("patient") => err(
            422,
            IssueCode::NotFound,
            "the subject is not a patient of this clinic",
            Some(&format!("{resource}.subject")),
        ),
        AppError::Invalid(v) => Outcome(FhirError {
            status: 422,
            issues: v.0.iter().map(|f| issue(f.field, &f.message)).collect(),
        }),
        other => other.into(),
    }
}

impl From<AppError> for Outcome {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Unauthenticated => err(
                401,
                IssueCode::Login,
                "a valid bearer token is required",
                None,
            ),
            AppError::Forbidden(Forbidden::NotOnCareTeam) => err(
                403,
                IssueCode::Forbidden,
                "you are not on this patient's care team; the attempt was recorded",
                None,
            ),
            AppError::Forbidden(Forbidden::Role) => err(
                403,
                IssueCode::Forbidden,
                "your role does not allow this; the attempt was recorded",
                None,
            ),
            AppError::NotFound(what) => {
                err(404, IssueCode::NotFound, format!("{what} not found"), None)
            }
            AppError::Invalid(v) => Outcome(FhirError {
                status: 422,
                issues: v
                    .0
                    .iter()
                    .map(|f| {
                        tandem_fhir::outcome::Issue::error(
                            IssueCode::Invalid,
                            f.message.clone(),
                            Some(f.field.to_string()),
                        )
                    })
                    .collect(),
            }),
            AppError::Response(problems) => Outcome(
                tandem_fhir::questionnaire_response::scoring_problems(&problems, None),
            ),
            AppError::VersionConflict { current } => err(
                412,
                IssueCode::Conflict,
                format!("version mismatch: the current version is {current} (If-Match)"),
                None,
            ),
            AppError::Conflict(m) => err(409, IssueCode::Conflict, m, None),
            AppError::Store(e) => {
                tracing::error!(error = %e, "storage failure");
                err(
                    500,
                    IssueCode::Exception,
                    "internal error; nothing was changed",
                    None,
                )
            }
            AppError::Internal(e) | AppError::Configuration(e) => {
                tracing::error!(error = %e, "internal failure");
                err(
                    500,
                    IssueCode::Exception,
                    "internal error; nothing was changed",
                    None,
                )
            }
        }
    }
}

/// The caller behind a bearer token.
struct Bearer(Caller);

impl FromRequestParts<AppState> for Bearer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            });
        let Some(token) = token else {
            return Err(err(
                401,
                IssueCode::Login,
                "a bearer token is required (Authorization: Bearer …)",
                None,
            )
            .into_response());
        };
        s.app
            .authenticate_bearer(token)
            .await
            .map(Bearer)
            .map_err(|e| Outcome::from(e).into_response())
    }
}

fn base(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("http");
    format!("{proto}://{host}/fhir/r4")
}

async fn metadata(State(s): State<AppState>) -> Response {
    fhir(
        StatusCode::OK,
        &tandem_fhir::capability::capability_statement(&s.config.version, s.app.now()),
    )
}

async fn unsupported(method: Method, uri: axum::http::Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let kind = path.split('/').next().unwrap_or("");
    err(
        404,
        IssueCode::NotSupported,
        format!("{method} {kind} is not supported; see /fhir/r4/metadata for what is"),
        None,
    )
    .into_response()
}

async fn method_not_allowed(r: Response) -> Response {
    if r.status() == StatusCode::METHOD_NOT_ALLOWED {
        return err(
            405,
            IssueCode::NotSupported,
            "this interaction is not supported on this resource",
            None,
        )
        .into_response();
    }
    r
}

fn check_content_type(headers: &HeaderMap) -> Result<(), Outcome> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime == FHIR_JSON || mime == "application/json" {
        Ok(())
    } else {
        Err(err(
            415,
            IssueCode::NotSupported,
            format!(
                "send the resource as application/fhir+json (got {:?})",
                if ct.is_empty() { "nothing" } else { ct }
            ),
            None,
        ))
    }
}

fn patient_response(status: StatusCode, p: &Patient, base: &str) -> Response {
    let mut r = fhir(status, &tandem_fhir::patient::patient_to_json(p));
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("W/\"{}\"", p.version)) {
        h.insert(header::ETAG, v);
    }
    let location = format!("{base}/Patient/{}/_history/{}", p.id, p.version);
    if status == StatusCode::CREATED
        && let Ok(v) = HeaderValue::from_str(&location)
    {
        h.insert(header::LOCATION, v);
    }
    r
}

/// A resource id from the URL; one that cannot be an id is simply not found.
fn resource_id<T: std::str::FromStr>(kind: &str, id: &str) -> Result<T, Outcome> {
    id.parse().map_err(|_| {
        err(
            404,
            IssueCode::NotFound,
            format!("{kind}/{id} not found"),
            None,
        )
    })
}

fn patient_id(id: &str) -> Result<PatientId, Outcome> {
    resource_id("Patient", id)
}

async fn create_patient(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let run = async {
        check_content_type(&headers)?;
        let d = tandem_fhir::patient::parse_patient(&body, None, s.app.clock().today())
            .map_err(Outcome)?;
        let p = s.app.register_patient(&c, d).await?;
        Ok::<_, Outcome>(patient_response(StatusCode::CREATED, &p, &base(&headers)))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

async fn read_patient(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let run = async {
        let p = s.app.read_patient(&c, patient_id(&id)?).await?;
        Ok::<_, Outcome>(patient_response(StatusCode::OK, &p, &base(&headers)))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

/// `If-Match: W/"3"` (or `"3"`) → 3.
fn if_match(headers: &HeaderMap) -> Result<Option<i64>, Outcome> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let s = v.to_str().unwrap_or("").trim();
    let inner = s.strip_prefix("W/").unwrap_or(s).trim_matches('"');
    inner.parse().map(Some).map_err(|_| {
        err(
            400,
            IssueCode::Invalid,
            format!("If-Match must be an ETag like W/\"1\" (got {s:?})"),
            None,
        )
    })
}

async fn update_patient(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let run = async {
        check_content_type(&headers)?;
        let pid = patient_id(&id)?;
        let expected = if_match(&headers)?;
        let d = tandem_fhir::patient::parse_patient(&body, Some(&id), s.app.clock().today())
            .map_err(Outcome)?;
        let p = s.app.update_patient(&c, pid, d, expected).await?;
        Ok::<_, Outcome>(patient_response(StatusCode::OK, &p, &base(&headers)))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

/// Search parameters, decoded in order. Parameters Tandem does not know are
/// refused rather than ignored, so a client never mistakes an unfiltered
/// result for a filtered one.
fn params(raw: Option<&str>) -> Vec<(String, String)> {
    raw.unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(
                    std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"),
                    16,
                ) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

const IGNORED: [&str; 3] = ["_format", "_pretty", "_summary"];

struct Paging {
    count: u32,
    offset: u32,
}

fn read_paging(k: &str, v: &str, p: &mut Paging) -> Result<bool, Outcome> {
    match k {
        "_count" => {
            let n: u32 = v.parse().map_err(|_| {
                err(
                    400,
                    IssueCode::Invalid,
                    format!("_count must be a whole number (got {v:?})"),
                    None,
                )
            })?;
            p.count = n.min(100);
            Ok(true)
        }
        "_offset" => {
            p.offset = v.parse().map_err(|_| {
                err(
                    400,
                    IssueCode::Invalid,
                    format!("_offset must be a whole number (got {v:?})"),
                    None,
                )
            })?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

fn unknown_param(k: &str, kind: &str) -> Outcome {
    err(
        400,
        IssueCode::NotSupported,
        format!("search parameter {k:?} is not supported on {kind}; see /fhir/r4/metadata"),
        None,
    )
}

fn query_string(kept: &[(String, String)]) -> String {
    kept.iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                crate::session::urlencode(k),
                crate::session::urlencode(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A search's paging and the query string of the parameters it used.
struct Search {
    paging: Paging,
    query: String,
}

impl Search {
    fn bundle(&self, headers: &HeaderMap, kind: &str, total: u64, entries: Vec<Value>) -> Response {
        let page = tandem_fhir::bundle::SearchPage {
            total,
            offset: u64::from(self.paging.offset),
            count: u64::from(self.paging.count),
        };
        let b = tandem_fhir::bundle::searchset(&base(headers), kind, &self.query, &page, entries);
        fhir(StatusCode::OK, &b)
    }

    /// The page the search asks for, of results already in their order.
    fn page<'a, T>(&self, all: &'a [T]) -> impl Iterator<Item = &'a T> {
        all.iter()
            .skip(self.paging.offset as usize)
            .take(self.paging.count as usize)
    }

    /// The searchset of one page of `all`, each entry made by `to_json`;
    /// its total counts all of them.
    fn page_bundle<T>(
        &self,
        headers: &HeaderMap,
        kind: &str,
        all: &[T],
        to_json: impl FnMut(&T) -> Value,
    ) -> Response {
        let entries = self.page(all).map(to_json).collect();
        self.bundle(headers, kind, all.len() as u64, entries)
    }
}

/// Walks a search's parameters: paging and formatting ones are handled
/// here, every other one goes to `accept`, which refuses those it does not know.
fn read_search(
    raw: Option<&str>,
    mut accept: impl FnMut(&str, &str) -> Result<(), Outcome>,
) -> Result<Search, Outcome> {
    let mut paging = Paging {
        count: 20,
        offset: 0,
    };
    let mut kept = Vec::new();
    for (k, v) in params(raw) {
        if read_paging(&k, &v, &mut paging)? || IGNORED.contains(&k.as_str()) {
            continue;
        }
        accept(&k, &v)?;
        kept.push((k, v));
    }
    Ok(Search {
        paging,
        query: query_string(&kept),
    })
}

async fn search_patients(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let run = async {
        let mut q = PatientQuery::default();
        let search = read_search(raw.as_deref(), |k, v| {
            match k {
                "name" => q
                    .name_prefixes
                    .extend(tandem_core::patient::search_tokens(v)),
                "family" => q.family_prefix = Some(v.to_string()),
                "given" => q.given_prefix = Some(v.to_string()),
                "birthdate" => {
                    let d = v.strip_prefix("eq").unwrap_or(v);
                    let date = parse_date(d).ok_or_else(|| {
                        let msg = format!("birthdate must be a full date YYYY-MM-DD (got {v:?})");
                        err(400, IssueCode::Invalid, msg, None)
                    })?;
                    q.birth_date = Some(date);
                }
                "identifier" => {
                    q.mrn = Some(match v.split_once('|') {
                        Some((sys, val)) if sys.is_empty() || sys == MRN_SYSTEM => val.to_string(),
                        Some((sys, _)) => {
                            let msg = format!(
                                "identifier system {sys:?} is not known here; MRNs use {MRN_SYSTEM}"
                            );
                            return Err(err(400, IssueCode::NotSupported, msg, None));
                        }
                        None => v.to_string(),
                    });
                }
                _ => return Err(unknown_param(k, "Patient")),
            }
            Ok(())
        })?;
        q.limit = search.paging.count;
        q.offset = search.paging.offset;
        let page = s.app.search_patients(&c, &q).await?;
        let entries = page
            .patients
            .iter()
            .map(tandem_fhir::patient::patient_to_json)
            .collect();
        Ok::<_, Outcome>(search.bundle(&headers, "Patient", page.total, entries))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

fn practitioner_json(u: &tandem_app::User) -> Value {
    tandem_fhir::practitioner::practitioner_to_json(&tandem_fhir::practitioner::PractitionerView {
        id: u.id,
        username: &u.username,
        display_name: &u.display_name,
        role: u.role,
        active: u.active,
    })
}

async fn search_practitioners(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let run = async {
        let mut name = None;
        let search = read_search(raw.as_deref(), |k, v| match k {
            "name" => {
                name = Some(v.to_string());
                Ok(())
            }
            _ => Err(unknown_param(k, "Practitioner")),
        })?;
        let all = s.app.practitioners(&c, name.as_deref()).await?;
        Ok::<_, Outcome>(search.page_bundle(&headers, "Practitioner", &all, practitioner_json))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

async fn read_practitioner(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    Path(id): Path<String>,
) -> Response {
    let run = async {
        let uid: UserId = resource_id("Practitioner", &id)?;
        let u = s.app.practitioner(&c, uid).await?;
        Ok::<_, Outcome>(fhir(StatusCode::OK, &practitioner_json(&u)))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

async fn care_team_json(s: &AppState, c: &Caller, pid: PatientId) -> Result<Value, Outcome> {
    let team = s.app.care_team(c, pid).await?;
    let patient = s.app.read_patient(c, pid).await?;
    let views: Vec<tandem_fhir::care_team::MemberView> = team
        .iter()
        .map(|m| tandem_fhir::care_team::MemberView {
            user_id: m.user_id,
            display_name: &m.display_name,
            role: m.role,
            start: m.start_date,
            end: m.end_date,
        })
        .collect();
    Ok(tandem_fhir::care_team::care_team_to_json(&patient, &views))
}

async fn read_care_team(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    Path(id): Path<String>,
) -> Response {
    let run = async {
        let pid: PatientId = resource_id("CareTeam", &id)?;
        let v = care_team_json(&s, &c, pid).await?;
        Ok::<_, Outcome>(fhir(StatusCode::OK, &v))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

async fn search_care_teams(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let run = async {
        let mut patient = None;
        let search = read_search(raw.as_deref(), |k, v| match k {
            "patient" | "subject" => patient_param(k, v, &mut patient),
            _ => Err(unknown_param(k, "CareTeam")),
        })?;
        let pid = required_patient(patient, "CareTeam")?;
        // One CareTeam per patient: the search finds it or nothing.
        let found = match care_team_json(&s, &c, pid).await {
            Ok(v) => vec![v],
            Err(Outcome(e)) if e.status == 404 => vec![],
            Err(e) => return Err(e),
        };
        Ok::<_, Outcome>(search.page_bundle(&headers, "CareTeam", &found, Value::clone))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

/// `patient` or `subject`: `Patient/<id>` or the id alone. Both may be
/// given only if they name the same patient.
fn patient_param(k: &str, v: &str, found: &mut Option<PatientId>) -> Result<(), Outcome> {
    let id = v.strip_prefix("Patient/").unwrap_or(v);
    let pid = id.parse::<PatientId>().map_err(|_| {
        err(
            400,
            IssueCode::Invalid,
            format!("{k} must be a Patient id (got {v:?})"),
            None,
        )
    })?;
    if found.is_some_and(|f| f != pid) {
        let msg = "patient and subject name different patients";
        return Err(err(400, IssueCode::Invalid, msg, None));
    }
    *found = Some(pid);
    Ok(())
}

/// Searches of a patient's records name the patient: there is no search
/// across the clinic.
fn required_patient(found: Option<PatientId>, kind: &str) -> Result<PatientId, Outcome> {
    found.ok_or_else(|| {
        let msg = format!("{kind} search needs the patient (or subject) parameter");
        err(400, IssueCode::Required, msg, None)
    })
}

/// Instruments are not patient data: any signed-in caller may read them,
/// and reading them is not audited.
async fn read_questionnaire(
    State(s): State<AppState>,
    Bearer(_): Bearer,
    Path(id): Path<String>,
) -> Response {
    match s.app.instruments().get(&id) {
        Some(i) => fhir(
            StatusCode::OK,
            &tandem_fhir::questionnaire::questionnaire_to_json(i),
        ),
        None => err(
            404,
            IssueCode::NotFound,
            format!("Questionnaire/{id} not found"),
            None,
        )
        .into_response(),
    }
}

/// Does a FHIR string search value match? Starts-with, ignoring case, on the
/// whole text or any word of it.
fn string_match(text: &str, wanted: &str) -> bool {
    let text = text.to_lowercase();
    let wanted = wanted.trim().to_lowercase();
    text.starts_with(&wanted)
        || text
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| !w.is_empty() && w.starts_with(&wanted))
}

async fn search_questionnaires(
    State(s): State<AppState>,
    Bearer(_): Bearer,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    use tandem_fhir::questionnaire::{LOINC, canonical_url, computer_name};
    let run = async {
        let mut filters: Vec<(String, String)> = Vec::new();
        let search = read_search(raw.as_deref(), |k, v| match k {
            "code" | "url" | "name" | "title" => {
                filters.push((k.to_string(), v.to_string()));
                Ok(())
            }
            _ => Err(unknown_param(k, "Questionnaire")),
        })?;
        let matches = |i: &tandem_core::instrument::Instrument| {
            filters.iter().all(|(k, v)| match k.as_str() {
                "code" => {
                    let (system, code) = v.split_once('|').unwrap_or(("", v.as_str()));
                    (system.is_empty() || system == LOINC) && i.loinc.panel.as_deref() == Some(code)
                }
                "url" => canonical_url(&i.id) == *v,
                "name" => computer_name(i)
                    .to_lowercase()
                    .starts_with(&v.trim().to_lowercase()),
                "title" => string_match(&i.title, v) || string_match(&i.name, v),
                _ => false,
            })
        };
        let found: Vec<_> = s.app.instruments().all().filter(|i| matches(i)).collect();
        Ok::<_, Outcome>(search.page_bundle(&headers, "Questionnaire", &found, |i| {
            tandem_fhir::questionnaire::questionnaire_to_json(i)
        }))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

// ---------------------------------------------------------------------------
// Measurement: QuestionnaireResponse in; QuestionnaireResponse, Observation
// and Flag out.

fn response_json(s: &AppState, r: &tandem_app::Response) -> Value {
    let answers = tandem_app::parse_answers(&r.answers);
    tandem_fhir::questionnaire_response::response_to_json(
        &tandem_fhir::questionnaire_response::ResponseView {
            id: r.id,
            patient: r.patient_id,
            instrument_id: &r.instrument,
            instrument: s.app.instruments().get(&r.instrument),
            authored: r.authored,
            answers: &answers,
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
        },
    )
}

fn observation_json(o: &tandem_app::Observation) -> Value {
    tandem_fhir::observation::observation_to_json(&tandem_fhir::observation::ObservationView {
        id: o.id,
        patient: o.patient_id,
        response: o.response_id,
        system: &o.system,
        code: &o.code,
        display: &o.display,
        value: o.value,
        effective: o.effective,
        interpretation: o.interpretation.as_deref(),
    })
}

fn flag_json(f: &tandem_app::Flag) -> Value {
    tandem_fhir::flag::flag_to_json(&tandem_fhir::flag::FlagView {
        id: f.id,
        patient: f.patient_id,
        kind: f.kind,
        active: f.active,
        period_start: f.period_start,
        period_end: f.period_end,
        updated_at: f.updated_at,
        version: f.version,
    })
}

/// A search naming a patient who does not exist finds nothing, as the
/// CareTeam search does.
fn none_if_unknown<T>(r: tandem_app::Result<T>) -> Result<Option<T>, Outcome> {
    match r {
        Ok(t) => Ok(Some(t)),
        Err(AppError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A refusal of a posted response, naming the element it concerns.
fn recording_refused(e: AppError, parsed: &ParsedResponse) -> Outcome {
    match e {
        AppError::Response(problems) => Outcome(
            tandem_fhir::questionnaire_response::scoring_problems(&problems, Some(parsed)),
        ),
        other => write_refused(other, "QuestionnaireResponse", |field, message| {
            tandem_fhir::outcome::Issue::error(
                IssueCode::Invalid,
                message.to_string(),
                Some(format!("QuestionnaireResponse.{field}")),
            )
        }),
    }
}

async fn create_response(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let run = async {
        check_content_type(&headers)?;
        let parsed = tandem_fhir::questionnaire_response::parse_questionnaire_response(
            &body,
            s.app.instruments(),
        )
        .map_err(Outcome)?;
        let submission = Submission {
            instrument: parsed.instrument.clone(),
            answers: parsed.answers.clone(),
            authored: parsed.authored,
            source: Source::Fhir,
        };
        let recorded = s
            .app
            .record_response(&c, parsed.patient, submission)
            .await
            .map_err(|e| recording_refused(e, &parsed))?;
        let mut r = fhir(StatusCode::CREATED, &response_json(&s, &recorded.response));
        let location = format!(
            "{}/QuestionnaireResponse/{}",
            base(&headers),
            recorded.response.id
        );
        if let Ok(v) = HeaderValue::from_str(&location) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        Ok::<_, Outcome>(r)
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

async fn read_response(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    Path(id): Path<String>,
) -> Response {
    let run = async {
        let rid: ResponseId = resource_id("QuestionnaireResponse", &id)?;
        let r = s.app.read_response(&c, rid).await?;
        Ok::<_, Outcome>(fhir(StatusCode::OK, &response_json(&s, &r)))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

/// `questionnaire`: the canonical URL or `Questionnaire/<id>`.
fn questionnaire_param(v: &str) -> Result<String, Outcome> {
    let prefix = tandem_fhir::questionnaire::canonical_url("");
    v.strip_prefix(prefix.as_str())
        .or_else(|| v.strip_prefix("Questionnaire/"))
        .filter(|id| !id.is_empty())
        .map(str::to_string)
        .ok_or_else(|| {
            let msg = format!(
                "questionnaire must be a canonical URL ({prefix}phq9) or Questionnaire/phq9 (got {v:?})"
            );
            err(400, IssueCode::Invalid, msg, None)
        })
}

async fn search_responses(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let run = async {
        let mut patient = None;
        let mut instrument = None;
        let search = read_search(raw.as_deref(), |k, v| match k {
            "patient" | "subject" => patient_param(k, v, &mut patient),
            "questionnaire" => {
                instrument = Some(questionnaire_param(v)?);
                Ok(())
            }
            _ => Err(unknown_param(k, "QuestionnaireResponse")),
        })?;
        let pid = required_patient(patient, "QuestionnaireResponse")?;
        let all = none_if_unknown(
            s.app
                .patient_responses(&c, pid, instrument.as_deref())
                .await,
        )?
        .unwrap_or_default();
        let Paging { count, offset } = search.paging;
        // Newest first, as Observation and Flag searches list.
        let entries = all
            .iter()
            .rev()
            .skip(offset as usize)
            .take(count as usize)
            .map(|r| response_json(&s, r))
            .collect();
        Ok::<_, Outcome>(search.bundle(
            &headers,
            "QuestionnaireResponse",
            all.len() as u64,
            entries,
        ))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

async fn read_observation(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    Path(id): Path<String>,
) -> Response {
    let run = async {
        let oid: ObservationId = resource_id("Observation", &id)?;
        match s.app.read_observation(&c, oid).await {
            Ok(o) => Ok::<_, Outcome>(fhir(StatusCode::OK, &observation_json(&o))),
            // Not a score: a lab result or a drug screen, or nothing.
            Err(AppError::NotFound(_)) => monitoring::read_lab(&s, &c, oid.0).await,
            Err(e) => Err(e.into()),
        }
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

/// `system|code`, `|code` (no system: nothing Tandem stores) or `code`.
fn code_param(v: &str) -> Result<(Option<String>, String), Outcome> {
    let (system, code) = match v.split_once('|') {
        Some((system, code)) => (Some(system.to_string()), code),
        None => (None, v),
    };
    if code.is_empty() || code.contains(',') {
        let msg = format!("code must be one code, as system|code or the code alone (got {v:?})");
        return Err(err(400, IssueCode::Invalid, msg, None));
    }
    Ok((system, code.to_string()))
}

/// One `date` parameter narrows `[from, before)`: a day in UTC with an
/// optional prefix.
fn date_param(
    v: &str,
    from: &mut Option<OffsetDateTime>,
    before: &mut Option<OffsetDateTime>,
) -> Result<(), Outcome> {
    let bad = |why: &str| {
        let msg = format!(
            "date must be a day YYYY-MM-DD with an optional prefix eq, ge, le, gt or lt{why} (got {v:?})"
        );
        err(400, IssueCode::Invalid, msg, None)
    };
    let (prefix, day) = match v.get(..2) {
        Some(p) if p.bytes().all(|b| b.is_ascii_alphabetic()) => (p, &v[2..]),
        _ => ("eq", v),
    };
    let day = parse_date(day).ok_or_else(|| bad(""))?;
    let start = day.midnight().assume_utc();
    let next = day
        .next_day()
        .map(|d| d.midnight().assume_utc())
        .ok_or_else(|| bad(""))?;
    let (lower, upper) = match prefix {
        "eq" => (Some(start), Some(next)),
        "ge" => (Some(start), None),
        "gt" => (Some(next), None),
        "le" => (None, Some(next)),
        "lt" => (None, Some(start)),
        _ => return Err(bad("; other prefixes are not supported")),
    };
    if let Some(l) = lower {
        *from = Some(from.map_or(l, |f| f.max(l)));
    }
    if let Some(u) = upper {
        *before = Some(before.map_or(u, |b| b.min(u)));
    }
    Ok(())
}

async fn search_observations(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    if monitoring::wants_laboratory(raw.as_deref()) {
        return monitoring::search_labs(&s, &c, raw.as_deref(), &headers).await;
    }
    let run = async {
        let mut patient = None;
        let mut other_category = false;
        let mut q = ObservationQuery::default();
        let search = read_search(raw.as_deref(), |k, v| match k {
            "patient" | "subject" => patient_param(k, v, &mut patient),
            "code" => {
                if q.code.is_some() {
                    let msg = "give one code parameter";
                    return Err(err(400, IssueCode::NotSupported, msg, None));
                }
                q.code = Some(code_param(v)?);
                Ok(())
            }
            "date" => date_param(v, &mut q.from, &mut q.before),
            // Scores are the survey category (laboratory went above); any
            // other category has no Observations here.
            "category" => {
                other_category |= v.rsplit('|').next() != Some("survey");
                Ok(())
            }
            _ => Err(unknown_param(k, "Observation")),
        })?;
        let pid = required_patient(patient, "Observation")?;
        q.limit = search.paging.count;
        q.offset = search.paging.offset;
        // Access is decided (and the search audited) whatever the category.
        let (mut list, mut total) =
            none_if_unknown(s.app.search_observations(&c, pid, &q).await)?.unwrap_or_default();
        if other_category {
            (list, total) = (Vec::new(), 0);
        }
        let entries = list.iter().map(observation_json).collect();
        Ok::<_, Outcome>(search.bundle(&headers, "Observation", total, entries))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

async fn read_flag(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    Path(id): Path<String>,
) -> Response {
    let run = async {
        let fid: FlagId = resource_id("Flag", &id)?;
        let f = s.app.read_flag(&c, fid).await?;
        Ok::<_, Outcome>(fhir(StatusCode::OK, &flag_json(&f)))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

async fn search_flags(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let run = async {
        let mut patient = None;
        let mut active = None;
        let search = read_search(raw.as_deref(), |k, v| match k {
            "patient" | "subject" => patient_param(k, v, &mut patient),
            "status" => {
                active = Some(match v {
                    "active" => true,
                    "inactive" => false,
                    _ => {
                        let msg = format!("status must be active or inactive (got {v:?})");
                        return Err(err(400, IssueCode::Invalid, msg, None));
                    }
                });
                Ok(())
            }
            _ => Err(unknown_param(k, "Flag")),
        })?;
        let pid = required_patient(patient, "Flag")?;
        let Paging { count, offset } = search.paging;
        let (list, total) =
            none_if_unknown(s.app.search_flags(&c, pid, active, count, offset).await)?
                .unwrap_or_default();
        let entries = list.iter().map(flag_json).collect();
        Ok::<_, Outcome>(search.bundle(&headers, "Flag", total, entries))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_decode() {
        assert_eq!(
            params(Some("name=Ana%20Rivera&family=O%27Brien&_count=5&x")),
            vec![
                ("name".to_string(), "Ana Rivera".to_string()),
                ("family".to_string(), "O'Brien".to_string()),
                ("_count".to_string(), "5".to_string()),
                ("x".to_string(), String::new()),
            ]
        );
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("a+b"), "a b");
    }

    #[test]
    fn if_match_reads_weak_etags() {
        let mut h = HeaderMap::new();
        assert!(matches!(if_match(&h), Ok(None)));
        h.insert(header::IF_MATCH, HeaderValue::from_static("W/\"3\""));
        assert!(matches!(if_match(&h), Ok(Some(3))));
        h.insert(header::IF_MATCH, HeaderValue::from_static("\"7\""));
        assert!(matches!(if_match(&h), Ok(Some(7))));
        h.insert(header::IF_MATCH, HeaderValue::from_static("banana"));
        assert!(if_match(&h).is_err());
    }

    #[test]
    fn dates_narrow_a_half_open_range_in_utc() {
        use time::macros::datetime;
        let range = |values: &[&str]| {
            let (mut from, mut before) = (None, None);
            for v in values {
                date_param(v, &mut from, &mut before).map_err(|o| o.0.status)?;
            }
            Ok::<_, u16>((from, before))
        };
        let day = datetime!(2026-11-22 00:00 UTC);
        let next = datetime!(2026-11-23 00:00 UTC);
        assert_eq!(range(&["2026-11-22"]), Ok((Some(day), Some(next))));
        assert_eq!(range(&["eq2026-11-22"]), Ok((Some(day), Some(next))));
        assert_eq!(range(&["ge2026-11-22"]), Ok((Some(day), None)));
        assert_eq!(range(&["gt2026-11-22"]), Ok((Some(next), None)));
        assert_eq!(range(&["le2026-11-22"]), Ok((None, Some(next))));
        assert_eq!(range(&["lt2026-11-22"]), Ok((None, Some(day))));
        // Repeated: the narrowest bounds win.
        assert_eq!(
            range(&[
                "ge2026-11-01",
                "ge2026-11-22",
                "le2026-11-30",
                "lt2026-11-23"
            ]),
            Ok((Some(day), Some(next)))
        );
        for bad in [
            "ne2026-11-22",
            "sa2026-11-22",
            "2026-11",
            "ge",
            "9999-12-31",
            "2026-11-22T10:00Z",
        ] {
            assert_eq!(range(&[bad]), Err(400), "{bad}");
        }
    }

    #[test]
    fn codes_may_name_their_system() {
        assert_eq!(
            code_param("http://loinc.org|44261-6").ok(),
            Some((Some("http://loinc.org".into()), "44261-6".into()))
        );
        assert_eq!(code_param("44261-6").ok(), Some((None, "44261-6".into())));
        assert_eq!(
            code_param("|44261-6").ok(),
            Some((Some(String::new()), "44261-6".into()))
        );
        for bad in ["", "http://loinc.org|", "a,b"] {
            assert!(code_param(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn questionnaires_are_named_by_url_or_reference() {
        assert_eq!(
            questionnaire_param("urn:tandem:questionnaire:phq9").ok(),
            Some("phq9".into())
        );
        assert_eq!(
            questionnaire_param("Questionnaire/gad7").ok(),
            Some("gad7".into())
        );
        for bad in ["phq9", "Questionnaire/", "http://example.org/phq9"] {
            assert!(questionnaire_param(bad).is_err(), "{bad}");
        }
    }
}
