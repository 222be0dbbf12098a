//! Patients, their demographics, and name search through a token index.

use crate::{Bind, Result, StoreError, Tx, bind_all, on_tx, parse_col, unique};
use sqlx::FromRow;
use tandem_core::ids::{OrgId, PatientId, UserId};
use tandem_core::mrn::Mrn;
use tandem_core::patient::{Address, Demographics, EmergencyContact, Patient, PatientQuery};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(FromRow)]
struct Row {
    id: Uuid,
    mrn: String,
    family_name: String,
    given_names: String,
    preferred_name: Option<String>,
    birth_date: Date,
    sex_at_birth: String,
    gender: String,
    gender_identity: Option<String>,
    pronouns: Option<String>,
    preferred_language: Option<String>,
    phone: Option<String>,
    address_line: Option<String>,
    city: Option<String>,
    state: Option<String>,
    postal_code: Option<String>,
    emergency_name: Option<String>,
    emergency_relationship: Option<String>,
    emergency_phone: Option<String>,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

const COLUMNS: &str = "p.id, p.mrn, p.family_name, p.given_names, p.preferred_name, p.birth_date, p.sex_at_birth, \
    p.gender, p.gender_identity, p.pronouns, p.preferred_language, p.phone, p.address_line, p.city, p.state, \
    p.postal_code, p.emergency_name, p.emergency_relationship, p.emergency_phone, p.version, p.created_at, p.updated_at";

impl TryFrom<Row> for Patient {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<Patient> {
        let emergency_contact = match (r.emergency_name, r.emergency_phone) {
            (Some(name), Some(phone)) => Some(EmergencyContact {
                name,
                relationship: r.emergency_relationship,
                phone,
            }),
            _ => None,
        };
        Ok(Patient {
            id: PatientId(r.id),
            mrn: parse_col::<Mrn>("patients.mrn", &r.mrn)?,
            demographics: Demographics {
                family_name: r.family_name,
                given_names: r.given_names,
                preferred_name: r.preferred_name,
                birth_date: r.birth_date,
                sex_at_birth: parse_col("patients.sex_at_birth", &r.sex_at_birth)?,
                gender: parse_col("patients.gender", &r.gender)?,
                gender_identity: r.gender_identity,
                pronouns: r.pronouns,
                preferred_language: r.preferred_language,
                phone: r.phone,
                address: Address {
                    line: r.address_line,
                    city: r.city,
                    state: r.state,
                    postal_code: r.postal_code,
                },
                emergency_contact,
            },
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

pub(crate) fn tokens_of(d: &Demographics) -> Vec<(String, &'static str)> {
    use tandem_core::patient::search_tokens;
    let mut out: Vec<(String, &'static str)> = Vec::new();
    let parts = [
        (Some(&d.family_name), "f"),
        (Some(&d.given_names), "g"),
        (d.preferred_name.as_ref(), "p"),
    ];
    for (text, kind) in parts {
        if let Some(t) = text {
            for tok in search_tokens(t) {
                if !out.iter().any(|(x, k)| *x == tok && *k == kind) {
                    out.push((tok, kind));
                }
            }
        }
    }
    out
}

async fn write_tokens(tx: &mut Tx, org: OrgId, id: PatientId, d: &Demographics) -> Result<()> {
    let toks = tokens_of(d);
    on_tx!(tx, c => {
        sqlx::query("DELETE FROM patient_name_tokens WHERE org_id = $1 AND patient_id = $2")
            .bind(org.0).bind(id.0).execute(&mut *c).await?;
        for (tok, kind) in &toks {
            sqlx::query("INSERT INTO patient_name_tokens (org_id, token, kind, patient_id) VALUES ($1, $2, $3, $4)")
                .bind(org.0).bind(tok).bind(*kind).bind(id.0).execute(&mut *c).await?;
        }
    });
    Ok(())
}

fn demographic_binds(d: &Demographics) -> Vec<Bind> {
    let ec = d.emergency_contact.as_ref();
    let opt = |v: Option<&String>| match v {
        Some(s) => Bind::Text(s.clone()),
        None => Bind::Text(String::new()),
    };
    vec![
        Bind::Text(d.family_name.clone()),
        Bind::Text(d.given_names.clone()),
        opt(d.preferred_name.as_ref()),
        Bind::Date(d.birth_date),
        Bind::Text(d.sex_at_birth.as_str().to_string()),
        Bind::Text(d.gender.as_str().to_string()),
        opt(d.gender_identity.as_ref()),
        opt(d.pronouns.as_ref()),
        opt(d.preferred_language.as_ref()),
        opt(d.phone.as_ref()),
        opt(d.address.line.as_ref()),
        opt(d.address.city.as_ref()),
        opt(d.address.state.as_ref()),
        opt(d.address.postal_code.as_ref()),
        opt(ec.map(|c| &c.name)),
        opt(ec.and_then(|c| c.relationship.as_ref())),
        opt(ec.map(|c| &c.phone)),
    ]
}

/// Optional text is stored as NULL, never as an empty string.
const OPTIONAL: [&str; 13] = [
    "preferred_name",
    "gender_identity",
    "pronouns",
    "preferred_language",
    "phone",
    "address_line",
    "city",
    "state",
    "postal_code",
    "emergency_name",
    "emergency_relationship",
    "emergency_phone",
    "given_names",
];

pub async fn insert(
    tx: &mut Tx,
    org: OrgId,
    id: PatientId,
    mrn: &Mrn,
    d: &Demographics,
    now: OffsetDateTime,
) -> Result<()> {
    let mut binds = vec![
        Bind::Uuid(org.0),
        Bind::Uuid(id.0),
        Bind::Text(mrn.to_string()),
    ];
    binds.extend(demographic_binds(d));
    binds.push(Bind::Int(1));
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO patients (org_id, id, mrn, family_name, given_names, preferred_name, birth_date, sex_at_birth, gender, \
         gender_identity, pronouns, preferred_language, phone, address_line, city, state, postal_code, emergency_name, \
         emergency_relationship, emergency_phone, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, {}, $7, $8, $9, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, $21, $22, $22)",
        nullif(6),
        nullif(10),
        nullif(11),
        nullif(12),
        nullif(13),
        nullif(14),
        nullif(15),
        nullif(16),
        nullif(17),
        nullif(18),
        nullif(19),
        nullif(20),
    ));
    on_tx!(tx, c => {
        let q = bind_all!(sqlx::query(sql), &binds);
        q.bind(now).execute(&mut *c).await.map_err(unique("MRN"))?;
    });
    write_tokens(tx, org, id, d).await
}

fn nullif(n: usize) -> String {
    format!("NULLIF(${n}, '')")
}

/// Replaces the demographics if the stored version is `expected_version`;
/// returns the new version, or `None` when the version did not match (or the
/// patient does not exist).
pub async fn update(
    tx: &mut Tx,
    org: OrgId,
    id: PatientId,
    expected_version: i64,
    d: &Demographics,
    now: OffsetDateTime,
) -> Result<Option<i64>> {
    let binds = demographic_binds(d);
    let cols = [
        "family_name",
        "given_names",
        "preferred_name",
        "birth_date",
        "sex_at_birth",
        "gender",
        "gender_identity",
        "pronouns",
        "preferred_language",
        "phone",
        "address_line",
        "city",
        "state",
        "postal_code",
        "emergency_name",
        "emergency_relationship",
        "emergency_phone",
    ];
    let sets: Vec<String> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if OPTIONAL.contains(c) && *c != "given_names" {
                format!("{c} = NULLIF(${}, '')", i + 1)
            } else {
                format!("{c} = ${}", i + 1)
            }
        })
        .collect();
    let n = cols.len();
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE patients SET {}, version = version + 1, updated_at = ${} \
         WHERE org_id = ${} AND id = ${} AND version = ${} RETURNING version",
        sets.join(", "),
        n + 1,
        n + 2,
        n + 3,
        n + 4
    ));
    let v: Option<i64> = on_tx!(tx, c => {
        let q = bind_all!(sqlx::query_scalar(sql), &binds);
        q.bind(now).bind(org.0).bind(id.0).bind(expected_version).fetch_optional(&mut *c).await?
    });
    if v.is_some() {
        write_tokens(tx, org, id, d).await?;
        crate::registry::sync_names(tx, org, id).await?;
    }
    Ok(v)
}

/// Holds the patient's row until commit, so writes that derive state from a
/// patient's history (trajectories, flags, the registry row) run one at a
/// time per patient. SQLite's single writer already orders them.
pub async fn lock(tx: &mut Tx, org: OrgId, id: PatientId) -> Result<()> {
    if let Tx::Postgres(t) = tx {
        sqlx::query("SELECT 1 FROM patients WHERE org_id = $1 AND id = $2 FOR UPDATE")
            .bind(org.0)
            .bind(id.0)
            .fetch_optional(&mut **t)
            .await?;
    }
    Ok(())
}

pub async fn get(tx: &mut Tx, org: OrgId, id: PatientId) -> Result<Option<Patient>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM patients p WHERE p.org_id = $1 AND p.id = $2"
    ));
    let row: Option<Row> =
        on_tx!(tx, c => sqlx::query_as(sql).bind(org.0).bind(id.0).fetch_optional(c).await?);
    row.map(Patient::try_from).transpose()
}

pub async fn by_mrn(tx: &mut Tx, org: OrgId, mrn: &str) -> Result<Option<Patient>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM patients p WHERE p.org_id = $1 AND p.mrn = $2"
    ));
    let row: Option<Row> =
        on_tx!(tx, c => sqlx::query_as(sql).bind(org.0).bind(mrn).fetch_optional(c).await?);
    row.map(Patient::try_from).transpose()
}

/// Whose patients a search may return.
#[derive(Clone, Copy, Debug)]
pub enum Scope {
    /// Every patient of the organization.
    Organization,
    /// Patients on whose care team this user is on `today`.
    CareTeamOf { user: UserId, today: Date },
}

/// One page of results and the number of matches in all.
#[derive(Clone, Debug)]
pub struct Page {
    pub patients: Vec<Patient>,
    pub total: u64,
}

/// The upper bound of a prefix range: every string that starts with `p`
/// sorts below `p` followed by the highest code point (byte order).
fn prefix_end(p: &str) -> String {
    format!("{p}\u{10FFFF}")
}

pub async fn search(tx: &mut Tx, org: OrgId, scope: Scope, q: &PatientQuery) -> Result<Page> {
    let mut binds = vec![Bind::Uuid(org.0)];
    let mut wh = vec!["p.org_id = $1".to_string()];
    let next = |binds: &mut Vec<Bind>, b: Bind| {
        binds.push(b);
        format!("${}", binds.len())
    };
    if let Scope::CareTeamOf { user, today } = scope {
        let u = next(&mut binds, Bind::Uuid(user.0));
        let t = next(&mut binds, Bind::Date(today));
        // With other filters, those drive the search and the care team is
        // checked per match through its (org, user, patient) index; with
        // none ("my patients"), the care team itself drives it.
        let narrowed = q.birth_date.is_some()
            || q.mrn.is_some()
            || !q.name_prefixes.is_empty()
            || q.family_prefix.is_some()
            || q.given_prefix.is_some();
        let active = format!("m.start_date <= {t} AND (m.end_date IS NULL OR m.end_date >= {t})");
        wh.push(if narrowed {
            format!(
                "EXISTS (SELECT 1 FROM care_team_members m WHERE m.org_id = p.org_id AND m.user_id = {u} \
                 AND m.patient_id = p.id AND {active})"
            )
        } else {
            format!(
                "p.id IN (SELECT m.patient_id FROM care_team_members m WHERE m.org_id = $1 AND m.user_id = {u} AND {active})"
            )
        });
    }
    if let Some(d) = q.birth_date {
        let b = next(&mut binds, Bind::Date(d));
        wh.push(format!("p.birth_date = {b}"));
    }
    if let Some(m) = &q.mrn {
        let b = next(&mut binds, Bind::Text(m.clone()));
        wh.push(format!("p.mrn = {b}"));
    }
    let mut prefixes: Vec<(String, Option<&str>)> =
        q.name_prefixes.iter().map(|p| (p.clone(), None)).collect();
    if let Some(f) = &q.family_prefix {
        prefixes.extend(
            tandem_core::patient::search_tokens(f)
                .into_iter()
                .map(|t| (t, Some("f"))),
        );
    }
    if let Some(g) = &q.given_prefix {
        prefixes.extend(
            tandem_core::patient::search_tokens(g)
                .into_iter()
                .map(|t| (t, Some("g"))),
        );
    }
    for (p, kind) in prefixes {
        let lo = next(&mut binds, Bind::Text(p.clone()));
        let hi = next(&mut binds, Bind::Text(prefix_end(&p)));
        let kind_clause = match kind {
            Some(k) => format!(" AND t.kind = '{k}'"),
            None => String::new(),
        };
        wh.push(format!(
            "p.id IN (SELECT t.patient_id FROM patient_name_tokens t WHERE t.org_id = $1 AND t.token >= {lo} AND t.token < {hi}{kind_clause})"
        ));
    }
    let where_sql = wh.join(" AND ");
    let count_sql =
        sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM patients p WHERE {where_sql}"));
    let total: i64 =
        on_tx!(tx, c => bind_all!(sqlx::query_scalar(count_sql), &binds).fetch_one(&mut *c).await?);
    let limit = next(&mut binds, Bind::Int(i64::from(q.limit)));
    let offset = next(&mut binds, Bind::Int(i64::from(q.offset)));
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM patients p WHERE {where_sql} \
         ORDER BY lower(p.family_name), lower(p.given_names), p.id LIMIT {limit} OFFSET {offset}"
    ));
    let rows: Vec<Row> =
        on_tx!(tx, c => bind_all!(sqlx::query_as(sql), &binds).fetch_all(&mut *c).await?);
    Ok(Page {
        patients: rows
            .into_iter()
            .map(Patient::try_from)
            .collect::<Result<_>>()?,
        total: total.max(0) as u64,
    })
}

/// Number of patients in the organization.
pub async fn count(tx: &mut Tx, org: OrgId) -> Result<u64> {
    let n: i64 = on_tx!(tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM patients WHERE org_id = $1").bind(org.0).fetch_one(c).await?);
    Ok(n.max(0) as u64)
}
