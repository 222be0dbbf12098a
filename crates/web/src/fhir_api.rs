//! The FHIR R4 API at `/fhir/r4`: bearer tokens in, `tandem_fhir` for the
//! JSON, `app` for everything else. Every failure is an OperationOutcome.

use crate::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Router, middleware};
use serde_json::Value;
use tandem_app::{AppError, Caller, Forbidden};
use tandem_core::ids::{PatientId, UserId};
use tandem_core::patient::{Patient, PatientQuery, parse_date};
use tandem_fhir::outcome::{FhirError, IssueCode};
use tandem_fhir::{FHIR_JSON, MRN_SYSTEM};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/metadata", get(metadata))
        .route("/Patient", get(search_patients).post(create_patient))
        .route("/Patient/{id}", get(read_patient).put(update_patient))
        .route("/Practitioner", get(search_practitioners))
        .route("/Practitioner/{id}", get(read_practitioner))
        .route("/CareTeam", get(search_care_teams))
        .route("/CareTeam/{id}", get(read_care_team))
        .route("/Questionnaire", get(search_questionnaires))
        .route("/Questionnaire/{id}", get(read_questionnaire))
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
            AppError::Response(problems) => Outcome(FhirError {
                status: 422,
                issues: problems
                    .iter()
                    .map(|p| {
                        let expr = match p.item() {
                            "" => "QuestionnaireResponse".to_string(),
                            item => format!("QuestionnaireResponse.item.where(linkId='{item}')"),
                        };
                        tandem_fhir::outcome::Issue::error(
                            IssueCode::Invalid,
                            p.to_string(),
                            Some(expr),
                        )
                    })
                    .collect(),
            }),
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
        let Paging { count, offset } = search.paging;
        let entries = all
            .iter()
            .skip(offset as usize)
            .take(count as usize)
            .map(practitioner_json)
            .collect();
        Ok::<_, Outcome>(search.bundle(&headers, "Practitioner", all.len() as u64, entries))
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
            "patient" | "subject" => {
                let id = v.strip_prefix("Patient/").unwrap_or(v);
                let pid = id.parse::<PatientId>().map_err(|_| {
                    err(
                        400,
                        IssueCode::Invalid,
                        format!("{k} must be a Patient id (got {v:?})"),
                        None,
                    )
                })?;
                patient = Some(pid);
                Ok(())
            }
            _ => Err(unknown_param(k, "CareTeam")),
        })?;
        let Some(pid) = patient else {
            let msg = "CareTeam search needs the patient parameter";
            return Err(err(400, IssueCode::Required, msg, None));
        };
        // One CareTeam per patient: the search finds it or nothing.
        let found = match care_team_json(&s, &c, pid).await {
            Ok(v) => vec![v],
            Err(Outcome(e)) if e.status == 404 => vec![],
            Err(e) => return Err(e),
        };
        let total = found.len() as u64;
        let Paging { count, offset } = search.paging;
        let entries = found
            .into_iter()
            .skip(offset as usize)
            .take(count as usize)
            .collect();
        Ok::<_, Outcome>(search.bundle(&headers, "CareTeam", total, entries))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
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
        let Paging { count, offset } = search.paging;
        let entries = found
            .iter()
            .skip(offset as usize)
            .take(count as usize)
            .map(|i| tandem_fhir::questionnaire::questionnaire_to_json(i))
            .collect();
        Ok::<_, Outcome>(search.bundle(&headers, "Questionnaire", found.len() as u64, entries))
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
}
