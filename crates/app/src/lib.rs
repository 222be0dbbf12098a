//! Use cases. Each public method of [`App`] is one thing a person does, run
//! as one transaction: check who is asking and whether they may, apply the
//! core rules, persist, and append the audit entry, which commits with the
//! change or not at all. Denied attempts are audited too.
#![forbid(unsafe_code)]

mod accounts;
mod audit_log;
mod auth;
mod care_plan;
mod care_team;
mod diagnoses;
mod education;
mod episodes_of_care;
mod error;
mod intake;
mod measurement;
mod medications;
mod monitoring;
mod otp;
mod patients;
mod plan_from_intake;
mod practitioners;
mod records;
mod registry;
mod seed;
pub mod synthetic;

pub use accounts::{NewAccount, TokenIssued};
pub use audit_log::{AuditPage, VerifyReport};
pub use auth::{Authenticated, LoginError, LoginSuccess};
pub use care_plan::{CarePlanView, Comparison, GoalView, PlanCard, PlanChoices};
pub use diagnoses::{Diagnoses, DiagnosisChange};
pub use education::{ChosenLeaflet, PatientEducation, PlanSummary};
pub use episodes_of_care::CareSummary;
pub use error::{AppError, Forbidden, Result};
pub use intake::{
    Choice, DecidedPathway, DecisionRecord, DecisionRequest, Intake, LastUseRecord, Packet,
    PacketItem, PacketResult, StoredAssessment,
};
pub use measurement::{ChartMeasures, Recorded, Source, Submission, parse_answers};
pub use medications::{
    DetectedIssue, DoseHistoryStep, MedicationChart, MedicationOrder, OrderIndication,
    OrderOutcome, fmt_qty, taper,
};
pub use monitoring::{
    AdherenceEntry, AncReminder, DrugScreenRecord, LabObservation, LabRange, LabResult,
    MonitoringView, ScorePoint, SideEffectEntry, opioid_positive,
};
pub use otp::{
    DoseRecord, DoseRecorded, LOG_DAYS, MissedDosesSetting, NewDose, OtpChart, OtpOrder,
    TakeHomeReview,
};
pub use patients::{Chart, PatientPage};
pub use registry::{RegistryFilter, RegistryLine, RegistryPage};
pub use seed::{PreparedSeed, SeedPatient, SeedReport, SeedStaff};
pub use tandem_store::audit::Filter as AuditFilter;
pub use tandem_store::care_team::Member;
pub use tandem_store::conditions::Condition;
pub use tandem_store::education::Given as EducationGiven;
pub use tandem_store::episodes::{EpisodeOfCare, LevelChange};
pub use tandem_store::flags::{Acknowledgement, Flag, Notification};
pub use tandem_store::grants::Grant;
pub use tandem_store::measures::{MeasureStatus, Observation, ObservationQuery, Response};
pub use tandem_store::otp::TakeHomeDayRow;
pub use tandem_store::registry::Sort as RegistrySort;
pub use tandem_store::users::User;
pub use tandem_store::{Backend, PoolStats, Store, StoreError};

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use tandem_core::audit::{AuditRecord, Channel, Outcome};
use tandem_core::auth::{LoginThrottle, SessionPolicy};
use tandem_core::clock::Clock;
use tandem_core::diagnosis::DiagnosisList;
use tandem_core::entropy::Entropy;
use tandem_core::ids::{DEFAULT_ORG, OrgId, PatientId, UserId};
use tandem_core::instrument::Library;
use tandem_core::program::Programs;
use tandem_core::role::Role;
use tandem_core::trajectory::TrajectoryRules;
use time::{Duration, OffsetDateTime};

/// Settings a clinic may change; the defaults are documented where they are set.
#[derive(Clone, Debug)]
pub struct Settings {
    pub clinic_name: String,
    pub session: SessionPolicy,
    pub throttle: LoginThrottle,
    /// How long a break-the-glass grant lasts.
    pub break_glass: Duration,
    /// Lifetime of an API token when none is given.
    pub token_days: i64,
    /// Treat-to-target rules; `None` uses the shipped
    /// `content/measurement/trajectory.toml`.
    pub trajectory: Option<TrajectoryRules>,
    /// The band model each instrument uses where its file offers several
    /// (instrument id → model id); the file's default otherwise.
    pub band_models: BTreeMap<String, String>,
    /// Programs, levels of care and intake packets, as the text of a
    /// programs file; `None` uses the shipped `content/intake/programs.toml`.
    pub programs: Option<String>,
    /// ASAM dimension names and level-of-care suggestion rules, as the text
    /// of a file; `None` uses the shipped `content/intake/asam.toml`.
    pub asam_rules: Option<String>,
    /// Pathway recommendation rules, as the text of a file; `None` uses the
    /// shipped `content/intake/pathway.toml`.
    pub pathway_rules: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            clinic_name: "Tandem clinic".into(),
            session: SessionPolicy::default(),
            throttle: LoginThrottle::default(),
            // Long enough to handle one urgent situation; a new need means a new reason.
            break_glass: Duration::hours(1),
            token_days: 90,
            trajectory: None,
            band_models: BTreeMap::new(),
            programs: None,
            asam_rules: None,
            pathway_rules: None,
        }
    }
}

/// A signed-in staff member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub org: OrgId,
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

/// A staff member acting through one channel.
#[derive(Clone, Debug)]
pub struct Caller {
    pub actor: Actor,
    pub channel: Channel,
}

/// Someone at the server's command line (no account): user and token
/// administration, audit verification.
#[derive(Clone, Debug)]
pub struct Operator {
    /// The operating-system user, for the audit log.
    pub name: String,
}

/// The application: a store, a clock, a source of randomness and settings.
#[derive(Clone)]
pub struct App {
    store: Store,
    clock: Arc<dyn Clock>,
    entropy: Arc<dyn Entropy>,
    settings: Arc<Settings>,
    org: OrgId,
    instruments: Arc<Library>,
    trajectory: Arc<TrajectoryRules>,
    programs: Arc<Programs>,
    education: Arc<tandem_core::education::Library>,
    intake: Arc<intake::IntakeRules>,
    diagnoses: Arc<DiagnosisList>,
    /// The medication catalog and safety rules, read once at start-up.
    medication: Arc<tandem_core::medication::MedicationSafety>,
    address_failures: Arc<Mutex<HashMap<String, (u32, OffsetDateTime)>>>,
}

impl App {
    /// Connects, migrates, and makes sure the organization exists.
    pub async fn open(
        database_url: &str,
        clock: Arc<dyn Clock>,
        entropy: Arc<dyn Entropy>,
        settings: Settings,
    ) -> Result<App> {
        let store = Store::connect(database_url).await?;
        Self::with_store(store, clock, entropy, settings).await
    }

    pub async fn with_store(
        store: Store,
        clock: Arc<dyn Clock>,
        entropy: Arc<dyn Entropy>,
        settings: Settings,
    ) -> Result<App> {
        store.migrate().await?;
        store.optimize().await?;
        let instruments = Library::from_files(tandem_content::INSTRUMENTS.iter().copied())
            .map_err(|e| AppError::Configuration(format!("instrument file {e}")))?;
        for (inst, model) in &settings.band_models {
            let i = instruments.get(inst).ok_or_else(|| {
                AppError::Configuration(format!(
                    "band model setting names the unknown instrument {inst:?}"
                ))
            })?;
            if !i.band_models.iter().any(|m| &m.id == model) {
                let known: Vec<&str> = i.band_models.iter().map(|m| m.id.as_str()).collect();
                return Err(AppError::Configuration(format!(
                    "{inst} has no band model {model:?} (known: {})",
                    known.join(", ")
                )));
            }
        }
        let trajectory = match &settings.trajectory {
            Some(t) => t.clone(),
            None => TrajectoryRules::parse(tandem_content::TRAJECTORY).map_err(|e| {
                AppError::Configuration(format!("content/measurement/trajectory.toml: {e}"))
            })?,
        };
        let programs_text = settings
            .programs
            .as_deref()
            .unwrap_or(tandem_content::PROGRAMS);
        let programs = Programs::parse(programs_text, |i| instruments.get(i).is_some())
            .map_err(|e| AppError::Configuration(format!("programs file: {e}")))?;
        let education =
            tandem_core::education::Library::from_files(tandem_content::EDUCATION.iter().copied())
                .map_err(|e| AppError::Configuration(format!("education leaflet {e}")))?;
        let intake = intake::IntakeRules::load(&settings, &instruments)?;
        let diagnoses = DiagnosisList::parse(tandem_content::DIAGNOSES)
            .map_err(|e| AppError::Configuration(format!("content/diagnoses/icd10cm.toml: {e}")))?;
        let medication = tandem_core::medication::MedicationSafety::parse(
            &tandem_core::medication::ContentTexts {
                catalog: tandem_content::MEDICATION_CATALOG,
                interactions: tandem_content::MEDICATION_INTERACTIONS,
                dose_limits: tandem_content::MEDICATION_DOSE_LIMITS,
                prerequisites: tandem_content::MEDICATION_PREREQUISITES,
                take_home: tandem_content::MEDICATION_TAKE_HOME,
                settings: tandem_content::MEDICATION_SETTINGS,
                side_effects: tandem_content::MEDICATION_SIDE_EFFECTS,
            },
        )
        .map_err(|e| AppError::Configuration(format!("medication content {e}")))?;
        let app = App {
            medication: Arc::new(medication),
            education: Arc::new(education),
            intake: Arc::new(intake),
            trajectory: Arc::new(trajectory),
            diagnoses: Arc::new(diagnoses),
            programs: Arc::new(programs),
            store,
            clock,
            entropy,
            settings: Arc::new(settings),
            org: DEFAULT_ORG,
            instruments: Arc::new(instruments),
            address_failures: Arc::new(Mutex::new(HashMap::new())),
        };
        let mut tx = app.store.begin().await?;
        tandem_store::org::ensure(&mut tx, app.org, &app.settings.clinic_name, app.now()).await?;
        tx.commit().await?;
        Ok(app)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn now(&self) -> OffsetDateTime {
        tandem_core::clock::truncate(self.clock.now())
    }

    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    pub fn entropy(&self) -> &dyn Entropy {
        self.entropy.as_ref()
    }

    pub fn org(&self) -> OrgId {
        self.org
    }

    /// The treat-to-target rules in force.
    pub fn trajectory_rules(&self) -> &TrajectoryRules {
        &self.trajectory
    }

    /// Programs, their levels of care and intake packets.
    pub fn programs(&self) -> &Programs {
        &self.programs
    }

    /// The instrument library, checked when the app opened.
    pub fn instruments(&self) -> &Library {
        &self.instruments
    }

    fn record(&self, caller: &Caller, action: &str, outcome: Outcome) -> AuditRecord {
        AuditRecord {
            org: caller.actor.org,
            at: self.now(),
            actor_id: Some(caller.actor.user_id),
            actor: caller.actor.username.clone(),
            actor_role: caller.actor.role.as_str().to_string(),
            channel: caller.channel.as_str().to_string(),
            action: action.to_string(),
            patient_id: None,
            resource: None,
            purpose: None,
            detail: None,
            outcome: outcome.as_str().to_string(),
        }
    }

    fn operator_record(&self, op: &Operator, action: &str, outcome: Outcome) -> AuditRecord {
        AuditRecord {
            org: self.org,
            at: self.now(),
            actor_id: None,
            actor: format!("cli:{}", op.name),
            actor_role: "operator".into(),
            channel: Channel::Cli.as_str().to_string(),
            action: action.to_string(),
            patient_id: None,
            resource: None,
            purpose: None,
            detail: None,
            outcome: outcome.as_str().to_string(),
        }
    }
}

fn patient_ref(id: PatientId) -> String {
    format!("Patient/{id}")
}
